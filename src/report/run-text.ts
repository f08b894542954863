// Apply output without a TTY (Jenkins): plain timestamped lines, one event a
// line, and a summary saying what passed, what failed and why, and what was
// rolled back. Pure formatting; the command writes the lines.
import type { RunEvent } from '../run/execute.ts';
import type { RunResult, UnitRunResult } from '../run/types.ts';

export function formatRunEvent(e: RunEvent, at: Date): string | undefined {
  const ts = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  switch (e.type) {
    case 'wave-start':
      return e.units === 0 ? `${ts} wave ${e.wave}: nothing to change` : `${ts} wave ${e.wave}: started (${e.units} to change)`;
    case 'wave-end':
      return e.units === 0 && e.outcome === 'passed' ? undefined : `${ts} wave ${e.wave}: ${e.outcome.toUpperCase()}`;
    case 'unit-phase':
      return `${ts}   ${e.id}: ${e.message}`;
    case 'unit-end':
      if (e.result.outcome === 'skipped') return undefined;
      return `${ts}   ${e.id}: ${describeOutcome(e.result)}`;
    case 'log':
      return `${ts} ${e.message}`;
  }
}

export function describeOutcome(u: UnitRunResult): string {
  switch (u.outcome) {
    case 'applied':
      if (u.action === 'uninstall') return 'uninstalled';
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
  }
}

/** The closing summary: what passed, what failed and why, what was rolled back. */
export function formatRunSummary(r: RunResult): string[] {
  const lines: string[] = [''];
  const changed = r.units.filter((u) => u.outcome !== 'skipped');
  const count = (o: UnitRunResult['outcome']) => r.units.filter((u) => u.outcome === o).length;
  const waves = r.waves.map((w) => `${w.name}: ${w.outcome}`).join(', ');
  lines.push(`Waves: ${waves}`);
  if (r.dryRun) {
    lines.push(`Dry run: ${count('dry-run')} accepted by helm --dry-run=server, ${count('skipped')} unchanged; nothing was changed.`);
    return lines;
  }
  const failed = r.units.filter((u) => u.reason && (u.outcome === 'gate-failed' || u.outcome === 'helm-failed' || ((u.outcome === 'rolled-back' || u.outcome === 'left' || u.outcome === 'not-started') && !u.reason.startsWith('rolled back because') && !u.reason.startsWith('gate cancelled'))));
  for (const u of failed) lines.push(`FAILED  ${u.id} [${u.wave}]: ${u.reason}`);
  for (const u of r.units.filter((x) => x.outcome === 'rolled-back')) lines.push(`UNDONE  ${u.id} [${u.wave}]: ${u.rollback}`);
  for (const u of r.units.filter((x) => x.outcome === 'left')) lines.push(`LEFT    ${u.id} [${u.wave}]: ${u.rollback}`);
  const verdict =
    r.outcome === 'succeeded'
      ? changed.length === 0
        ? 'Apply complete: nothing to change.'
        : 'Apply complete: every wave passed its gates.'
      : r.outcome === 'interrupted'
        ? `Apply interrupted by ${r.signal ?? 'a signal'} in wave "${r.failedWave ?? '?'}".`
        : r.outcome === 'lock-refused'
          ? `Apply refused in wave "${r.failedWave}": a release is locked by another run.`
          : `Apply halted: wave "${r.failedWave}" failed; later waves were not started.`;
  lines.push(`${verdict} ${count('applied')} applied, ${count('skipped')} unchanged, ${count('rolled-back')} rolled back, ${count('not-started')} not started.`);
  return lines;
}
