// The run log's events (JSON Lines, one event a line, append-only): what a
// run did, in the order it did it. Every report reads these and nothing else;
// next.ts decides from them what may start. The first event (run-start) is the
// header: the run's plan of steps and what a report needs to merge the logs of
// several shards of one wave.
import type { FailureKind, RunPlan, StepKind } from './steps.ts';

/** How a unit ended, as reports show it. */
export type UnitOutcome =
  | 'skipped' // unchanged: no helm write call
  | 'applied' // installed/upgraded/uninstalled (and its gate passed)
  | 'gate-failed'
  | 'helm-failed'
  | 'rolled-back' // changed in the failed wave, then put back (or uninstalled if installed by this run)
  | 'left' // changed in the failed wave, left as is (onFailure: halt, an uninstall, or its undo failed)
  | 'not-started' // a later wave, cancelled before its change, or its lock refused
  | 'dry-run'; // helm --dry-run=server accepted it

export type WaveOutcome = 'passed' | 'failed' | 'interrupted' | 'dry-run';

/** What stopped a run from outside: a signal, or the run lock taken by another run. */
export type InterruptCause = 'SIGINT' | 'SIGTERM' | 'lock-lost';

export type RunOutcome = 'succeeded' | FailureKind | 'interrupted';

export interface RunHeader {
  event: 'run-start';
  command: 'apply' | 'rollback';
  /** clusters.yaml `name`. */
  repo: string;
  /** $BUILD_TAG or user@host. */
  holder: string;
  /** --wave, when one wave was selected. */
  wave?: string;
  /** --shard i/n of that wave. */
  shard?: { index: number; count: number };
  /** The shard's clusters, when sharded. */
  clusters?: string[];
  plan: RunPlan;
}

interface UnitPlace {
  wave: string;
  cluster: string;
  unit: string;
}

interface StepPlace extends UnitPlace {
  step: string;
  kind: StepKind;
  /** `do`: the step itself; `undo`: putting back what it did. */
  phase: 'do' | 'undo';
}

export type StepResult = 'passed' | 'failed' | 'cancelled';

export type EventBody =
  | RunHeader
  | { event: 'wave-start'; wave: string }
  | (StepPlace & { event: 'step-start'; message: string })
  | (StepPlace & { event: 'step-progress'; message: string })
  | (StepPlace & { event: 'step-cancel'; reason: string })
  | (StepPlace & { event: 'step-end'; result: StepResult; reason?: string; failure?: FailureKind; details?: Record<string, unknown> })
  | (UnitPlace & { event: 'unit-end'; result: UnitOutcome; reason?: string; rollback?: string })
  | { event: 'interrupt'; cause: InterruptCause; reason: string }
  | { event: 'wave-end'; wave: string; outcome: WaveOutcome }
  | { event: 'run-end'; outcome: RunOutcome; cause?: InterruptCause; failedWave?: string };

/** What every line carries besides its body: the run, the time, its place in the log. */
interface Stamp {
  run: string;
  /** ISO time. */
  at: string;
  /** 0, 1, 2... in the order written. */
  seq: number;
}

export type RunEvent = EventBody & Stamp;

export type EventOf<K extends EventBody['event']> = Extract<RunEvent, { event: K }>;
