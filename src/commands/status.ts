// helm-cascade status: one table, cluster x release x track -> revision,
// chart version, helm status, health now. One batched read of release records
// per cluster and one live read per (cluster, namespace); health is judged as
// drift judges it (health/judge.ts: the gates' judge, restarts by restartWindow).
import { healthLabel, judgeReleaseHealth } from '../health/judge.ts';
import { ownedRefs } from '../health/owned.ts';
import { clientList, GATE_KINDS } from '../health/poller.ts';
import { checkContexts } from '../kube/kubeconfig.ts';
import { readDeployedReleases } from '../kube/release-records.ts';
import { unitId } from '../model/identity.ts';
import type { LiveObject } from '../model/objects.ts';
import { releaseId } from '../model/release.ts';
import type { DeployedRelease } from '../model/release.ts';
import { matchesUnit } from '../model/selectors.ts';
import { expandUnits } from '../model/units.ts';
import type { UnitSpec } from '../model/units.ts';
import { formatStatusTable } from '../report/status-table.ts';
import type { StatusRow } from '../report/status-table.ts';
import type { CommandContext } from '../context/command-context.ts';
import { withContext } from '../context/command-context.ts';
import { contextRequest } from './context.ts';
import type { CommandResult } from './io.ts';
import type { StatusOptions } from './options.ts';

async function rows(ctx: CommandContext, units: UnitSpec[]): Promise<StatusRow[]> {
  const clusters = ctx.repo.config.clusters.filter((c) => units.some((u) => u.cluster === c.name));
  checkContexts(clusters, ctx.kubeconfig);
  const records = await Promise.all(clusters.map((c) => readDeployedReleases(ctx.clients.for(c))));
  const deployed = new Map(records.flat().map((d) => [releaseId(d), d]));
  const live = new Map<string, Promise<LiveObject[]>>();
  const liveOf = (u: UnitSpec) => {
    const k = `${u.cluster}/${u.namespace}`;
    if (!live.has(k)) live.set(k, clientList(ctx.clients.for(u.clusterSpec))(u.namespace, GATE_KINDS).catch(() => []));
    return live.get(k)!;
  };
  const now = Date.now();
  const judge = async (u: UnitSpec, d: DeployedRelease) =>
    healthLabel(judgeReleaseHealth({ owned: ownedRefs(d.manifest, u.namespace), objects: await liveOf(u), health: u.health, now, deployedAt: d.updated ? Date.parse(d.updated) : undefined }));
  return Promise.all(
    units.map(async (u) => {
      const d: DeployedRelease | undefined = deployed.get(unitId(u));
      const health = d && d.status !== 'uninstalled' ? await judge(u, d) : '-';
      const status = d?.status ?? (u.enabled ? 'not installed' : 'disabled');
      return { cluster: u.cluster, namespace: u.namespace, release: u.release, track: u.track ?? '-', helmName: u.helmName, revision: d?.revision ?? null, chartVersion: d?.chartVersion ?? null, status, health };
    }),
  );
}

export async function run(o: StatusOptions): Promise<CommandResult> {
  return withContext(contextRequest(o), async (ctx) => {
    const table = await rows(ctx, expandUnits(ctx.repo).filter((u) => matchesUnit(u, o.selector)));
    return { outcome: 'success', output: o.output === 'json' ? `${JSON.stringify(table, null, 2)}\n` : formatStatusTable(table) };
  });
}
