// Merging the drift reports of a run's shards: the merged report is the one
// drift would have made reading every cluster at once (skew across shards
// found, states and summary judged again, clusters in clusters.yaml order),
// inputs untouched, and shards that cannot be one run's refused.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run as reportCommand } from '../../../src/commands/report.ts';
import { UsageError } from '../../../src/errors.ts';
import { assessDrift } from '../../../src/drift/assess.ts';
import type { ClusterRead, ListedUnit } from '../../../src/drift/assess.ts';
import type { DriftReport } from '../../../src/drift/types.ts';
import { DriftMergeError, mergeDriftReports } from '../../../src/report/drift-merge.ts';
import { renderDrift } from '../../../src/report/drift-formats.ts';
import { deployed, liveObjects } from '../drift/fixtures.ts';
import { tempDir } from '../../support/tmp.ts';

const ORDER = ['onprem-paris', 'gke-europe-west1', 'gke-us-east1'];

/** account-service (internal, production) everywhere; production runs chart 1.3.0 on gke-europe-west1 only; gke-us-east1 cannot be read when told. */
function world(o: { unreadable?: string } = {}): { units: ListedUnit[]; reads: ClusterRead[] } {
  const units: ListedUnit[] = ORDER.flatMap((cluster) => ['internal', 'production'].map((track) => ({ release: 'account-service', track, cluster, namespace: 'accounts', helmName: `account-service-${track}`, enabled: true })));
  const reads: ClusterRead[] = ORDER.map((cluster) =>
    cluster === o.unreadable
      ? { cluster, error: 'dial tcp 10.0.0.9:443: connect: connection refused', releases: [], live: [] }
      : {
          cluster,
          releases: ['internal', 'production'].map((t) => deployed(cluster, `account-service-${t}`, 'accounts', { version: cluster === 'gke-europe-west1' && t === 'production' ? '1.3.0' : '1.2.0' })),
          live: ['internal', 'production'].flatMap((t) => liveObjects(`account-service-${t}`, 'accounts')),
        },
  );
  return { units, reads };
}

/** drift over these clusters only, as `drift --shard i/n` reports them. */
function report(clusters: string[], o: { unreadable?: string; shard?: { index: number; count: number }; createdAt?: string } = {}): DriftReport {
  const { units, reads } = world(o);
  const r = assessDrift({
    clustersFile: '/repo/checkout/clusters.yaml',
    createdAt: o.createdAt ?? '2026-12-01T02:00:00.000Z',
    clusters,
    units: units.filter((u) => clusters.includes(u.cluster)),
    reads: reads.filter((x) => clusters.includes(x.cluster)),
    repo: 'deploy',
  });
  return o.shard ? { ...r, shard: o.shard } : r;
}

/** A report's content with the orders that do not matter taken out. */
function normal(r: DriftReport) {
  return {
    clusters: r.clusters,
    units: [...r.units].sort((a, b) => a.id.localeCompare(b.id)),
    skew: r.skew.map((g) => ({ ...g, versions: Object.fromEntries(Object.entries(g.versions).map(([v, cs]) => [v, [...cs].sort()])) })),
    summary: r.summary,
    pendingChecked: r.pendingChecked,
  };
}

describe('mergeDriftReports', () => {
  it('two shards make the report of one drift over every cluster, skew across shards included', () => {
    // shard 1 sees only 1.3.0, shard 2 only 1.2.0: neither finds skew alone
    const one = report(['gke-europe-west1'], { shard: { index: 1, count: 2 } });
    const two = report(['onprem-paris', 'gke-us-east1'], { shard: { index: 2, count: 2 }, createdAt: '2026-12-01T02:00:07.000Z' });
    assert.deepEqual([one.skew, two.skew], [[], []]);
    assert.equal(one.summary.skew + two.summary.skew, 0);
    const merged = mergeDriftReports([two, one], { clusterOrder: ORDER });
    const whole = report(ORDER);
    assert.deepEqual(normal(merged), normal(whole));
    assert.equal(merged.summary.skew, 1);
    assert.equal(merged.units.find((u) => u.id === 'gke-europe-west1/accounts/account-service-production')?.state, 'skew');
    assert.deepEqual(merged.clusters.map((c) => c.name), ORDER);
    assert.equal(merged.createdAt, '2026-12-01T02:00:07.000Z', 'the last shard to finish');
    assert.equal(merged.shard, undefined);
    assert.equal(merged.outcome.result, 'changes');
  });

  it('an unreadable cluster in one shard makes the merged run refused, as a whole run would be', () => {
    const one = report(['onprem-paris'], { shard: { index: 1, count: 2 } });
    const two = report(['gke-europe-west1', 'gke-us-east1'], { shard: { index: 2, count: 2 }, unreadable: 'gke-us-east1' });
    const merged = mergeDriftReports([one, two], { clusterOrder: ORDER });
    assert.deepEqual(normal(merged), normal(report(ORDER, { unreadable: 'gke-us-east1' })));
    assert.equal(merged.outcome.result, 'refused');
    assert.equal(merged.summary.unreadable, 2);
  });

  it('a skew finding a shard made alone is judged again over every cluster', () => {
    // shard 2 alone sees 1.2.0 and 1.3.0: the odd one out there is the minority, and stays so merged
    const one = report(['onprem-paris'], { shard: { index: 1, count: 2 } });
    const two = report(['gke-europe-west1', 'gke-us-east1'], { shard: { index: 2, count: 2 } });
    assert.equal(two.summary.skew, 1);
    const merged = mergeDriftReports([one, two], { clusterOrder: ORDER });
    assert.deepEqual(normal(merged), normal(report(ORDER)));
    const odd = merged.units.find((u) => u.id === 'gke-europe-west1/accounts/account-service-production');
    assert.equal(odd?.findings.filter((f) => f.kind === 'skew').length, 1, 'one skew finding, not one per judgement');
    assert.match(odd?.findings.find((f) => f.kind === 'skew')?.summary ?? '', /chart 1\.3\.0 here, 1\.2\.0 on onprem-paris, gke-us-east1|chart 1\.3\.0 here, 1\.2\.0 on gke-us-east1, onprem-paris/);
  });

  it('leaves its inputs as they were', () => {
    const one = report(['gke-europe-west1'], { shard: { index: 1, count: 2 } });
    const two = report(['onprem-paris', 'gke-us-east1'], { shard: { index: 2, count: 2 } });
    const before = structuredClone([one, two]);
    mergeDriftReports([one, two]);
    assert.deepEqual([one, two], before);
  });

  it('notes missing shards; refuses a shard given twice, shards of different counts, reports of different repositories', () => {
    const one = report(['onprem-paris'], { shard: { index: 1, count: 3 } });
    const three = report(['gke-us-east1'], { shard: { index: 3, count: 3 } });
    const merged = mergeDriftReports([one, three]);
    assert.ok(merged.notes.includes('shard 2/3 missing: their clusters are not in this report'), merged.notes.join('\n'));
    assert.throws(() => mergeDriftReports([one, one]), (e: unknown) => e instanceof DriftMergeError && /shard 1\/3 is given twice/.test(e.message));
    assert.throws(() => mergeDriftReports([one, report(['gke-us-east1'], { shard: { index: 2, count: 2 } })]), /not the shards of one run: shard counts 3, 2/);
    assert.throws(() => mergeDriftReports([one, report(['gke-us-east1'])]), /not the shards of one run/);
    assert.throws(() => mergeDriftReports([one, { ...three, clustersFile: '/other/clusters.yaml' }]), /different repositories/);
    assert.throws(() => mergeDriftReports([]), DriftMergeError);
  });

  it('the merged report renders in every document format with every cluster', () => {
    const merged = mergeDriftReports([report(['gke-europe-west1'], { shard: { index: 1, count: 2 } }), report(['onprem-paris', 'gke-us-east1'], { shard: { index: 2, count: 2 } })], { clusterOrder: ORDER });
    for (const format of ['text', 'json', 'markdown', 'html', 'junit'] as const) {
      const out = renderDrift(merged, format, { color: false, verbose: false });
      for (const c of ORDER) assert.ok(out.includes(c), `${format} does not name ${c}`);
    }
  });
});

describe('helm-cascade report FILE... of drift JSON reports', () => {
  const dir = tempDir('drift-report-');
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const one = file('d1.json', renderDrift(report(['gke-europe-west1'], { shard: { index: 1, count: 2 } }), 'json', { color: false }));
  const two = file('d2.json', renderDrift(report(['onprem-paris', 'gke-us-east1'], { shard: { index: 2, count: 2 } }), 'json', { color: false }));

  it('merges the shards into the report of one drift, in the asked format', async () => {
    const r = await reportCommand({ logs: [one, two], format: 'json', out: undefined });
    const merged = JSON.parse(r.output!) as DriftReport;
    assert.equal(r.outcome, 'success');
    assert.equal(merged.units.length, 6);
    assert.equal(merged.skew.length, 1, 'the skew neither shard could see');
    const text = await reportCommand({ logs: [one, two], format: 'text', out: undefined });
    assert.match(text.output!, /skew/i);
  });

  it('refuses a run log among drift reports (exit 4), naming the file', async () => {
    const log = file('run.jsonl', '{"run":"r","at":"2026-12-01T02:00:00.000Z","seq":0,"event":"run-start"}\n');
    await assert.rejects(reportCommand({ logs: [one, log], format: 'json', out: undefined }), (err: Error) => err instanceof UsageError && err.message.startsWith(`${log}: a run log, but ${one} is a drift report`));
  });

  it('refuses two reports of the same shard (exit 4)', async () => {
    await assert.rejects(reportCommand({ logs: [one, one], format: 'json', out: undefined }), (err: Error) => err instanceof UsageError && /shard 1\/2 is given twice/.test(err.message));
  });
});
