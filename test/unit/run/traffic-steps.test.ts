// Traffic steps in the run (pure): a canary track's unit gets its drain
// before the change and its walk after the gate; next() runs them in that
// order, and a failed analysis (or gate) stops the wave: the weight back to 0
// before the release is rolled back (or, with onFailure: halt, left), the
// failover cluster never started. Runs are simulated: every started step ends
// at once with the result the test gives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import type { ReleaseSpec, TrafficSpec } from '../../../src/model/spec.ts';
import type { Plan, PlannedUnit } from '../../../src/plan/types.ts';
import type { EventBody } from '../../../src/run/events.ts';
import { next } from '../../../src/run/next.ts';
import { planSteps } from '../../../src/run/steps.ts';
import { trafficMoved } from '../../../src/run/traffic-plan-file.ts';
import type { RunPlan } from '../../../src/run/steps.ts';
import { trafficOfPlan } from '../../../src/traffic/plan.ts';

const pos = { file: 'releases/account.yaml', line: 1, col: 1 };
const layer = { values: [], set: {}, pos };
const chart = { ref: 'charts/web', name: 'web', version: '1.0.0', path: '/charts/web', digest: 'd', features: { lookup: false, hooks: false, crdsDir: false, schema: undefined, apiQueries: [] } };

const TRAFFIC: TrafficSpec = {
  router: { kind: 'gateway-api', route: { name: 'account', namespace: 'accounts' }, pos },
  stable: 'production',
  service: '{release}-{track}',
  tracks: { free: { weight: 5, steps: [1, 2, 5], pauseMs: 1000, pos } },
  analysis: { prometheus: { url: 'http://prometheus:9090', query: 'errors{track="{{track}}"}', max: 0.5 }, http: [], intervalMs: 250 },
  pos,
};
const RELEASES: ReleaseSpec[] = [
  { name: 'account', namespace: 'accounts', file: pos.file, chart: { ref: 'charts/web', pos }, base: layer, tracks: { free: layer, production: layer }, clusters: [], health: {}, repositories: [], ignoreDifferences: [], pos, traffic: TRAFFIC },
];

function unit(cluster: string, track: string, step: number): PlannedUnit {
  return { kind: 'rendered', action: 'upgrade', chart, toVersion: '1.0.0', values: {}, manifest: '', hooks: [], crds: [], extra: '', inputs: 'i', notes: [], release: 'account', track, cluster, namespace: 'accounts', helmName: `account-${track}`, wave: 'w', step, reasons: [], health: DEFAULT_HEALTH, diffs: [], digest: { chart: '', values: '', manifest: '', deployedRevision: 3 }, deployedRevision: 3 };
}

function planOf(groups: PlannedUnit[][]): Plan {
  return { version: 1, createdAt: '', clustersFile: 'clusters.yaml', waves: [{ name: 'w', index: 0, steps: groups }], orphans: [], summary: { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 } };
}

function runPlan(groups: PlannedUnit[][], onFailure: 'rollback' | 'halt' = 'rollback'): RunPlan {
  const plan: Plan = { version: 1, createdAt: '', clustersFile: 'clusters.yaml', waves: [{ name: 'w', index: 0, steps: groups }], orphans: [], summary: { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 } };
  return planSteps(plan, { dryRun: false, onFailure, concurrency: 4, lockWaitMs: 0, validated: new Set(), traffic: trafficOfPlan(plan, RELEASES) });
}

/** Drives next() to the run's end; `fails` names the do steps that fail ("paris#analysis-2"). Returns the steps started, in order, and the events. */
function simulate(p: RunPlan, fails: string[] = []): { started: string[]; events: EventBody[] } {
  const events: EventBody[] = [{ event: 'run-start', command: 'apply', repo: 'deploy', holder: 'me', plan: p }];
  const started: string[] = [];
  for (let i = 0; i < 500; i++) {
    const d = next(p, events);
    events.push(...d.record);
    if (d.record.some((e) => e.event === 'run-end')) return { started, events };
    for (const s of d.start) {
      const where = { wave: s.step.wave, cluster: s.step.cluster, unit: s.step.unit, step: s.step.id, kind: s.step.kind, phase: s.phase };
      const name = `${s.step.cluster}#${s.step.id.split('#')[1]}`;
      started.push(`${s.phase === 'undo' ? 'undo ' : ''}${name}: ${s.message}`);
      const failed = s.phase === 'do' && fails.includes(name);
      events.push({ event: 'step-start', ...where, message: s.message }, { event: 'step-end', ...where, result: failed ? 'failed' : 'passed', ...(failed ? { reason: `${name} failed` } : {}) });
    }
  }
  throw new Error('the run did not end');
}

describe('traffic steps in the run', () => {
  it('a canary unit: lock, drain to 0, change, gate, then each step set and held, ending at the final weight', () => {
    const p = runPlan([[unit('paris', 'free', 0)]]);
    assert.deepEqual(
      p.waves[0]!.steps.map((s) => `${s.id.split('#')[1]} after ${s.after.map((a) => a.split('#')[1]).join(',') || '-'}`),
      ['lock after -', 'weight-drain after lock', 'change after weight-drain', 'gate after change', 'weight-1 after gate', 'analysis-1 after weight-1', 'weight-2 after analysis-1', 'analysis-2 after weight-2', 'weight-3 after analysis-2', 'analysis-3 after weight-3'],
    );
    const { started, events } = simulate(p);
    assert.deepEqual(started.slice(0, 6), ['paris#lock: taking the lock', 'paris#weight-drain: weight free -> 0 before the change', 'paris#change: upgrade', 'paris#gate: waiting for health', 'paris#weight-1: weight free -> 1 (step 1 of 3)', 'paris#analysis-1: hold free at 1 (step 1 of 3) with analysis']);
    assert.ok(!started.some((s) => s.startsWith('undo paris#weight')), 'a passed wave moves no weight back');
    assert.deepEqual(events.at(-1), { event: 'run-end', outcome: 'succeeded' });
  });

  it('the analysis failing at the second step: weight back to 0 (latest step first), then the rollback; the failover cluster never starts; exit as a gate failure', () => {
    const p = runPlan([[unit('paris', 'free', 0)], [unit('gke', 'free', 1)]]);
    const { started, events } = simulate(p, ['paris#analysis-2']);
    const undos = started.filter((s) => s.startsWith('undo'));
    assert.deepEqual(undos, ['undo paris#weight-2: weight back to 0', 'undo paris#weight-1: weight back to 0', 'undo paris#change: rolling back to revision 3', 'undo paris#lock: releasing the lock']);
    assert.ok(!started.some((s) => s.startsWith('gke#')), 'the failover cluster never started');
    const ends = events.filter((e) => e.event === 'unit-end').map((e) => (e.event === 'unit-end' ? `${e.cluster} ${e.result}${e.reason ? `: ${e.reason}` : ''}${e.rollback ? ` [${e.rollback}]` : ''}` : ''));
    assert.deepEqual(ends, ['paris gate-failed: paris#analysis-2 failed', 'paris rolled-back: paris#analysis-2 failed [rolled back to revision 3]']);
    assert.deepEqual(events.at(-1), { event: 'run-end', outcome: 'gate-failed', failedWave: 'w' });
  });

  it('onFailure: halt still puts the weight back to 0, and leaves the release as it is', () => {
    const { started, events } = simulate(runPlan([[unit('paris', 'free', 0)]], 'halt'), ['paris#analysis-1']);
    assert.deepEqual(started.filter((s) => s.startsWith('undo')), ['undo paris#weight-1: weight back to 0', 'undo paris#lock: releasing the lock']);
    const last = events.filter((e) => e.event === 'unit-end').at(-1);
    assert.equal(last?.event === 'unit-end' && `${last.result} [${last.rollback}]`, 'left [left as is (onFailure: halt)]');
  });

  it('a failed gate: the weight stays drained (no step ran), the release rolled back', () => {
    const { started } = simulate(runPlan([[unit('paris', 'free', 0)]]), ['paris#gate']);
    assert.ok(!started.some((s) => /paris#weight-[0-9]/.test(s)), 'no step after a failed gate');
    assert.deepEqual(started.filter((s) => s.startsWith('undo')), ['undo paris#change: rolling back to revision 3', 'undo paris#lock: releasing the lock']);
  });

  it('an interrupt during a hold: the hold is cancelled, the weight goes back to 0 with the wave', () => {
    const p = runPlan([[unit('paris', 'free', 0)]]);
    const events: EventBody[] = [{ event: 'run-start', command: 'apply', repo: 'deploy', holder: 'me', plan: p }, { event: 'wave-start', wave: 'w' }];
    const ids = p.waves[0]!.steps.map((s) => s);
    for (const s of ids.slice(0, 5)) {
      const where = { wave: 'w', cluster: s.cluster, unit: s.unit, step: s.id, kind: s.kind, phase: 'do' as const };
      events.push({ event: 'step-start', ...where, message: '' }, { event: 'step-end', ...where, result: 'passed' });
    }
    const hold = ids[5]!;
    events.push({ event: 'step-start', wave: 'w', cluster: hold.cluster, unit: hold.unit, step: hold.id, kind: hold.kind, phase: 'do', message: '' }, { event: 'interrupt', cause: 'SIGTERM', reason: 'interrupted by SIGTERM' });
    const d = next(p, events);
    assert.deepEqual(d.record.map((e) => (e.event === 'step-cancel' ? `cancel ${e.step.split('#')[1]}: ${e.reason}` : e.event)), ['cancel analysis-1: analysis interrupted']);
    events.push(...d.record, { event: 'step-end', wave: 'w', cluster: hold.cluster, unit: hold.unit, step: hold.id, kind: hold.kind, phase: 'do', result: 'cancelled' });
    const undo = next(p, events).start.map((s) => `${s.phase} ${s.step.id.split('#')[1]}: ${s.message}`);
    assert.deepEqual(undo, ['undo weight-1: weight back to 0'], 'SIGTERM: the weight goes back to 0 before anything else is put back');
  });

  it('apply --plan: the saved weight moves must be the ones the run would make', () => {
    const plan = planOf([[unit('paris', 'free', 0)]]);
    const fresh = trafficOfPlan(plan, RELEASES);
    assert.deepEqual(trafficMoved([...fresh.values()], fresh, plan), []);
    assert.deepEqual(trafficMoved(undefined, fresh, plan), ['paris/accounts/account-free: weight moves not in the saved plan']);
    const slower = [{ ...fresh.get('paris/accounts/account-free')!, final: 10 }];
    assert.deepEqual(trafficMoved(slower, fresh, plan), ['paris/accounts/account-free: the weight moves changed since the plan was saved']);
    assert.deepEqual(trafficMoved([...fresh.values()], new Map(), plan), ['paris/accounts/account-free: the saved plan moves weights, this run would not']);
  });
});
