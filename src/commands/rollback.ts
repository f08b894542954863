// helm-cascade rollback: put releases back to the revisions they had before
// the last apply. Each revision helm-cascade makes carries the run id in its
// helm description ("helm-cascade run <id> wave <name>"), so this needs no
// local state: the last run is the newest id among the selected releases.
// Waves are undone in reverse order; a release the run installed is uninstalled.
import type { Command } from 'commander';
import type { HelmHistoryEntry } from '../helm/helm.ts';
import { acquireLeaseVia } from '../kube/lease.ts';
import { KubeProxies } from '../kube/proxy.ts';
import { unitId } from '../model/identity.ts';
import { matchesUnit } from '../model/selectors.ts';
import { checkContexts } from '../plan/make-plan.ts';
import { expandUnits } from '../model/units.ts';
import type { UnitSpec } from '../model/units.ts';
import { assignWaves } from '../model/waves.ts';
import { lockHolder, RUN_DESCRIPTION_PREFIX } from '../run/ops.ts';
import { checkWaveFlag, commandContext } from './common.ts';

export interface RollbackTarget {
  unit: string;
  runId: string;
  /** revision to roll back to, or 'uninstall' when the run installed the release. */
  to: number | 'uninstall';
}

export function runIdOf(description: string | undefined): string | undefined {
  if (!description?.startsWith(RUN_DESCRIPTION_PREFIX)) return undefined;
  return description.slice(RUN_DESCRIPTION_PREFIX.length).split(' ')[0];
}

/**
 * Pure: from a release's history (any order), what undoing run `runId` means:
 * undefined when its newest revision is not from that run (nothing to undo).
 */
export function rollbackTargetOf(history: HelmHistoryEntry[], runId: string): number | 'uninstall' | undefined {
  const h = [...history].sort((a, b) => a.revision - b.revision);
  const newest = h[h.length - 1];
  if (!newest || runIdOf(newest.description) !== runId) return undefined;
  let i = h.length - 1;
  while (i >= 0 && runIdOf(h[i]!.description) === runId) i--;
  const before = h[i];
  if (before) return before.revision;
  return h[0]!.revision === 1 ? 'uninstall' : undefined; // history truncated: refuse to guess
}

export async function run(raw: Record<string, unknown>, _cmd?: Command): Promise<number> {
  const { opts, repo, kubeconfig, helm } = commandContext(raw);
  const wave = checkWaveFlag(repo, 'wave', raw.wave);
  const { waves } = assignWaves(repo.config, expandUnits(repo));
  const selected = waves.filter((w) => wave === undefined || w.name === wave).map((w) => ({ name: w.name, units: w.steps.flat().filter((u) => matchesUnit(u, opts.selector)) }));
  checkContexts(repo.config.clusters.filter((c) => selected.some((w) => w.units.some((u) => u.cluster === c.name))), kubeconfig);
  const target = (u: UnitSpec) => ({ kubeContext: u.clusterSpec.context, kubeconfig, releaseName: u.helmName, namespace: u.namespace });

  const histories = new Map<string, HelmHistoryEntry[]>();
  await Promise.all(
    selected.flatMap((w) => w.units).map(async (u) => {
      const h = await helm.history(target(u), 50).catch((err: Error) => {
        if (/release: not found/.test(err.message)) return [];
        throw err;
      });
      histories.set(unitId(u), h);
    }),
  );
  const ids = [...histories.values()].map((h) => runIdOf(h.reduce<HelmHistoryEntry | undefined>((a, b) => (!a || b.revision > a.revision ? b : a), undefined)?.description)).filter((x): x is string => x !== undefined);
  const runId = typeof raw.run === 'string' ? raw.run : ids.sort().at(-1);
  if (!runId) {
    process.stdout.write('Nothing to roll back: no selected release was last changed by a helm-cascade apply.\n');
    return 0;
  }
  const holder = lockHolder();
  const done: string[] = [];
  const proxies = new KubeProxies(); // the leases go through one kubectl proxy per context
  try {
    for (const w of [...selected].reverse()) {
      await Promise.all(
        w.units.map(async (u) => {
          const to = rollbackTargetOf(histories.get(unitId(u)) ?? [], runId);
          if (to === undefined) return;
          const lease = await acquireLeaseVia(proxies, { target: { kubeconfig, context: u.clusterSpec.context }, cluster: u.cluster, namespace: u.namespace, release: u.helmName, holder });
          try {
            if (to === 'uninstall') await helm.uninstall({ ...target(u), wait: true, timeoutMs: u.health.timeoutMs });
            else await helm.rollback({ ...target(u), revision: to, wait: true, timeoutMs: u.health.timeoutMs });
          } finally {
            await lease.release();
          }
          const line = `${unitId(u)} [${w.name}]: ${to === 'uninstall' ? 'uninstalled (installed by the run)' : `rolled back to revision ${to}`}`;
          done.push(line);
          process.stdout.write(`${line}\n`);
        }),
      );
    }
  } finally {
    await proxies.stopAll();
  }
  process.stdout.write(`Rollback of run ${runId}: ${done.length} release(s) put back.\n`);
  return 0;
}

