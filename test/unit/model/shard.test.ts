// --shard i/n (pure, src/model/shard.ts): the flag's syntax and the exact split
// (largest group first to the lightest shard, names breaking ties, a failover
// chain kept whole), for apply's one wave and drift's whole repository.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import { UsageError } from '../../../src/errors.ts';
import { parseShard, parseShardSpec, repoOfShard, shardClusters, shardOfWave } from '../../../src/model/shard.ts';
import type { ClusterSpec, DeployRepo, ReleaseSpec, WaveSpec } from '../../../src/model/spec.ts';

const pos = { file: 't', line: 1, col: 1 };

function cluster(name: string, extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return { name, context: name, provider: 'onprem', region: 'eu', labels: {}, pos, ...extra };
}

function release(name: string, extra: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return { name, namespace: 'ns', file: `releases/${name}.yaml`, chart: { ref: './c', pos }, base: { values: [], set: {}, pos }, clusters: [], health: {}, repositories: [], pos, ignoreDifferences: [], ...extra };
}

function repo(clusters: ClusterSpec[], releases: ReleaseSpec[], waves?: WaveSpec[]): DeployRepo {
  return {
    config: { file: 'clusters.yaml', root: '/', repoName: 'deploy', clusters, tracks: [], waves: waves ?? [], wavesGiven: waves !== undefined, health: DEFAULT_HEALTH, onFailure: 'rollback', cascadeValues: 'auto', repositories: [] },
    releases,
  };
}

/** A release's `clusters:` entry naming one cluster. */
const on = (pattern: string) => ({ pattern, enabled: true, tracks: {}, values: [], set: {}, pos });

/** n units on each named cluster. */
const units = (sizes: Record<string, number>) => Object.entries(sizes).flatMap(([cluster, n]) => Array.from({ length: n }, () => ({ cluster })));
const split = (u: { cluster: string }[], count: number, clusters: { name: string; failoverFor?: string }[] = []) =>
  Array.from({ length: count }, (_, i) => [...shardClusters(u, { index: i + 1, count }, clusters)].sort());

const message = (text: string) => `--shard "${text}": expected i/n with 1 <= i <= n (e.g. --shard 1/4)`;

describe('parseShardSpec', () => {
  it('reads i/n, numbers of several digits, around blanks', () => {
    assert.deepEqual(parseShardSpec('1/1'), { index: 1, count: 1 });
    assert.deepEqual(parseShardSpec('2/2'), { index: 2, count: 2 });
    assert.deepEqual(parseShardSpec('12/15'), { index: 12, count: 15 });
    assert.deepEqual(parseShardSpec(' 2/3 '), { index: 2, count: 3 });
  });

  it('refuses anything else with a UsageError quoting the value as given', () => {
    for (const bad of ['0/2', '3/2', '1/0', '0/0', '2', 'a/b', '', '1/2/3', '-1/2', 'x1/2', '1/2x', '1/ 2']) {
      assert.throws(() => parseShardSpec(bad), (e: unknown) => e instanceof UsageError && e.message === message(bad), JSON.stringify(bad));
    }
  });

  it('parseShard: undefined without the flag; the flag needs --wave', () => {
    assert.equal(parseShard(undefined, 'prod'), undefined);
    assert.deepEqual(parseShard('1/2', 'prod'), { index: 1, count: 2 });
    assert.throws(() => parseShard('1/2', undefined), (e: unknown) => e instanceof UsageError && e.message === '--shard 1/2 needs --wave: a shard is a share of one wave (run one stage per wave, one agent per shard)');
  });
});

describe('shardClusters', () => {
  it('deals the largest cluster first, each to the shard with the fewest units so far', () => {
    // b(3) -> 1; c(2) -> 2; d(2) -> 2 (2 < 3); a(1) -> 1 (3 < 4).
    assert.deepEqual(split(units({ a: 1, b: 3, c: 2, d: 2 }), 2), [['a', 'b'], ['c', 'd']]);
  });

  it('breaks ties between equal clusters by name, not by the order of the units', () => {
    // x and y both 2: x (first by name) -> 1, y -> 2, z -> 1.
    assert.deepEqual(split(units({ y: 2, z: 1, x: 2 }), 2), [['x', 'z'], ['y']]);
  });

  it('ties between shards go to the lower one; more shards than clusters leave the last ones empty', () => {
    assert.deepEqual(split(units({ a: 1, b: 1 }), 3), [['a'], ['b'], []]);
  });

  it('keeps a failover chain in its primary\'s shard, counting its units there', () => {
    const clusters = [{ name: 'paris' }, { name: 'europe', failoverFor: 'paris' }, { name: 'backup', failoverFor: 'europe' }, { name: 'us' }];
    // chain paris+europe+backup = 1+1+1 = 3 > us (2): the chain first, to shard 1.
    assert.deepEqual(split(units({ paris: 1, europe: 1, backup: 1, us: 2 }), 2, clusters), [['backup', 'europe', 'paris'], ['us']]);
    // Counted alone, us (2) would go first and paris, europe, backup would spread.
    assert.deepEqual(split(units({ us: 2, paris: 1, europe: 1, backup: 1 }), 3, clusters), [['backup', 'europe', 'paris'], ['us'], []]);
  });

  it('a failover whose primary has no unit in the wave still goes where its chain\'s root goes', () => {
    const clusters = [{ name: 'paris' }, { name: 'europe', failoverFor: 'paris' }, { name: 'a' }];
    assert.deepEqual(split(units({ a: 3, europe: 2 }), 2, clusters), [['a'], ['europe']]);
  });

  it('a failover loop (a for b, b for a; clusters.yaml refuses it) still ends, each cluster in exactly one shard', () => {
    const clusters = [{ name: 'a', failoverFor: 'b' }, { name: 'b', failoverFor: 'a' }, { name: 'c' }];
    const parts = split(units({ a: 1, b: 1, c: 1 }), 2, clusters);
    assert.deepEqual(parts.flat().sort(), ['a', 'b', 'c']);
  });
});

describe('shardOfWave', () => {
  const clusters = [cluster('paris'), cluster('lyon'), cluster('gke-a', { provider: 'gke' }), cluster('gke-b', { provider: 'gke', failoverFor: 'gke-a' })];
  const waves: WaveSpec[] = [
    { name: 'onprem', tracks: [], clusters: { provider: 'onprem' }, pos },
    { name: 'gke', tracks: [], clusters: { provider: 'gke' }, pos },
  ];
  const r = repo(clusters, [release('web'), release('api')], waves);

  it('splits the units of the named wave only, its failover steps included', () => {
    assert.deepEqual([...shardOfWave(r, { wave: 'gke', selector: {}, shard: { index: 1, count: 2 } })].sort(), ['gke-a', 'gke-b']);
    assert.deepEqual([...shardOfWave(r, { wave: 'gke', selector: {}, shard: { index: 2, count: 2 } })], []);
    assert.deepEqual([...shardOfWave(r, { wave: 'onprem', selector: {}, shard: { index: 1, count: 2 } })], ['lyon']);
    assert.deepEqual([...shardOfWave(r, { wave: 'onprem', selector: {}, shard: { index: 2, count: 2 } })], ['paris']);
  });

  it('counts only the units the selector selects', () => {
    const only = repo([cluster('paris'), cluster('lyon')], [release('web'), release('api', { clusters: [on('paris')] })]);
    // Without a selector paris holds 2 units and lyon 1; with -l name=web both hold 1 (names break the tie).
    assert.deepEqual([...shardOfWave(only, { wave: 'all', selector: {}, shard: { index: 1, count: 2 } })], ['paris']);
    assert.deepEqual([...shardOfWave(only, { wave: 'all', selector: { name: 'web' }, shard: { index: 1, count: 2 } })], ['lyon']);
  });

  it('an unknown wave has no clusters', () => {
    assert.deepEqual([...shardOfWave(r, { wave: 'nope', selector: {}, shard: { index: 1, count: 1 } })], []);
    assert.deepEqual([...shardOfWave(r, { wave: undefined, selector: {}, shard: { index: 1, count: 1 } })], []);
  });
});

describe('repoOfShard', () => {
  it('keeps the clusters of one share of every wave, each cluster counted once more so that an idle one is read too', () => {
    const r = repo([cluster('paris'), cluster('lyon'), cluster('idle'), cluster('backup', { failoverFor: 'paris' })], [release('web', { clusters: [] }), release('api')]);
    // paris chain: (2+1) + (2+1) = 6; lyon 3; idle 1 -> [paris, backup] | [lyon, idle].
    const one = repoOfShard(r, { index: 1, count: 2 });
    const two = repoOfShard(r, { index: 2, count: 2 });
    assert.deepEqual(one.config.clusters.map((c) => c.name), ['paris', 'backup']);
    assert.deepEqual(two.config.clusters.map((c) => c.name), ['lyon', 'idle']);
    assert.equal(one.releases, r.releases);
    assert.equal(one.config.repoName, 'deploy');
    assert.deepEqual(r.config.clusters.map((c) => c.name), ['paris', 'lyon', 'idle', 'backup']);
  });

  it('counts every unit of every wave: a cluster with many releases weighs more', () => {
    const r = repo([cluster('a'), cluster('b'), cluster('c'), cluster('d')], ['x', 'y', 'z'].map((n) => release(n, { clusters: [on('d')] })));
    // d: 3 units + 1, the others 0 + 1 -> [d] | [a, b, c] (counted once each they would be [a, c] | [b, d]).
    assert.deepEqual([1, 2].map((i) => repoOfShard(r, { index: i, count: 2 }).config.clusters.map((c) => c.name)), [['d'], ['a', 'b', 'c']]);
  });

  it('a cluster no release targets is still some shard\'s', () => {
    const r = repo([cluster('a'), cluster('b'), cluster('c')], [release('web', { clusters: [] })].map((x) => ({ ...x, clusters: [] })));
    const all = [1, 2, 3].flatMap((i) => repoOfShard(r, { index: i, count: 3 }).config.clusters.map((c) => c.name));
    assert.deepEqual(all, ['a', 'b', 'c']);
    const none = repo([cluster('a'), cluster('b')], []);
    assert.deepEqual([1, 2].map((i) => repoOfShard(none, { index: i, count: 2 }).config.clusters.map((c) => c.name)), [['a'], ['b']]);
  });
});
