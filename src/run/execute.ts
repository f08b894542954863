// Executes a plan: waves in order, steps in order inside a wave (failovers after
// their primaries), units of a step concurrently (bounded), then the step's
// health gates. The first failed gate stops the run; with onFailure: rollback
// every unit changed in the failed wave is put back. All cluster I/O goes
// through UnitOps, so this file is the scheduling logic only.
import pLimit from 'p-limit';
import { PreflightError } from '../errors.ts';
import type { OnFailure } from '../model/spec.ts';
import { unitId } from '../model/identity.ts';
import type { Plan, PlannedUnit } from '../plan/types.ts';
import type { RunResult, UnitRunResult, WaveRunResult } from './types.ts';

export interface LockHandle {
  release(): Promise<void>;
}

export interface GateOutcome {
  passed: boolean;
  reason?: string;
}

export interface ChangeOutcome {
  revision?: number;
}

/** The cluster side of a run, one method per thing done to a unit. */
export interface UnitOps {
  lock(u: PlannedUnit): Promise<LockHandle>;
  /** Records what the gate needs from before the change (object uids and generations). */
  prepare(u: PlannedUnit): Promise<unknown>;
  change(u: PlannedUnit, dryRun: boolean): Promise<ChangeOutcome>;
  gate(u: PlannedUnit, baseline: unknown, signal: AbortSignal, progress: (message: string) => void): Promise<GateOutcome>;
  /** Puts a unit back: rollback to `revision`, or uninstall what this run installed. */
  undo(u: PlannedUnit, how: { kind: 'rollback'; revision: number } | { kind: 'uninstall' }): Promise<void>;
}

export type RunEvent =
  | { type: 'wave-start'; wave: string; units: number }
  | { type: 'wave-end'; wave: string; units: number; outcome: WaveRunResult['outcome'] }
  | { type: 'unit-phase'; id: string; phase: 'lock' | 'change' | 'gate' | 'undo'; message: string }
  | { type: 'unit-end'; id: string; result: UnitRunResult }
  | { type: 'log'; message: string };

export interface ExecuteOptions {
  concurrency: number;
  onFailure: OnFailure;
  dryRun: boolean;
  signal: AbortSignal; // SIGINT/SIGTERM: start nothing new, let in-flight helm calls finish
  emit: (e: RunEvent) => void;
  now?: () => Date;
}

const CHANGING = new Set(['install', 'upgrade', 'uninstall']);

export async function executePlan(plan: Plan, ops: UnitOps, opts: ExecuteOptions): Promise<RunResult> {
  const now = opts.now ?? (() => new Date());
  const iso = () => now().toISOString();
  const limit = pLimit(opts.concurrency);
  const startedAt = iso();
  const results = new Map<string, UnitRunResult>();
  const waves: WaveRunResult[] = plan.waves.map((w) => ({ name: w.name, outcome: 'not-started' }));
  for (const w of plan.waves) {
    for (const u of w.steps.flat()) {
      results.set(unitId(u), {
        id: unitId(u),
        release: u.release,
        track: u.track,
        cluster: u.cluster,
        namespace: u.namespace,
        helmName: u.helmName,
        wave: u.wave,
        step: u.step,
        action: u.action,
        outcome: 'not-started',
        ...(u.deployedRevision !== undefined ? { fromRevision: u.deployedRevision } : {}),
      });
    }
  }
  const res = (u: PlannedUnit) => results.get(unitId(u))!;
  const finish = (u: PlannedUnit, patch: Partial<UnitRunResult>) => {
    Object.assign(res(u), patch, { finishedAt: iso() });
    opts.emit({ type: 'unit-end', id: unitId(u), result: res(u) });
  };

  let outcome: RunResult['outcome'] = 'succeeded';
  let failedWave: string | undefined;

  for (const [wi, wave] of plan.waves.entries()) {
    if (opts.signal.aborted) break;
    const wr = waves[wi]!;
    const changing = wave.steps.flat().filter((u) => CHANGING.has(u.action));
    wr.startedAt = iso();
    opts.emit({ type: 'wave-start', wave: wave.name, units: changing.length });
    for (const u of wave.steps.flat()) if (!CHANGING.has(u.action)) finish(u, { outcome: 'skipped' });

    const locks: LockHandle[] = [];
    const changed: PlannedUnit[] = []; // units whose helm write ran (or may have run) in this wave
    let failure: string | undefined;

    try {
      for (const step of wave.steps) {
        const todo = step.filter((u) => CHANGING.has(u.action));
        if (todo.length === 0) continue;
        // Each unit: lock, record the baseline, change (bounded pool), then its gate
        // right away (outside the pool: gates mostly wait). The first failure of the
        // step, helm or gate, cancels the step's other gates and starts nothing new.
        const stepAbort = new AbortController();
        const onAbort = () => stepAbort.abort();
        opts.signal.addEventListener('abort', onAbort, { once: true });
        const stopped = () => opts.signal.aborted || failure !== undefined;
        const failWith = (u: PlannedUnit, reason: string, kind: RunResult['outcome']) => {
          failure ??= `${unitId(u)}: ${reason}`;
          if (outcome === 'succeeded') outcome = kind;
          stepAbort.abort();
        };

        /** Returns the baseline to gate with, or undefined when the unit was not (fully) changed. */
        const changeUnit = async (u: PlannedUnit): Promise<{ baseline: unknown } | undefined> => {
          if (stopped()) return undefined;
          const r = res(u);
          r.startedAt = iso();
          let baseline: unknown;
          try {
            if (!opts.dryRun) {
              opts.emit({ type: 'unit-phase', id: unitId(u), phase: 'lock', message: 'taking the lock' });
              locks.push(await ops.lock(u));
              baseline = await ops.prepare(u);
            }
          } catch (err) {
            failWith(u, (err as Error).message, err instanceof PreflightError ? 'lock-refused' : 'helm-failed');
            finish(u, { outcome: 'not-started', reason: (err as Error).message });
            return undefined;
          }
          if (stopped()) return undefined;
          opts.emit({ type: 'unit-phase', id: unitId(u), phase: 'change', message: `${u.action}${opts.dryRun ? ' (dry-run)' : ''}` });
          changed.push(u);
          try {
            const out = await ops.change(u, opts.dryRun);
            r.upgradedAt = iso();
            if (out.revision !== undefined) r.toRevision = out.revision;
          } catch (err) {
            failWith(u, (err as Error).message, 'helm-failed');
            finish(u, { outcome: 'helm-failed', reason: (err as Error).message });
            return undefined;
          }
          if (opts.dryRun) {
            finish(u, { outcome: 'dry-run' });
            return undefined;
          }
          return { baseline };
        };

        const gateUnit = async (u: PlannedUnit, baseline: unknown) => {
          if (u.action === 'uninstall') {
            finish(u, { outcome: 'applied', gatePassedAt: iso() });
            return;
          }
          opts.emit({ type: 'unit-phase', id: unitId(u), phase: 'gate', message: 'waiting for health' });
          const g = await ops
            .gate(u, baseline, stepAbort.signal, (message) => opts.emit({ type: 'unit-phase', id: unitId(u), phase: 'gate', message }))
            .catch((err: unknown): GateOutcome => ({ passed: false, reason: `gate could not read the cluster: ${(err as Error).message}` }));
          if (g.passed) {
            res(u).gatePassedAt = iso();
            finish(u, { outcome: 'applied' });
          } else if (opts.signal.aborted) {
            finish(u, { outcome: 'gate-failed', reason: 'gate interrupted' });
          } else if (stepAbort.signal.aborted && failure) {
            finish(u, { outcome: 'gate-failed', reason: `gate cancelled: ${failure.split(':')[0]} failed first` });
          } else {
            const reason = g.reason ?? 'health gate failed';
            failWith(u, reason, 'gate-failed');
            finish(u, { outcome: 'gate-failed', reason });
          }
        };

        try {
          await Promise.all(
            todo.map(async (u) => {
              const changedUnit = await limit(() => changeUnit(u));
              if (changedUnit) await gateUnit(u, changedUnit.baseline);
            }),
          );
        } finally {
          opts.signal.removeEventListener('abort', onAbort);
        }
        if (failure || opts.signal.aborted) break;
      }
    } catch (err) {
      // unexpected (a bug or a kubectl failure outside a unit): stop, undo, release, report
      failure ??= `unexpected error: ${(err as Error).message}`;
      if (outcome === 'succeeded') outcome = 'helm-failed';
    }

    const interrupted = opts.signal.aborted && !failure;
    if (failure || interrupted) {
      failedWave = wave.name;
      wr.outcome = interrupted ? 'interrupted' : 'failed';
      if (interrupted) outcome = 'interrupted';
      await undoWave(changed, opts, ops, res, finish, interrupted ? 'interrupted' : failure!);
    } else {
      wr.outcome = opts.dryRun ? 'dry-run' : 'passed';
    }
    await Promise.all(locks.map((l) => l.release().catch(() => undefined)));
    wr.finishedAt = iso();
    opts.emit({ type: 'wave-end', wave: wave.name, units: changing.length, outcome: wr.outcome });
    if (failure || interrupted) break;
  }
  if (opts.signal.aborted && outcome === 'succeeded') outcome = 'interrupted';

  const result: RunResult = {
    startedAt,
    finishedAt: iso(),
    dryRun: opts.dryRun,
    outcome,
    waves,
    units: [...results.values()],
  };
  if (failedWave !== undefined) result.failedWave = failedWave;
  return result;
}

async function undoWave(
  changed: PlannedUnit[],
  opts: ExecuteOptions,
  ops: UnitOps,
  res: (u: PlannedUnit) => UnitRunResult,
  finish: (u: PlannedUnit, patch: Partial<UnitRunResult>) => void,
  why: string,
): Promise<void> {
  const limit = pLimit(opts.concurrency);
  const undoOne = async (u: PlannedUnit) => {
    const r = res(u);
    if (opts.onFailure === 'halt' || opts.dryRun) {
      if (!opts.dryRun) finish(u, { outcome: r.outcome === 'applied' ? 'left' : r.outcome, rollback: 'left as is (onFailure: halt)' });
      return;
    }
    if (u.action === 'uninstall') {
      finish(u, { outcome: 'left', rollback: 'uninstalled; cannot be undone' });
      return;
    }
    const how = u.action === 'install' || !u.deployedRevision ? ({ kind: 'uninstall' } as const) : ({ kind: 'rollback', revision: u.deployedRevision } as const);
    opts.emit({ type: 'unit-phase', id: unitId(u), phase: 'undo', message: how.kind === 'uninstall' ? 'uninstalling (installed by this run)' : `rolling back to revision ${how.revision}` });
    try {
      await ops.undo(u, how);
      finish(u, {
        outcome: 'rolled-back',
        rollback: how.kind === 'uninstall' ? 'uninstalled (installed by this run)' : `rolled back to revision ${how.revision}`,
        ...(r.reason === undefined ? { reason: `rolled back because ${why}` } : {}),
      });
    } catch (err) {
      finish(u, { outcome: 'left', rollback: `rollback FAILED: ${(err as Error).message}` });
    }
  };
  await Promise.all(changed.map((u) => limit(() => undoOne(u))));
}
