// helm-cascade rollback: put releases back to the revisions they had before
// the last apply. Each revision helm-cascade makes carries the run id in its
// helm description ("helm-cascade run <id> wave <name>"), so this needs no
// local state: the last run is the newest id among the selected releases.
// Waves are undone in reverse order; a release the run installed is
// uninstalled. Like apply, it holds the repository's run lock on every
// cluster it reads or changes (run-lock.ts), and each release's own lock while
// it is put back.
import pLimit from 'p-limit';
import type { Helm } from '../helm/helm.ts';
import type { KubeClient } from '../kube/client.ts';
import { COMMAND_ANNOTATION, leaseName, RUN_ANNOTATION } from '../kube/lease.ts';
import { readReleaseHistory } from '../kube/release-records.ts';
import { unitId } from '../model/identity.ts';
import type { UnitSpec } from '../model/units.ts';
import { runIdOf } from '../model/release.ts';
import { lockHolder, newRunId } from './identity.ts';
import { acquireReleaseLock, acquireRunLock } from './run-lock.ts';
import { describeUndo, undoRelease } from './undo.ts';
import type { UndoHow } from './undo.ts';

/**
 * Pure: from a release's history (any order), what undoing run `runId` means:
 * undefined when its newest revision is not from that run (nothing to undo).
 */
export function rollbackTargetOf(history: readonly { revision: number; description?: string | undefined }[], runId: string): number | 'uninstall' | undefined {
  const h = [...history].sort((a, b) => a.revision - b.revision);
  const newest = h[h.length - 1];
  if (!newest || runIdOf(newest.description) !== runId) return undefined;
  let i = h.length - 1;
  while (i >= 0 && runIdOf(h[i]!.description) === runId) i--;
  const before = h[i];
  if (before) return before.revision;
  return h[0]!.revision === 1 ? 'uninstall' : undefined; // history truncated: refuse to guess
}

export interface RollbackWave {
  name: string;
  units: UnitSpec[];
}

export interface RollbackContext {
  helm: Helm;
  client: (cluster: string) => KubeClient;
  concurrency: number;
  say: (line: string) => void;
  /** SIGINT/SIGTERM: releases not started yet are left as they are. */
  signal?: AbortSignal;
  /** This rollback's own id, on its locks (default: a new one). */
  runId?: string;
  /** The repository (clusters.yaml `name`) and --lock-timeout, for the releases' own locks (run-lock.ts acquireReleaseLock). */
  repo?: string;
  lockTimeoutMs?: number;
}

type History = Awaited<ReturnType<typeof readReleaseHistory>>;

/** The run to undo: the one given, else the newest run id among the selected releases' newest revisions. */
function lastRunOf(histories: Iterable<History>): string | undefined {
  const ids = [...histories].map((h) => runIdOf(h.at(-1)?.description)).filter((x): x is string => x !== undefined);
  return ids.sort().at(-1);
}

async function histories(ctx: RollbackContext, waves: RollbackWave[]): Promise<Map<string, History>> {
  const units = waves.flatMap((w) => w.units);
  const limit = pLimit(ctx.concurrency);
  const all = await Promise.all(units.map((u) => limit(async () => [unitId(u), await readReleaseHistory(ctx.client(u.cluster), u.namespace, u.helmName)] as const)));
  return new Map(all);
}

async function putBack(ctx: RollbackContext, u: UnitSpec, history: History, to: number | 'uninstall'): Promise<string> {
  const client = ctx.client(u.cluster);
  const annotations = { [COMMAND_ANNOTATION]: 'rollback', ...(ctx.runId ? { [RUN_ANNOTATION]: ctx.runId } : {}) };
  const lease = await acquireReleaseLock({ client, namespace: u.namespace, name: leaseName(u.helmName), what: unitId(u), holder: lockHolder(), annotations, repo: ctx.repo ?? '', timeoutMs: ctx.lockTimeoutMs ?? 0 });
  try {
    const how: UndoHow = to === 'uninstall' ? { kind: 'uninstall' } : { kind: 'rollback', revision: to };
    await undoRelease(ctx.helm, { target: client.target, namespace: u.namespace, helmName: u.helmName, applyMethod: history.at(-1)?.applyMethod, timeoutMs: u.health.timeoutMs }, how);
    return how.kind === 'uninstall' ? 'uninstalled (installed by the run)' : describeUndo(how);
  } finally {
    await lease.release();
  }
}

/** Undoes run `runId` (default: the last one) on the selected units, waves in reverse order. Returns the run undone and one line per release put back. */
async function rollbackRun(ctx: RollbackContext, waves: RollbackWave[], runId: string | undefined): Promise<{ runId: string | undefined; done: string[] }> {
  const hist = await histories(ctx, waves);
  const id = runId ?? lastRunOf(hist.values());
  if (!id) return { runId: undefined, done: [] };
  const done: string[] = [];
  const limit = pLimit(ctx.concurrency);
  for (const w of [...waves].reverse()) {
    await Promise.all(
      w.units.map((u) =>
        limit(async () => {
          const h = hist.get(unitId(u)) ?? [];
          const to = rollbackTargetOf(h, id);
          if (to === undefined || ctx.signal?.aborted) return;
          const line = `${unitId(u)} [${w.name}]: ${await putBack(ctx, u, h, to)}`;
          done.push(line);
          ctx.say(line);
        }),
      ),
    );
  }
  return { runId: id, done };
}

export interface RollbackRepoRequest {
  /** clusters.yaml `name`: the run lock's repository. */
  repo: string;
  /** Every cluster with a selected unit: locked before anything is read. */
  clusters: readonly { name: string }[];
  /** --lock-timeout in ms. */
  lockTimeoutMs: number;
  /** --run: the apply run to undo (default: the last one). */
  runId: string | undefined;
  /** Where lock waits and warnings go (standard error). */
  note: (line: string) => void;
}

/** `helm-cascade rollback`: the run lock on every cluster it touches (refusal: exit 5), then rollbackRun, then the lock released. */
export async function rollbackRepo(ctx: RollbackContext & { signal: AbortSignal }, req: RollbackRepoRequest, waves: RollbackWave[]): Promise<{ runId: string | undefined; done: string[] }> {
  await ctx.helm.version(); // a missing or too old helm is bad input (exit 4): said before any cluster is touched
  const self = newRunId();
  const lock = await acquireRunLock({
    repo: req.repo,
    clusters: req.clusters,
    client: ctx.client,
    runId: self,
    command: 'rollback',
    holder: lockHolder(),
    timeoutMs: req.lockTimeoutMs,
    signal: ctx.signal,
    say: req.note,
    onLost: (reason) => req.note(`helm-cascade: ${reason}`),
  });
  try {
    return await rollbackRun({ ...ctx, runId: self, repo: req.repo, lockTimeoutMs: req.lockTimeoutMs }, waves, req.runId);
  } finally {
    await lock.release();
  }
}
