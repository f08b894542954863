// helm-cascade __complete <kind> (hidden): the names the completion scripts
// offer after --wave, -l name=..., --selector cluster=..., one per line. Runs
// on every such TAB, so it loads only the repository reader.
import { REPO_KINDS, repoNames } from '../completion/names.ts';
import type { RepoKind } from '../completion/names.ts';
import type { CommandResult } from './io.ts';

/** Never fails: a TAB that finds nothing offers nothing. */
export function run(o: { kind: string; clustersFile: string; releasesDir: string | undefined }): CommandResult {
  if (!(REPO_KINDS as readonly string[]).includes(o.kind)) return { outcome: 'success', output: '' };
  const names = repoNames(o.kind as RepoKind, { clustersFile: o.clustersFile, releasesDir: o.releasesDir, cwd: process.cwd() });
  return { outcome: 'success', output: names.map((n) => `${n}\n`).join('') };
}
