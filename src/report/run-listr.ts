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

export function startListrView(plan: Plan): ListrRunView {
  const waveStart = new Map<string, Deferred<number>>();
  const waveEnd = new Map<string, Deferred<string>>();
  const unitEnd = new Map<string, Deferred<UnitRunResult | undefined>>();
  const unitTask = new Map<string, Task>();
  for (const w of plan.waves) {
    waveStart.set(w.name, deferred());
    waveEnd.set(w.name, deferred());
    for (const u of w.steps.flat()) unitEnd.set(unitId(u), deferred());
  }
  const changing = (u: PlannedUnit) => u.action !== 'unchanged';
  const byCluster = (units: PlannedUnit[]) => {
    const m = new Map<string, PlannedUnit[]>();
    for (const u of units) m.set(u.cluster, [...(m.get(u.cluster) ?? []), u]);
    return m;
  };

  const list = new Listr(
    plan.waves.map((w) => ({
      title: `wave ${w.name}`,
      task: async (_ctx: unknown, task: Task) => {
        const units = w.steps.flat().filter(changing);
        const started = await waveStart.get(w.name)!.promise;
        if (started < 0) {
          task.skip(`wave ${w.name}: not started`);
          return;
        }
        if (units.length === 0) {
          task.title = `wave ${w.name}: nothing to change`;
          return;
        }
        return task.newListr(
          [...byCluster(units)].map(([cluster, us]) => ({
            title: cluster,
            task: (_c: unknown, ct: Task) =>
              ct.newListr(
                us.map((u) => ({
                  title: `${u.namespace}/${u.helmName}: ${u.action}`,
                  task: async (_c2: unknown, ut: Task) => {
                    unitTask.set(unitId(u), ut);
                    const r = await unitEnd.get(unitId(u))!.promise;
                    if (!r) return ut.skip('not started');
                    ut.title = `${u.namespace}/${u.helmName}: ${describeOutcome(r)}`;
                    if (r.outcome === 'gate-failed' || r.outcome === 'helm-failed' || r.outcome === 'rolled-back' || r.outcome === 'left') {
                      throw new Error(describeOutcome(r));
                    }
                  },
                })),
                { concurrent: true, exitOnError: false },
              ),
          })),
          { concurrent: true, exitOnError: false },
        );
      },
    })),
    { concurrent: false, exitOnError: false, rendererOptions: { collapseSubtasks: false, showErrorMessage: true } },
  );
  const running = list.run().catch(() => undefined);

  return {
    emit(e) {
      switch (e.type) {
        case 'wave-start':
          waveStart.get(e.wave)?.resolve(e.units);
          break;
        case 'wave-end':
          waveEnd.get(e.wave)?.resolve(e.outcome);
          break;
        case 'unit-phase': {
          const t = unitTask.get(e.id);
          if (t) t.output = e.message;
          break;
        }
        case 'unit-end':
          unitEnd.get(e.id)?.resolve(e.result);
          break;
        case 'log':
          break;
      }
    },
    async close() {
      for (const d of waveStart.values()) d.resolve(-1);
      for (const d of unitEnd.values()) d.resolve(undefined);
      await running;
    },
  };
}
