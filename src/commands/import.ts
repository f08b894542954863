// helm-cascade import helmfile [FILE|DIR] [-e ENV ...] [--out DIR] [--partial]:
// a helmfile (and its helmfile.d/, bases, nested helmfiles) as a new deploy
// repository. Lists every gap (what does not map) and note (what maps with a
// difference) as file:line:col; gaps without --partial: exit 4, nothing written.
import { findingLines, importHelmfile } from '../import/import-helmfile.ts';
import type { ImportHelmfileResult } from '../import/import-helmfile.ts';
import type { CommandResult } from './io.ts';
import type { ImportOptions } from './options.ts';

function text(r: ImportHelmfileResult, o: ImportOptions): string {
  const { result } = r;
  const lines: string[] = [];
  const envs = result.environments.length ? result.environments.join(', ') : '(none deployed)';
  lines.push(`helm-cascade import helmfile ${o.source}: environments ${envs}`);
  lines.push(`  clusters: ${result.clusters.map((c) => `${c.name} (context ${c.context}, ${c.provider})`).join(', ') || 'none'}`);
  lines.push(`  releases: ${result.releases.length} imported, ${r.units} helm releases`);
  if (result.gaps.length) {
    lines.push('', `Not mapped (${result.gaps.length}):`, ...findingLines(result.gaps).map((l) => `  ${l}`));
  }
  if (result.notes.length) lines.push('', `Mapped with a difference (${result.notes.length}):`, ...findingLines(result.notes).map((l) => `  ${l}`));
  lines.push('');
  if (r.written) lines.push(`Wrote ${r.written}: clusters.yaml, ${result.releases.length} release files, ${result.files.size + result.copies.size} values files and charts; it validates.`);
  else lines.push(`Nothing was written: ${result.gaps.length} thing(s) do not map. --partial writes what maps and leaves them out.`);
  return `${lines.join('\n')}\n`;
}

export async function run(o: ImportOptions): Promise<CommandResult> {
  const r = await importHelmfile({ source: o.source, environments: o.environments, out: o.out, partial: o.partial, cwd: process.cwd(), ...(o.currentContext ? { currentContext: o.currentContext } : {}) });
  const output =
    o.output === 'json'
      ? `${JSON.stringify({ written: r.written ?? null, environments: r.result.environments, clusters: r.result.clusters, releases: r.result.releases.map((x) => ({ name: x.spec.name, from: x.from, environments: x.environments })), gaps: r.result.gaps, notes: r.result.notes }, null, 2)}\n`
      : text(r, o);
  return { outcome: r.written ? 'success' : 'bad-input', output };
}
