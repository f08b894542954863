// An HTTPRoute's weights: read per rule, changed for some tracks with the
// stable backendRef taking the rest (nothing else in the rules differs), and
// the problems validate --online refuses. The fixture is Bitmovin's layout.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { RouterRef } from '../../../src/traffic/plan.ts';
import { routeProblems, routeWeights, withWeights } from '../../../src/traffic/route-weights.ts';
import type { HttpRoute, RouteRule } from '../../../src/traffic/route-weights.ts';
import { weightDrift } from '../../../src/traffic/drift.ts';

const ROUTE = parse(readFileSync(join(import.meta.dirname, 'fixtures', 'httproute.yaml'), 'utf8')) as HttpRoute;
const REF: Extract<RouterRef, { kind: 'gateway-api' }> = {
  kind: 'gateway-api',
  cluster: 'paris',
  route: { name: 'account-service', namespace: 'accounts' },
  services: { internal: 'account-service-internal', free: 'account-service-free', paid: 'account-service-paid' },
  stableService: 'account-service-production',
};
const FINALS = { internal: 100, free: 5, paid: 5 };
const rules = () => structuredClone(ROUTE.spec!.rules!);
const weightsOf = (rs: RouteRule[]) => rs.map((r) => (r.backendRefs ?? []).map((b) => `${b.name}=${b.weight}`));

describe('HTTPRoute weights', () => {
  it('reads every canary track rule by rule', () => {
    assert.deepEqual(routeWeights(ROUTE, REF), [
      { track: 'free', weight: 5, where: 'HTTPRoute accounts/account-service rule 1' },
      { track: 'internal', weight: 100, where: 'HTTPRoute accounts/account-service rule 2' },
      { track: 'paid', weight: 5, where: 'HTTPRoute accounts/account-service rule 3' },
    ]);
  });

  it('a backendRef without a weight weighs 1; a track no rule names reads undefined', () => {
    const route: HttpRoute = { spec: { rules: [{ backendRefs: [{ name: 'account-service-free' }, { name: 'account-service-production' }] }] } };
    assert.deepEqual(routeWeights(route, REF), [
      { track: 'free', weight: 1, where: 'HTTPRoute accounts/account-service rule 1' },
      { track: 'internal', weight: undefined, where: 'HTTPRoute accounts/account-service (no backendRef names Service account-service-internal)' },
      { track: 'paid', weight: undefined, where: 'HTTPRoute accounts/account-service (no backendRef names Service account-service-paid)' },
    ]);
  });

  it('sets a track, the stable backendRef takes the rest; only weight fields differ', () => {
    const before = rules();
    const after = withWeights(before, REF, { free: 2 });
    assert.deepEqual(weightsOf(after), [
      ['account-service-free=2', 'account-service-production=98'],
      ['account-service-internal=100', 'account-service-production=0'],
      ['account-service-paid=5', 'account-service-production=95', 'legacy-account=0'],
    ]);
    const strip = (rs: RouteRule[]) => rs.map((r) => ({ ...r, backendRefs: (r.backendRefs ?? []).map(({ weight: _w, ...b }) => b) }));
    assert.deepEqual(strip(after), strip(before), 'matches, filters, names, ports, kinds untouched');
    assert.deepEqual(before, rules(), 'the input is not changed');
  });

  it('drains two tracks at once and puts one back', () => {
    const drained = withWeights(rules(), REF, { internal: 0, paid: 0 });
    assert.deepEqual(weightsOf(drained)[1], ['account-service-internal=0', 'account-service-production=100']);
    assert.deepEqual(weightsOf(drained)[2], ['account-service-paid=0', 'account-service-production=100', 'legacy-account=0']);
    assert.deepEqual(weightsOf(withWeights(drained, REF, { paid: 5 }))[2], ['account-service-paid=5', 'account-service-production=95', 'legacy-account=0']);
  });

  it('other backendRefs of a rule count: the stable one keeps the rule at 100', () => {
    const rs = rules();
    rs[2]!.backendRefs![2]!.weight = 10;
    assert.deepEqual(weightsOf(withWeights(rs, REF, { paid: 5 }))[2], ['account-service-paid=5', 'account-service-production=85', 'legacy-account=10']);
    assert.throws(() => withWeights(rs, REF, { paid: 95 }), /rule 3: the weights besides the stable Service's would add up to 105, over 100/);
  });

  it('a rule with a track and no stable backendRef cannot give its traffic away', () => {
    const rs: RouteRule[] = [{ backendRefs: [{ name: 'account-service-internal', weight: 100 }] }];
    assert.throws(() => withWeights(rs, REF, { internal: 0 }), /rule 1 has no backendRef for the stable Service account-service-production/);
  });

  it('backendRefs of another namespace or kind are not the track: a move that would change nothing is refused', () => {
    const rs: RouteRule[] = [{ backendRefs: [{ name: 'account-service-free', namespace: 'other', weight: 5 }, { name: 'account-service-free', kind: 'ServiceImport', group: 'multicluster.x-k8s.io', weight: 5 }, { name: 'account-service-production', weight: 90 }] }];
    assert.throws(() => withWeights(rs, REF, { free: 0 }), /^Error: HTTPRoute accounts\/account-service: no rule has a backendRef for track free \(Service account-service-free\); its weight cannot move$/);
    assert.throws(() => withWeights(rules(), REF, { canary: 0 }), /no rule has a backendRef for track canary; its weight cannot move/);
  });

  it('validate --online: the example route passes; each problem is named', () => {
    assert.deepEqual(routeProblems(ROUTE, REF, FINALS), []);
    const broken = structuredClone(ROUTE);
    broken.spec!.rules![0]!.backendRefs![1]!.weight = 90;
    broken.spec!.rules![1]!.backendRefs!.pop();
    broken.spec!.rules!.pop();
    assert.deepEqual(routeProblems(broken, REF, { ...FINALS, free: 5 }), [
      'HTTPRoute accounts/account-service: no rule has a backendRef for track paid (Service account-service-paid)',
      'HTTPRoute accounts/account-service rule 1: the weights add up to 95, not 100 (account-service-free=5, account-service-production=90)',
      'HTTPRoute accounts/account-service rule 2 has backendRefs for internal but none for the stable Service account-service-production',
    ]);
    const shared: HttpRoute = { spec: { rules: [{ backendRefs: [{ name: 'account-service-free', weight: 50 }, { name: 'account-service-paid', weight: 50 }, { name: 'account-service-production', weight: 0 }] }] } };
    assert.deepEqual(routeProblems(shared, REF, { internal: 100, free: 60, paid: 50 }).slice(-1), ['HTTPRoute accounts/account-service rule 1: the final weights of free, paid add up to 110, over 100']);
  });
});

describe('weight drift', () => {
  it('a live weight that is not the final one is drift, naming where it was read', () => {
    const moved = structuredClone(ROUTE);
    moved.spec!.rules![0]!.backendRefs![0]!.weight = 50;
    assert.deepEqual(weightDrift({ release: 'account-service', cluster: 'paris', finals: FINALS, readings: routeWeights(ROUTE, REF) }), []);
    assert.deepEqual(weightDrift({ release: 'account-service', cluster: 'paris', finals: FINALS, readings: routeWeights(moved, REF) }), [
      { release: 'account-service', cluster: 'paris', track: 'free', where: 'HTTPRoute accounts/account-service rule 1', want: 5, live: 50, message: 'weight of track free is 50, want 5 (HTTPRoute accounts/account-service rule 1)' },
    ]);
  });

  it('a weight the router does not hold is drift too', () => {
    const readings = [{ track: 'paid', weight: undefined, where: 'release edge/haproxy on paris value backends.paid.weight' }];
    assert.deepEqual(weightDrift({ release: 'a', cluster: 'paris', finals: FINALS, readings }).map((d) => d.message), ['weight of track paid is not set, want 5 (release edge/haproxy on paris value backends.paid.weight)']);
  });
});
