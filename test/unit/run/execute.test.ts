// Scheduling logic of apply, with the cluster side recorded in memory: which
// helm writes happen, in which order, and what is undone when a gate fails.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import { PreflightError } from '../../../src/errors.ts';
import { executePlan } from '../../../src/run/execute.ts';
import type { GateOutcome, UnitOps } from '../../../src/run/execute.ts';
import type { Plan, PlanAction, PlannedUnit } from '../../../src/plan/types.ts';

const chart = { ref: 'charts/demo', name: 'demo', version: '1.0.0', path: '/charts/demo', digest: 'd', features: { lookup: false, hooks: false, crdsDir: false, schema: undefined, apiQueries: [] } };

function unit(cluster: string, helmName: string, action: PlanAction, wave: string, step = 0, deployedRevision?: number): PlannedUnit {
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

function plan(waves: [string, PlannedUnit[][]][]): Plan {
  return {
    version: 1,
    createdAt: '',
    clustersFile: 'clusters.yaml',
    waves: waves.map(([name, steps], index) => ({ name, index, steps })),
    orphans: [],
    summary: { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 },
  };
}

/** In-memory cluster side: records every call; gates answer from `gates` (default pass). */
function recorder(gates: Record<string, (signal: AbortSignal) => Promise<GateOutcome>> = {}, locked: string[] = []) {
  const log: string[] = [];
  const ops: UnitOps<object> = {
    async lock(u) {
      if (locked.includes(u.cluster)) throw new PreflightError(`lock held by jenkins-42 since 10:00`);
      log.push(`lock ${u.cluster}/${u.helmName}`);
      return { release: async () => void log.push(`unlock ${u.cluster}/${u.helmName}`) };
    },
    async prepare() {
      return {};
    },
    async change(u, dryRun) {
      log.push(`${dryRun ? 'dry-run ' : ''}${u.action} ${u.cluster}/${u.helmName}`);
      await new Promise((r) => setTimeout(r, 1));
      return { revision: (u.deployedRevision ?? 0) + 1 };
    },
    async gate(u, _b, signal) {
      log.push(`gate ${u.cluster}/${u.helmName}`);
      const g = gates[`${u.cluster}/${u.helmName}`];
      const out = g ? await g(signal) : { passed: true };
      log.push(`gate ${out.passed ? 'passed' : 'failed'} ${u.cluster}/${u.helmName}`);
      return out;
    },
    async undo(u, how) {
      log.push(`undo ${u.cluster}/${u.helmName} ${how.kind === 'rollback' ? `rollback ${how.revision}` : 'uninstall'}`);
    },
  };
  return { ops, log };
}

const opts = (extra: Partial<Parameters<typeof executePlan>[2]> = {}) => ({
  concurrency: 4,
  onFailure: 'rollback' as const,
  dryRun: false,
  signal: new AbortController().signal,
  emit: () => undefined,
  ...extra,
});

const waitAbort = (signal: AbortSignal) =>
  new Promise<GateOutcome>((resolve) => signal.addEventListener('abort', () => resolve({ passed: false, reason: 'aborted' }), { once: true }));

describe('executePlan', () => {
  it('nothing changed: no helm write, no lock, no gate', async () => {
    const { ops, log } = recorder();
    const r = await executePlan(plan([['w1', [[unit('a', 'web', 'unchanged', 'w1')]]]]), ops, opts());
    assert.deepEqual(log, []);
    assert.equal(r.outcome, 'succeeded');
    assert.equal(r.units[0]!.outcome, 'skipped');
  });

  it('a failover starts only after its primary passed its gate', async () => {
    const { ops, log } = recorder();
    const p = plan([['prod', [[unit('paris', 'web', 'upgrade', 'prod', 0, 3)], [unit('gke-eu', 'web', 'upgrade', 'prod', 1, 3)]]]]);
    const r = await executePlan(p, ops, opts());
    assert.equal(r.outcome, 'succeeded');
    assert.deepEqual(log, ['lock paris/web', 'upgrade paris/web', 'gate paris/web', 'gate passed paris/web', 'lock gke-eu/web', 'upgrade gke-eu/web', 'gate gke-eu/web', 'gate passed gke-eu/web', 'unlock paris/web', 'unlock gke-eu/web']);
    assert.deepEqual(r.units.map((u) => [u.id, u.outcome, u.toRevision]), [
      ['paris/ns/web', 'applied', 4],
      ['gke-eu/ns/web', 'applied', 4],
    ]);
  });

  it('a failed gate stops the run and rolls back every unit changed in the failed wave, not earlier waves', async () => {
    const { ops, log } = recorder({ 'b/web-canary': async () => ({ passed: false, reason: 'pod web-1: CrashLoopBackOff' }) });
    const p = plan([
      ['internal', [[unit('a', 'web-internal', 'upgrade', 'internal', 0, 2)]]],
      ['canary', [[unit('a', 'web-canary', 'upgrade', 'canary', 0, 5), unit('b', 'web-canary', 'install', 'canary')]]],
      ['production', [[unit('a', 'web', 'upgrade', 'production', 0, 7)]]],
    ]);
    const r = await executePlan(p, ops, opts());
    assert.equal(r.outcome, 'gate-failed');
    assert.equal(r.failedWave, 'canary');
    assert.deepEqual(r.waves.map((w) => w.outcome), ['passed', 'failed', 'not-started']);
    assert.ok(log.includes('undo a/web-canary rollback 5'));
    assert.ok(log.includes('undo b/web-canary uninstall'));
    assert.ok(!log.some((l) => l.includes('a/web-internal') && l.startsWith('undo')));
    // production (a/web) never started: no lock, change, gate or undo of it at all
    assert.deepEqual(log.filter((l) => l.endsWith(' a/web')), [], 'production never started');
    const byId = Object.fromEntries(r.units.map((u) => [u.id, u]));
    assert.equal(byId['b/ns/web-canary']!.outcome, 'rolled-back');
    assert.equal(byId['b/ns/web-canary']!.reason, 'pod web-1: CrashLoopBackOff');
    assert.equal(byId['a/ns/web-canary']!.outcome, 'rolled-back');
    assert.equal(byId['a/ns/web-internal']!.outcome, 'applied');
    assert.equal(byId['a/ns/web']!.outcome, 'not-started');
    // every lock taken is released, after the undo
    assert.equal(log.filter((l) => l.startsWith('lock')).length, log.filter((l) => l.startsWith('unlock')).length);
    assert.ok(log.lastIndexOf('undo b/web-canary uninstall') < log.indexOf('unlock b/web-canary'));
  });

  it('fails fast: the first failed gate cancels the other gates of the step', async () => {
    const { ops } = recorder({
      'a/slow': waitAbort,
      'b/bad': async () => ({ passed: false, reason: 'ImagePullBackOff' }),
    });
    const r = await executePlan(plan([['w', [[unit('a', 'slow', 'upgrade', 'w', 0, 1), unit('b', 'bad', 'upgrade', 'w', 0, 1)]]]]), ops, opts());
    const slow = r.units.find((u) => u.helmName === 'slow')!;
    assert.equal(r.outcome, 'gate-failed');
    assert.equal(slow.outcome, 'rolled-back');
    assert.match(slow.reason ?? '', /gate cancelled: b\/ns\/bad failed first/);
  });

  it('onFailure: halt leaves the failed wave as it is', async () => {
    const { ops, log } = recorder({ 'a/web': async () => ({ passed: false, reason: 'never ready' }) });
    const r = await executePlan(plan([['w', [[unit('a', 'web', 'upgrade', 'w', 0, 1)]]]]), ops, opts({ onFailure: 'halt' }));
    assert.equal(r.outcome, 'gate-failed');
    assert.ok(!log.some((l) => l.startsWith('undo')));
    assert.equal(r.units[0]!.rollback, 'left as is (onFailure: halt)');
  });

  it('a lock held by another run refuses: nothing changed there, the outcome says so', async () => {
    const { ops, log } = recorder({}, ['b']);
    const r = await executePlan(plan([['w', [[unit('b', 'web', 'upgrade', 'w', 0, 1)]]]]), ops, opts());
    assert.equal(r.outcome, 'lock-refused');
    assert.ok(!log.some((l) => l.startsWith('upgrade')));
    assert.match(r.units[0]!.reason ?? '', /lock held by jenkins-42/);
  });

  it('an interrupt lets in-flight helm calls finish, starts nothing new, and undoes the wave', async () => {
    const ac = new AbortController();
    const { ops, log } = recorder();
    const change = ops.change;
    ops.change = async (u, d) => {
      const out = await change(u, d);
      ac.abort(); // SIGTERM arrives while the first upgrade runs
      return out;
    };
    const p = plan([
      ['w1', [[unit('a', 'web', 'upgrade', 'w1', 0, 4)], [unit('b', 'web', 'upgrade', 'w1', 1, 4)]]],
      ['w2', [[unit('c', 'web', 'upgrade', 'w2', 0, 4)]]],
    ]);
    const r = await executePlan(p, ops, opts({ signal: ac.signal }));
    assert.equal(r.outcome, 'interrupted');
    assert.ok(log.includes('upgrade a/web'));
    assert.ok(!log.includes('upgrade b/web') && !log.includes('upgrade c/web'));
    assert.ok(log.includes('undo a/web rollback 4'));
    assert.ok(log.includes('unlock a/web'));
  });

  it('dry-run: helm in dry-run mode, no lock, no gate, no undo', async () => {
    const { ops, log } = recorder();
    const r = await executePlan(plan([['w', [[unit('a', 'web', 'install', 'w')]]]]), ops, opts({ dryRun: true }));
    assert.deepEqual(log, ['dry-run install a/web']);
    assert.equal(r.units[0]!.outcome, 'dry-run');
  });

  it('respects the concurrency bound', async () => {
    let inFlight = 0;
    let peak = 0;
    const { ops } = recorder();
    ops.change = async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return {};
    };
    const units = Array.from({ length: 10 }, (_, i) => unit(`c${i}`, 'web', 'upgrade', 'w', 0, 1));
    await executePlan(plan([['w', [units]]]), ops, opts({ concurrency: 3 }));
    assert.equal(peak, 3);
  });
});
