// Run fixtures: planned units, plans, runners that record what they are asked
// to do in memory (a gate answers as told), and a run driven to its end on an
// in-memory run log.
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import type { Plan, PlanAction, PlannedUnit } from '../../../src/plan/types.ts';
import { runView } from '../../../src/report/run-view.ts';
import type { UnitView } from '../../../src/report/run-view.ts';
import { drive } from '../../../src/run/drive.ts';
import type { Runners, StepOutcome } from '../../../src/run/drive.ts';
import { RunLog } from '../../../src/run/log.ts';
import { planSteps } from '../../../src/run/steps.ts';

const chart = { ref: 'charts/demo', name: 'demo', version: '1.0.0', path: '/charts/demo', digest: 'd', features: { lookup: false, hooks: false, crdsDir: false, schema: undefined, apiQueries: [] } };

export function unit(cluster: string, helmName: string, action: PlanAction, wave: string, step = 0, deployedRevision?: number): PlannedUnit {
  const rendered = action === 'uninstall' ? { kind: 'orphan' as const, action } : { kind: 'rendered' as const, action, chart, toVersion: '1.0.0', values: {}, manifest: '', hooks: [], crds: [], extra: '', inputs: 'i', notes: [] };
  return {
    ...rendered,
    release: helmName,
    track: undefined,
    cluster,
    namespace: 'ns',
    helmName,
    wave,
    step,
    reasons: [],
    health: DEFAULT_HEALTH,
    diffs: [],
    digest: { chart: '', values: '', manifest: '', deployedRevision: deployedRevision ?? 0 },
    ...(deployedRevision !== undefined ? { deployedRevision } : {}),
  };
}

export function plan(waves: [string, PlannedUnit[][]][]): Plan {
  return { version: 1, createdAt: '', clustersFile: 'clusters.yaml', waves: waves.map(([name, steps], index) => ({ name, index, steps })), orphans: [], summary: { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 } };
}

export const short = (id: string) => id.replace('/ns/', '/');
const tick = () => new Promise((r) => setTimeout(r, 1));

/** In-memory runners: record every call; gates answer from `gates` (default pass), locks of `locked` clusters are refused. */
export function recorder(gates: Record<string, (signal: AbortSignal) => Promise<StepOutcome>> = {}, locked: string[] = []) {
  const log: string[] = [];
  const runners: Runners = {
    lock: {
      async run(s) {
        if (locked.includes(s.cluster)) return { result: 'failed', reason: 'lock held by jenkins-42 since 10:00', failure: 'lock-refused' };
        log.push(`lock ${short(s.unit)}`);
        return { result: 'passed' };
      },
      async undo(s) {
        log.push(`unlock ${short(s.unit)}`);
        return { result: 'passed' };
      },
    },
    change: {
      async run(s) {
        log.push(`${s.dryRun ? 'dry-run ' : ''}${s.action} ${short(s.unit)}`);
        await tick();
        return { result: 'passed', ...(s.dryRun ? {} : { details: { revision: (s.undo?.how === 'rollback' ? s.undo.revision : 0) + 1 } }) };
      },
      async undo(s) {
        log.push(`undo ${short(s.unit)} ${s.undo?.how === 'rollback' ? `rollback ${s.undo.revision}` : 'uninstall'}`);
        return { result: 'passed' };
      },
    },
    gate: {
      async run(s, ctx) {
        log.push(`gate ${short(s.unit)}`);
        const g = gates[short(s.unit)];
        const out = g ? await g(ctx.signal) : { result: 'passed' as const };
        log.push(`gate ${out.result} ${short(s.unit)}`);
        return out;
      },
    },
    uninstall: {
      async run(s) {
        log.push(`uninstall ${short(s.unit)}`);
        return { result: 'passed' };
      },
    },
  };
  return { runners, log };
}

export async function run(p: Plan, runners: Runners, o: { onFailure?: 'rollback' | 'halt'; dryRun?: boolean; concurrency?: number; interrupts?: AbortSignal; runId?: string; shard?: { index: number; count: number }; now?: () => Date } = {}) {
  const steps = planSteps(p, { dryRun: o.dryRun ?? false, onFailure: o.onFailure ?? 'rollback', concurrency: o.concurrency ?? 4, lockWaitMs: 0, validated: new Set() });
  const lines: string[] = [];
  const log = new RunLog(o.runId ?? 'run-1', { write: (l) => void lines.push(l), ...(o.now ? { now: o.now } : {}) });
  log.append({ event: 'run-start', command: 'apply', repo: 'deploy', holder: 'me', ...(o.shard ? { wave: p.waves[0]!.name, shard: o.shard } : {}), plan: steps });
  await drive(steps, runners, log, o.interrupts ?? new AbortController().signal);
  const view = runView([{ events: log.events }]);
  const units = Object.fromEntries(view.waves.flatMap((w) => w.units).map((u) => [short(u.id), u])) as Record<string, UnitView>;
  return { view, units, lines, events: log.events };
}

