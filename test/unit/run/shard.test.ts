// --shard i/n (pure): the flag's syntax, and the split of one wave: disjoint,
// together complete, whole clusters with their failover chain, the same
// whatever the units' actions (agents start at different times), balanced.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.ts';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import { planUnits } from '../../../src/plan/assemble.ts';
import type { Plan, PlanAction, PlannedUnit } from '../../../src/plan/types.ts';
import { parseShard, shardClusters } from '../../../src/model/shard.ts';
import { cutPlan } from '../../../src/run/shard.ts';

function unit(cluster: string, helmName: string, action: PlanAction, step = 0): PlannedUnit {
  return { kind: 'orphan', action: action === 'uninstall' ? 'uninstall' : 'unchanged', release: helmName, track: undefined, cluster, namespace: 'ns', helmName, wave: 'prod', step, reasons: [], health: DEFAULT_HEALTH, diffs: [], digest: { chart: '', values: '', manifest: '', deployedRevision: 0 } };
}

function plan(units: PlannedUnit[]): Plan {
  return { version: 1, createdAt: '', clustersFile: 'clusters.yaml', waves: [{ name: 'prod', index: 0, steps: [units.filter((u) => u.step === 0), units.filter((u) => u.step === 1)].filter((s) => s.length) }], orphans: [], summary: { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 } };
}

const CLUSTERS = [{ name: 'paris' }, { name: 'europe', failoverFor: 'paris' }, { name: 'us' }, { name: 'amsterdam' }, { name: 'tokyo' }];
const releases = (cluster: string, n: number, action: PlanAction = 'uninstall', step = 0) => Array.from({ length: n }, (_, i) => unit(cluster, `svc-${i}`, action, step));
const wave = () => plan([...releases('paris', 5), ...releases('europe', 5, 'uninstall', 1), ...releases('us', 4), ...releases('amsterdam', 3), ...releases('tokyo', 2)]);

describe('parseShard', () => {
  it('reads i/n', () => assert.deepEqual(parseShard('2/3', 'prod'), { index: 2, count: 3 }));
  it('refuses anything else with exit-4 UsageErrors quoting the value', () => {
    for (const bad of ['0/2', '3/2', '1/0', '2', 'a/b', '1/2/3', '-1/2']) {
      assert.throws(() => parseShard(bad, 'prod'), (e: unknown) => e instanceof UsageError && e.message === `--shard "${bad}": expected i/n with 1 <= i <= n (e.g. --shard 1/4)`, bad);
    }
    assert.throws(() => parseShard('1/2', undefined), (e: unknown) => e instanceof UsageError && /^--shard 1\/2 needs --wave/.test(e.message));
    assert.equal(parseShard(undefined, undefined), undefined);
  });
});

describe('shards of a wave', () => {
  it('are disjoint, together complete, keep a failover chain in one shard, and balance units', () => {
    const p = wave();
    for (const n of [1, 2, 3, 4, 7]) {
      const parts = Array.from({ length: n }, (_, i) => shardClusters(planUnits(p), { index: i + 1, count: n }, CLUSTERS));
      const all = parts.flatMap((s) => [...s]);
      assert.equal(new Set(all).size, all.length, `disjoint at n=${n}`);
      assert.deepEqual([...all].sort(), ['amsterdam', 'europe', 'paris', 'tokyo', 'us'], `complete at n=${n}`);
      assert.ok(parts.some((s) => s.has('paris') && s.has('europe')), `failover chain together at n=${n}`);
    }
    const two = [1, 2].map((i) => planUnits(cutPlan(p, { clusters: shardClusters(planUnits(p), { index: i, count: 2 }, CLUSTERS) })).length);
    assert.deepEqual(two, [10, 9]); // paris+europe (10) | us, amsterdam, tokyo (9)
  });

  it('do not move when units are applied meanwhile (actions change, the split does not)', () => {
    const before = shardClusters(planUnits(wave()), { index: 2, count: 3 }, CLUSTERS);
    const after = plan(planUnits(wave()).map((u) => ({ ...u, action: 'unchanged' as const })));
    assert.deepEqual([...shardClusters(planUnits(after), { index: 2, count: 3 }, CLUSTERS)], [...before]);
  });

  it('a shard plan keeps its steps in order and counts its own summary', () => {
    const p = wave();
    const mine = cutPlan(p, { clusters: shardClusters(planUnits(p), { index: 1, count: 2 }, CLUSTERS) });
    assert.deepEqual(mine.waves[0]!.steps.map((s) => [...new Set(s.map((u) => u.cluster))]), [['paris'], ['europe']]);
    assert.equal(mine.summary.uninstall, 10);
  });

  it('--from-wave and a shard cut in one go: the waves from that one on, the shard\'s clusters only', () => {
    const two: Plan = { ...wave(), waves: [{ name: 'canary', index: 0, steps: [releases('us', 2)] }, ...wave().waves.map((w) => ({ ...w, index: 1 }))] };
    const cut = cutPlan(two, { clusters: new Set(['paris']), fromWave: 'prod' });
    assert.deepEqual(cut.waves.map((w) => w.name), ['prod']);
    assert.deepEqual([...new Set(planUnits(cut).map((u) => u.cluster))], ['paris']);
    assert.equal(cut.summary.uninstall, 5);
  });
});
