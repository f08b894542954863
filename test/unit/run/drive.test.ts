// A run driven to its end with the cluster side recorded in memory: which
// helm writes happen, in which order, what is undone when a gate fails, and
// what the run log then says (the report's view of it).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepOutcome } from '../../../src/run/drive.ts';
import { plan, recorder, run, short, unit } from './fixtures.ts';

const waitAbort = (signal: AbortSignal) => new Promise<StepOutcome>((resolve) => signal.addEventListener('abort', () => resolve({ result: 'failed', reason: 'aborted' }), { once: true }));

describe('drive', () => {
  it('nothing changed: no helm write, no lock, no gate; one line per event on the log', async () => {
    const { runners, log } = recorder();
    const r = await run(plan([['w1', [[unit('a', 'web', 'unchanged', 'w1')]]]]), runners);
    assert.deepEqual(log, []);
    assert.equal(r.view.outcome, 'succeeded');
    assert.equal(r.units['a/web']!.outcome, 'skipped');
    assert.deepEqual(r.events.map((e) => e.event), ['run-start', 'wave-start', 'unit-end', 'wave-end', 'run-end']);
    assert.deepEqual(r.lines.map((l) => JSON.parse(l).seq), [0, 1, 2, 3, 4]);
  });

  it('a failover starts only after its primary passed its gate', async () => {
    const { runners, log } = recorder();
    const p = plan([['prod', [[unit('paris', 'web', 'upgrade', 'prod', 0, 3)], [unit('gke-eu', 'web', 'upgrade', 'prod', 1, 3)]]]]);
    const r = await run(p, runners);
    assert.equal(r.view.outcome, 'succeeded');
    assert.deepEqual(log, ['lock paris/web', 'upgrade paris/web', 'gate paris/web', 'gate passed paris/web', 'lock gke-eu/web', 'upgrade gke-eu/web', 'gate gke-eu/web', 'gate passed gke-eu/web', 'unlock gke-eu/web', 'unlock paris/web']);
    assert.deepEqual(Object.values(r.units).map((u) => [short(u.id), u.outcome, u.toRevision]), [
      ['paris/web', 'applied', 4],
      ['gke-eu/web', 'applied', 4],
    ]);
  });

  it('a failed gate stops the run and rolls back every unit changed in the failed wave, not earlier waves', async () => {
    const { runners, log } = recorder({ 'b/web-canary': async () => ({ result: 'failed', reason: 'pod web-1: CrashLoopBackOff' }) });
    const p = plan([
      ['internal', [[unit('a', 'web-internal', 'upgrade', 'internal', 0, 2)]]],
      ['canary', [[unit('a', 'web-canary', 'upgrade', 'canary', 0, 5), unit('b', 'web-canary', 'install', 'canary')]]],
      ['production', [[unit('a', 'web', 'upgrade', 'production', 0, 7)]]],
    ]);
    const r = await run(p, runners);
    assert.equal(r.view.outcome, 'gate-failed');
    assert.equal(r.view.failedWave, 'canary');
    assert.deepEqual(r.view.waves.map((w) => w.outcome), ['passed', 'failed', 'not-started']);
    assert.ok(log.includes('undo a/web-canary rollback 5'));
    assert.ok(log.includes('undo b/web-canary uninstall'));
    assert.ok(!log.some((l) => l.includes('a/web-internal') && l.startsWith('undo')));
    assert.deepEqual(log.filter((l) => l.endsWith(' a/web')), [], 'production never started');
    assert.equal(r.units['b/web-canary']!.outcome, 'rolled-back');
    assert.equal(r.units['b/web-canary']!.reason, 'pod web-1: CrashLoopBackOff');
    assert.equal(r.units['a/web-canary']!.outcome, 'rolled-back');
    assert.equal(r.units['a/web-internal']!.outcome, 'applied');
    assert.equal(r.units['a/web']!.outcome, 'not-started');
    // every lock taken is released, after the undo
    assert.equal(log.filter((l) => l.startsWith('lock')).length, log.filter((l) => l.startsWith('unlock')).length);
    assert.ok(log.lastIndexOf('undo b/web-canary uninstall') < log.indexOf('unlock b/web-canary'));
  });

  it('fails fast: the first failed gate cancels the other gates of the wave', async () => {
    const { runners } = recorder({ 'a/slow': waitAbort, 'b/bad': async () => ({ result: 'failed', reason: 'ImagePullBackOff' }) });
    const r = await run(plan([['w', [[unit('a', 'slow', 'upgrade', 'w', 0, 1), unit('b', 'bad', 'upgrade', 'w', 0, 1)]]]]), runners);
    assert.equal(r.view.outcome, 'gate-failed');
    assert.equal(r.units['a/slow']!.outcome, 'rolled-back');
    assert.equal(r.units['a/slow']!.reason, 'gate cancelled: b/ns/bad failed first');
    assert.ok(r.events.some((e) => e.event === 'step-cancel' && e.unit === 'a/ns/slow'));
    assert.equal(r.units['a/slow']!.steps.find((s) => s.kind === 'gate')!.result, 'cancelled');
  });

  it('onFailure: halt leaves the failed wave as it is', async () => {
    const { runners, log } = recorder({ 'a/web': async () => ({ result: 'failed', reason: 'never ready' }) });
    const r = await run(plan([['w', [[unit('a', 'web', 'upgrade', 'w', 0, 1)]]]]), runners, { onFailure: 'halt' });
    assert.equal(r.view.outcome, 'gate-failed');
    assert.ok(!log.some((l) => l.startsWith('undo')));
    assert.ok(log.includes('unlock a/web'), 'the lock is given back all the same');
    assert.equal(r.units['a/web']!.outcome, 'left');
    assert.equal(r.units['a/web']!.rollback, 'left as is (onFailure: halt)');
    assert.equal(r.units['a/web']!.reason, 'never ready');
    assert.deepEqual(r.events.flatMap((e) => (e.event === 'unit-end' ? [e.result] : [])), ['gate-failed', 'left'], 'the failure is said, then what was done about it');
  });

  it('a lock held by another run refuses: nothing changed there, the outcome says so', async () => {
    const { runners, log } = recorder({}, ['b']);
    const r = await run(plan([['w', [[unit('b', 'web', 'upgrade', 'w', 0, 1)]]]]), runners);
    assert.equal(r.view.outcome, 'lock-refused');
    assert.ok(!log.some((l) => l.startsWith('upgrade')));
    assert.equal(r.units['b/web']!.outcome, 'not-started');
    assert.match(r.units['b/web']!.reason ?? '', /lock held by jenkins-42/);
  });

  it('an interrupt lets in-flight helm calls finish, starts nothing new, and undoes the wave', async () => {
    const ac = new AbortController();
    const { runners, log } = recorder();
    const change = runners.change!;
    runners.change = {
      ...change,
      async run(s, ctx) {
        const out = await change.run(s, ctx);
        ac.abort('SIGTERM'); // SIGTERM arrives while the first upgrade runs
        return out;
      },
    };
    const p = plan([
      ['w1', [[unit('a', 'web', 'upgrade', 'w1', 0, 4)], [unit('b', 'web', 'upgrade', 'w1', 1, 4)]]],
      ['w2', [[unit('c', 'web', 'upgrade', 'w2', 0, 4)]]],
    ]);
    const r = await run(p, runners, { interrupts: ac.signal });
    assert.equal(r.view.outcome, 'interrupted');
    assert.equal(r.view.cause, 'SIGTERM');
    assert.ok(log.includes('upgrade a/web'));
    assert.ok(!log.includes('upgrade b/web') && !log.includes('upgrade c/web'));
    assert.ok(log.includes('undo a/web rollback 4'));
    assert.ok(log.includes('unlock a/web'));
    assert.deepEqual(r.view.waves.map((w) => w.outcome), ['interrupted', 'not-started']);
    assert.equal(r.units['a/web']!.reason, 'rolled back because interrupted');
  });

  it('dry-run: helm in dry-run mode, no lock, no gate, no undo', async () => {
    const { runners, log } = recorder();
    const r = await run(plan([['w', [[unit('a', 'web', 'install', 'w')]]]]), runners, { dryRun: true });
    assert.deepEqual(log, ['dry-run install a/web']);
    assert.equal(r.units['a/web']!.outcome, 'dry-run');
    assert.equal(r.view.waves[0]!.outcome, 'dry-run');
  });

  it('respects the concurrency bound', async () => {
    let inFlight = 0;
    let peak = 0;
    const { runners } = recorder();
    runners.change = {
      async run() {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { result: 'passed' };
      },
    };
    const units = Array.from({ length: 10 }, (_, i) => unit(`c${i}`, 'web', 'upgrade', 'w', 0, 1));
    await run(plan([['w', [units]]]), runners, { concurrency: 3 });
    assert.equal(peak, 3);
  });

  it('a runner that throws fails its step with the error, and the wave is put back', async () => {
    const { runners, log } = recorder();
    runners.gate = {
      async run() {
        throw new Error('boom');
      },
    };
    const r = await run(plan([['w', [[unit('a', 'web', 'upgrade', 'w', 0, 2)]]]]), runners);
    assert.equal(r.units['a/web']!.outcome, 'rolled-back');
    assert.equal(r.units['a/web']!.reason, 'unexpected error: boom');
    assert.ok(log.includes('undo a/web rollback 2'));
  });
});
