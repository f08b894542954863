// The run's loop: ask next() what happens now, write it to the run log, start
// the steps it names with their kind's runner, and ask again whenever a step
// ends or an interrupt arrives. All scheduling is next()'s; all I/O is the
// runners'; the log is the only state.
import type { RunLog } from './log.ts';
import type { EventBody, InterruptCause, RunEvent } from './events.ts';
import { next } from './next.ts';
import type { StepStart } from './next.ts';
import type { FailureKind, RunPlan, Step, StepKind } from './steps.ts';

/** What a runner says of a step it ran. */
export interface StepOutcome {
  result: 'passed' | 'failed';
  /** One line, for people (a failure's cause). */
  reason?: string;
  /** What the failure makes of the run, when not the kind's own (a lock held by another run). */
  failure?: FailureKind;
  /** Written on the step's end event (a gate's pods, events and logs; the revision a change made). */
  details?: Record<string, unknown>;
}

export interface StepContext {
  /** Aborted when the step is cancelled (its wave stopped): a gate stops waiting. */
  signal: AbortSignal;
  /** A progress line on the log (a gate's phase). */
  progress(message: string): void;
  /** The details an earlier step of the run ended with (the revision a change made, the state a lock recorded). */
  detailsOf(stepId: string): Record<string, unknown> | undefined;
}

interface StepRunner<S extends Step = Step> {
  run(step: S, ctx: StepContext): Promise<StepOutcome>;
  undo?(step: S, ctx: StepContext): Promise<StepOutcome>;
}

/** One runner per step kind a run uses. */
export type Runners = { [K in StepKind]?: StepRunner<Extract<Step, { kind: K }>> };

/** What an abort reason says: a signal's name, or the run lock lost. */
interface Interrupt {
  cause: InterruptCause;
  reason: string;
}

function interruptOf(reason: unknown): Interrupt {
  if (reason === 'SIGINT' || reason === 'SIGTERM') return { cause: reason, reason: `interrupted by ${reason}` };
  if (typeof reason === 'object' && reason !== null && 'cause' in reason) return reason as Interrupt;
  return { cause: 'SIGTERM', reason: String(reason) };
}

const place = (s: Step, phase: 'do' | 'undo') => ({ wave: s.wave, cluster: s.cluster, unit: s.unit, step: s.id, kind: s.kind, phase });

class Driver {
  readonly #running = new Map<string, AbortController>();
  #wake: (() => void) | undefined;
  #poked = false;

  /** What it drives: the plan of steps, one runner per kind, the log it writes. */
  readonly #job: { plan: RunPlan; runners: Runners; log: RunLog };

  constructor(job: { plan: RunPlan; runners: Runners; log: RunLog }) {
    this.#job = job;
  }

  poke(): void {
    this.#poked = true;
    this.#wake?.();
  }

  detailsOf(stepId: string): Record<string, unknown> | undefined {
    const end = this.#job.log.events.findLast((e): e is Extract<RunEvent, { event: 'step-end' }> => e.event === 'step-end' && e.step === stepId && e.phase === 'do');
    return end?.details;
  }

  /** Writes a recorded event; a cancel aborts its step. */
  record(e: EventBody): void {
    this.#job.log.append(e);
    if (e.event === 'step-cancel') this.#running.get(`${e.step}:do`)?.abort();
  }

  start(s: StepStart): void {
    const key = `${s.step.id}:${s.phase}`;
    const abort = new AbortController();
    this.#running.set(key, abort);
    this.#job.log.append({ event: 'step-start', ...place(s.step, s.phase), message: s.message });
    let ended = false;
    const ctx: StepContext = {
      signal: abort.signal,
      progress: (message) => void (ended || this.#job.log.append({ event: 'step-progress', ...place(s.step, s.phase), message })),
      detailsOf: (id) => this.detailsOf(id),
    };
    void this.#run(s, ctx).then((out) => {
      ended = true;
      this.#running.delete(key);
      const cancel = abort.signal.aborted ? this.#job.log.events.findLast((e) => e.event === 'step-cancel' && e.step === s.step.id) : undefined;
      const cancelled = out.result === 'failed' && cancel?.event === 'step-cancel';
      const reason = cancelled ? cancel.reason : out.reason;
      this.#job.log.append({ event: 'step-end', ...place(s.step, s.phase), result: cancelled ? 'cancelled' : out.result, ...(reason !== undefined ? { reason } : {}), ...(out.failure && !cancelled ? { failure: out.failure } : {}), ...(out.details ? { details: out.details } : {}) });
      this.poke();
    });
  }

  async #run(s: StepStart, ctx: StepContext): Promise<StepOutcome> {
    const runner = this.#job.runners[s.step.kind] as StepRunner | undefined;
    const f = s.phase === 'do' ? runner?.run : runner?.undo;
    if (!runner || !f) return { result: 'failed', reason: `no runner for ${s.phase === 'undo' ? 'the undo of ' : ''}a ${s.step.kind} step` };
    try {
      return await f.call(runner, s.step, ctx);
    } catch (err) {
      return { result: 'failed', reason: `unexpected error: ${(err as Error).message}` };
    }
  }

  async loop(): Promise<void> {
    for (;;) {
      const d = next(this.#job.plan, this.#job.log.events);
      for (const e of d.record) this.record(e);
      for (const s of d.start) this.start(s);
      if (d.record.some((e) => e.event === 'run-end')) return;
      if (d.record.length || d.start.length || this.#poked) {
        this.#poked = false;
        continue;
      }
      if (this.#running.size === 0) throw new Error('the run stalled: nothing runs and nothing can start (a bug)');
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
      this.#poked = false;
    }
  }
}

/**
 * Runs the plan to its end, writing every event to `log`. An abort of
 * `interrupts` (its reason: "SIGINT", "SIGTERM" or an Interrupt) is written
 * as an interrupt: nothing new starts, the wave is put back.
 */
export async function drive(plan: RunPlan, runners: Runners, log: RunLog, interrupts: AbortSignal): Promise<void> {
  const d = new Driver({ plan, runners, log });
  const onAbort = () => {
    log.append({ event: 'interrupt', ...interruptOf(interrupts.reason) });
    d.poke();
  };
  if (interrupts.aborted) onAbort();
  else interrupts.addEventListener('abort', onAbort, { once: true });
  try {
    await d.loop();
  } finally {
    interrupts.removeEventListener('abort', onAbort);
  }
}
