// helm-cascade __complete <kind> (hidden): the names the completion scripts
// offer after --wave, -l name=..., --selector cluster=..., one per line. Runs
// on every such TAB, so it loads only the repository reader.
// helm-cascade __complete words -- WORD...: the whole line completed in
// cobra's protocol, for helm (plugin.complete); loads the spec only then.
import type { Command } from 'commander';
import { REPO_KINDS, repoNames, repoPathsOf } from '../completion/names.ts';
import type { RepoKind } from '../completion/names.ts';
import type { CommandResult } from './io.ts';

export interface CompleteOptions {
  kind: string;
  /** words: the command line after the program's name. */
  words: string[];
  clustersFile: string;
  releasesDir: string | undefined;
  program: Command;
}

/** Never fails: a TAB that finds nothing offers nothing. */
export async function run(o: CompleteOptions): Promise<CommandResult> {
  const cwd = process.cwd();
  if (o.kind === 'words') {
    const [{ cobraOutput, completeWords }, { completionSpec }] = await Promise.all([import('../completion/argv.ts'), import('../completion/spec.ts')]);
    const paths = { ...repoPathsOf(o.words), cwd };
    return { outcome: 'success', output: cobraOutput(completeWords(completionSpec(o.program), o.words, (kind) => repoNames(kind, paths))) };
  }
  if (!(REPO_KINDS as readonly string[]).includes(o.kind)) return { outcome: 'success', output: '' };
  const names = repoNames(o.kind as RepoKind, { clustersFile: o.clustersFile, releasesDir: o.releasesDir, cwd });
  return { outcome: 'success', output: names.map((n) => `${n}\n`).join('') };
}
