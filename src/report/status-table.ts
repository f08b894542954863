// helm-cascade status as a table: cluster x release x track -> revision,
// chart version, helm status, health (pure formatting).

export interface StatusRow {
  cluster: string;
  namespace: string;
  release: string;
  track: string;
  helmName: string;
  revision: number | null;
  chartVersion: string | null;
  status: string; // helm status, or "not installed" / "disabled"
  health: string; // Healthy, or Progressing / Degraded / Missing / Suspended + why (health/judge.ts); - when not deployed
}

export function formatStatusTable(rows: readonly StatusRow[]): string {
  const head = ['CLUSTER', 'NAMESPACE', 'RELEASE', 'TRACK', 'REVISION', 'CHART', 'STATUS', 'HEALTH'];
  const cells = rows.map((r) => [r.cluster, r.namespace, r.release, r.track, r.revision === null ? '-' : String(r.revision), r.chartVersion ?? '-', r.status, r.health]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === 7 ? 0 : c[i]!.length))));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join('  ');
  return `${[line(head), ...cells.map(line)].join('\n')}\n`;
}
