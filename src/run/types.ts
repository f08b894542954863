// What a run did: per unit and per wave, with timestamps (JSON report, JUnit, summary).
import type { PlanAction } from '../plan/types.ts';

type UnitOutcome =
  | 'skipped' // unchanged: no helm write call
  | 'applied' // upgraded/installed/uninstalled and gate passed
  | 'gate-failed'
  | 'helm-failed'
  | 'rolled-back' // changed in the failed wave, then rolled back (or uninstalled if installed by this run)
  | 'left' // changed in the failed wave, left as is (onFailure: halt, or rollback failed)
  | 'not-started' // a later wave, or cancelled
  | 'dry-run'; // helm --dry-run=server succeeded

export interface UnitRunResult {
  id: string; // cluster/namespace/helmName
  release: string;
  track: string | undefined;
  cluster: string;
  namespace: string;
  helmName: string;
  wave: string;
  step: number;
  action: PlanAction;
  outcome: UnitOutcome;
  fromRevision?: number;
  toRevision?: number;
  startedAt?: string;
  upgradedAt?: string;
  gatePassedAt?: string;
  finishedAt?: string;
  reason?: string; // gate or helm failure, human readable
  rollback?: string; // what was done to undo it
}

type WaveOutcome = 'passed' | 'failed' | 'not-started' | 'interrupted' | 'dry-run';

export interface WaveRunResult {
  name: string;
  outcome: WaveOutcome;
  startedAt?: string;
  finishedAt?: string;
}

export interface RunResult {
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  outcome: 'succeeded' | 'gate-failed' | 'helm-failed' | 'lock-refused' | 'interrupted';
  signal?: 'SIGINT' | 'SIGTERM';
  failedWave?: string;
  waves: WaveRunResult[];
  units: UnitRunResult[];
}
