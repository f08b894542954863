import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runGate } from '../../../src/health/gate.ts';
import type { GateOptions } from '../../../src/health/gate.ts';
import { ownedRefs, specChangedRefs } from '../../../src/health/owned.ts';
import { LivePoller } from '../../../src/health/poller.ts';
import { checkHttp, checkPrometheus } from '../../../src/health/probes.ts';
import type { LiveObject } from '../../../src/model/objects.ts';
import type { HealthSpec } from '../../../src/model/spec.ts';
import { fixture, loadFixture } from './fixtures.ts';

const health: HealthSpec = { timeoutMs: 5_000, soakMs: 100, minReadyEndpoints: 1, maxRestarts: 0, http: [] };
const owned = [
  { kind: 'Deployment', namespace: 'shop', name: 'web' },
  { kind: 'Service', namespace: 'shop', name: 'web' },
];

function gate(list: () => LiveObject[], over: Partial<GateOptions> = {}) {
  const poller = new LivePoller({ ttlMs: 5, list: async () => list() });
  const opts: GateOptions = { unit: 'c/shop/web', reader: poller, owned, baseline: {}, specChanged: 'all', health, pollIntervalMs: 10, ...over };
  return { poller, run: () => runGate(opts) };
}

const healthyNs = () => [fixture('deployment-healthy'), fixture('pod-ready'), ...loadFixture('service-1-ready-endpoints')];

describe('runGate', () => {
  it('rolls out, soaks and passes', async () => {
    let reads = 0;
    const g = gate(() => (++reads < 3 ? [fixture('deployment-progressing'), fixture('pod-running-not-ready'), ...loadFixture('service-0-ready-endpoints')] : healthyNs()));
    const r = await g.run();
    assert.equal(r.phase, 'passed', r.reason);
    assert.equal(r.passed, true);
    assert.equal(r.unit, 'c/shop/web');
    assert.ok(r.durationMs >= 100, `soaked ${r.durationMs}ms`);
    assert.deepEqual(r.objects.map((o) => `${o.kind} ${o.status}`), ['Deployment Healthy', 'Service Healthy']);
  });

  it('fails fast on CrashLoopBackOff, with the pod, its reason and "no logs"', { timeout: 20_000 }, async (t) => {
    // The gate's clock stands still: it can only fail on what it sees, and
    // the duration it reports says it decided on its first look. (Were it
    // blind to the crash, it would poll until the test's timeout aborts it.)
    const g = gate(() => [fixture('deployment-progressing'), fixture('pod-crashloop'), ...loadFixture('service-0-ready-endpoints')], { now: () => 1_000, signal: t.signal });
    const r = await g.run();
    assert.equal(r.phase, 'failed');
    assert.equal(r.durationMs, 0);
    assert.match(r.reason, /pod web-7d9f-crash is in CrashLoopBackOff/);
    assert.equal(r.failingPods[0]?.name, 'web-7d9f-crash');
    assert.equal(r.failingPods[0]?.logs, 'no logs');
    assert.deepEqual([r.failingPods[0]?.namespace, r.failingPods[0]?.reason], ['shop', 'CrashLoopBackOff']);
    assert.match(r.failingPods[0]?.message ?? '', /^container web: back-off/);
  });

  it('times out with what is missing', async () => {
    const g = gate(() => [fixture('deployment-progressing'), ...loadFixture('service-1-ready-endpoints')], { health: { ...health, timeoutMs: 150 } });
    const r = await g.run();
    assert.equal(r.phase, 'failed');
    assert.match(r.reason, /^timed out after 0.1s waiting for rollout: Deployment web: Waiting for rollout to finish: 2 out of 3 new replicas/);
  });

  it('stops on abort with phase interrupted', async () => {
    const ac = new AbortController();
    const g = gate(() => [fixture('deployment-progressing')], { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const r = await g.run();
    assert.equal(r.phase, 'interrupted');
    assert.equal(r.passed, false);
  });

  it('fails after repeated read errors', async () => {
    const poller = new LivePoller({ ttlMs: 5, list: async () => { throw new Error('connection refused'); } });
    const r = await runGate({ unit: 'u', reader: poller, owned, baseline: {}, specChanged: 'all', health, pollIntervalMs: 10, maxReadErrorMs: 50 });
    assert.equal(r.phase, 'failed');
    assert.match(r.reason, /cannot read the live state of shop: connection refused/);
  });

  it('shares one read per namespace among concurrent gates', async () => {
    let reads = 0;
    // One frozen clock: the three gates start at the same instant.
    const now = () => 1_000;
    const poller = new LivePoller({ ttlMs: 1_000, list: async () => (reads++, healthyNs()), now });
    const opts: GateOptions = { unit: 'a', reader: poller, owned, baseline: {}, specChanged: 'all', health: { ...health, soakMs: 0 }, pollIntervalMs: 10, now };
    const rs = await Promise.all([runGate(opts), runGate({ ...opts, unit: 'b' }), runGate({ ...opts, unit: 'c' })]);
    assert.deepEqual(rs.map((r) => r.phase), ['passed', 'passed', 'passed']);
    assert.equal(reads, 1);
  });

  it('never reuses a snapshot read before the gate started', async () => {
    let reads = 0;
    const poller = new LivePoller({ ttlMs: 60_000, list: async () => (reads++, healthyNs()) });
    await poller.snapshot('shop', 0);
    await new Promise((r) => setTimeout(r, 5));
    const r = await runGate({ unit: 'a', reader: poller, owned, baseline: {}, specChanged: 'all', health: { ...health, soakMs: 0 }, pollIntervalMs: 10 });
    assert.equal(r.phase, 'passed');
    assert.equal(reads, 2);
  });
});

describe('probes', () => {
  let url = '';
  let promValue = '0.01';
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/api/v1/query?')) {
      const q = new URL(req.url, 'http://x').searchParams.get('query');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { job: 'web', q: q ?? '' }, value: [0, promValue] }] } }));
      return;
    }
    res.statusCode = req.url === '/healthz' ? 200 : 503;
    res.end('x');
  });
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('http: expected status passes, another fails, no answer fails', async () => {
    assert.deepEqual(await checkHttp({ url: `${url}/healthz`, expectStatus: 200 }), { name: `http ${url}/healthz`, ok: true, message: 'answered 200' });
    assert.equal((await checkHttp({ url: `${url}/down`, expectStatus: 200 })).message, 'answered 503, expected 200');
    assert.match((await checkHttp({ url: 'http://127.0.0.1:1/', expectStatus: 200 })).message, /^no answer: fetch failed/);
  });

  it('prometheus: value must stay at or under max', async () => {
    const spec = { url, query: 'sum(rate(errors[1m]))', max: 0.05 };
    const ok = await checkPrometheus(spec);
    assert.equal(ok.ok, true, ok.message);
    promValue = '0.2';
    const bad = await checkPrometheus(spec);
    assert.equal(bad.ok, false);
    assert.equal(bad.message, '{job="web",q="sum(rate(errors[1m]))"}0.2 > max 0.05');
  });

  it('a failing http check fails the soak', async () => {
    const g = gate(healthyNs, { health: { ...health, soakMs: 10_000, http: [{ url: `${url}/down`, expectStatus: 200 }] } });
    const r = await g.run();
    assert.equal(r.phase, 'failed');
    assert.equal(r.reason, `http ${url}/down failed during the soak: answered 503, expected 200`);
  });
});

describe('owned refs from manifests', () => {
  const v1 = `---
# Source: x/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec: { replicas: 1, template: { spec: { containers: [{ name: web, image: "web:1" }] } } }
---
apiVersion: v1
kind: Service
metadata: { name: web, labels: { v: "1" } }
spec: { selector: { app: web } }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: web }
`;
  const v2 = v1.replace('web:1', 'web:2').replace('v: "1"', 'v: "2"') + `---
apiVersion: v1
kind: ConfigMap
metadata: { name: extra, namespace: other }
`;
  it('lists namespaced objects with the release namespace as default', () => {
    assert.deepEqual(ownedRefs(v2, 'shop'), [
      { kind: 'Deployment', namespace: 'shop', name: 'web' },
      { kind: 'Service', namespace: 'shop', name: 'web' },
      { kind: 'ConfigMap', namespace: 'other', name: 'extra' },
    ]);
  });
  it('marks objects whose spec changed (label-only changes do not bump generation)', () => {
    assert.deepEqual([...specChangedRefs(v1, v2, 'shop')], ['Deployment/shop/web', 'ConfigMap/other/extra']);
  });
});
