// Digests over text holding a secret are keyed (secrets/digest.ts): the key
// is kept in the cache folder between runs, or given by the operator.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { redactor } from '../../../src/redact.ts';
import { keepDigestKeyIn, secretSafeDigest } from '../../../src/secrets/digest.ts';
import { tempDir } from '../../support/tmp.ts';

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

describe('secretSafeDigest', () => {
  it('text without a registered secret keeps its plain SHA-256', () => {
    assert.equal(secretSafeDigest('{"replicas":3}'), sha('{"replicas":3}'));
  });

  it('text holding one is keyed with a key kept (0600) in the cache folder, the same on the next run', () => {
    const dir = tempDir('hc-digest-');
    redactor.add('db-pass-for-digest-1');
    const text = '{"db":{"password":"db-pass-for-digest-1"}}';
    keepDigestKeyIn(dir);
    const first = secretSafeDigest(text);
    assert.notEqual(first, sha(text), 'a plain hash would let anyone test guesses of the secret');
    assert.match(readFileSync(join(dir, 'digest.key'), 'utf8'), /^[0-9a-f]{64}\n$/);
    assert.equal(statSync(join(dir, 'digest.key')).mode & 0o777, 0o600);
    keepDigestKeyIn(tempDir('hc-digest-other-'));
    assert.notEqual(secretSafeDigest(text), first, 'another key, another digest');
    keepDigestKeyIn(dir);
    assert.equal(secretSafeDigest(text), first, 'the kept key gives the same digest again');
  });
});
