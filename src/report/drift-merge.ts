// The drift reports of the shards of one run (drift --shard i/n, one per index
// of the chart's Indexed Job) -> one report, as if one drift had read every
// cluster. Pure. Shards split whole clusters, so units and clusters simply add
// up; what spans clusters is judged again over all of them: version skew (a
// release on 1.2.0 in one shard and 1.3.0 in another is skew, which neither
// shard could see), then each unit's state and the summary.
import { driftSummary, skewGroups } from '../drift/assess.ts';
import { driftOutcome } from '../drift/outcome.ts';
import type { DriftReport, DriftUnit } from '../drift/types.ts';
import { worstState } from '../drift/types.ts';

export class DriftMergeError extends Error {
  override name = 'DriftMergeError';
}

export interface MergeOptions {
  /** Cluster names in clusters.yaml order (the matrix's columns); without it, the shards' order. */
  clusterOrder?: readonly string[];
}

/** What the shards say about themselves: which are missing, which disagree (a mix of runs). */
function shardNotes(reports: readonly DriftReport[]): string[] {
  const sharded = reports.filter((r) => r.shard);
  if (sharded.length === 0) return [];
  const counts = new Set(sharded.map((r) => r.shard!.count));
  if (counts.size > 1 || sharded.length < reports.length) throw new DriftMergeError(`the reports are not the shards of one run: shard counts ${[...counts].join(', ')}${sharded.length < reports.length ? ' and unsharded reports' : ''}`);
  const count = [...counts][0]!;
  const seen = sharded.map((r) => r.shard!.index);
  const twice = seen.filter((i, k) => seen.indexOf(i) !== k);
  if (twice.length) throw new DriftMergeError(`shard ${twice[0]}/${count} is given twice`);
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !seen.includes(i));
  return missing.length ? [`shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: their clusters are not in this report`] : [];
}

/** The units of every report (each id once), without the skew each shard judged alone. */
function unitsOf(reports: readonly DriftReport[]): DriftUnit[] {
  const seen = new Set<string>();
  const out: DriftUnit[] = [];
  for (const u of reports.flatMap((r) => r.units)) {
    if (seen.has(u.id)) continue;
    seen.add(u.id);
    out.push({ ...structuredClone(u), findings: u.findings.filter((f) => f.kind !== 'skew').map((f) => structuredClone(f)) });
  }
  return out;
}

function clustersOf(reports: readonly DriftReport[], order: readonly string[] | undefined): DriftReport['clusters'] {
  const byName = new Map<string, DriftReport['clusters'][number]>();
  // a cluster two shards both read: the readable answer wins
  for (const c of reports.flatMap((r) => r.clusters)) if (!byName.get(c.name)?.readable) byName.set(c.name, { ...c });
  const rank = (n: string) => (order?.includes(n) ? order.indexOf(n) : Number.MAX_SAFE_INTEGER);
  return [...byName.values()].sort((a, b) => rank(a.name) - rank(b.name));
}

/** One report of the shards' reports; throws DriftMergeError when they cannot be the shards of one run. */
export function mergeDriftReports(reports: readonly DriftReport[], o: MergeOptions = {}): DriftReport {
  if (reports.length === 0) throw new DriftMergeError('no drift report to merge');
  const files = new Set(reports.map((r) => r.clustersFile));
  if (files.size > 1) throw new DriftMergeError(`the reports come from different repositories: ${[...files].join(', ')}`);
  const notes = [...new Set([...reports.flatMap((r) => r.notes), ...shardNotes(reports)])];
  const units = unitsOf(reports);
  const skew = skewGroups(units);
  for (const u of units) u.state = worstState(u.findings.map((f) => f.kind));
  const createdAt = reports.map((r) => r.createdAt).sort().at(-1)!;
  const found = { version: 1 as const, createdAt, clustersFile: reports[0]!.clustersFile, clusters: clustersOf(reports, o.clusterOrder), units, skew, summary: driftSummary(units), pendingChecked: reports.every((r) => r.pendingChecked), notes };
  const deliveries = reports.flatMap((r) => r.deliveries);
  return { ...found, deliveries, outcome: driftOutcome(found, deliveries) };
}
