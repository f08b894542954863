// The releases x clusters matrix every drift report is built around.
import type { DriftReport, DriftState, DriftUnit } from '../drift/types.ts';

export interface MatrixRow {
  /** helm release name (NAME-TRACK), or namespace/name for releases the repository does not know. */
  label: string;
  release: string;
  track: string | undefined;
  known: boolean;
  cells: (DriftUnit | undefined)[]; // one per report.clusters entry
}

export function driftMatrix(report: DriftReport): MatrixRow[] {
  const rows = new Map<string, MatrixRow>();
  const col = new Map(report.clusters.map((c, i) => [c.name, i] as const));
  for (const u of report.units) {
    const label = u.known ? u.helmName : `${u.namespace}/${u.helmName}`;
    const key = `${u.known ? 'k' : 'u'}\u0000${label}`;
    let row = rows.get(key);
    if (!row) rows.set(key, (row = { label, release: u.release, track: u.track, known: u.known, cells: report.clusters.map(() => undefined) }));
    const i = col.get(u.cluster);
    if (i !== undefined) row.cells[i] = u;
  }
  return [...rows.values()];
}

/** Short names of the states, for cells and headings. */
export const STATE_LABEL: Record<DriftState, string> = {
  clean: 'clean',
  pending: 'pending',
  live: 'changed live',
  broken: 'broken',
  unhealthy: 'unhealthy',
  skew: 'version skew',
  unmanaged: 'unmanaged',
  unreadable: 'unreadable',
  policy: 'house rules',
};

/** Headline: "14 units on 3 clusters: 10 clean, 4 drifted (2 changed live, 1 broken, 1 pending)". */
export function driftHeadline(report: DriftReport): string {
  const s = report.summary;
  const parts: string[] = [];
  for (const k of ['unreadable', 'broken', 'unhealthy', 'live', 'policy', 'pending', 'skew', 'unmanaged'] as const) if (s[k]) parts.push(`${s[k]} ${STATE_LABEL[k]}`);
  const unreadable = report.clusters.filter((c) => !c.readable).length;
  const head = `${s.units} release${s.units === 1 ? '' : 's'} on ${report.clusters.length} cluster${report.clusters.length === 1 ? '' : 's'}: ${s.clean} clean, ${s.drifted} drifted`;
  return `${head}${parts.length ? ` (${parts.join(', ')})` : ''}${unreadable ? `; ${unreadable} cluster${unreadable === 1 ? '' : 's'} could not be read` : ''}`;
}

/** "cluster/namespace/name" with the track and release named, for lists. */
export function unitTitle(u: DriftUnit): string {
  return `${u.cluster}/${u.namespace}/${u.helmName}`;
}
