// helm-cascade rollback: put releases back to the revisions they had before
// the last apply. Each revision helm-cascade makes carries the run id in its
// helm description ("helm-cascade run <id> wave <name>"), so this needs no
// local state: the last run is the newest id among the selected releases.
// Waves are undone in reverse order; a release the run installed is
// uninstalled. Like apply, it holds the repository's run lock on every
// cluster it reads or changes (run-lock.ts), and each release's own lock while
// it is put back; like apply, it is a run of typed steps (a lock and a revert
// per release) written to a run log.
import pLimit from 'p-limit';
import { PreflightError } from '../errors.ts';
import type { Helm } from '../helm/helm.ts';
import type { KubeClient } from '../kube/client.ts';
import { COMMAND_ANNOTATION, leaseName, RUN_ANNOTATION } from '../kube/lease.ts';
import type { LeaseHandle } from '../kube/lease.ts';
import { readReleaseHistory } from '../kube/release-records.ts';
import { unitId, unitRefOf } from '../model/identity.ts';
import type { UnitSpec } from '../model/units.ts';
import { runIdOf } from '../model/release.ts';
import { drive } from './drive.ts';
import type { Runners } from './drive.ts';
import type { RunEvent } from './events.ts';
import { lockHolder, newRunId } from './identity.ts';
import { defaultLogFile, openRunLog } from './log.ts';
import { acquireReleaseLock, underRunLock } from './run-lock.ts';
import { revertSteps } from './steps.ts';
import type { PutBack } from './steps.ts';
import { undoRelease } from './undo.ts';

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
}

export interface RollbackRequest {
  /** clusters.yaml `name`: the run lock's repository. */
  repo: string;
  /** The deploy repository's root: the run log goes under it unless --log says otherwise. */
  root: string;
  /** Every cluster with a selected unit: locked before anything is read. */
  clusters: readonly { name: string }[];
  /** --lock-timeout in ms. */
  lockTimeoutMs: number;
  /** --run: the apply run to undo (default: the last one). */
  runId: string | undefined;
  /** --log FILE. */
  logFile: string | undefined;
}

export interface RollbackIo {
  /** Lock waits and warnings (standard error). */
  say(line: string): void;
  /** Every event of the run log as it is written. */
  watch(e: RunEvent): void;
  /** SIGINT/SIGTERM: releases not started yet are left as they are. */
  signal: AbortSignal;
}

export type RollbackRun = { kind: 'nothing' } | { kind: 'ran'; undone: string; events: RunEvent[]; logFile: string };

type History = Awaited<ReturnType<typeof readReleaseHistory>>;

/** The run to undo: the one given, else the newest run id among the selected releases' newest revisions. */
function lastRunOf(histories: Iterable<History>): string | undefined {
  const ids = [...histories].map((h) => runIdOf(h.at(-1)?.description)).filter((x): x is string => x !== undefined);
  return ids.sort().at(-1);
}

async function histories(ctx: RollbackContext, waves: readonly RollbackWave[]): Promise<Map<string, History>> {
  const units = waves.flatMap((w) => w.units);
  const limit = pLimit(ctx.concurrency);
  const all = await Promise.all(units.map((u) => limit(async () => [unitId(u), await readReleaseHistory(ctx.client(u.cluster), u.namespace, u.helmName)] as const)));
  return new Map(all);
}

interface Putback {
  unit: UnitSpec;
  to: PutBack;
  applyMethod: string | undefined;
}

/** Per wave, last first: each selected release whose newest revision is from run `id`, with where it goes back to. */
function putbacks(waves: readonly RollbackWave[], hist: ReadonlyMap<string, History>, id: string): { name: string; units: Putback[] }[] {
  return [...waves].reverse().map((w) => ({
    name: w.name,
    units: w.units.flatMap((u): Putback[] => {
      const h = hist.get(unitId(u)) ?? [];
      const to = rollbackTargetOf(h, id);
      if (to === undefined) return [];
      return [{ unit: u, to: to === 'uninstall' ? { how: 'uninstall' } : { how: 'rollback', revision: to }, applyMethod: h.at(-1)?.applyMethod }];
    }),
  }));
}

/** rollback's runners: each release's own Lease, then helm rollback (or uninstall). */
function rollbackRunners(ctx: RollbackContext, o: { runId: string; repo: string }, byId: ReadonlyMap<string, Putback>): Runners {
  const held = new Map<string, LeaseHandle>();
  const of = (id: string) => byId.get(id)!;
  return {
    lock: {
      async run(step) {
        const { unit: u } = of(step.unit);
        const annotations = { [COMMAND_ANNOTATION]: 'rollback', [RUN_ANNOTATION]: o.runId };
        try {
          held.set(step.unit, await acquireReleaseLock({ client: ctx.client(u.cluster), namespace: u.namespace, name: leaseName(u.helmName), what: step.unit, holder: lockHolder(), annotations, repo: o.repo, timeoutMs: step.waitMs }));
          return { result: 'passed' };
        } catch (err) {
          return { result: 'failed', reason: (err as Error).message, ...(err instanceof PreflightError ? { failure: 'lock-refused' as const } : {}) };
        }
      },
      async undo(step) {
        await held.get(step.unit)?.release();
        held.delete(step.unit);
        return { result: 'passed' };
      },
    },
    revert: {
      async run(step) {
        const p = of(step.unit);
        const target = { target: ctx.client(p.unit.cluster).target, namespace: p.unit.namespace, helmName: p.unit.helmName, applyMethod: p.applyMethod, timeoutMs: p.unit.health.timeoutMs };
        return undoRelease(ctx.helm, target, step.to).then(
          () => ({ result: 'passed' as const }),
          (err: unknown) => ({ result: 'failed' as const, reason: (err as Error).message }),
        );
      },
    },
  };
}

/** Undoes run `req.runId` (default: the last one) on the selected units, waves in reverse order, as a run of its own with its own log. */
async function rollbackRun(ctx: RollbackContext, req: RollbackRequest, io: RollbackIo, waves: readonly RollbackWave[], self: string): Promise<RollbackRun> {
  const hist = await histories(ctx, waves);
  const id = req.runId ?? lastRunOf(hist.values());
  if (!id) return { kind: 'nothing' };
  const todo = putbacks(waves, hist, id);
  const byId = new Map(todo.flatMap((w) => w.units.map((p) => [unitId(p.unit), p] as const)));
  const plan = revertSteps(
    todo.map((w) => ({ name: w.name, units: w.units.map((p) => ({ ...unitRefOf(p.unit), id: unitId(p.unit), to: p.to })) })),
    { concurrency: ctx.concurrency, lockWaitMs: req.lockTimeoutMs },
  );
  const file = req.logFile ?? defaultLogFile(req.root, self);
  const opened = openRunLog(file, self, { command: 'rollback', repo: req.repo, holder: lockHolder(), plan }, io.watch);
  try {
    await drive(plan, rollbackRunners(ctx, { runId: self, repo: req.repo }, byId), opened.log, io.signal);
  } finally {
    opened.close();
  }
  return { kind: 'ran', undone: id, events: opened.log.events, logFile: file };
}

/** `helm-cascade rollback`: the run lock on every cluster it touches (refusal: exit 5), then rollbackRun, then the lock released. */
export async function rollbackRepo(ctx: RollbackContext, req: RollbackRequest, io: RollbackIo, waves: readonly RollbackWave[]): Promise<RollbackRun> {
  await ctx.helm.version(); // a missing or too old helm is bad input (exit 4): said before any cluster is touched
  const self = newRunId();
  const lock = { repo: req.repo, clusters: req.clusters, client: ctx.client, runId: self, command: 'rollback' as const, holder: lockHolder(), timeoutMs: req.lockTimeoutMs, signal: io.signal, say: io.say };
  return underRunLock(lock, (stop) => rollbackRun(ctx, req, { ...io, signal: stop }, waves, self));
}
