// Files written so that no reader ever sees half of one: a temporary file
// beside the target, then a rename (atomic within one file system). The
// temporary name starts with a dot and ends in .tmp, so folder watchers and
// node-exporter's textfile collector (which reads *.prom) skip it.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Mode of the file (e.g. 0o600 for rendered Secrets). */
  mode?: number;
  /** Mode of folders created for it. */
  dirMode?: number;
}

export function writeFileAtomically(path: string, data: string | Buffer, o: AtomicWriteOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true, ...(o.dirMode !== undefined ? { mode: o.dirMode } : {}) });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  writeFileSync(tmp, data, o.mode !== undefined ? { mode: o.mode } : {});
  renameSync(tmp, path);
}
