// A run as plain text (Jenkins, no TTY): one timestamped line per event of the
// run log as it is written, and the closing summary (what passed, what failed
// and why, what was rolled back), read from the same log. Pure formatting.
import type { RunEvent } from '../run/events.ts';
import { RunFold } from './run-view.ts';
import type { RunView, UnitView } from './run-view.ts';

export function describeOutcome(u: UnitView): string {
  switch (u.outcome) {
    case 'applied':
      if (u.action === 'uninstall') return 'uninstalled';
      if (u.action === 'rollback') return u.to ?? 'put back';
      if (u.action === 'install') return `installed revision ${u.toRevision ?? '?'}, gate passed`;
      return `upgraded revision ${u.fromRevision ?? '?'} -> ${u.toRevision ?? '?'}, gate passed`;
    case 'skipped':
      return 'unchanged';
    case 'dry-run':
      return `${u.action}: helm --dry-run=server accepted it`;
    case 'gate-failed':
      return `GATE FAILED: ${u.reason ?? ''}`;
    case 'helm-failed':
      return `HELM FAILED: ${u.reason ?? ''}`;
    case 'rolled-back':
      return `${u.rollback ?? 'rolled back'}${u.reason ? ` — ${u.reason}` : ''}`;
    case 'left':
      return `${u.rollback ?? 'left as is'}${u.reason ? ` — ${u.reason}` : ''}`;
    case 'not-started':
      return u.reason ? `not started: ${u.reason}` : 'not started';
    case 'unfinished':
      return 'no end recorded (run killed?)';
  }
}

/** The run log as it is written, as timestamped lines: wave starts and ends, each unit's steps, progress and outcome. */
export class RunLines {
  #fold: RunFold | undefined;

  /** The line for one event (undefined: nothing to say). */
  line(e: RunEvent): string | undefined {
    if (e.event === 'run-start') {
      this.#fold = new RunFold(e);
      return undefined;
    }
    const f = this.#fold;
    if (!f) return undefined;
    f.add(e);
    const ts = e.at.replace(/\.\d{3}Z$/, 'Z');
    switch (e.event) {
      case 'wave-start': {
        const n = f.waves.get(e.wave)?.units.filter((u) => u.action !== 'unchanged').length ?? 0;
        return n === 0 ? `${ts} wave ${e.wave}: nothing to change` : `${ts} wave ${e.wave}: started (${n} to change)`;
      }
      case 'wave-end': {
        const n = f.waves.get(e.wave)?.units.filter((u) => u.action !== 'unchanged').length ?? 0;
        return n === 0 && e.outcome === 'passed' ? undefined : `${ts} wave ${e.wave}: ${e.outcome.toUpperCase()}`;
      }
      case 'step-start':
        return e.phase === 'undo' && e.kind === 'lock' ? undefined : `${ts}   ${e.unit}: ${e.message}`;
      case 'step-progress':
        return `${ts}   ${e.unit}: ${e.message}`;
      case 'unit-end': {
        const u = f.units.get(e.unit);
        return !u || u.outcome === 'skipped' ? undefined : `${ts}   ${e.unit}: ${describeOutcome(u)}`;
      }
      default:
        return undefined;
    }
  }
}

const count = (r: RunView, o: UnitView['outcome']) => r.waves.reduce((n, w) => n + w.units.filter((u) => u.outcome === o).length, 0);

/** Why the run did not complete, in one sentence. */
function verdict(r: RunView, changed: number): string {
  switch (r.outcome) {
    case 'succeeded':
      return changed === 0 ? 'Apply complete: nothing to change.' : 'Apply complete: every wave passed its gates.';
    case 'interrupted':
      return `Apply interrupted by ${r.cause === 'SIGINT' || r.cause === 'SIGTERM' ? r.cause : 'a signal'} in wave "${r.failedWave ?? '?'}".`;
    case 'lock-refused':
      return `Apply refused in wave "${r.failedWave}": a release is locked by another run.`;
    case 'unfinished':
      return 'Apply has no end recorded (the run was killed, or is still running).';
    default:
      return `Apply halted: wave "${r.failedWave}" failed; later waves were not started.`;
  }
}

/** The closing summary: what passed, what failed and why, what was rolled back. */
export function formatRunSummary(r: RunView): string[] {
  const lines: string[] = ['', `Waves: ${r.waves.map((w) => `${w.name}: ${w.outcome}`).join(', ')}`];
  const units = r.waves.flatMap((w) => w.units);
  if (r.dryRun) {
    lines.push(`Dry run: ${count(r, 'dry-run')} accepted by helm --dry-run=server, ${count(r, 'skipped')} unchanged; nothing was changed.`);
    return lines;
  }
  const own = (u: UnitView) => u.reason !== undefined && !u.reason.startsWith('rolled back because') && !/^\S+ cancelled: /.test(u.reason);
  const failed = units.filter((u) => u.reason && (u.outcome === 'gate-failed' || u.outcome === 'helm-failed' || ((u.outcome === 'rolled-back' || u.outcome === 'left' || u.outcome === 'not-started') && own(u))));
  for (const u of failed) lines.push(`FAILED  ${u.id} [${u.wave}]: ${u.reason}`);
  for (const u of units.filter((x) => x.outcome === 'rolled-back')) lines.push(`UNDONE  ${u.id} [${u.wave}]: ${u.rollback}`);
  for (const u of units.filter((x) => x.outcome === 'left')) lines.push(`LEFT    ${u.id} [${u.wave}]: ${u.rollback}`);
  for (const u of units.filter((x) => x.outcome === 'unfinished')) lines.push(`OPEN    ${u.id} [${u.wave}]: no end recorded (run killed?)`);
  const changed = units.filter((u) => u.outcome !== 'skipped').length;
  lines.push(`${verdict(r, changed)} ${count(r, 'applied')} applied, ${count(r, 'skipped')} unchanged, ${count(r, 'rolled-back')} rolled back, ${count(r, 'not-started')} not started.`);
  return lines;
}
