// drift -> Markdown for a pull request or a chat: headline, the releases x
// clusters matrix, then the drifted releases with their details folded.
import type { DriftFinding, DriftReport, DriftState, DriftUnit } from '../drift/types.ts';
import { objectTitle } from '../live/drift.ts';
import { driftHeadline, driftMatrix, STATE_LABEL, unitTitle } from './drift-matrix.ts';

const ICON: Record<DriftState, string> = {
  clean: '🟢',
  pending: '🟡',
  skew: '🟠',
  live: '🔴',
  broken: '⛔',
  unhealthy: '💥',
  unreadable: '⚫',
  unmanaged: '🔵',
  policy: '🟣',
};

/** Text safe inside a Markdown table cell or list item. */
function md(s: string): string {
  return s.replace(/[\\`*[\]<|]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}

function fence(body: string, lang = ''): string {
  const ticks = body.includes('```') ? '````' : '```';
  return `${ticks}${lang}\n${body}\n${ticks}`;
}

export function renderDriftMarkdown(report: DriftReport): string {
  const out: string[] = [];
  out.push(`## ${report.summary.drifted ? '⚠️' : '✅'} helm-cascade drift`, '');
  out.push(md(driftHeadline(report)), '', `**exit code ${report.outcome.exitCode}**: ${md(report.outcome.why)}`, '');
  for (const n of report.notes) out.push(`> ${md(n)}`, '');
  const rows = driftMatrix(report);
  if (rows.length) {
    out.push(`| release | ${report.clusters.map((c) => md(c.name) + (c.readable ? '' : ' ⚫')).join(' | ')} |`);
    out.push(`|---|${report.clusters.map(() => '---').join('|')}|`);
    for (const r of rows) {
      const cells = r.cells.map((u) => (u ? `${ICON[u.state]} ${STATE_LABEL[u.state]}${u.deployed ? ` (${md(u.deployed.chartVersion)})` : ''}` : ''));
      out.push(`| ${r.known ? `\`${r.label}\`` : `${md(r.label)} *(not in repository)*`} | ${cells.join(' | ')} |`);
    }
    out.push('', `${Object.entries(ICON).map(([s, i]) => `${i} ${STATE_LABEL[s as DriftState]}`).join(' · ')}`, '');
  }
  const drifted = report.units.filter((u) => u.state !== 'clean');
  if (drifted.length) {
    out.push('### Drifted releases', '');
    for (const u of drifted) out.push(...unitMarkdown(u));
  }
  if (report.skew.length) {
    out.push('### Version skew', '');
    for (const g of report.skew) {
      out.push(`- \`${g.helmName}\`: ${Object.entries(g.versions).map(([v, cs]) => `${md(v)} on ${cs.map(md).join(', ')}`).join('; ')}${g.desiredVersion ? ` (repository: ${md(g.desiredVersion)})` : ''}`);
    }
    out.push('');
  }
  const unreadable = report.clusters.filter((c) => !c.readable);
  if (unreadable.length) {
    out.push('### Clusters that could not be read', '');
    for (const c of unreadable) out.push(`- **${md(c.name)}**: ${md(c.error ?? '')}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

/** An unhealthy finding: each pod with reason, events and logs (fenced); each object not Healthy. */
function healthMarkdown(h: NonNullable<DriftFinding['health']>): string[] {
  const out: string[] = [];
  for (const p of h.pods) {
    out.push(`  - pod \`${p.name}\`: **${md(p.reason)}**: ${md(p.message)} (${p.restarts} restarts)`);
    for (const ev of p.events) out.push(`    - ${md(ev)}`);
    out.push('', fence(p.logs).replace(/^/gm, '    '), '');
  }
  for (const o of h.objects) out.push(`  - ${md(`${o.kind} ${o.name}`)}: ${md(o.readyEndpoints !== undefined ? `${o.readyEndpoints} ready endpoints, minReadyEndpoints ${o.minReadyEndpoints}` : o.message)}`);
  return out;
}

function unitMarkdown(u: DriftUnit): string[] {
  const out = [`<details><summary>${ICON[u.state]} <b>${md(unitTitle(u))}</b>: ${md(u.findings.map((f) => f.summary).join('; '))}</summary>`, ''];
  for (const f of u.findings) {
    out.push(`- **${STATE_LABEL[f.kind]}**: ${md(f.summary)}`);
    for (const o of f.objects ?? []) {
      if (o.change === 'missing') {
        out.push(`  - ${md(objectTitle(o))}: missing (deleted from the cluster)`);
        continue;
      }
      out.push(`  - ${md(objectTitle(o))}:`);
      for (const fd of o.fields) {
        out.push(`    - ${md(fd.message)}`);
        if (fd.diff) out.push('', fence(fd.diff, 'diff').replace(/^/gm, '      '), '');
      }
    }
    if (f.health) out.push(...healthMarkdown(f.health));
    else if (!f.objects) for (const d of f.details) out.push(`  - ${md(d)}`);
    for (const d of f.diffs ?? []) if (d.diff) out.push('', fence(d.diff, 'diff'), '');
  }
  out.push('', '</details>', '');
  return out;
}
