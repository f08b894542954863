import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepoOrThrow } from '../../../src/config/load.ts';
import { unitId } from '../../../src/model/identity.ts';
import type { ClusterSpec, ClustersFileSpec, DeployRepo, ReleaseSpec } from '../../../src/model/spec.ts';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import { expandUnits } from '../../../src/model/units.ts';
import { assignWaves, effectiveWaves, waveHealth, waveHealthOf } from '../../../src/model/waves.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const pos = { file: 't', line: 1, col: 1 };

function cluster(name: string, extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return { name, context: name, provider: extra.provider ?? 'onprem', region: 'eu', labels: {}, pos, ...extra };
}

function config(clusters: ClusterSpec[], tracks: string[], waves?: ClustersFileSpec['waves']): ClustersFileSpec {
  return { file: 'clusters.yaml', root: '/', repoName: 'deploy', clusters, tracks, waves: waves ?? [], wavesGiven: waves !== undefined, health: DEFAULT_HEALTH, onFailure: 'rollback', cascadeValues: 'auto', repositories: [] };
}

function release(name: string, extra: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return {
    name,
    namespace: 'ns',
    file: `releases/${name}.yaml`,
    chart: { ref: './c', pos },
    base: { values: [], set: {}, pos },
    clusters: [],
    health: {},
    repositories: [],
    pos,
    ...extra,
    ignoreDifferences: extra.ignoreDifferences ?? [],
  };
}

const layer = { values: [], set: {}, pos };

/** Waves rendered as `wave: step0 units | step1 units`, each unit as cluster/helmName. */
function show(repo: DeployRepo): string[] {
  const { waves, unassigned } = assignWaves(repo.config, expandUnits(repo));
  assert.deepEqual(unassigned, []);
  return waves.map((w) => `${w.name}: ${w.steps.map((s) => s.map((u) => `${u.cluster}/${u.helmName}`).join(' ')).join(' | ')}`);
}

describe('wave expansion', () => {
  it('without waves: one wave per track, in track order', () => {
    const repo = { config: config([cluster('a'), cluster('b')], ['canary', 'prod']), releases: [release('web', { tracks: { prod: layer, canary: layer } })] };
    assert.deepEqual(show(repo), ['canary: a/web-canary b/web-canary', 'prod: a/web-prod b/web-prod']);
  });

  it('without tracks: one wave over every cluster, helm release named after the release', () => {
    const repo = { config: config([cluster('a'), cluster('b')], []), releases: [release('web')] };
    assert.deepEqual(show(repo), ['all: a/web b/web']);
  });

  it('a track-less release rides with the last track, or with `track:`', () => {
    const repo = {
      config: config([cluster('a')], ['canary', 'prod']),
      releases: [release('gw'), release('tool', { rideWith: 'canary' })],
    };
    assert.deepEqual(show(repo), ['canary: a/tool', 'prod: a/gw']);
  });

  it('a failover goes one step after its primary when both are in the wave; chains go deeper', () => {
    const clusters = [cluster('gke-b', { provider: 'gke', failoverFor: 'paris' }), cluster('paris'), cluster('gke-c', { provider: 'gke', failoverFor: 'gke-b' }), cluster('other')];
    const repo = { config: config(clusters, ['prod']), releases: [release('web')] };
    assert.deepEqual(show(repo), ['prod: paris/web other/web | gke-b/web | gke-c/web']);
  });

  it('a failover whose primary is in another wave is not delayed', () => {
    const clusters = [cluster('paris'), cluster('gke-b', { provider: 'gke', failoverFor: 'paris' })];
    const waves = [
      { name: 'onprem', tracks: ['prod'], clusters: { provider: 'onprem' }, pos },
      { name: 'gke', tracks: ['prod'], clusters: { provider: 'gke' }, pos },
    ];
    const repo = { config: config(clusters, ['prod'], waves), releases: [release('web')] };
    assert.deepEqual(show(repo), ['onprem: paris/web', 'gke: gke-b/web']);
  });

  it('cluster patterns pick clusters; enabled:false keeps the unit as disabled (to uninstall)', () => {
    const repo = {
      config: config([cluster('gke-a'), cluster('gke-b'), cluster('paris')], []),
      releases: [
        release('web', {
          clusters: [
            { ...layer, pattern: 'gke-*', enabled: true, tracks: {} },
            { ...layer, pattern: 'gke-b', enabled: false, tracks: {} },
          ],
        }),
      ],
    };
    const units = expandUnits(repo);
    assert.deepEqual(units.map((u) => `${unitId(u)}:${u.enabled}`), ['gke-a/ns/web:true', 'gke-b/ns/web:false']);
  });

  it('value layers follow the documented precedence (docs/values.md): release < track < cluster (glob, then exact) < cluster track', () => {
    const repo = {
      config: config([cluster('gke-a')], ['canary']),
      releases: [
        release('web', {
          tracks: { canary: layer },
          clusters: [
            { ...layer, pattern: 'gke-a', enabled: true, tracks: { canary: layer } },
            { ...layer, pattern: 'gke-*', enabled: true, tracks: {} },
          ],
        }),
      ],
    };
    const [u] = expandUnits(repo);
    assert.deepEqual(u!.layers.map((l) => l.source), ['release', 'tracks.canary', 'clusters.gke-*', 'clusters.gke-a', 'clusters.gke-a.tracks.canary']);
  });

  it('wave soak and health override release and clusters.yaml defaults', () => {
    const repo = { config: config([cluster('a')], ['canary']), releases: [release('web', { health: { minReadyEndpoints: 2, soakMs: 1000 } })] };
    const [u] = expandUnits(repo);
    const h = waveHealth(u!, { name: 'w', tracks: ['canary'], soakMs: 600_000, pos });
    assert.equal(h.soakMs, 600_000);
    assert.equal(h.minReadyEndpoints, 2);
    assert.equal(h.timeoutMs, DEFAULT_HEALTH.timeoutMs);
  });

  it('the example repository: 4 waves, failover after primary in every wave that holds both', () => {
    const repo = loadDeployRepoOrThrow({ clustersFile: 'clusters.yaml', cwd: root });
    assert.deepEqual(show(repo), [
      'internal: onprem-paris/account-service-internal gke-us-east1/account-service-internal | gke-europe-west1/account-service-internal',
      'canary: onprem-paris/account-service-free onprem-paris/account-service-paid gke-us-east1/account-service-free gke-us-east1/account-service-paid | gke-europe-west1/account-service-free gke-europe-west1/account-service-paid',
      'production-onprem: onprem-paris/account-service-production onprem-paris/edge-gateway onprem-amsterdam/edge-gateway',
      'production-gke: gke-europe-west1/account-service-production gke-europe-west1/edge-gateway gke-us-east1/account-service-production gke-us-east1/edge-gateway',
    ]);
  });

  it('the order of a wave does not depend on the order units come in: clusters.yaml order, then release name, then track order', () => {
    const waves = [{ name: 'all', tracks: ['canary', 'prod'], pos }];
    const repo = { config: config([cluster('zeta'), cluster('alpha'), cluster('mid')], ['canary', 'prod'], waves), releases: [release('web', { tracks: { prod: layer, canary: layer } }), release('api', { tracks: { canary: layer, prod: layer } })] };
    const units = expandUnits(repo);
    const expected = ['zeta', 'alpha', 'mid'].flatMap((c) => [`${c}/api-canary`, `${c}/api-prod`, `${c}/web-canary`, `${c}/web-prod`]);
    for (const order of [units, [...units].reverse(), [...units.filter((_, i) => i % 2), ...units.filter((_, i) => i % 2 === 0)]]) {
      const { waves: planned } = assignWaves(repo.config, order);
      assert.deepEqual(planned.map((w) => w.steps.map((s) => s.map((u) => `${u.cluster}/${u.helmName}`))), [[expected]]);
    }
  });

  it('units no wave holds are returned as unassigned, in no wave', () => {
    const waves = [{ name: 'canary', tracks: ['canary'], pos }];
    const repo = { config: config([cluster('a'), cluster('b')], ['canary', 'prod'], waves), releases: [release('web', { tracks: { canary: layer, prod: layer } })] };
    const { waves: planned, unassigned } = assignWaves(repo.config, expandUnits(repo));
    assert.deepEqual(unassigned.map((u) => `${u.cluster}/${u.helmName}`), ['a/web-prod', 'b/web-prod']);
    assert.deepEqual(planned.map((w) => w.steps.flat().map((u) => `${u.cluster}/${u.helmName}`)), [['a/web-canary', 'b/web-canary']]);
  });

  it('a failover cycle (validation reports it, after placing the units in waves) does not hang; a failover of a cluster in the cycle still goes after it', () => {
    const clusters = [cluster('a', { failoverFor: 'b' }), cluster('b', { failoverFor: 'a' }), cluster('c', { failoverFor: 'a' })];
    const repo = { config: config(clusters, []), releases: [release('web')] };
    const { waves } = assignWaves(repo.config, expandUnits(repo));
    assert.deepEqual(waves.map((w) => w.steps.map((s) => s.map((u) => u.cluster))), [[['a', 'b'], ['c']]]);
  });

  it('a failover for a cluster clusters.yaml does not list (validation reports it, after placing the units in waves) goes in the first step', () => {
    const repo = { config: config([cluster('a'), cluster('b', { failoverFor: 'gone' })], []), releases: [release('web')] };
    const { waves } = assignWaves(repo.config, expandUnits(repo));
    assert.deepEqual(waves.map((w) => w.steps.map((s) => s.map((u) => u.cluster))), [[['a', 'b']]]);
  });

  it('default waves: one over everything without tracks, else one per track, each placed at the top of clusters.yaml', () => {
    const top = { file: 'clusters.yaml', line: 1, col: 1 };
    assert.deepEqual(effectiveWaves(config([cluster('a')], [])), [{ name: 'all', tracks: [], pos: top }]);
    assert.deepEqual(effectiveWaves(config([cluster('a')], ['canary', 'prod'])), [{ name: 'canary', tracks: ['canary'], pos: top }, { name: 'prod', tracks: ['prod'], pos: top }]);
    const given = [{ name: 'everything', tracks: ['canary', 'prod'], pos }];
    assert.equal(effectiveWaves(config([cluster('a')], ['canary', 'prod'], given)), given);
  });

  it('a wave without a soak keeps the base soak; its health settings override the base', () => {
    const base = { ...DEFAULT_HEALTH, soakMs: 5000, minReadyEndpoints: 1 };
    const h = waveHealthOf(base, { name: 'w', tracks: [], health: { minReadyEndpoints: 3 }, pos });
    assert.equal(h.soakMs, 5000);
    assert.equal(h.minReadyEndpoints, 3);
    assert.equal(h.timeoutMs, DEFAULT_HEALTH.timeoutMs);
  });
});
