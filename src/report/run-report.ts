// What apply prints when the run is over, and writes as JUnit: the units with
// their gates' details (JSON), the failing pods with events and logs plus the
// summary (text), one testcase per unit (JUnit). Pure formatting.
import type { GateResult } from '../health/gate.ts';
import type { RunResult, UnitRunResult } from '../run/types.ts';
import { writeJunit } from './junit.ts';
import type { JunitCase } from './junit.ts';
import { formatRunSummary } from './run-text.ts';

/** The whole run as JSON, each unit with its gate's reason, duration, failing pods, objects and probes. */
export function runJson(result: RunResult, gates: ReadonlyMap<string, GateResult>): string {
  const units = result.units.map((u) => {
    const g = gates.get(u.id);
    return g ? { ...u, gate: { reason: g.reason, durationMs: g.durationMs, failingPods: g.failingPods, objects: g.objects, probes: g.probes } } : u;
  });
  return `${JSON.stringify({ ...result, units }, null, 2)}\n`;
}

/** The failed gates' pods (reason, events, logs), then the summary. */
export function runText(result: RunResult, gates: ReadonlyMap<string, GateResult>): string {
  const lines: string[] = [];
  for (const g of gates.values()) {
    if (g.passed || g.failingPods.length === 0) continue;
    lines.push('', `${g.unit}: ${g.reason}`);
    for (const p of g.failingPods) {
      lines.push(`  pod ${p.name}: ${p.reason} — ${p.message} (restarts: ${p.restarts})`);
      for (const e of p.events) lines.push(`    event: ${e}`);
      lines.push(`    logs: ${p.logs.split('\n').join('\n          ')}`);
    }
  }
  return `${[...lines, ...formatRunSummary(result)].join('\n')}\n`;
}

function unitCase(u: UnitRunResult, wave: string, gates: ReadonlyMap<string, GateResult>): JunitCase {
  const time = u.startedAt && u.finishedAt ? (Date.parse(u.finishedAt) - Date.parse(u.startedAt)) / 1000 : 0;
  const c = { name: u.id, classname: `apply.${wave}`, time };
  const failed = u.outcome === 'gate-failed' || u.outcome === 'helm-failed' || ((u.outcome === 'rolled-back' || u.outcome === 'left') && u.reason);
  if (failed) {
    const pods = gates.get(u.id)?.failingPods.map((p) => `${p.name}: ${p.reason} ${p.message}\n${p.events.join('\n')}\n${p.logs}`).join('\n\n');
    const body = [pods, u.rollback].filter(Boolean).join('\n');
    return { ...c, failure: { message: u.reason ?? u.outcome, type: u.outcome, ...(body ? { body } : {}) } };
  }
  if (u.outcome === 'not-started') return { ...c, skipped: u.reason ?? 'not started' };
  if (u.outcome === 'skipped') return { ...c, skipped: 'unchanged' };
  return c;
}

/** One suite per wave, one testcase per unit; the failure message is the gate's reason. */
export function runJunit(result: RunResult, gates: ReadonlyMap<string, GateResult>): string {
  const byWave = new Map<string, UnitRunResult[]>();
  for (const u of result.units) byWave.set(u.wave, [...(byWave.get(u.wave) ?? []), u]);
  return writeJunit([...byWave].map(([wave, units]) => ({ name: `helm-cascade apply: wave ${wave}`, timestamp: result.startedAt, cases: units.map((u) => unitCase(u, wave, gates)) })));
}
