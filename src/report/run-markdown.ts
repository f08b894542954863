// A run (or the merged logs of several) as Markdown, for a pull request
// comment or a chat message: the outcome, one table per wave (unit, outcome,
// revision, times), then what failed with its gate's pods. Pure formatting.
import { describeOutcome } from './run-text.ts';
import type { RunView, UnitView } from './run-view.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const clock = (at: string | undefined) => (at ? at.replace(/^.*T/, '').replace(/\.\d+Z$/, 'Z') : '');

function failure(u: UnitView): string[] {
  const out = [`### ${u.id} (${u.wave}): ${u.outcome}`, '', u.reason ? `- why: ${u.reason}` : '', u.rollback ? `- undo: ${u.rollback}` : ''].filter((l, i) => i < 2 || l);
  for (const p of u.gate?.failingPods ?? []) {
    out.push(`- pod \`${p.name}\`: **${p.reason}** ${p.message} (restarts: ${p.restarts})`);
    for (const ev of p.events) out.push(`  - ${ev}`);
    out.push('', '  ```', ...p.logs.split('\n').map((l) => `  ${l}`), '  ```');
  }
  return [...out, ''];
}

export function runMarkdown(r: RunView): string {
  const runs = r.runs.map((x) => `\`${x.id}\`${x.shard ? ` (shard ${x.shard.index}/${x.shard.count})` : ''}`).join(', ');
  const lines = [`## helm-cascade ${r.command}: ${r.outcome}${r.cause ? ` (${r.cause})` : ''}`, '', `Runs ${runs}, ${r.startedAt} → ${r.finishedAt}${r.failedWave ? `; stopped in wave **${r.failedWave}**` : ''}.`, ''];
  for (const w of r.waves) {
    lines.push(`### wave ${w.name}: ${w.outcome}`, '', '| unit | outcome | revision | started | finished |', '|---|---|---|---|---|');
    for (const u of w.units) {
      const rev = u.toRevision !== undefined ? `${u.fromRevision ?? 0} → ${u.toRevision}` : (u.fromRevision?.toString() ?? '');
      lines.push(`| ${cell(u.id)} | ${cell(describeOutcome(u))} | ${rev} | ${clock(u.startedAt)} | ${clock(u.finishedAt)} |`);
    }
    lines.push('');
  }
  const bad = r.waves.flatMap((w) => w.units).filter((u) => ['gate-failed', 'helm-failed', 'unfinished', 'left'].includes(u.outcome) || (u.outcome === 'rolled-back' && u.reason && !u.reason.startsWith('rolled back because')));
  if (bad.length) lines.push('## What failed', '', ...bad.flatMap(failure));
  return `${lines.join('\n')}\n`;
}
