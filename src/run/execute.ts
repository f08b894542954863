// Executes a plan: waves in order, steps in order inside a wave (failovers after
// their primaries), units of a step concurrently (bounded), each gated right
// after its change. The first failure stops the run; with onFailure: rollback
// every unit changed in the failed wave is put back. All cluster I/O goes
// through UnitOps, so this file is the scheduling logic only: a wave runs its
// steps (runWave), a step its units (runStep), a unit is changed (changeUnit)
// then gated (gateUnit); each returns what happened.
import pLimit from 'p-limit';
import { PreflightError } from '../errors.ts';
import { unitId, unitRefOf } from '../model/identity.ts';
import type { OnFailure } from '../model/spec.ts';
import type { Plan, PlannedUnit, PlanWave } from '../plan/types.ts';
import { unitTextScrubber } from '../plan/assemble.ts';
import type { RunResult, UnitRunResult, WaveRunResult } from './types.ts';
import type { UndoHow } from './undo.ts';

export interface LockHandle {
  release(): Promise<void>;
}

export interface GateOutcome {
  passed: boolean;
  reason?: string;
}

interface ChangeOutcome {
  revision?: number;
}

/** The cluster side of a run, one method per thing done to a unit. B: what prepare records for the gate. */
export interface UnitOps<B> {
  lock(u: PlannedUnit): Promise<LockHandle>;
  /** Records what the gate needs from before the change (object uids and generations). */
  prepare(u: PlannedUnit): Promise<B>;
  change(u: PlannedUnit, dryRun: boolean): Promise<ChangeOutcome>;
  gate(u: PlannedUnit, baseline: B, signal: AbortSignal, progress: (message: string) => void): Promise<GateOutcome>;
  /** Puts a unit back: rollback to `revision`, or uninstall what this run installed. */
  undo(u: PlannedUnit, how: UndoHow): Promise<void>;
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
const changing = (u: PlannedUnit) => CHANGING.has(u.action);

type FailureKind = 'gate-failed' | 'helm-failed' | 'lock-refused';
interface Failure {
  unit: string;
  reason: string;
  kind: FailureKind;
}

/** The per-unit results of a run: set once per unit (finish), emitted as they are. */
class Results {
  readonly #byId = new Map<string, UnitRunResult>();
  readonly #emit: (e: RunEvent) => void;
  readonly iso: () => string;

  constructor(plan: Plan, emit: (e: RunEvent) => void, now: () => Date) {
    this.#emit = emit;
    this.iso = () => now().toISOString();
    for (const u of plan.waves.flatMap((w) => w.steps.flat())) {
      const id = unitId(u);
      this.#byId.set(id, { id, ...unitRefOf(u), wave: u.wave, step: u.step, action: u.action, outcome: 'not-started', ...(u.deployedRevision !== undefined ? { fromRevision: u.deployedRevision } : {}) });
    }
  }

  get(u: PlannedUnit): UnitRunResult {
    return this.#byId.get(unitId(u))!;
  }

  /** Marks a time on the unit (startedAt, upgradedAt, gatePassedAt) without finishing it. */
  stamp(u: PlannedUnit, patch: Partial<UnitRunResult>): void {
    Object.assign(this.get(u), patch);
  }

  finish(u: PlannedUnit, patch: Partial<UnitRunResult>): void {
    Object.assign(this.get(u), patch, { finishedAt: this.iso() });
    this.#emit({ type: 'unit-end', id: unitId(u), result: this.get(u) });
  }

  phase(u: PlannedUnit, phase: 'lock' | 'change' | 'gate' | 'undo', message: string): void {
    this.#emit({ type: 'unit-phase', id: unitId(u), phase, message });
  }

  all(): UnitRunResult[] {
    return [...this.#byId.values()];
  }
}

interface Ctx<B> {
  ops: UnitOps<B>;
  opts: ExecuteOptions;
  results: Results;
  limit: ReturnType<typeof pLimit>;
}

/** One step's shared state: the first failure cancels the step's other gates and starts nothing new. */
class StepControl {
  readonly abort = new AbortController();
  failure: Failure | undefined;
  readonly #signal: AbortSignal;

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    signal.addEventListener('abort', () => this.abort.abort(), { once: true });
  }

  stopped(): boolean {
    return this.#signal.aborted || this.failure !== undefined;
  }

  fail(u: PlannedUnit, reason: string, kind: FailureKind): void {
    this.failure ??= { unit: unitId(u), reason, kind };
    this.abort.abort();
  }
}

type Changed<B> = { unit: PlannedUnit; lock?: LockHandle; baseline?: B; changed: boolean; gate: boolean };

/** Lock, record the baseline, change. Returns whether helm's write ran (or may have run) and whether to gate. */
async function changeUnit<B>(u: PlannedUnit, c: Ctx<B>, step: StepControl): Promise<Changed<B>> {
  const { ops, opts, results } = c;
  if (step.stopped()) return { unit: u, changed: false, gate: false };
  results.stamp(u, { startedAt: results.iso() });
  let lock: LockHandle | undefined;
  let baseline: B | undefined;
  if (!opts.dryRun) {
    try {
      results.phase(u, 'lock', 'taking the lock');
      lock = await ops.lock(u);
      baseline = await ops.prepare(u);
    } catch (err) {
      step.fail(u, (err as Error).message, err instanceof PreflightError ? 'lock-refused' : 'helm-failed');
      results.finish(u, { outcome: 'not-started', reason: (err as Error).message });
      return { unit: u, ...(lock ? { lock } : {}), changed: false, gate: false };
    }
  }
  const held = lock ? { lock } : {};
  if (step.stopped()) return { unit: u, ...held, changed: false, gate: false };
  results.phase(u, 'change', `${u.action}${opts.dryRun ? ' (dry-run)' : ''}`);
  try {
    const out = await ops.change(u, opts.dryRun);
    results.stamp(u, { upgradedAt: results.iso(), ...(out.revision !== undefined ? { toRevision: out.revision } : {}) });
  } catch (err) {
    // helm's stderr may quote a value the API server refused (a Secret's among them)
    const reason = unitTextScrubber(u)((err as Error).message);
    step.fail(u, reason, 'helm-failed');
    results.finish(u, { outcome: 'helm-failed', reason });
    return { unit: u, ...held, changed: true, gate: false };
  }
  if (opts.dryRun) {
    results.finish(u, { outcome: 'dry-run' });
    return { unit: u, changed: true, gate: false };
  }
  return { unit: u, ...held, ...(baseline !== undefined ? { baseline } : {}), changed: true, gate: true };
}

/** The gate right after the change (an uninstall has nothing to gate). */
async function gateUnit<B>(u: PlannedUnit, baseline: B, c: Ctx<B>, step: StepControl): Promise<void> {
  const { results } = c;
  if (u.action === 'uninstall') {
    results.finish(u, { outcome: 'applied', gatePassedAt: results.iso() });
    return;
  }
  results.phase(u, 'gate', 'waiting for health');
  const g = await c.ops
    .gate(u, baseline, step.abort.signal, (message) => results.phase(u, 'gate', message))
    .catch((err: unknown): GateOutcome => ({ passed: false, reason: `gate could not read the cluster: ${(err as Error).message}` }));
  if (g.passed) results.finish(u, { outcome: 'applied', gatePassedAt: results.iso() });
  else if (c.opts.signal.aborted) results.finish(u, { outcome: 'gate-failed', reason: 'gate interrupted' });
  else if (step.failure) results.finish(u, { outcome: 'gate-failed', reason: `gate cancelled: ${step.failure.unit} failed first` });
  else {
    const reason = g.reason ?? 'health gate failed';
    step.fail(u, reason, 'gate-failed');
    results.finish(u, { outcome: 'gate-failed', reason });
  }
}

/** The units of one step: each changed within the pool, then gated outside it (gates mostly wait). */
async function runStep<B>(todo: PlannedUnit[], c: Ctx<B>): Promise<{ changed: Changed<B>[]; failure: Failure | undefined }> {
  const step = new StepControl(c.opts.signal);
  const changed = await Promise.all(
    todo.map(async (u) => {
      const r = await c.limit(() => changeUnit(u, c, step));
      if (r.gate) await gateUnit(u, r.baseline as B, c, step);
      return r;
    }),
  );
  return { changed, failure: step.failure };
}

/** Puts back every unit changed in a failed or interrupted wave (or leaves it, with onFailure: halt). */
async function undoWave<B>(changed: PlannedUnit[], c: Ctx<B>, why: string): Promise<void> {
  const { ops, opts, results } = c;
  const undoOne = async (u: PlannedUnit) => {
    const r = results.get(u);
    if (opts.onFailure === 'halt' || opts.dryRun) {
      // changed and not put back: the report says so (the gate's reason, if any, stays)
      if (!opts.dryRun) results.finish(u, { outcome: 'left', rollback: 'left as is (onFailure: halt)' });
      return;
    }
    if (u.action === 'uninstall') {
      results.finish(u, { outcome: 'left', rollback: 'uninstalled; cannot be undone' });
      return;
    }
    const how: UndoHow = u.action === 'install' || !u.deployedRevision ? { kind: 'uninstall' } : { kind: 'rollback', revision: u.deployedRevision };
    results.phase(u, 'undo', how.kind === 'uninstall' ? 'uninstalling (installed by this run)' : `rolling back to revision ${how.revision}`);
    try {
      await ops.undo(u, how);
      const rollback = how.kind === 'uninstall' ? 'uninstalled (installed by this run)' : `rolled back to revision ${how.revision}`;
      results.finish(u, { outcome: 'rolled-back', rollback, ...(r.reason === undefined ? { reason: `rolled back because ${why}` } : {}) });
    } catch (err) {
      results.finish(u, { outcome: 'left', rollback: `rollback FAILED: ${(err as Error).message}` });
    }
  };
  const limit = pLimit(opts.concurrency);
  await Promise.all(changed.map((u) => limit(() => undoOne(u))));
}

interface WaveResult {
  result: WaveRunResult;
  failure: Failure | undefined;
  interrupted: boolean;
}

/** One wave: its steps in order, then (on a failure or an interrupt) the undo, then its locks released. */
async function runWave<B>(wave: PlanWave, c: Ctx<B>): Promise<WaveResult> {
  const { opts, results } = c;
  const startedAt = results.iso();
  const todoCount = wave.steps.flat().filter(changing).length;
  opts.emit({ type: 'wave-start', wave: wave.name, units: todoCount });
  for (const u of wave.steps.flat()) if (!changing(u)) results.finish(u, { outcome: 'skipped' });
  const done: Changed<B>[] = [];
  let failure: Failure | undefined;
  for (const step of wave.steps) {
    const todo = step.filter(changing);
    if (todo.length === 0) continue;
    const r = await runStep(todo, c).catch((err: unknown) => {
      // unexpected (a bug, or a failure outside any unit): stop, undo what this wave changed, release, report
      const unit = todo[0] ? unitId(todo[0]) : wave.name;
      return { changed: todo.map((u) => ({ unit: u, changed: results.get(u).upgradedAt !== undefined, gate: false })), failure: { unit, reason: `unexpected error: ${(err as Error).message}`, kind: 'helm-failed' as const } };
    });
    done.push(...r.changed);
    failure = r.failure;
    if (failure || opts.signal.aborted) break;
  }
  const interrupted = opts.signal.aborted && !failure;
  if (failure || interrupted) await undoWave(done.filter((d) => d.changed).map((d) => d.unit), c, interrupted ? 'interrupted' : `${failure!.unit}: ${failure!.reason}`);
  await Promise.all(done.flatMap((d) => (d.lock ? [d.lock.release().catch(() => undefined)] : [])));
  const outcome: WaveRunResult['outcome'] = interrupted ? 'interrupted' : failure ? 'failed' : opts.dryRun ? 'dry-run' : 'passed';
  opts.emit({ type: 'wave-end', wave: wave.name, units: todoCount, outcome });
  return { result: { name: wave.name, outcome, startedAt, finishedAt: results.iso() }, failure, interrupted };
}

export async function executePlan<B>(plan: Plan, ops: UnitOps<B>, opts: ExecuteOptions): Promise<RunResult> {
  const results = new Results(plan, opts.emit, opts.now ?? (() => new Date()));
  const c: Ctx<B> = { ops, opts, results, limit: pLimit(opts.concurrency) };
  const startedAt = results.iso();
  const waves: WaveRunResult[] = [];
  let stop: WaveResult | undefined;
  for (const wave of plan.waves) {
    if (stop || opts.signal.aborted) {
      waves.push({ name: wave.name, outcome: 'not-started' });
      continue;
    }
    const w = await runWave(wave, c);
    waves.push(w.result);
    if (w.failure || w.interrupted) stop = w;
  }
  const outcome: RunResult['outcome'] = stop?.failure?.kind ?? (stop?.interrupted || opts.signal.aborted ? 'interrupted' : 'succeeded');
  const failedWave = waves.find((w) => w.outcome === 'failed' || w.outcome === 'interrupted')?.name;
  return { startedAt, finishedAt: results.iso(), dryRun: opts.dryRun, outcome, waves, units: results.all(), ...(failedWave !== undefined ? { failedWave } : {}) };
}
