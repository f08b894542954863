// The scheduler, pure: from the run's plan of steps and its log so far, what
// happens now. `next` never waits and never does I/O; the driver (drive.ts)
// appends what it records, starts what it starts, and asks again whenever an
// event lands. Everything a run decides is here:
//   - waves in order; a wave starts when the one before passed;
//   - a step starts when every step it comes after passed, pooled steps (helm
//     and API writes) at most `concurrency` at once, a unit under way first;
//   - the first failed step, an interrupt (SIGINT/SIGTERM) or the run lock lost
//     stops the wave: nothing new starts, cancellable steps in flight (gates)
//     are cancelled, helm calls in flight finish;
//   - then the undo phase: each step's undo (a lock given back always; a change
//     rolled back when the wave stopped and onFailure is rollback), a step's
//     undo after the undos of every step that came after it;
//   - each unit's outcome as soon as it is known (unit-end), the wave's, the run's.
import type { EventBody, InterruptCause, RunOutcome, StepResult, UnitOutcome, WaveOutcome } from './events.ts';
import { STEP_KINDS, UNDO_WHEN } from './steps.ts';
import type { FailureKind, RunPlan, RunUnit, RunWave, Step, UndoSpec } from './steps.ts';

export interface StepStart {
  step: Step;
  phase: 'do' | 'undo';
  /** A line for people: "upgrade", "waiting for health", "rolling back to revision 3". */
  message: string;
}

export interface Decision {
  /** Events due now, in order (wave and unit bookkeeping, cancels, the run's end). */
  record: EventBody[];
  /** Steps to start now (their step-start events are the driver's). */
  start: StepStart[];
}

interface StepState {
  started: boolean;
  ended?: StepResult;
  reason?: string;
  cancelReason?: string;
  undoStarted: boolean;
  undoEnded?: StepResult;
  undoReason?: string;
}

interface Failure {
  unit: string;
  reason: string;
  kind: FailureKind;
}

/** The log folded into what scheduling needs. */
interface LogState {
  steps: Map<string, StepState>;
  wavesStarted: Set<string>;
  wavesEnded: Map<string, WaveOutcome>;
  /** First failed step of each wave. */
  failures: Map<string, Failure>;
  interrupt: { cause: InterruptCause; reason: string } | undefined;
  /** The last unit-end of each unit. */
  unitEnds: Map<string, string>;
  runEnded: boolean;
}

const blank = (): StepState => ({ started: false, undoStarted: false });

function stepEvent(s: LogState, e: Extract<EventBody, { step: string }>): void {
  const st = s.steps.get(e.step) ?? blank();
  s.steps.set(e.step, st);
  const undo = e.phase === 'undo';
  if (e.event === 'step-start') {
    if (undo) st.undoStarted = true;
    else st.started = true;
  } else if (e.event === 'step-cancel') st.cancelReason = e.reason;
  else if (e.event === 'step-end') {
    if (undo) {
      st.undoEnded = e.result;
      if (e.reason !== undefined) st.undoReason = e.reason;
      return;
    }
    st.ended = e.result;
    if (e.reason !== undefined) st.reason = e.reason;
    if (e.result === 'failed' && !s.failures.has(e.wave)) s.failures.set(e.wave, { unit: e.unit, reason: e.reason ?? 'failed', kind: e.failure ?? STEP_KINDS[e.kind].failure });
  }
}

function foldLog(events: readonly EventBody[]): LogState {
  const s: LogState = { steps: new Map(), wavesStarted: new Set(), wavesEnded: new Map(), failures: new Map(), interrupt: undefined, unitEnds: new Map(), runEnded: false };
  for (const e of events) {
    if (e.event === 'wave-start') s.wavesStarted.add(e.wave);
    else if (e.event === 'wave-end') s.wavesEnded.set(e.wave, e.outcome);
    else if (e.event === 'interrupt') s.interrupt ??= { cause: e.cause, reason: e.reason };
    else if (e.event === 'unit-end') s.unitEnds.set(e.unit, key(e));
    else if (e.event === 'run-end') s.runEnded = true;
    else if (e.event === 'step-start' || e.event === 'step-end' || e.event === 'step-cancel') stepEvent(s, e);
  }
  return s;
}

const stateOf = (s: LogState, id: string): StepState => s.steps.get(id) ?? blank();
const inFlight = (st: StepState) => (st.started && st.ended === undefined) || (st.undoStarted && st.undoEnded === undefined);

/** "uninstalling (installed by this run)", "rolling back to revision 3": what an undo does. */
function undoLine(u: UndoSpec, installedByRun: boolean): string {
  if (u.how === 'release') return 'releasing the lock';
  if (u.how === 'uninstall') return installedByRun ? 'uninstalling (installed by this run)' : 'uninstalling';
  return `rolling back to revision ${u.revision}`;
}

function startLine(step: Step, phase: 'do' | 'undo'): string {
  if (phase === 'undo') return step.kind === 'lock' ? undoLine(step.undo, false) : step.kind === 'change' && step.undo ? undoLine(step.undo, true) : 'undo';
  switch (step.kind) {
    case 'lock':
      return 'taking the lock';
    case 'change':
      return `${step.action}${step.dryRun ? ' (dry-run)' : ''}`;
    case 'gate':
      return 'waiting for health';
    case 'uninstall':
      return `uninstall${step.dryRun ? ' (dry-run)' : ''}`;
    case 'revert':
      return undoLine(step.to, false);
  }
}

/** One wave's steps with what came after each (for the undo order). */
class WaveSteps {
  readonly dependents = new Map<string, Step[]>();
  readonly wave: RunWave;
  readonly plan: RunPlan;
  readonly s: LogState;

  constructor(wave: RunWave, plan: RunPlan, s: LogState) {
    this.wave = wave;
    this.plan = plan;
    this.s = s;
    for (const st of wave.steps) for (const a of st.after) this.dependents.set(a, [...(this.dependents.get(a) ?? []), st]);
  }

  get failure(): Failure | undefined {
    return this.s.failures.get(this.wave.name);
  }

  get stopping(): boolean {
    return this.failure !== undefined || this.s.interrupt !== undefined;
  }

  /** A do step still running. */
  doRunning(): boolean {
    return this.wave.steps.some((st) => {
      const x = stateOf(this.s, st.id);
      return x.started && x.ended === undefined;
    });
  }

  undoOf(step: Step): UndoSpec | undefined {
    return 'undo' in step ? step.undo : undefined;
  }

  /** Whether the step's undo is due: it has one, its time has come, and the step got far enough. */
  needsUndo(step: Step): boolean {
    const undo = this.undoOf(step);
    if (!undo) return false;
    if (UNDO_WHEN[undo.how] === 'on-failure' && !(this.stopping && this.plan.onFailure === 'rollback')) return false;
    const st = stateOf(this.s, step.id);
    return STEP_KINDS[step.kind].undoOnceStarted ? st.started && st.ended !== undefined : st.ended === 'passed';
  }

  /** Nothing of the step is left to put back: it never ran, its undo ended, or it needs none and neither do those after it. */
  settled(step: Step): boolean {
    const st = stateOf(this.s, step.id);
    if (!st.started) return true;
    if (this.needsUndo(step)) return st.undoEnded !== undefined;
    return (this.dependents.get(step.id) ?? []).every((d) => this.settled(d));
  }
}

/** Ready steps within the pool: those of a unit already under way first, then in plan order. */
function withinPool(ready: StepStart[], w: WaveSteps): StepStart[] {
  const pooledInFlight = w.wave.steps.filter((st) => STEP_KINDS[st.kind].pooled && inFlight(stateOf(w.s, st.id))).length;
  const underWay = new Set(w.wave.steps.filter((st) => stateOf(w.s, st.id).started).map((st) => st.unit));
  const ordered = [...ready.filter((r) => underWay.has(r.step.unit)), ...ready.filter((r) => !underWay.has(r.step.unit))];
  let room = w.plan.concurrency - pooledInFlight;
  return ordered.filter((r) => {
    if (!STEP_KINDS[r.step.kind].pooled) return true;
    if (room <= 0) return false;
    room--;
    return true;
  });
}

/** The do phase: steps whose predecessors passed, or, once the wave stops, cancels of what can be cancelled. Undefined when the phase is over. */
function doPhase(w: WaveSteps): Decision | undefined {
  const { s } = w;
  const running = w.wave.steps.filter((st) => inFlight(stateOf(s, st.id)));
  if (w.stopping) {
    const reason = (st: Step) => (s.interrupt ? `${st.kind} interrupted` : `${st.kind} cancelled: ${w.failure!.unit} failed first`);
    const cancel = running.filter((st) => STEP_KINDS[st.kind].cancellable && stateOf(s, st.id).cancelReason === undefined);
    const record = cancel.map((st): EventBody => ({ event: 'step-cancel', wave: st.wave, cluster: st.cluster, unit: st.unit, step: st.id, kind: st.kind, phase: 'do', reason: reason(st) }));
    return running.length ? { record, start: [] } : undefined;
  }
  const passed = (id: string) => stateOf(s, id).ended === 'passed';
  const ready = w.wave.steps.filter((st) => !stateOf(s, st.id).started && st.after.every(passed)).map((step): StepStart => ({ step, phase: 'do', message: startLine(step, 'do') }));
  if (!ready.length && !running.length) return undefined;
  return { record: [], start: withinPool(ready, w) };
}

/** The undo phase: undos due whose later steps are settled. Undefined when everything is settled. */
function undoPhase(w: WaveSteps): Decision | undefined {
  const due = w.wave.steps.filter((st) => w.needsUndo(st));
  const open = due.filter((st) => stateOf(w.s, st.id).undoEnded === undefined);
  if (!open.length) return undefined;
  const ready = open
    .filter((st) => !stateOf(w.s, st.id).undoStarted && (w.dependents.get(st.id) ?? []).every((d) => w.settled(d)))
    .map((step): StepStart => ({ step, phase: 'undo', message: startLine(step, 'undo') }));
  return { record: [], start: withinPool(ready, w) };
}

type UnitEnd = { result: UnitOutcome; reason?: string; rollback?: string };

/**
 * What a unit's ends say so far, in order: how its steps left it (a gate
 * failed), then what the wave's undo made of it (rolled back, left); empty
 * while it is under way or never started.
 */
function unitResults(unit: RunUnit, w: WaveSteps): UnitEnd[] {
  const steps = w.wave.steps.filter((st) => st.unit === unit.id);
  if (!steps.length) return [{ result: 'skipped' }];
  const lock = steps.find((st) => st.kind === 'lock');
  const locked = lock && stateOf(w.s, lock.id);
  if (locked?.ended === 'failed') return [{ result: 'not-started', ...(locked.reason ? { reason: locked.reason } : {}) }];
  const work = steps.filter((st) => st.kind !== 'lock');
  const first = work[0] && stateOf(w.s, work[0].id);
  if (!first?.started || first.ended === undefined) return [];
  const base = workResult(work, w);
  const final = afterUndo(base, work, w);
  return [base, final].filter((r, i, all): r is UnitEnd => r !== undefined && (i === 0 || key(r) !== key(all[0])));
}

const key = (r: UnitEnd | undefined) => JSON.stringify(r && [r.result, r.reason, r.rollback]);

/** The unit as its steps left it: the first that failed (or was cancelled) says why; undefined while a step is to come or under way. */
function workResult(work: readonly Step[], w: WaveSteps): UnitEnd | undefined {
  for (const step of work) {
    const x = stateOf(w.s, step.id);
    if (x.ended === undefined) return undefined;
    if (x.ended === 'passed') continue;
    const gate = STEP_KINDS[step.kind].failure === 'gate-failed';
    const reason = (x.ended === 'cancelled' ? x.cancelReason : x.reason) ?? (gate ? 'health gate failed' : `${step.kind} failed`);
    return { result: gate ? 'gate-failed' : 'helm-failed', reason };
  }
  return { result: w.plan.dryRun ? 'dry-run' : 'applied' };
}

/** "rolled back to revision 3", "uninstalled (installed by this run)": what the unit's undos did. */
function undoneLine(undone: readonly Step[], w: WaveSteps): string {
  const putBack = undone.map((st) => w.undoOf(st)).find((u) => u?.how === 'rollback' || u?.how === 'uninstall');
  if (putBack?.how === 'rollback') return `rolled back to revision ${putBack.revision}`;
  return putBack?.how === 'uninstall' ? 'uninstalled (installed by this run)' : 'undone';
}

/** The outcome once the wave's undo had its say: put back, left as it is, or as its steps left it. */
function afterUndo(base: UnitEnd | undefined, work: readonly Step[], w: WaveSteps): UnitEnd | undefined {
  const reason = base?.reason === undefined ? {} : { reason: base.reason };
  const undone = work.filter((st) => w.needsUndo(st));
  if (undone.length) {
    const states = undone.map((st) => stateOf(w.s, st.id));
    if (states.some((x) => x.undoEnded === undefined)) return base;
    const failed = states.find((x) => x.undoEnded === 'failed');
    if (failed) return { result: 'left', ...reason, rollback: `rollback FAILED: ${failed.undoReason ?? 'failed'}` };
    return { result: 'rolled-back', rollback: undoneLine(undone, w), reason: base?.reason ?? `rolled back because ${w.failure ? `${w.failure.unit}: ${w.failure.reason}` : 'interrupted'}` };
  }
  // a stopped wave with nothing left running: what was changed and is not put back is said to be left
  const kind = work[0]!.kind;
  if (!w.stopping || w.doRunning() || w.plan.dryRun || kind === 'revert') return base;
  if (kind === 'uninstall') return base?.result === 'applied' ? { result: 'left', rollback: 'uninstalled; cannot be undone' } : base;
  return { result: 'left', ...reason, rollback: 'left as is (onFailure: halt)' };
}

/** unit-end events due: each unit whose outcome is known and differs from the last one said. */
function unitEnds(w: WaveSteps): EventBody[] {
  const out: EventBody[] = [];
  for (const u of w.wave.units) {
    const said = w.s.unitEnds.get(u.id);
    const all = unitResults(u, w);
    const from = all.findIndex((r) => key(r) === said) + 1;
    for (const r of all.slice(from)) out.push({ event: 'unit-end', wave: w.wave.name, cluster: u.cluster, unit: u.id, ...r });
  }
  return out;
}

function waveOutcome(w: WaveSteps): WaveOutcome {
  if (w.failure) return 'failed';
  if (w.s.interrupt) return 'interrupted';
  return w.plan.dryRun ? 'dry-run' : 'passed';
}

function runEnd(plan: RunPlan, s: LogState): EventBody {
  const failedWave = plan.waves.find((w) => s.failures.has(w.name) || (s.wavesEnded.get(w.name) ?? 'passed') === 'interrupted')?.name;
  const failure = failedWave !== undefined ? s.failures.get(failedWave) : undefined;
  const cause = s.interrupt?.cause;
  const outcome: RunOutcome = cause === 'lock-lost' ? 'lock-refused' : (failure?.kind ?? (cause ? 'interrupted' : 'succeeded'));
  return { event: 'run-end', outcome, ...(cause ? { cause } : {}), ...(failedWave !== undefined ? { failedWave } : {}) };
}

/** What happens in the wave under way: steps to start, cancels, unit ends, its end. */
function waveDecision(w: WaveSteps): Decision {
  const d = doPhase(w) ?? undoPhase(w);
  const ends = unitEnds(w);
  if (d) return { record: [...ends, ...d.record], start: d.start };
  return { record: [...ends, { event: 'wave-end', wave: w.wave.name, outcome: waveOutcome(w) }], start: [] };
}

/** What the run does now, given its plan and its log so far. Empty when it waits for a step in flight, or has ended. */
export function next(plan: RunPlan, events: readonly EventBody[]): Decision {
  const s = foldLog(events);
  if (s.runEnded) return { record: [], start: [] };
  for (const wave of plan.waves) {
    const ended = s.wavesEnded.get(wave.name);
    if (ended === 'failed' || ended === 'interrupted') break;
    if (ended !== undefined) continue;
    if (!s.wavesStarted.has(wave.name)) {
      if (s.interrupt) break;
      return { record: [{ event: 'wave-start', wave: wave.name }, ...unitEnds(new WaveSteps(wave, plan, s))], start: [] };
    }
    return waveDecision(new WaveSteps(wave, plan, s));
  }
  return { record: [runEnd(plan, s)], start: [] };
}
