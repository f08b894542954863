// The helm-values router's pure half: the router release's values for a set
// of weights (nothing else changes), the weights its values hold, and the
// final weights every release routed through it puts into its values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReleaseSpec, TrafficSpec } from '../../../src/model/spec.ts';
import { finalRouterValues, routerValues, valueAt, valuesWeights, withValueAt } from '../../../src/traffic/helm-values.ts';
import { weightPaths } from '../../../src/traffic/plan.ts';

const BASE = {
  bind: '*:8080',
  backends: {
    internal: { address: 'account-service-internal.accounts.svc:80', weight: 100 },
    free: { address: 'account-service-free.accounts.svc:80', weight: 5 },
    paid: { address: 'account-service-paid.accounts.svc:80' },
    production: { address: 'account-service-production.accounts.svc:80' },
  },
  groups: [{ header: 'FREE', track: 'free' }],
};
const PATHS = weightPaths('backends.{track}.weight', 'account-service', ['internal', 'free', 'paid']);
const REF = { kind: 'helm-values' as const, cluster: 'paris', release: 'haproxy', namespace: 'edge', helmName: 'haproxy', paths: PATHS };

describe('helm-values router values', () => {
  it('reads and writes a dotted path without touching anything else', () => {
    assert.equal(valueAt(BASE, 'backends.free.weight'), 5);
    assert.equal(valueAt(BASE, 'backends.paid.weight'), undefined);
    assert.equal(valueAt(BASE, 'bind.port'), undefined);
    const next = withValueAt(BASE, 'backends.paid.weight', 1);
    assert.deepEqual(next, { ...BASE, backends: { ...BASE.backends, paid: { address: 'account-service-paid.accounts.svc:80', weight: 1 } } });
    assert.equal(valueAt(BASE, 'backends.paid.weight'), undefined, 'the input is not changed');
    assert.deepEqual(withValueAt({}, 'a.b.c', 0), { a: { b: { c: 0 } } });
  });

  it("a set of weights lands at each track's path; tracks not given keep theirs", () => {
    const v = routerValues(BASE, PATHS, { free: 0, paid: 2 });
    assert.deepEqual(valuesWeights(v, REF), [
      { track: 'internal', weight: 100, where: 'release edge/haproxy on paris value backends.internal.weight' },
      { track: 'free', weight: 0, where: 'release edge/haproxy on paris value backends.free.weight' },
      { track: 'paid', weight: 2, where: 'release edge/haproxy on paris value backends.paid.weight' },
    ]);
    assert.deepEqual(v.groups, BASE.groups);
    assert.deepEqual(routerValues(BASE, PATHS, { canary: 3 }), BASE, 'a track without a path changes nothing');
  });

  it("the router's final values: every release routed through it, at its own paths", () => {
    const pos = { file: 'r.yaml', line: 1, col: 1 };
    const traffic = (value: string, weights: Record<string, number>): TrafficSpec => ({
      router: { kind: 'helm-values', release: 'haproxy', value },
      stable: 'production',
      service: '{release}-{track}',
      tracks: Object.fromEntries(Object.entries(weights).map(([t, weight]) => [t, { weight, steps: [weight], pauseMs: 0, pos }])),
      pos,
    });
    const rel = (name: string, t?: TrafficSpec) => ({ name, ...(t ? { traffic: t } : {}) }) as ReleaseSpec;
    const releases = [rel('account', traffic('services.{release}.{track}', { free: 5, paid: 5 })), rel('billing', traffic('services.{release}.{track}', { free: 10 })), rel('haproxy'), rel('other', { ...traffic('x.{track}', { free: 1 }), router: { kind: 'helm-values', release: 'envoy', value: 'x.{track}' } })];
    assert.deepEqual(finalRouterValues(releases, 'haproxy'), { 'services.account.free': 5, 'services.account.paid': 5, 'services.billing.free': 10 });
  });
});
