// next(plan, log), pure: a table of run logs and what the scheduler says
// happens now: waves in order, steps after what they come after, within the
// pool, a stopped wave cancelling its gates and undoing its changes (latest
// first, locks last), unit and wave ends, the run's end and its outcome.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import type { Plan, PlanAction, PlannedUnit } from '../../../src/plan/types.ts';
import type { EventBody } from '../../../src/run/events.ts';
import { next } from '../../../src/run/next.ts';
import { planSteps } from '../../../src/run/steps.ts';
import type { RunPlan } from '../../../src/run/steps.ts';

const chart = { ref: 'charts/demo', name: 'demo', version: '1.0.0', path: '/charts/demo', digest: 'd', features: { lookup: false, hooks: false, crdsDir: false, schema: undefined, apiQueries: [] } };

function unit(cluster: string, helmName: string, action: PlanAction, step = 0, deployedRevision?: number): PlannedUnit {
  const rendered = action === 'uninstall' ? { kind: 'orphan' as const, action } : { kind: 'rendered' as const, action, chart, toVersion: '1.0.0', values: {}, manifest: '', hooks: [], crds: [], extra: '', inputs: 'i', notes: [] };
  return { ...rendered, release: helmName, track: undefined, cluster, namespace: 'ns', helmName, wave: 'w', step, reasons: [], health: DEFAULT_HEALTH, diffs: [], digest: { chart: '', values: '', manifest: '', deployedRevision: deployedRevision ?? 0 }, ...(deployedRevision !== undefined ? { deployedRevision } : {}) };
}

/** One wave `w` of these failover groups, then (if given) a wave `later`. */
function runPlan(groups: PlannedUnit[][], o: { onFailure?: 'rollback' | 'halt'; dryRun?: boolean; concurrency?: number; later?: PlannedUnit[] } = {}): RunPlan {
  const waves = [{ name: 'w', index: 0, steps: groups }, ...(o.later ? [{ name: 'later', index: 1, steps: [o.later.map((u) => ({ ...u, wave: 'later' }))] }] : [])];
  const plan: Plan = { version: 1, createdAt: '', clustersFile: 'clusters.yaml', waves, orphans: [], summary: { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 } };
  return planSteps(plan, { dryRun: o.dryRun ?? false, onFailure: o.onFailure ?? 'rollback', concurrency: o.concurrency ?? 4, lockWaitMs: 0, validated: new Set() });
}

/** Log events of a plan's steps by short name: "a/web#gate". */
function logOf(p: RunPlan) {
  const step = (short: string) => {
    const [u, kind] = short.split('#');
    const id = `${u!.split('/')[0]}/ns/${u!.split('/')[1]}#${kind}`;
    const s = p.waves.flatMap((w) => w.steps).find((x) => x.id === id);
    assert.ok(s, `no step ${id}`);
    return s;
  };
  const place = (short: string, phase: 'do' | 'undo') => {
    const s = step(short);
    return { wave: s.wave, cluster: s.cluster, unit: s.unit, step: s.id, kind: s.kind, phase };
  };
  return {
    start: (short: string, phase: 'do' | 'undo' = 'do'): EventBody => ({ event: 'step-start', ...place(short, phase), message: '' }),
    end: (short: string, result: 'passed' | 'failed' | 'cancelled' = 'passed', phase: 'do' | 'undo' = 'do', reason?: string): EventBody => ({ event: 'step-end', ...place(short, phase), result, ...(reason ? { reason } : {}) }),
    ran: (short: string, result: 'passed' | 'failed' = 'passed', phase: 'do' | 'undo' = 'do', reason?: string): EventBody[] => [
      { event: 'step-start', ...place(short, phase), message: '' },
      { event: 'step-end', ...place(short, phase), result, ...(reason ? { reason } : {}) },
    ],
    cancel: (short: string, reason: string): EventBody => ({ event: 'step-cancel', ...place(short, 'do'), reason }),
  };
}

const header = (p: RunPlan): EventBody => ({ event: 'run-start', command: 'apply', repo: 'deploy', holder: 'me', plan: p });
const waveStart: EventBody = { event: 'wave-start', wave: 'w' };
/** A unit-end next said earlier. */
const said = (unit: string, result: 'applied' | 'gate-failed', reason?: string): EventBody => ({ event: 'unit-end', wave: 'w', cluster: unit.split('/')[0]!, unit: unit.replace('/', '/ns/'), result, ...(reason ? { reason } : {}) });
const short = (id: string) => id.replace('/ns/', '/');

/** The decision in short: recorded events and started steps as strings. */
function decide(p: RunPlan, events: EventBody[]): { record: string[]; start: string[] } {
  const d = next(p, [header(p), ...events]);
  const record = d.record.map((e) => {
    switch (e.event) {
      case 'unit-end':
        return `unit-end ${short(e.unit)} ${e.result}${e.reason ? `: ${e.reason}` : ''}${e.rollback ? ` [${e.rollback}]` : ''}`;
      case 'step-cancel':
        return `cancel ${short(e.step)}: ${e.reason}`;
      case 'wave-start':
      case 'wave-end':
        return `${e.event} ${e.wave}${e.event === 'wave-end' ? ` ${e.outcome}` : ''}`;
      case 'run-end':
        return `run-end ${e.outcome}${e.cause ? ` (${e.cause})` : ''}${e.failedWave ? ` in ${e.failedWave}` : ''}`;
      default:
        return e.event;
    }
  });
  return { record, start: d.start.map((s) => `${s.phase === 'undo' ? 'undo ' : ''}${short(s.step.id)}: ${s.message}`) };
}

describe('next(plan, log)', () => {
  const a = unit('a', 'web', 'upgrade', 0, 3);
  const b = unit('b', 'web', 'install');
  const same = unit('c', 'web', 'unchanged', 0, 1);

  const table: { name: string; plan: RunPlan; log: (l: ReturnType<typeof logOf>) => EventBody[]; want: { record: string[]; start: string[] } }[] = [
    {
      name: 'a fresh run starts its first wave; unchanged units end at once',
      plan: runPlan([[a, same]]),
      log: () => [],
      want: { record: ['wave-start w', 'unit-end c/web skipped'], start: [] },
    },
    {
      name: 'a started wave takes the locks of its first group',
      plan: runPlan([[a, b]]),
      log: () => [waveStart],
      want: { record: [], start: ['a/web#lock: taking the lock', 'b/web#lock: taking the lock'] },
    },
    {
      name: 'a lock passed: its change starts',
      plan: runPlan([[a]]),
      log: (l) => [waveStart, ...l.ran('a/web#lock')],
      want: { record: [], start: ['a/web#change: upgrade'] },
    },
    {
      name: 'the pool: at most `concurrency` helm and API writes at once, a unit under way first',
      plan: runPlan([[a, b, unit('d', 'web', 'install')]], { concurrency: 2 }),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), l.start('b/web#lock')],
      want: { record: [], start: ['a/web#change: upgrade'] },
    },
    {
      name: 'a gate waits outside the pool',
      plan: runPlan([[a, b]], { concurrency: 1 }),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), ...l.ran('a/web#change'), l.start('b/web#lock')],
      want: { record: [], start: ['a/web#gate: waiting for health'] },
    },
    {
      name: 'a failover waits for its primary\'s gate',
      plan: runPlan([[a], [unit('f', 'web', 'upgrade', 1, 3)]]),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), ...l.ran('a/web#change'), l.start('a/web#gate')],
      want: { record: [], start: [] },
    },
    {
      name: '... and starts once it passed',
      plan: runPlan([[a], [unit('f', 'web', 'upgrade', 1, 3)]]),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), ...l.ran('a/web#change'), ...l.ran('a/web#gate')],
      want: { record: ['unit-end a/web applied'], start: ['f/web#lock: taking the lock'] },
    },
    {
      name: 'a failed gate stops the wave: the gates in flight are cancelled, nothing starts',
      plan: runPlan([[a, b]]),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), ...l.ran('b/web#lock'), ...l.ran('a/web#change'), ...l.ran('b/web#change'), l.start('a/web#gate'), ...l.ran('b/web#gate', 'failed', 'do', 'CrashLoopBackOff')],
      want: { record: ['unit-end b/web gate-failed: CrashLoopBackOff', 'cancel a/web#gate: gate cancelled: b/ns/web failed first'], start: [] },
    },
    {
      name: 'nothing in flight any more: the changes are undone first (locks are given back after)',
      plan: runPlan([[a, b]]),
      log: (l) => [
        waveStart,
        ...['a/web#lock', 'b/web#lock', 'a/web#change', 'b/web#change'].flatMap((x) => l.ran(x)),
        l.start('a/web#gate'),
        ...l.ran('b/web#gate', 'failed', 'do', 'CrashLoopBackOff'),
        { event: 'unit-end', wave: 'w', cluster: 'b', unit: 'b/ns/web', result: 'gate-failed', reason: 'CrashLoopBackOff' },
        l.cancel('a/web#gate', 'gate cancelled: b/ns/web failed first'),
        l.end('a/web#gate', 'cancelled', 'do', 'gate cancelled: b/ns/web failed first'),
      ],
      want: { record: ['unit-end a/web gate-failed: gate cancelled: b/ns/web failed first'], start: ['undo a/web#change: rolling back to revision 3', 'undo b/web#change: uninstalling (installed by this run)'] },
    },
    {
      name: 'a change undone: its unit is rolled back, its lock given back',
      plan: runPlan([[a]]),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), ...l.ran('a/web#change'), ...l.ran('a/web#gate', 'failed', 'do', 'never ready'), said('a/web', 'gate-failed', 'never ready'), ...l.ran('a/web#change', 'passed', 'undo')],
      want: { record: ['unit-end a/web rolled-back: never ready [rolled back to revision 3]'], start: ['undo a/web#lock: releasing the lock'] },
    },
    {
      name: 'an undo that failed leaves the unit, and says why',
      plan: runPlan([[a]]),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), ...l.ran('a/web#change'), ...l.ran('a/web#gate', 'failed', 'do', 'never ready'), said('a/web', 'gate-failed', 'never ready'), ...l.ran('a/web#change', 'failed', 'undo', 'connection refused'), ...l.ran('a/web#lock', 'passed', 'undo')],
      want: { record: ['unit-end a/web left: never ready [rollback FAILED: connection refused]', 'wave-end w failed'], start: [] },
    },
    {
      name: 'a failed wave ends the run: later waves never start',
      plan: runPlan([[a]], { later: [b] }),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), ...l.ran('a/web#change'), ...l.ran('a/web#gate', 'failed', 'do', 'never ready'), ...l.ran('a/web#change', 'passed', 'undo'), ...l.ran('a/web#lock', 'passed', 'undo'), { event: 'unit-end', wave: 'w', cluster: 'a', unit: 'a/ns/web', result: 'rolled-back', reason: 'never ready', rollback: 'rolled back to revision 3' }, { event: 'wave-end', wave: 'w', outcome: 'failed' }],
      want: { record: ['run-end gate-failed in w'], start: [] },
    },
    {
      name: 'onFailure: halt undoes no change, gives the locks back and says the unit failed, then is left',
      plan: runPlan([[a]], { onFailure: 'halt' }),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), ...l.ran('a/web#change'), ...l.ran('a/web#gate', 'failed', 'do', 'never ready')],
      want: { record: ['unit-end a/web gate-failed: never ready', 'unit-end a/web left: never ready [left as is (onFailure: halt)]'], start: ['undo a/web#lock: releasing the lock'] },
    },
    {
      name: 'a lock refused fails the wave with lock-refused; the unit never started',
      plan: runPlan([[a]], { later: [b] }),
      log: (l) => [waveStart, ...l.ran('a/web#lock', 'failed', 'do', 'locked by jenkins-7').map((e): EventBody => (e.event === 'step-end' ? { ...e, failure: 'lock-refused' } : e)), { event: 'wave-end', wave: 'w', outcome: 'failed' }],
      want: { record: ['run-end lock-refused in w'], start: [] },
    },
    {
      name: 'an interrupt while a change runs: nothing new starts, the change finishes',
      plan: runPlan([[a, b]], { concurrency: 1 }),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), l.start('a/web#change'), { event: 'interrupt', cause: 'SIGINT', reason: 'interrupted by SIGINT' }],
      want: { record: [], start: [] },
    },
    {
      name: '... then it is undone, though nothing failed',
      plan: runPlan([[a, b]], { concurrency: 1 }),
      log: (l) => [waveStart, ...l.ran('a/web#lock'), l.start('a/web#change'), { event: 'interrupt', cause: 'SIGINT', reason: 'interrupted by SIGINT' }, l.end('a/web#change')],
      want: { record: [], start: ['undo a/web#change: rolling back to revision 3'] },
    },
    {
      name: 'an interrupt before a wave starts ends the run at once',
      plan: runPlan([[a]]),
      log: () => [{ event: 'interrupt', cause: 'SIGTERM', reason: 'interrupted by SIGTERM' }],
      want: { record: ['run-end interrupted (SIGTERM)'], start: [] },
    },
    {
      name: 'the run lock lost is a refusal, whatever else happened',
      plan: runPlan([[a]]),
      log: () => [{ event: 'interrupt', cause: 'lock-lost', reason: 'the run lock was taken' }],
      want: { record: ['run-end lock-refused (lock-lost)'], start: [] },
    },
    {
      name: 'undo goes backwards: a failover is put back before its primary',
      plan: runPlan([[a], [unit('f', 'web', 'upgrade', 1, 5)]]),
      log: (l) => [waveStart, ...['a/web#lock', 'a/web#change', 'a/web#gate', 'f/web#lock', 'f/web#change'].flatMap((s) => l.ran(s)), ...l.ran('f/web#gate', 'failed', 'do', 'never ready')],
      want: { record: ['unit-end a/web applied', 'unit-end f/web gate-failed: never ready'], start: ['undo f/web#change: rolling back to revision 5'] },
    },
    {
      name: 'an uninstall in a failed wave cannot be undone: left',
      plan: runPlan([[a, unit('u', 'old', 'uninstall')]]),
      log: (l) => [waveStart, ...['a/web#lock', 'u/old#lock', 'u/old#uninstall'].flatMap((s) => l.ran(s)), said('u/old', 'applied'), ...l.ran('a/web#change'), ...l.ran('a/web#gate', 'failed', 'do', 'never ready'), said('a/web', 'gate-failed', 'never ready'), ...l.ran('a/web#change', 'passed', 'undo')],
      want: { record: ['unit-end a/web rolled-back: never ready [rolled back to revision 3]', 'unit-end u/old left [uninstalled; cannot be undone]'], start: ['undo a/web#lock: releasing the lock', 'undo u/old#lock: releasing the lock'] },
    },
    {
      name: 'a dry run: no lock, no gate, the wave ends dry-run',
      plan: runPlan([[b]], { dryRun: true }),
      log: (l) => [waveStart, ...l.ran('b/web#change')],
      want: { record: ['unit-end b/web dry-run', 'wave-end w dry-run'], start: [] },
    },
    {
      name: 'every wave passed: the run succeeded',
      plan: runPlan([[same]]),
      log: () => [waveStart, { event: 'unit-end', wave: 'w', cluster: 'c', unit: 'c/ns/web', result: 'skipped' }, { event: 'wave-end', wave: 'w', outcome: 'passed' }],
      want: { record: ['run-end succeeded'], start: [] },
    },
    {
      name: 'a run that ended does nothing more',
      plan: runPlan([[a]]),
      log: () => [{ event: 'run-end', outcome: 'succeeded' }],
      want: { record: [], start: [] },
    },
  ];

  for (const t of table) it(t.name, () => assert.deepEqual(decide(t.plan, t.log(logOf(t.plan))), t.want));
});
