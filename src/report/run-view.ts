// What every run report shows, read from run logs alone (pure): the waves,
// each unit with its outcome, revisions, times, gate details and steps. One
// log, or several (the shards of one wave, the stages of one pipeline) merged
// into one view: units keyed by id, waves by name in plan order. A log cut
// short (SIGKILL) still reads: what never ended says so.
import type { EventOf, InterruptCause, RunEvent, RunHeader, RunOutcome, StepResult, UnitOutcome, WaveOutcome } from '../run/events.ts';
import type { RunUnit, StepKind } from '../run/steps.ts';

export interface StepView {
  id: string;
  kind: StepKind;
  phase: 'do' | 'undo';
  message: string;
  startedAt: string;
  endedAt?: string;
  result?: StepResult;
  reason?: string;
  /** What the step ended with (a gate's pods, a change's revision). */
  details?: Record<string, unknown>;
  progress: { at: string; message: string }[];
}

interface FailingPodView {
  namespace: string;
  name: string;
  reason: string;
  message: string;
  restarts: number;
  events: string[];
  logs: string;
}

export interface GateView {
  phase?: string;
  reason: string;
  durationMs?: number;
  failingPods: FailingPodView[];
  objects?: unknown[];
  probes?: unknown[];
}

/** A unit never ended in a log that has no end: the run was killed, or is still running. */
type UnitViewOutcome = UnitOutcome | 'unfinished';

export interface UnitView extends RunUnit {
  /** The run (log) it belongs to. */
  run: string;
  outcome: UnitViewOutcome;
  reason?: string;
  rollback?: string;
  toRevision?: number;
  startedAt?: string;
  upgradedAt?: string;
  gatePassedAt?: string;
  finishedAt?: string;
  gate?: GateView;
  steps: StepView[];
}

export interface WaveView {
  name: string;
  outcome: WaveOutcome | 'not-started' | 'unfinished';
  startedAt?: string;
  finishedAt?: string;
  units: UnitView[];
}

export interface RunInfo {
  id: string;
  command: RunHeader['command'];
  repo: string;
  holder: string;
  wave?: string;
  shard?: { index: number; count: number };
  clusters?: string[];
  startedAt: string;
  finishedAt?: string;
  outcome: RunOutcome | 'unfinished';
  cause?: InterruptCause;
  /** The log ended in a half-written line (killed mid-write). */
  truncated?: boolean;
}

export interface RunView {
  runs: RunInfo[];
  command: RunHeader['command'];
  dryRun: boolean;
  onFailure: string;
  startedAt: string;
  finishedAt: string;
  outcome: RunOutcome | 'unfinished';
  cause?: InterruptCause;
  failedWave?: string;
  waves: WaveView[];
}

/** One log folded, event by event (the live views use it as the run goes). */
export class RunFold {
  readonly header: EventOf<'run-start'>;
  readonly units = new Map<string, UnitView>();
  readonly waves = new Map<string, WaveView>();
  readonly steps = new Map<string, StepView>();
  readonly info: RunInfo;
  last: string;

  constructor(header: EventOf<'run-start'>) {
    this.header = header;
    this.last = header.at;
    this.info = { id: header.run, command: header.command, repo: header.repo, holder: header.holder, startedAt: header.at, outcome: 'unfinished', ...pick(header, ['wave', 'shard', 'clusters']) };
    for (const w of header.plan.waves) {
      this.waves.set(w.name, { name: w.name, outcome: 'not-started', units: [] });
      for (const u of w.units) {
        const view: UnitView = { ...u, run: header.run, outcome: 'not-started', steps: [] };
        this.units.set(u.id, view);
        this.waves.get(w.name)!.units.push(view);
      }
    }
  }

  add(e: RunEvent): void {
    this.last = e.at;
    switch (e.event) {
      case 'wave-start':
        return void Object.assign(this.#wave(e.wave), { outcome: 'unfinished', startedAt: e.at });
      case 'wave-end':
        return void Object.assign(this.#wave(e.wave), { outcome: e.outcome, finishedAt: e.at });
      case 'step-start':
      case 'step-progress':
      case 'step-cancel':
      case 'step-end':
        return this.#step(e);
      case 'unit-end':
        return this.#unitEnd(e);
      case 'run-end':
        return void Object.assign(this.info, { outcome: e.outcome, finishedAt: e.at, ...(e.cause ? { cause: e.cause } : {}) });
      default:
        return undefined;
    }
  }

  #wave(name: string): WaveView {
    let w = this.waves.get(name);
    if (!w) this.waves.set(name, (w = { name, outcome: 'not-started', units: [] }));
    return w;
  }

  #step(e: EventOf<'step-start' | 'step-progress' | 'step-cancel' | 'step-end'>): void {
    const key = `${e.step}:${e.phase}`;
    const u = this.units.get(e.unit);
    if (e.event === 'step-start') {
      const s: StepView = { id: e.step, kind: e.kind, phase: e.phase, message: e.message, startedAt: e.at, progress: [] };
      this.steps.set(key, s);
      u?.steps.push(s);
      if (u && u.startedAt === undefined) u.startedAt = e.at;
      return;
    }
    const s = this.steps.get(key);
    if (!s) return;
    if (e.event === 'step-progress') s.progress.push({ at: e.at, message: e.message });
    else if (e.event === 'step-cancel') s.progress.push({ at: e.at, message: `cancelled: ${e.reason}` });
    else Object.assign(s, { endedAt: e.at, result: e.result, ...(e.reason !== undefined ? { reason: e.reason } : {}), ...(e.details ? { details: withoutBefore(e.details) } : {}) });
    if (u && e.event === 'step-end') stepEnded(u, e);
  }

  #unitEnd(e: EventOf<'unit-end'>): void {
    const u = this.units.get(e.unit);
    if (!u) return;
    delete u.reason;
    delete u.rollback;
    Object.assign(u, { outcome: e.result, finishedAt: e.at, ...(e.reason !== undefined ? { reason: e.reason } : {}), ...(e.rollback !== undefined ? { rollback: e.rollback } : {}) });
  }

  /** The units whose steps never ended, or whose wave never did, in a log without its end. */
  finish(truncated: boolean): void {
    if (truncated) this.info.truncated = true;
    if (this.info.outcome !== 'unfinished') return;
    for (const u of this.units.values()) {
      const open = u.steps.some((s) => s.endedAt === undefined);
      const waveOpen = this.waves.get(u.wave)?.outcome === 'unfinished';
      if (open || (waveOpen && u.steps.length > 0 && u.outcome !== 'skipped')) u.outcome = 'unfinished';
    }
  }
}

function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

const withoutBefore = (d: Record<string, unknown>): Record<string, unknown> => {
  const { before: _b, ...rest } = d;
  return rest;
};

/** What a step's end tells of its unit: the revision a change made, when it changed, a gate's verdict and pods. */
function stepEnded(u: UnitView, e: EventOf<'step-end'>): void {
  if (e.phase !== 'do' || e.result !== 'passed') {
    if (e.kind === 'gate' && e.phase === 'do') u.gate = gateView(e);
    return;
  }
  if (e.kind === 'change' || e.kind === 'uninstall' || e.kind === 'revert') {
    u.upgradedAt = e.at;
    if (typeof e.details?.revision === 'number') u.toRevision = e.details.revision;
    if (e.kind !== 'change') u.gatePassedAt = e.at;
  }
  if (e.kind === 'gate') {
    u.gatePassedAt = e.at;
    u.gate = gateView(e);
  }
}

function gateView(e: EventOf<'step-end'>): GateView {
  const d = e.details ?? {};
  return { reason: typeof d.reason === 'string' ? d.reason : (e.reason ?? ''), failingPods: (d.failingPods as FailingPodView[] | undefined) ?? [], ...pick(d as Partial<GateView>, ['phase', 'durationMs', 'objects', 'probes']) };
}

const SEVERITY: (RunOutcome | 'unfinished')[] = ['unfinished', 'interrupted', 'gate-failed', 'helm-failed', 'lock-refused', 'succeeded'];

/** One log's fold. */
function foldRun(events: readonly RunEvent[], truncated = false): RunFold {
  const header = events[0];
  if (header?.event !== 'run-start') throw new Error('a run log starts with its run-start event');
  const f = new RunFold(header);
  for (const e of events.slice(1)) f.add(e);
  f.finish(truncated);
  return f;
}

/** The view of one or more logs: waves by name in plan order, the units of every log; the worst outcome. */
export function runView(logs: readonly { events: readonly RunEvent[]; truncated?: boolean }[]): RunView {
  const folds = logs.map((l) => foldRun(l.events, l.truncated === true)).sort((a, b) => a.info.startedAt.localeCompare(b.info.startedAt));
  const waves = new Map<string, WaveView>();
  for (const f of folds) {
    for (const w of f.waves.values()) {
      const into = waves.get(w.name) ?? { name: w.name, outcome: 'not-started', units: [] };
      waves.set(w.name, mergeWave(into, w));
    }
  }
  const runs = folds.map((f) => f.info);
  const outcome = SEVERITY.find((o) => runs.some((r) => r.outcome === o)) ?? 'succeeded';
  const cause = runs.find((r) => r.cause)?.cause;
  const all = [...waves.values()];
  const failedWave = all.find((w) => w.outcome === 'failed' || w.outcome === 'interrupted')?.name;
  const first = folds[0]!;
  return {
    runs,
    command: first.header.command,
    dryRun: first.header.plan.dryRun,
    onFailure: first.header.plan.onFailure,
    startedAt: runs[0]!.startedAt,
    finishedAt: folds.map((f) => f.info.finishedAt ?? f.last).sort().at(-1)!,
    outcome,
    ...(cause ? { cause } : {}),
    ...(failedWave !== undefined ? { failedWave } : {}),
    waves: all,
  };
}

const WAVE_SEVERITY: WaveView['outcome'][] = ['unfinished', 'failed', 'interrupted', 'passed', 'dry-run', 'not-started'];

/** Two views of one wave (two shards): every unit (one that ran in a later log replaces an earlier one's), the worse outcome, the outer times. */
function mergeWave(a: WaveView, b: WaveView): WaveView {
  const units = new Map(a.units.map((u) => [u.id, u]));
  for (const u of b.units) {
    const had = units.get(u.id);
    if (!had || u.outcome !== 'not-started' || had.outcome === 'not-started') units.set(u.id, u);
  }
  const outcome = WAVE_SEVERITY.find((o) => a.outcome === o || b.outcome === o)!;
  const startedAt = [a.startedAt, b.startedAt].filter((x): x is string => !!x).sort()[0];
  const finishedAt = [a.finishedAt, b.finishedAt].filter((x): x is string => !!x).sort().at(-1);
  return { name: a.name, outcome, ...(startedAt ? { startedAt } : {}), ...(finishedAt ? { finishedAt } : {}), units: [...units.values()] };
}
