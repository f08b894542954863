// A run's reports, read from its run log(s): JSON (every unit with its
// outcome, revisions, times, gate details and steps), the text apply prints
// when it is over (the failed gates' pods with events and logs, then the
// summary), JUnit (a suite per wave, a case per unit). Pure formatting.
import type { Outcome } from '../errors.ts';
import { writeJunit } from './junit.ts';
import type { JunitCase } from './junit.ts';
import { formatRunSummary } from './run-text.ts';
import type { RunView, UnitView } from './run-view.ts';

/** A unit as JSON: what it is, how it ended, its gate, its steps (without their progress lines). */
function unitJson(u: UnitView): Record<string, unknown> {
  const { group, steps, ...rest } = u;
  return { ...rest, step: group, steps: steps.map(({ progress: _p, details: _d, ...s }) => s) };
}

/** How the run ends for the shell (errors.ts maps it to the exit code), from the log's end alone: a signal, the run lock lost, or what failed. */
export function runExit(r: RunView): { outcome: Outcome; verdict?: string } {
  if (r.cause === 'SIGINT') return { outcome: 'sigint' };
  if (r.cause === 'SIGTERM') return { outcome: 'sigterm' };
  switch (r.outcome) {
    case 'succeeded':
      return { outcome: 'success' };
    case 'gate-failed':
      return { outcome: 'gate-failed', verdict: `health gate failed in wave "${r.failedWave}" (see above)` };
    case 'lock-refused':
      return { outcome: 'refused', verdict: 'another run holds a lock (see above); nothing more was changed' };
    case 'interrupted':
      return { outcome: 'sigterm' };
    default:
      return { outcome: 'failed', verdict: `helm failed in wave "${r.failedWave}" (see above)` };
  }
}

/** The whole run as JSON. */
export function runJson(r: RunView, extra: { log?: string } = {}): string {
  const first = r.runs[0]!;
  const signal = r.cause === 'SIGINT' || r.cause === 'SIGTERM' ? { signal: r.cause } : {};
  const out = {
    runId: r.runs.length === 1 ? first.id : r.runs.map((x) => x.id),
    ...(extra.log !== undefined ? { log: extra.log } : {}),
    command: r.command,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    dryRun: r.dryRun,
    outcome: r.outcome,
    ...signal,
    ...(r.failedWave !== undefined ? { failedWave: r.failedWave } : {}),
    ...(r.runs.length > 1 ? { runs: r.runs } : {}),
    waves: r.waves.map((w) => ({ name: w.name, outcome: w.outcome, ...(w.startedAt ? { startedAt: w.startedAt } : {}), ...(w.finishedAt ? { finishedAt: w.finishedAt } : {}) })),
    units: r.waves.flatMap((w) => w.units.map(unitJson)),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** The failed gates' pods (reason, events, logs), then the summary. */
export function runText(r: RunView): string {
  const lines: string[] = [];
  for (const u of r.waves.flatMap((w) => w.units)) {
    const g = u.gate;
    if (!g || u.gatePassedAt !== undefined || g.failingPods.length === 0) continue;
    lines.push('', `${u.id}: ${g.reason}`);
    for (const p of g.failingPods) {
      lines.push(`  pod ${p.name}: ${p.reason} — ${p.message} (restarts: ${p.restarts})`);
      for (const e of p.events) lines.push(`    event: ${e}`);
      lines.push(`    logs: ${p.logs.split('\n').join('\n          ')}`);
    }
  }
  return `${[...lines, ...formatRunSummary(r)].join('\n')}\n`;
}

const FAILED = new Set(['gate-failed', 'helm-failed']);

function unitCase(u: UnitView, wave: string): JunitCase {
  const time = u.startedAt && u.finishedAt ? (Date.parse(u.finishedAt) - Date.parse(u.startedAt)) / 1000 : 0;
  const c = { name: u.id, classname: `${u.action === 'rollback' ? 'rollback' : 'apply'}.${wave}`, time };
  const failed = FAILED.has(u.outcome) || ((u.outcome === 'rolled-back' || u.outcome === 'left') && u.reason);
  if (failed) {
    const pods = u.gate?.failingPods.map((p) => `${p.name}: ${p.reason} ${p.message}\n${p.events.join('\n')}\n${p.logs}`).join('\n\n');
    const body = [pods, u.rollback].filter(Boolean).join('\n');
    return { ...c, failure: { message: u.reason ?? u.outcome, type: u.outcome, ...(body ? { body } : {}) } };
  }
  if (u.outcome === 'unfinished') return { ...c, error: { message: 'no end recorded (run killed?)', type: 'unfinished' } };
  if (u.outcome === 'not-started') return { ...c, skipped: u.reason ?? 'not started' };
  if (u.outcome === 'skipped') return { ...c, skipped: 'unchanged' };
  return c;
}

/** One suite per wave, one testcase per unit (every shard's); the failure message is the gate's reason. */
export function runJunit(r: RunView): string {
  const suites = r.waves.filter((w) => w.units.length > 0).map((w) => ({ name: `helm-cascade ${r.command}: wave ${w.name}`, timestamp: w.startedAt ?? r.startedAt, cases: w.units.map((u) => unitCase(u, w.name)) }));
  return writeJunit(suites);
}
