// The traffic planner: a wave's units x the releases' traffic -> per cluster,
// per changed canary track, the drain before its upgrade, the steps with their
// holds after its gate, and the restore on failure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReleaseSpec, TrafficSpec } from '../../../src/model/spec.ts';
import { finalWeights, planWaveTraffic } from '../../../src/traffic/plan.ts';
import type { TrafficUnit, TrackTraffic } from '../../../src/traffic/plan.ts';
import { describeTrackTraffic } from '../../../src/traffic/router.ts';

const pos = { file: 'releases/account.yaml', line: 1, col: 1 };
const layer = { values: [], set: {}, pos };

function release(name: string, traffic?: TrafficSpec, tracks = ['internal', 'free', 'paid', 'production']): ReleaseSpec {
  return { name, namespace: 'accounts', file: pos.file, chart: { ref: 'charts/web', pos }, base: layer, tracks: Object.fromEntries(tracks.map((t) => [t, layer])), clusters: [], health: {}, repositories: [], ignoreDifferences: [], pos, ...(traffic ? { traffic } : {}) };
}

const ANALYSIS = {
  prometheus: { url: 'http://prometheus:9090', query: 'sum(rate(errors{track="{{track}}",cluster="{{cluster}}",release="{{release}}"}[1m]))', max: 0.5 },
  http: [{ url: 'https://{{cluster}}.example.com/{{track}}/healthz', expectStatus: 200 }],
  intervalMs: 10_000,
};

const GATEWAY: TrafficSpec = {
  router: { kind: 'gateway-api', route: { name: 'account-service', namespace: 'accounts' }, pos },
  stable: 'production',
  service: '{release}-{track}',
  tracks: {
    internal: { weight: 100, steps: [100], pauseMs: 0, pos },
    free: { weight: 5, steps: [1, 2, 5], pauseMs: 120_000, pos },
    paid: { weight: 5, steps: [5], pauseMs: 60_000, pos },
  },
  analysis: ANALYSIS,
  pos,
};

const unit = (track: string | undefined, cluster: string, action: TrafficUnit['action'] = 'upgrade', rel = 'account-service'): TrafficUnit => ({
  release: rel,
  track,
  cluster,
  namespace: 'accounts',
  helmName: track ? `${rel}-${track}` : rel,
  action,
});

const moves = (t: TrackTraffic) => t.after.map((m) => (m.kind === 'set-weight' ? `set ${m.weight} (${m.step?.index}/${m.step?.of})` : `hold ${m.weight} ${m.pauseMs}ms`));

describe('traffic planner', () => {
  const releases = [release('account-service', GATEWAY), release('edge', undefined, [])];

  it('a changed canary track: 0 before its upgrade, the steps with their holds after its gate, 0 on failure', () => {
    const [paris] = planWaveTraffic({ releases, units: [unit('free', 'paris')] });
    const free = paris!.tracks[0]!;
    assert.equal(paris!.cluster, 'paris');
    assert.equal(free.unit, 'paris/accounts/account-service-free');
    assert.equal(free.final, 5);
    assert.deepEqual(free.before, [{ kind: 'set-weight', release: 'account-service', track: 'free', cluster: 'paris', weight: 0, phase: 'drain' }]);
    assert.deepEqual(moves(free), ['set 1 (1/3)', 'hold 1 120000ms', 'set 2 (2/3)', 'hold 2 120000ms', 'set 5 (3/3)', 'hold 5 120000ms']);
    assert.deepEqual(free.onFailure, { kind: 'set-weight', release: 'account-service', track: 'free', cluster: 'paris', weight: 0, phase: 'restore' });
    assert.deepEqual(free.router, { kind: 'gateway-api', cluster: 'paris', route: { name: 'account-service', namespace: 'accounts' }, services: { internal: 'account-service-internal', free: 'account-service-free', paid: 'account-service-paid' }, stableService: 'account-service-production' });
  });

  it('the analysis of each hold has cluster, track and release filled in', () => {
    const [paris] = planWaveTraffic({ releases, units: [unit('free', 'paris')] });
    const hold = paris!.tracks[0]!.after[1]!;
    assert.equal(hold.kind, 'analysis-pause');
    assert.deepEqual(hold.kind === 'analysis-pause' ? hold.analysis : undefined, {
      prometheus: { url: 'http://prometheus:9090', query: 'sum(rate(errors{track="free",cluster="paris",release="account-service"}[1m]))', max: 0.5 },
      http: [{ url: 'https://paris.example.com/free/healthz', expectStatus: 200 }],
      intervalMs: 10_000,
    });
  });

  it('the stable track, unchanged tracks, other releases and track-less units move no weight', () => {
    const units = [unit('production', 'paris'), unit('paid', 'paris', 'unchanged'), unit(undefined, 'paris', 'upgrade', 'edge')];
    assert.deepEqual(planWaveTraffic({ releases, units }), []);
  });

  it('cluster by cluster in the order of the wave, each track of the wave on its own', () => {
    const units = [unit('free', 'paris'), unit('paid', 'paris', 'install'), unit('free', 'gke'), unit('paid', 'gke', 'unchanged')];
    const out = planWaveTraffic({ releases, units });
    assert.deepEqual(out.map((c) => [c.cluster, c.tracks.map((t) => t.track)]), [['paris', ['free', 'paid']], ['gke', ['free']]]);
  });

  it('an uninstalled track is drained and stays at 0', () => {
    const [paris] = planWaveTraffic({ releases, units: [unit('paid', 'paris', 'uninstall')] });
    assert.deepEqual(paris!.tracks[0]!.before.map((m) => m.weight), [0]);
    assert.deepEqual(paris!.tracks[0]!.after, []);
  });

  it('no pause and no analysis: the steps are set one after the other, nothing held', () => {
    const plain: TrafficSpec = { ...GATEWAY, tracks: { internal: { weight: 100, steps: [50, 100], pauseMs: 0, pos } } };
    delete plain.analysis;
    const [paris] = planWaveTraffic({ releases: [release('account-service', plain)], units: [unit('internal', 'paris')] });
    assert.deepEqual(moves(paris!.tracks[0]!), ['set 50 (1/2)', 'set 100 (2/2)']);
  });

  it('a helm-values router: the router release in its own namespace, each track at its values path', () => {
    const hv: TrafficSpec = { ...GATEWAY, router: { kind: 'helm-values', release: 'haproxy', value: 'services.{release}.{track}.weight' } };
    const router = { ...release('haproxy', undefined, []), namespace: 'edge' };
    delete router.tracks;
    const [paris] = planWaveTraffic({ releases: [release('account-service', hv), router], units: [unit('paid', 'paris')] });
    assert.deepEqual(paris!.tracks[0]!.router, {
      kind: 'helm-values',
      cluster: 'paris',
      release: 'haproxy',
      namespace: 'edge',
      helmName: 'haproxy',
      paths: { internal: 'services.account-service.internal.weight', free: 'services.account-service.free.weight', paid: 'services.account-service.paid.weight' },
    });
  });

  it('final weights, and the line plan shows', () => {
    assert.deepEqual(finalWeights(GATEWAY), { internal: 100, free: 5, paid: 5 });
    const [paris] = planWaveTraffic({ releases, units: [unit('free', 'paris')] });
    assert.equal(
      describeTrackTraffic(paris!.tracks[0]!, 5),
      'weight free on paris (HTTPRoute accounts/account-service on paris): 5 -> 0 before the upgrade; after the gate: 1 -> hold 2m, analysis -> 2 -> hold 2m, analysis -> 5 -> hold 2m, analysis; 0 if a step fails',
    );
  });
});
