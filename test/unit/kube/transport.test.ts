// The transport's pure rules: which answers are retried and after how long
// (Retry-After honoured), the backoff, the limits, the proxy the environment
// names. Against real API servers: test/e2e/kube-transport.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { envProxy } from '../../../src/kube/connection.ts';
import { apiLimits } from '../../../src/kube/open.ts';
import { backoffMs, DEFAULT_API_LIMITS, retryAfterMs, retryDelay } from '../../../src/kube/transport.ts';

describe('transport rules', () => {
  it('Retry-After in seconds or as a date, capped at 30s; absent or unreadable: undefined', () => {
    assert.equal(retryAfterMs('1'), 1000);
    assert.equal(retryAfterMs(['2']), 2000);
    assert.equal(retryAfterMs('600'), 30_000);
    const now = Date.parse('2026-12-06T10:00:00Z');
    assert.equal(retryAfterMs('Sun, 06 Dec 2026 10:00:05 GMT', now), 5000);
    assert.equal(retryAfterMs(undefined), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
  });

  it('429 and 5xx with Retry-After are retried after it, whatever the method; reads also on 5xx without; never past 10 retries', () => {
    assert.equal(retryDelay('POST', 429, 1000, 0), 1000);
    assert.equal(retryDelay('PATCH', 503, 2000, 3), 2000);
    assert.ok(retryDelay('GET', 503, undefined, 0)! > 0);
    assert.ok(retryDelay('POST', 429, undefined, 0)! > 0, 'a 429 was not acted on: any method');
    assert.equal(retryDelay('POST', 500, undefined, 0), undefined, 'a write that failed with 500 may have been acted on');
    assert.equal(retryDelay('GET', 404, undefined, 0), undefined);
    assert.equal(retryDelay('GET', 409, 1000, 0), undefined);
    assert.equal(retryDelay('GET', 429, 1000, 10), undefined);
  });

  it('backoff doubles from 200ms up to 4s, with jitter in its upper half', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 9].map((a) => backoffMs(a, () => 1)), [200, 400, 800, 1600, 3200, 4000, 4000]);
    assert.equal(backoffMs(0, () => 0), 100);
  });

  it("limits: a cluster's own over the file's; unset or invalid ones are kubectl's defaults (5/s, burst 10)", () => {
    assert.deepEqual(apiLimits({}), DEFAULT_API_LIMITS);
    assert.deepEqual(DEFAULT_API_LIMITS, { qps: 5, burst: 10, concurrency: 16 });
    assert.deepEqual(apiLimits({ qps: 50, burst: 100.4, concurrency: 0 }), { qps: 50, burst: 100, concurrency: 16 });
  });

  it('$HTTPS_PROXY as Go reads it: $NO_PROXY hosts, domains and * excluded, loopback never proxied', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'internal.example,.corp,10.0.0.1' };
    assert.equal(envProxy(new URL('https://gke.example:443'), env), 'http://proxy:3128');
    assert.equal(envProxy(new URL('https://api.internal.example'), env), undefined);
    assert.equal(envProxy(new URL('https://k8s.corp'), env), undefined);
    assert.equal(envProxy(new URL('https://10.0.0.1:6443'), env), undefined);
    assert.equal(envProxy(new URL('https://127.0.0.1:6443'), env), undefined);
    assert.equal(envProxy(new URL('https://x.example'), { HTTPS_PROXY: 'http://p', NO_PROXY: '*' }), undefined);
    assert.equal(envProxy(new URL('https://x.example'), {}), undefined);
  });
});
