// A run on a TTY: a listr2 tree wave -> cluster -> release with each step's
// progress, fed by the run log's events as they are written (the same events
// every other report reads).
import { Listr } from 'listr2';
import type { ListrTaskWrapper } from 'listr2';
import type { EventOf, RunEvent } from '../run/events.ts';
import type { RunUnit, RunWave } from '../run/steps.ts';
import { describeOutcome } from './run-text.ts';
import { RunFold } from './run-view.ts';
import type { UnitView } from './run-view.ts';

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
  watch(e: RunEvent): void;
  /** Resolves every task still waiting (waves never started) and waits for the renderer. */
  close(): Promise<void>;
}

/**
 * Where the log's events meet the listr2 tasks: one deferred per wave
 * start/end and per unit. A unit can end twice (its gate failed, then it was
 * rolled back or left): its title follows each end, and its task finishes at
 * the wave's end with the last one, so a failed release keeps its name and
 * shows what was done about it.
 */
class Signals {
  readonly waveStart = new Map<string, Deferred<boolean>>();
  readonly waveEnd = new Map<string, Deferred<string>>();
  readonly unitEnd = new Map<string, Deferred<UnitView | undefined>>();
  readonly unitTask = new Map<string, Task>();
  readonly waveTask = new Map<string, Task>();
  readonly fold: RunFold;

  constructor(header: EventOf<'run-start'>) {
    this.fold = new RunFold(header);
    for (const w of header.plan.waves) {
      this.waveStart.set(w.name, deferred());
      this.waveEnd.set(w.name, deferred());
      for (const u of w.units) this.unitEnd.set(u.id, deferred());
    }
  }

  watch(e: RunEvent): void {
    this.fold.add(e);
    if (e.event === 'wave-start') this.waveStart.get(e.wave)?.resolve(true);
    else if (e.event === 'wave-end') this.#waveEnded(e.wave, e.outcome);
    else if (e.event === 'unit-end') {
      const u = this.fold.units.get(e.unit);
      const t = this.unitTask.get(e.unit);
      if (u && t) t.title = unitTitle(u);
    } else if (e.event === 'step-start' || e.event === 'step-progress') {
      const t = this.unitTask.get(e.unit);
      if (t && !(e.kind === 'lock' && e.phase === 'undo')) t.output = e.message;
    }
  }

  #waveEnded(wave: string, outcome: string): void {
    for (const u of this.fold.waves.get(wave)?.units ?? []) this.unitEnd.get(u.id)?.resolve(u.outcome === 'not-started' && !u.reason ? undefined : u);
    const t = this.waveTask.get(wave);
    if (t && outcome !== 'passed') t.title = `wave ${wave}: ${outcome}`;
    this.waveEnd.get(wave)?.resolve(outcome);
  }
}

const FAILED_OUTCOMES = new Set(['gate-failed', 'helm-failed', 'rolled-back', 'left']);

/** One release's title: its outcome. */
const unitTitle = (u: UnitView) => `${u.namespace}/${u.helmName}: ${describeOutcome(u)}`;

function unitTask(u: RunUnit, sig: Signals) {
  return {
    title: `${u.namespace}/${u.helmName}: ${u.action}`,
    task: async (_c: unknown, ut: Task) => {
      sig.unitTask.set(u.id, ut);
      const r = await sig.unitEnd.get(u.id)!.promise;
      if (!r) return ut.skip(`${u.namespace}/${u.helmName}: not started`);
      ut.title = unitTitle(r);
      if (FAILED_OUTCOMES.has(r.outcome)) throw new Error(unitTitle(r)); // listr2 shows the error in place of the title
    },
  };
}

/** A wave's last, untitled (so unseen) task: fails when the wave did, so the wave is not shown as passed. */
function waveVerdict(w: RunWave, sig: Signals) {
  return {
    task: async () => {
      const outcome = await sig.waveEnd.get(w.name)!.promise;
      if (outcome !== 'passed' && outcome !== 'dry-run') throw new Error(`wave ${w.name}: ${outcome}`);
    },
  };
}

/** One wave's task: its clusters, each with its releases, concurrently. */
function waveTask(w: RunWave, sig: Signals) {
  return {
    title: `wave ${w.name}`,
    task: async (_ctx: unknown, task: Task) => {
      sig.waveTask.set(w.name, task);
      const units = w.units.filter((u) => u.action !== 'unchanged');
      const started = await sig.waveStart.get(w.name)!.promise;
      if (!started) return task.skip(`wave ${w.name}: not started`);
      if (units.length === 0) {
        task.title = `wave ${w.name}: nothing to change`;
        return undefined;
      }
      const byCluster = new Map<string, RunUnit[]>();
      for (const u of units) byCluster.set(u.cluster, [...(byCluster.get(u.cluster) ?? []), u]);
      return task.newListr(
        [...[...byCluster].map(([cluster, us]) => ({ title: cluster, task: (_c: unknown, ct: Task) => ct.newListr(us.map((u) => unitTask(u, sig)), { concurrent: true, exitOnError: false }) })), waveVerdict(w, sig)],
        { concurrent: true, exitOnError: false },
      );
    },
  };
}

/** The tree of a run, drawn from its header; feed it every later event with watch(). */
export function startListrView(header: EventOf<'run-start'>): ListrRunView {
  const sig = new Signals(header);
  const list = new Listr(
    header.plan.waves.map((w) => waveTask(w, sig)),
    { concurrent: false, exitOnError: false, rendererOptions: { collapseSubtasks: false, showErrorMessage: true } },
  );
  const running = list.run().catch(() => undefined);
  return {
    watch: (e) => sig.watch(e),
    async close() {
      for (const d of sig.waveStart.values()) d.resolve(false);
      for (const d of sig.unitEnd.values()) d.resolve(undefined);
      await running;
    },
  };
}
