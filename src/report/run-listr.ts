// Apply output on a TTY: a listr2 tree wave -> cluster -> release with gate
// progress, fed by the executor's events (so the run logic has one code path).
import { Listr } from 'listr2';
import type { ListrTaskWrapper } from 'listr2';
import { unitId } from '../model/identity.ts';
import type { Plan, PlannedUnit } from '../plan/types.ts';
import type { RunEvent } from '../run/execute.ts';
import type { UnitRunResult } from '../run/types.ts';
import { describeOutcome } from './run-text.ts';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

type Task = ListrTaskWrapper<unknown, any, any>;

export interface ListrRunView {
  emit(e: RunEvent): void;
  /** Resolves every task still waiting (waves never started) and waits for the renderer. */
  close(): Promise<void>;
}

/**
 * Where the executor's events meet the listr2 tasks: one deferred per wave
 * start/end and per unit. A unit can end twice (its gate failed, then it was
 * rolled back or left): its title follows each end, and its task finishes at
 * the wave's end with the last one, so a failed release keeps its name and
 * shows what was done about it.
 */
class Signals {
  readonly waveStart = new Map<string, Deferred<number>>();
  readonly waveEnd = new Map<string, Deferred<string>>();
  readonly unitEnd = new Map<string, Deferred<UnitRunResult | undefined>>();
  readonly unitTask = new Map<string, Task>();
  readonly waveTask = new Map<string, Task>();
  readonly lastResult = new Map<string, UnitRunResult>();
  readonly #unitsOf = new Map<string, string[]>();

  constructor(plan: Plan) {
    for (const w of plan.waves) {
      this.waveStart.set(w.name, deferred());
      this.waveEnd.set(w.name, deferred());
      this.#unitsOf.set(w.name, w.steps.flat().map(unitId));
      for (const u of w.steps.flat()) this.unitEnd.set(unitId(u), deferred());
    }
  }

  unitEnded(id: string, result: UnitRunResult, title: string): void {
    this.lastResult.set(id, result);
    const t = this.unitTask.get(id);
    if (t) t.title = title;
  }

  waveEnded(wave: string, outcome: string): void {
    for (const id of this.#unitsOf.get(wave) ?? []) this.unitEnd.get(id)?.resolve(this.lastResult.get(id));
    const t = this.waveTask.get(wave);
    if (t && outcome !== 'passed') t.title = `wave ${wave}: ${outcome}`;
    this.waveEnd.get(wave)?.resolve(outcome);
  }
}

const FAILED_OUTCOMES = new Set(['gate-failed', 'helm-failed', 'rolled-back', 'left']);

/** One release's task: its title follows the unit's outcome; a failure shows as a failed task. */
const unitTitle = (u: PlannedUnit, r: UnitRunResult) => `${u.namespace}/${u.helmName}: ${describeOutcome(r)}`;

function unitTask(u: PlannedUnit, sig: Signals) {
  return {
    title: `${u.namespace}/${u.helmName}: ${u.action}`,
    task: async (_c: unknown, ut: Task) => {
      sig.unitTask.set(unitId(u), ut);
      const r = await sig.unitEnd.get(unitId(u))!.promise;
      if (!r) return ut.skip(`${u.namespace}/${u.helmName}: not started`);
      ut.title = unitTitle(u, r);
      if (FAILED_OUTCOMES.has(r.outcome)) throw new Error(unitTitle(u, r)); // listr2 shows the error in place of the title
    },
  };
}

/** A wave's last, untitled (so unseen) task: fails when the wave did, so the wave is not shown as passed. */
function waveVerdict(w: Plan['waves'][number], sig: Signals) {
  return {
    task: async () => {
      const outcome = await sig.waveEnd.get(w.name)!.promise;
      if (outcome !== 'passed' && outcome !== 'dry-run') throw new Error(`wave ${w.name}: ${outcome}`);
    },
  };
}

/** One wave's task: its clusters, each with its releases, concurrently. */
function waveTask(w: Plan['waves'][number], sig: Signals) {
  return {
    title: `wave ${w.name}`,
    task: async (_ctx: unknown, task: Task) => {
      sig.waveTask.set(w.name, task);
      const units = w.steps.flat().filter((u) => u.action !== 'unchanged');
      const started = await sig.waveStart.get(w.name)!.promise;
      if (started < 0) return task.skip(`wave ${w.name}: not started`);
      if (units.length === 0) {
        task.title = `wave ${w.name}: nothing to change`;
        return undefined;
      }
      const byCluster = new Map<string, PlannedUnit[]>();
      for (const u of units) byCluster.set(u.cluster, [...(byCluster.get(u.cluster) ?? []), u]);
      return task.newListr(
        [...[...byCluster].map(([cluster, us]) => ({ title: cluster, task: (_c: unknown, ct: Task) => ct.newListr(us.map((u) => unitTask(u, sig)), { concurrent: true, exitOnError: false }) })), waveVerdict(w, sig)],
        { concurrent: true, exitOnError: false },
      );
    },
  };
}

export function startListrView(plan: Plan): ListrRunView {
  const sig = new Signals(plan);
  const list = new Listr(plan.waves.map((w) => waveTask(w, sig)), { concurrent: false, exitOnError: false, rendererOptions: { collapseSubtasks: false, showErrorMessage: true } });
  const running = list.run().catch(() => undefined);
  return {
    emit(e) {
      if (e.type === 'wave-start') sig.waveStart.get(e.wave)?.resolve(e.units);
      else if (e.type === 'wave-end') sig.waveEnded(e.wave, e.outcome);
      else if (e.type === 'unit-end') sig.unitEnded(e.id, e.result, `${e.result.namespace}/${e.result.helmName}: ${describeOutcome(e.result)}`);
      else if (e.type === 'unit-phase') {
        const t = sig.unitTask.get(e.id);
        if (t) t.output = e.message;
      }
    },
    async close() {
      for (const d of sig.waveStart.values()) d.resolve(-1);
      for (const d of sig.unitEnd.values()) d.resolve(undefined);
      await running;
    },
  };
}
