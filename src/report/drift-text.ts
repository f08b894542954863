// drift -> text for a terminal or a Jenkins log: the headline, then every
// drifted release with what differs, grouped by cluster. Colour only when asked.
import type { DriftReport, DriftState, DriftUnit } from '../drift/types.ts';
import { driftHeadline, STATE_LABEL } from './drift-matrix.ts';

const CODES: Record<DriftState | 'dim' | 'bold', [number, number]> = {
  clean: [32, 39],
  pending: [33, 39],
  skew: [33, 39],
  live: [31, 39],
  broken: [31, 39],
  unhealthy: [91, 39],
  unreadable: [35, 39],
  unmanaged: [36, 39],
  policy: [35, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export interface TextOptions {
  color: boolean;
  /** Also list clean releases. */
  verbose?: boolean;
}

export function renderDriftText(report: DriftReport, opts: TextOptions): string {
  const paint = (style: keyof typeof CODES, s: string) => (opts.color ? `\u001b[${CODES[style][0]}m${s}\u001b[${CODES[style][1]}m` : s);
  const out: string[] = [];
  out.push(paint('bold', `helm-cascade drift: ${driftHeadline(report)}`));
  for (const n of report.notes) out.push(paint('dim', `note: ${n}`));
  for (const cl of report.clusters) {
    const units = report.units.filter((u) => u.cluster === cl.name);
    const drifted = units.filter((u) => u.state !== 'clean');
    out.push('');
    const head = `${cl.name}: ${cl.readable ? `${units.length - drifted.length}/${units.length} clean` : `could not be read: ${cl.error ?? ''}`}`;
    out.push(paint('bold', head));
    // clean units are listed with --verbose, or when their chart is nondeterministic (named, not drift)
    const shown = opts.verbose ? units : units.filter((u) => u.state !== 'clean' || u.nondeterministic?.length);
    for (const u of shown) out.push(...unitLines(u, paint));
  }
  if (report.skew.length) {
    out.push('', paint('bold', 'version skew:'));
    for (const g of report.skew) {
      const spread = Object.entries(g.versions).map(([v, cs]) => `${v} on ${cs.join(', ')}`).join('; ');
      out.push(`  ${g.helmName}: ${spread}${g.desiredVersion ? ` (repository: ${g.desiredVersion})` : ''}`);
    }
  }
  out.push('');
  const { drifted, unreadable } = report.summary;
  const unchecked = unreadable ? `; ${unreadable} release${unreadable === 1 ? '' : 's'} not checked: their cluster could not be read` : '';
  const verdict = drifted ? paint('live', `drift found in ${drifted} release${drifted === 1 ? '' : 's'}${unchecked}`) : unreadable ? paint('unreadable', `drift not checked for ${unreadable} release${unreadable === 1 ? '' : 's'}: their cluster could not be read`) : paint('clean', 'no drift');
  out.push(verdict, paint('dim', `exit code ${report.outcome.exitCode}: ${report.outcome.why}`));
  return `${out.join('\n')}\n`;
}

function unitLines(u: DriftUnit, paint: (style: keyof typeof CODES, s: string) => string): string[] {
  const mark = u.state === 'clean' ? '✓' : '✗';
  const where = `${u.namespace}/${u.helmName}`;
  const version = u.deployed ? ` ${u.deployed.chartName}-${u.deployed.chartVersion} rev ${u.deployed.revision}` : '';
  const lines = [`  ${paint(u.state, `${mark} ${STATE_LABEL[u.state].padEnd(12)}`)} ${where}${paint('dim', version)}`];
  if (u.nondeterministic?.length) lines.push(paint('dim', `      nondeterministic, changes on every render (not drift): ${u.nondeterministic.join(', ')}`));
  for (const f of u.findings) {
    lines.push(`      ${paint(f.kind, f.kind.padEnd(10))} ${f.summary}`);
    for (const d of f.details.slice(0, 20)) lines.push(`        ${d}`);
    if (f.details.length > 20) lines.push(paint('dim', `        ... ${f.details.length - 20} more (see --format json or html)`));
  }
  return lines;
}
