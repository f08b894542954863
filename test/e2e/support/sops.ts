// sops files as a user makes them: an age key from the real age-keygen, a
// file encrypted by the real sops for that key's recipient. Never hand-made.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureSecretTools, secretToolPaths } from '../../../fleet/secret-tools.ts';
import { tempDir } from '../../support/tmp.ts';

export interface AgeKey {
  /** The identity file (what SOPS_AGE_KEY_FILE points at). */
  file: string;
  /** Its recipient (age1...). */
  recipient: string;
}

export async function newAgeKey(): Promise<AgeKey> {
  await ensureSecretTools(() => undefined); // built in the background by the global setup: wait for it here
  const file = join(tempDir('hc-age-'), 'keys.txt');
  await execa(secretToolPaths().ageKeygen, ['-o', file]);
  const recipient = /^# public key: (age1[0-9a-z]+)$/m.exec(readFileSync(file, 'utf8'))?.[1];
  if (!recipient) throw new Error(`age-keygen wrote no public key to ${file}`);
  return { file, recipient };
}

/** Writes `plaintext` to `path` and encrypts it in place with sops for `key` (the file type from its extension). */
export async function sopsEncrypt(path: string, plaintext: string, key: AgeKey): Promise<void> {
  writeFileSync(path, plaintext);
  await execa(secretToolPaths().sops, ['--encrypt', '--age', key.recipient, '--in-place', path], { env: { SOPS_AGE_KEY_FILE: key.file } });
}
