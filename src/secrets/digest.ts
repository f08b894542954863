// Digests that may cover a secret: the input digest recorded on every release
// (label cascade-inputs) and the plan's per-unit digests. A plain hash of a
// text holding a secret would let anyone who reads the label or the plan file
// test guesses of it, so a text that holds a registered secret is hashed with
// a key (HMAC-SHA256) nobody reading the digest has; any other text keeps its
// plain SHA-256. The key: $HELM_CASCADE_DIGEST_KEY when set (give plan, apply
// and the drift CronJob the same one), else a random key kept in the cache
// folder (digest.key, mode 0600), else one per process. A digest made with
// another key only differs: the unit is rendered again and compared by its
// manifest, never taken for unchanged.
import { createHash, createHmac, createSecretKey, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../files.ts';
import { redactor } from '../redact.ts';

const ENV_KEY = 'HELM_CASCADE_DIGEST_KEY';

let keyFile: string | undefined;
let key: Buffer | undefined;

/** Where the key is kept between runs (the cache folder); set once per run, before the first digest. */
export function keepDigestKeyIn(cacheDir: string): void {
  if (keyFile !== join(cacheDir, 'digest.key')) key = undefined;
  keyFile = join(cacheDir, 'digest.key');
}

function digestKey(): Buffer {
  if (key) return key;
  const fromEnv = process.env[ENV_KEY];
  if (fromEnv) {
    redactor.add(fromEnv);
    return (key = Buffer.from(fromEnv, 'utf8'));
  }
  if (keyFile) {
    try {
      const kept = readFileSync(keyFile, 'utf8').trim();
      if (/^[0-9a-f]{64}$/.test(kept)) return (key = Buffer.from(kept, 'hex'));
    } catch {
      // none yet: made below
    }
  }
  key = randomBytes(32);
  if (keyFile) {
    try {
      writeFileAtomically(keyFile, `${key.toString('hex')}\n`, { mode: 0o600, dirMode: 0o700 });
    } catch {
      // a read-only cache: this run's key only, units with secrets render again next time
    }
  }
  return key;
}

/** SHA-256 of `text` (hex), keyed (HMAC) when the text holds a registered secret. */
export function secretSafeDigest(text: string): string {
  return redactor.has(text) ? keyedDigest(text) : plainDigest(text);
}

/**
 * Both forms a digest of `text` may have been made in: plain and keyed. Which
 * one secretSafeDigest makes depends on what the run knows as secret at that
 * moment (a value becomes known as one when it is rendered into a Secret or
 * read from a deployed Secret), so a digest recorded by an earlier run may be
 * in the other form for the same text.
 */
export function digestForms(text: string): [plain: string, keyed: string] {
  return [plainDigest(text), keyedDigest(text)];
}

const plainDigest = (text: string) => createHash('sha256').update(text).digest('hex');
/** The key as a KeyObject, made once per key (createHmac with a Buffer makes one per call: a tenth of a second at 600 units). */
let keyObject: { of: Buffer; key: KeyObject } | undefined;

function hmacKey(): KeyObject {
  const k = digestKey();
  if (keyObject?.of !== k) keyObject = { of: k, key: createSecretKey(k) };
  return keyObject.key;
}

const keyedDigest = (text: string) => createHmac('sha256', hmacKey()).update(text).digest('hex');
