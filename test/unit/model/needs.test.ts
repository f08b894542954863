import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import { unitId } from '../../../src/model/identity.ts';
import { needEdges, needsLayers, needsOrder } from '../../../src/model/needs.ts';
import type { ClusterSpec, ClustersFileSpec, NeedSpec, ReleaseSpec } from '../../../src/model/spec.ts';
import { expandUnits } from '../../../src/model/units.ts';
import { assignWaves } from '../../../src/model/waves.ts';

const pos = { file: 't', line: 1, col: 1 };
const layer = { values: [], set: {}, pos };

function cluster(name: string): ClusterSpec {
  return { name, context: name, provider: 'onprem', region: 'eu', labels: {}, pos };
}

function config(clusters: string[], tracks: string[]): ClustersFileSpec {
  return { file: 'clusters.yaml', root: '/', repoName: 'deploy', clusters: clusters.map(cluster), tracks, waves: [], wavesGiven: false, health: DEFAULT_HEALTH, onFailure: 'rollback', cascadeValues: 'auto', repositories: [] };
}

function release(name: string, needs: string[] = [], extra: Partial<ReleaseSpec> = {}): ReleaseSpec {
  const needSpecs: NeedSpec[] = needs.map((n) => (n.includes('/') ? { namespace: n.split('/')[0]!, release: n.split('/')[1]!, pos } : { release: n, pos }));
  return { name, namespace: 'ns', file: `releases/${name}.yaml`, chart: { ref: './c', pos }, base: layer, clusters: [], health: {}, repositories: [], ignoreDifferences: [], pos, needs: needSpecs, ...extra };
}

/** The units of the first wave of cluster `c`, as helm names, in the order assignWaves gives. */
function waveOrder(clusters: string[], tracks: string[], releases: ReleaseSpec[], wave = 0, c = clusters[0]): string[] {
  const { waves } = assignWaves(config(clusters, tracks), expandUnits({ config: config(clusters, tracks), releases }));
  return waves[wave]!.steps.flat().filter((u) => u.cluster === c).map((u) => u.helmName);
}

describe('needs: edges and order within one wave and cluster', () => {
  it('needed releases come first; independent ones keep their (name) order', () => {
    const rels = [release('app', ['db', 'istio-base']), release('db'), release('istio-base'), release('istiod', ['istio-base']), release('zz')];
    assert.deepEqual(waveOrder(['a'], [], rels), ['db', 'istio-base', 'zz', 'app', 'istiod']);
  });

  it('edges name unit ids; a chain gives one layer per link', () => {
    const units = expandUnits({ config: config(['a'], []), releases: [release('c', ['b']), release('b', ['a']), release('a')] });
    const edges = needEdges(units);
    assert.deepEqual(edges, [
      { from: 'a/ns/c', to: 'a/ns/b' },
      { from: 'a/ns/b', to: 'a/ns/a' },
    ]);
    assert.deepEqual(needsLayers(units, edges).map((l) => l.map((u) => u.helmName)), [['a'], ['b'], ['c']]);
  });

  it('uninstall (and --prune) runs the same edges in reverse', () => {
    const units = expandUnits({ config: config(['a'], []), releases: [release('istiod', ['istio-base']), release('istio-base'), release('kiali', ['istiod'])] });
    assert.deepEqual(needsOrder(units, 'install').order.map((u) => u.helmName), ['istio-base', 'istiod', 'kiali']);
    assert.deepEqual(needsOrder(units, 'uninstall').order.map((u) => u.helmName), ['kiali', 'istiod', 'istio-base']);
  });

  it('tracks ride along: track N needs track N of the other release', () => {
    const rels = [release('api', ['db'], { tracks: { canary: layer, production: layer } }), release('db', [], { tracks: { canary: layer, production: layer } })];
    const units = expandUnits({ config: config(['a'], ['canary', 'production']), releases: rels });
    assert.deepEqual(needEdges(units), [
      { from: 'a/ns/api-canary', to: 'a/ns/db-canary' },
      { from: 'a/ns/api-production', to: 'a/ns/db-production' },
    ]);
  });

  it('a release with tracks needs the only release of a track-less one (same wave)', () => {
    const rels = [release('api', ['crds'], { tracks: { canary: layer, production: layer } }), release('crds', [], { rideWith: 'canary' })];
    assert.deepEqual(waveOrder(['a'], ['canary', 'production'], rels, 0), ['crds', 'api-canary']);
    // in the production wave crds is not there any more (it went with canary): no edge, api-production alone
    const units = expandUnits({ config: config(['a'], ['canary', 'production']), releases: rels }).filter((u) => u.waveTrack === 'production');
    assert.deepEqual(needEdges(units), []);
  });

  it('edges stay inside a cluster: the same release on another cluster is never waited for', () => {
    const units = expandUnits({ config: config(['a', 'b'], []), releases: [release('app', ['db']), release('db')] });
    const edges = needEdges(units);
    assert.deepEqual(edges, [
      { from: 'a/ns/app', to: 'a/ns/db' },
      { from: 'b/ns/app', to: 'b/ns/db' },
    ]);
    assert.deepEqual(waveOrder(['a', 'b'], [], [release('app', ['db']), release('db')], 0, 'b'), ['db', 'app']);
  });

  it('a cycle (refused by validate) does not hang: its units go last, in their given order', () => {
    const units = expandUnits({ config: config(['a'], []), releases: [release('x', ['y']), release('y', ['x']), release('z')] });
    assert.deepEqual(needsLayers(units, needEdges(units)).map((l) => l.map((u) => unitId(u))), [['a/ns/z'], ['a/ns/x', 'a/ns/y']]);
  });
});
