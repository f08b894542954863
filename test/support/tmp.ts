// Temporary folders for one test file, removed when its process exits.
// node --test runs each file in its own process, so nothing is left in the
// system's temporary folder after a run. (A process killed before its exit, as
// Stryker stops one at its first failing test, leaves its folders: the mutation
// runs give the tests a TMPDIR of their own, stryker.config.mjs.)
// HELM_CASCADE_KEEP_TMP=1 keeps them to look at after a failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

process.on('exit', () => {
  if (process.env.HELM_CASCADE_KEEP_TMP === '1') return;
  for (const dir of made) rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
});

/** A new folder under the system's temporary folder, named `prefix` and six random characters. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
