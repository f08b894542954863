// sops files are decrypted by the real `sops` binary ($SOPS_BIN, else sops on
// PATH), with the keys sops itself finds (SOPS_AGE_KEY_FILE, SOPS_AGE_KEY,
// ~/.config/sops/age/keys.txt, PGP, cloud KMS): helm-cascade never handles a
// sops key. The decrypted document stays in memory; only the values that
// references name are registered in the redactor (by the resolver).
import { extname } from 'node:path';
import { execa } from 'execa';
import { BadInputError } from '../errors.ts';
import { shown } from '../redact.ts';

export interface SopsOptions {
  /** The sops binary. */
  bin: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** The decrypted document of a sops-encrypted YAML or JSON file (`abs`), shown in messages as `file`. */
export async function decryptSopsFile(abs: string, file: string, o: SopsOptions): Promise<unknown> {
  const type = extname(abs).toLowerCase() === '.json' ? 'json' : 'yaml';
  const r = await execa(o.bin, ['--decrypt', '--input-type', type, '--output-type', 'json', abs], { reject: false, env: o.env, extendEnv: false, stripFinalNewline: false, maxBuffer: 64 * 1024 * 1024 });
  if (r.failed && (r as { code?: string }).code === 'ENOENT') {
    throw new BadInputError(`sops is needed to decrypt ${file}, and "${o.bin}" is not installed`, { hint: 'install sops (https://github.com/getsops/sops) or set $SOPS_BIN to its path' });
  }
  if (r.exitCode !== 0) {
    const said = String(r.stderr ?? '').trim().split('\n').filter(Boolean).slice(0, 6).join(' / ');
    throw new BadInputError(`sops could not decrypt ${file}: ${shown(said || r.shortMessage || 'no reason given')}`, { hint: 'sops decrypts with the keys it finds itself: for age, $SOPS_AGE_KEY_FILE or ~/.config/sops/age/keys.txt' });
  }
  try {
    return JSON.parse(String(r.stdout)) as unknown;
  } catch {
    throw new BadInputError(`sops decrypted ${file}, but not into a YAML or JSON document`);
  }
}
