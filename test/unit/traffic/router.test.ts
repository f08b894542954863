// The pieces every router shares: one queue per router (moves of one route or
// router release never cross, a failed move does not block the next), the
// router's name in messages, and the placeholders of queries, URLs, Service
// names and value paths.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { fillPlaceholders, trackService, unknownPlaceholders } from '../../../src/model/traffic.ts';
import type { TrafficSpec } from '../../../src/model/spec.ts';
import { KeyedQueue, routerKey, routerName } from '../../../src/traffic/router.ts';

describe('router queue', () => {
  it('runs the tasks of one key one after the other, in order; other keys do not wait', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([q.run('paris/route', task('a', 30)), q.run('paris/route', task('b', 1)), q.run('gke/route', task('c', 1))]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(log, ['start a', 'start c', 'end c', 'end a', 'start b', 'end b']);
  });

  it('a failed task fails its own caller only; the next one runs', async () => {
    const q = new KeyedQueue();
    const failed = q.run('k', async () => {
      throw new Error('409 conflict');
    });
    const next = q.run('k', async () => 'applied');
    await assert.rejects(failed, /409 conflict/);
    assert.equal(await next, 'applied');
  });

  it('names and keys: one per HTTPRoute or router release per cluster', () => {
    const route = { kind: 'gateway-api' as const, cluster: 'paris', route: { name: 'web', namespace: 'accounts' }, services: {}, stableService: 'web-production' };
    const release = { kind: 'helm-values' as const, cluster: 'paris', release: 'haproxy', namespace: 'edge', helmName: 'haproxy', paths: {} };
    assert.equal(routerName(route), 'HTTPRoute accounts/web on paris');
    assert.equal(routerName(release), 'router release edge/haproxy on paris');
    assert.notEqual(routerKey(route), routerKey({ ...route, cluster: 'gke' }));
    assert.notEqual(routerKey(route), routerKey(release));
  });
});

describe('traffic placeholders', () => {
  const vars = { cluster: 'paris', track: 'free', release: 'account' };
  it('fills {{...}} in queries and URLs, {...} in names and paths; unknown ones stay and are found with their offsets', () => {
    assert.equal(fillPlaceholders('errors{track="{{track}}",cluster="{{ cluster }}"}', vars, 'double'), 'errors{track="free",cluster="paris"}');
    assert.equal(fillPlaceholders('rate(x{job="{{job}}"}[1m])', vars, 'double'), 'rate(x{job="{{job}}"}[1m])');
    assert.equal(fillPlaceholders('services.{release}.{track}.weight', vars, 'single'), 'services.account.free.weight');
    assert.deepEqual(unknownPlaceholders('a {{env}} b {{track}} {{host}}', 'double'), [{ name: 'env', offset: 2 }, { name: 'host', offset: 22 }]);
    assert.deepEqual(unknownPlaceholders('sum(x{a="1"})', 'single'), [], 'PromQL braces are not placeholders');
  });

  it("a track's Service: the track's helm release unless `service` says otherwise", () => {
    const t = { service: '{release}-{track}' } as TrafficSpec;
    assert.equal(trackService(t, 'account-service', 'free'), 'account-service-free');
    assert.equal(trackService({ ...t, service: 'acct-{track}-svc' }, 'account-service', 'paid'), 'acct-paid-svc');
  });
});
