// helm-cascade status: one table, cluster x release x track -> revision,
// chart version, helm status, health now. One batched read of release records
// per cluster and one live read per (cluster, namespace).
import type { Command } from 'commander';
import { evaluateGate } from '../health/evaluate.ts';
import { ownedRefs } from '../health/owned.ts';
import { GATE_KINDS } from '../health/poller.ts';
import { readDeployedReleases } from '../kube/deployed.ts';
import { listObjects } from '../kube/live.ts';
import type { LiveObject } from '../model/objects.ts';
import { matchesUnit } from '../model/selectors.ts';
import { checkContexts, readClusters } from '../plan/make-plan.ts';
import type { DeployedRelease } from '../model/release.ts';
import { expandUnits } from '../model/units.ts';
import { commandContext } from './common.ts';

export interface StatusRow {
  cluster: string;
  namespace: string;
  release: string;
  track: string;
  helmName: string;
  revision: number | null;
  chartVersion: string | null;
  status: string; // helm status, or "not installed" / "disabled"
  health: string; // Healthy / Progressing / Degraded (+ why) / -
}

export async function run(raw: Record<string, unknown>, _cmd?: Command): Promise<number> {
  const { opts, repo, kubeconfig } = commandContext(raw);
  const units = expandUnits(repo).filter((u) => matchesUnit(u, opts.selector));
  const clusters = repo.config.clusters.filter((c) => units.some((u) => u.cluster === c.name));
  checkContexts(clusters, kubeconfig);
  const states = await readClusters(clusters, kubeconfig, { readDeployed: (t) => readDeployedReleases(t) });

  // live objects: one read per (cluster, namespace) that holds a deployed unit
  const live = new Map<string, Promise<LiveObject[]>>();
  const liveOf = (cluster: string, context: string, ns: string) => {
    const k = `${cluster}/${ns}`;
    if (!live.has(k)) live.set(k, listObjects({ kubeconfig, context }, ns, GATE_KINDS).catch(() => []));
    return live.get(k)!;
  };
  const rows: StatusRow[] = await Promise.all(
    units.map(async (u) => {
      const deployed: DeployedRelease | undefined = states.get(u.cluster)?.deployed.find((d) => d.namespace === u.namespace && d.name === u.helmName);
      const row: StatusRow = {
        cluster: u.cluster,
        namespace: u.namespace,
        release: u.release,
        track: u.track ?? '-',
        helmName: u.helmName,
        revision: deployed?.revision ?? null,
        chartVersion: deployed?.chartVersion ?? null,
        status: deployed?.status ?? (u.enabled ? 'not installed' : 'disabled'),
        health: '-',
      };
      if (deployed && deployed.status !== 'uninstalled') {
        const objects = await liveOf(u.cluster, u.clusterSpec.context, u.namespace);
        const e = evaluateGate({
          owned: ownedRefs(deployed.manifest, u.namespace),
          snapshot: { objects, fetchedAt: Date.now() },
          baseline: {},
          specChanged: new Set(),
          health: { ...u.health, soakMs: 0 },
          elapsedMs: 0,
          soakStartedMs: 0,
          restartBaseline: {},
        });
        row.health = e.phase === 'failed' ? `Degraded: ${e.reason}` : e.phase === 'rolling-out' ? `Progressing: ${e.reason}` : 'Healthy';
      }
      return row;
    }),
  );
  if (opts.output === 'json') {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(formatStatusTable(rows));
  return 0;
}

export function formatStatusTable(rows: StatusRow[]): string {
  const head = ['CLUSTER', 'NAMESPACE', 'RELEASE', 'TRACK', 'REVISION', 'CHART', 'STATUS', 'HEALTH'];
  const cells = rows.map((r) => [r.cluster, r.namespace, r.release, r.track, r.revision === null ? '-' : String(r.revision), r.chartVersion ?? '-', r.status, r.health]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === 7 ? 0 : c[i]!.length))));
  const line = (c: string[]) => c.map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i]!))).join('  ');
  return `${[line(head), ...cells.map(line)].join('\n')}\n`;
}
