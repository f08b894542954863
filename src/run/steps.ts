// A run as data (pure): per wave, the units it changes, each an ordered list
// of typed steps, and the order between steps as a DAG (`after`). `next.ts`
// schedules from this and the run log alone; one runner per step kind
// (runners.ts) does the I/O.
//
// The steps of a unit, in order:
//   lock      the release's Lease, and what its gate needs from before the change
//             (undo: the Lease given back, always, once its wave is over)
//   change    helm upgrade --install (undo, when the wave fails and onFailure is
//             rollback: a rollback to the revision before, or an uninstall of what
//             this run installed)
//   gate      the health gate (nothing to undo; a failed gate fails the wave)
//   uninstall helm uninstall (cannot be undone)
//   revert    `helm-cascade rollback`: a release put back to a revision, or uninstalled
// Failovers: every first step of the wave's group k+1 comes after every last
// step of group k (a failover starts after its primary's gate passed).
//
// Adding a step kind: a member of `Step`, its line in STEP_KINDS, a runner in
// runners.ts, and the place planSteps puts it; adding an order: an `after` edge.
import type { OnFailure } from '../model/spec.ts';
import { unitId } from '../model/identity.ts';
import type { Plan, PlannedUnit } from '../plan/types.ts';

/** Why a run or a wave stopped, by what failed. */
export type FailureKind = 'gate-failed' | 'helm-failed' | 'lock-refused';

/** How a release is put back: helm rollback to a revision, or helm uninstall (of what the run installed). */
export type PutBack = { how: 'rollback'; revision: number } | { how: 'uninstall' };

/** How a step is undone: a Lease given back, or a release put back. */
export type UndoSpec = { how: 'release' } | PutBack;

interface StepBase {
  /** `UNIT#kind`: unique in a run. */
  id: string;
  wave: string;
  /** unitId: cluster/namespace/helmName. */
  unit: string;
  cluster: string;
  /** Steps that must have passed before this one starts. */
  after: readonly string[];
}

export type Step =
  | (StepBase & { kind: 'lock'; undo: { how: 'release' }; /** --lock-timeout: how long a Lease held by another run is waited for. */ waitMs: number })
  | (StepBase & { kind: 'change'; action: 'install' | 'upgrade'; dryRun: boolean; undo?: PutBack; /** Every object was validated by its API server before the run: helm skips its own OpenAPI check. */ skipOpenApi: boolean })
  | (StepBase & { kind: 'gate' })
  | (StepBase & { kind: 'uninstall'; dryRun: boolean })
  | (StepBase & { kind: 'revert'; to: PutBack });

export type StepKind = Step['kind'];

interface StepKindSpec {
  /** Counts against --concurrency (helm and API writes); gates mostly wait, so they do not. */
  pooled: boolean;
  /** May be stopped while it runs when its wave stops (a gate); a helm call never is. */
  cancellable: boolean;
  /** What its failure makes of the run (a runner may say otherwise: a lock held by another run). */
  failure: FailureKind;
  /** Its undo is due once it started (a failed helm call may have changed things), or only once it passed. */
  undoOnceStarted: boolean;
}

export const STEP_KINDS: Readonly<Record<StepKind, StepKindSpec>> = {
  lock: { pooled: true, cancellable: false, failure: 'helm-failed', undoOnceStarted: false },
  change: { pooled: true, cancellable: false, failure: 'helm-failed', undoOnceStarted: true },
  gate: { pooled: false, cancellable: true, failure: 'gate-failed', undoOnceStarted: false },
  uninstall: { pooled: true, cancellable: false, failure: 'helm-failed', undoOnceStarted: false },
  revert: { pooled: true, cancellable: false, failure: 'helm-failed', undoOnceStarted: false },
};

/** When an undo is due: `always` once its wave is over (a lock), `on-failure` when the wave failed or was interrupted and onFailure is rollback. */
export const UNDO_WHEN: Readonly<Record<UndoSpec['how'], 'always' | 'on-failure'>> = { release: 'always', rollback: 'on-failure', uninstall: 'on-failure' };

/** What a report shows of a unit (no values, no manifest: the run log carries it). */
export interface RunUnit {
  id: string;
  release: string;
  track?: string;
  cluster: string;
  namespace: string;
  helmName: string;
  wave: string;
  /** Failover order in the wave (0: no failover before it). */
  group: number;
  action: PlannedUnit['action'] | 'rollback';
  fromRevision?: number;
  fromVersion?: string;
  toVersion?: string;
  /** What `helm-cascade rollback` does to it: "rolled back to revision 3", "uninstalled (installed by the run)". */
  to?: string;
}

export interface RunWave {
  name: string;
  units: RunUnit[];
  /** In start order (units in plan order, each unit's steps in order). */
  steps: Step[];
}

export interface RunPlan {
  waves: RunWave[];
  onFailure: OnFailure;
  dryRun: boolean;
  /** Pooled steps in flight at once. */
  concurrency: number;
}

const stepId = (unit: string, kind: StepKind) => `${unit}#${kind}`;

function runUnitOf(u: PlannedUnit, group: number): RunUnit {
  return {
    id: unitId(u),
    release: u.release,
    ...(u.track !== undefined ? { track: u.track } : {}),
    cluster: u.cluster,
    namespace: u.namespace,
    helmName: u.helmName,
    wave: u.wave,
    group,
    action: u.action,
    ...(u.deployedRevision !== undefined ? { fromRevision: u.deployedRevision } : {}),
    ...(u.fromVersion !== undefined ? { fromVersion: u.fromVersion } : {}),
    ...(u.kind !== 'orphan' && u.toVersion !== undefined ? { toVersion: u.toVersion } : {}),
  };
}

/** How a change is undone: back to the revision the plan saw, or uninstalled when there was none. */
function changeUndo(u: PlannedUnit): PutBack {
  return u.action === 'install' || !u.deployedRevision ? { how: 'uninstall' } : { how: 'rollback', revision: u.deployedRevision };
}

/** How a run goes, besides its plan: the flags and what was checked before it. */
export interface StepOptions {
  dryRun: boolean;
  onFailure: OnFailure;
  concurrency: number;
  /** --lock-timeout in ms. */
  lockWaitMs: number;
  /** Units whose every object the API server validated before the run. */
  validated: ReadonlySet<string>;
}

/** One unit's steps, the first after `after`; none for an unchanged unit. */
function unitSteps(u: PlannedUnit, after: readonly string[], o: StepOptions): Step[] {
  if (u.action === 'unchanged') return [];
  const { dryRun } = o;
  const id = unitId(u);
  const base = { wave: u.wave, unit: id, cluster: u.cluster };
  const lock: Step = { ...base, id: stepId(id, 'lock'), kind: 'lock', after, undo: { how: 'release' }, waitMs: o.lockWaitMs };
  const first = dryRun ? after : [lock.id];
  if (u.action === 'uninstall') {
    const uninstall: Step = { ...base, id: stepId(id, 'uninstall'), kind: 'uninstall', after: first, dryRun };
    return dryRun ? [uninstall] : [lock, uninstall];
  }
  const change: Step = { ...base, id: stepId(id, 'change'), kind: 'change', action: u.action, after: first, dryRun, skipOpenApi: o.validated.has(id), ...(dryRun ? {} : { undo: changeUndo(u) }) };
  if (dryRun) return [change];
  return [lock, change, { ...base, id: stepId(id, 'gate'), kind: 'gate', after: [change.id] }];
}

/**
 * The run of a plan: per wave its units (failover groups in order, then the
 * orphans --prune uninstalls, last) and their steps. Group k+1 starts after
 * every last step of group k.
 */
export function planSteps(plan: Plan, o: StepOptions): RunPlan {
  const waves = plan.waves.map((w): RunWave => {
    const pruned = plan.orphans.filter((x) => x.action === 'uninstall' && x.wave === w.name);
    const groups = [...w.steps, ...(pruned.length ? [pruned] : [])];
    const units: RunUnit[] = [];
    const steps: Step[] = [];
    let before: string[] = [];
    groups.forEach((group, g) => {
      const last: string[] = [];
      for (const u of group) {
        units.push(runUnitOf(u, g));
        const mine = unitSteps(u, before, o);
        steps.push(...mine);
        if (mine.length) last.push(mine.at(-1)!.id);
      }
      if (last.length) before = last;
    });
    return { name: w.name, units, steps };
  });
  return { waves, onFailure: o.onFailure, dryRun: o.dryRun, concurrency: o.concurrency };
}

/** `helm-cascade rollback`: per wave (last first), a lock and a revert for each release to put back. */
export function revertSteps(waves: readonly { name: string; units: readonly (Omit<RunUnit, 'wave' | 'group' | 'action' | 'to'> & { to: PutBack })[] }[], o: { concurrency: number; lockWaitMs: number }): RunPlan {
  const out = waves.map((w): RunWave => {
    const units = w.units.map((u): RunUnit => ({ ...u, wave: w.name, group: 0, action: 'rollback', to: u.to.how === 'rollback' ? `rolled back to revision ${u.to.revision}` : 'uninstalled (installed by the run)' }));
    const steps = w.units.flatMap((u): Step[] => {
      const base = { wave: w.name, unit: u.id, cluster: u.cluster };
      const lock: Step = { ...base, id: stepId(u.id, 'lock'), kind: 'lock', after: [], undo: { how: 'release' }, waitMs: o.lockWaitMs };
      return [lock, { ...base, id: stepId(u.id, 'revert'), kind: 'revert', after: [lock.id], to: u.to }];
    });
    return { name: w.name, units, steps };
  });
  return { waves: out, onFailure: 'halt', dryRun: false, concurrency: o.concurrency };
}

/** The counts a plan's summary line gives, of the units this run applies. */
export function planSummary(plan: RunPlan): Plan['summary'] {
  const s = { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 };
  for (const u of plan.waves.flatMap((w) => w.units)) if (u.action !== 'rollback') s[u.action]++;
  return s;
}
