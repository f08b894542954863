// The "(secret value changed)" rule (secrets/diff-rule.ts): wherever a
// registered secret lands in a diff, the value is never shown, and a line
// whose only change is the secret says so.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Redactor } from '../../../src/redact.ts';
import { hideSecretChanges, SECRET_CHANGED } from '../../../src/secrets/diff-rule.ts';

const r = new Redactor();
r.add('old-pass-123', 'new-pass-456');

describe('hideSecretChanges', () => {
  it('a rotated secret in a ConfigMap line becomes one ~ line', () => {
    const diff = ['@@ -3,4 +3,4 @@', ' data:', '-  DSN: postgres://app:old-pass-123@db/app', '+  DSN: postgres://app:new-pass-456@db/app', '   LEVEL: info'].join('\n');
    assert.equal(hideSecretChanges(diff, r), ['@@ -3,4 +3,4 @@', ' data:', `~  DSN: postgres://app:${SECRET_CHANGED}@db/app`, '   LEVEL: info'].join('\n'));
  });

  it('an env var and a values leaf too, with other changes left as they are', () => {
    const diff = ['-      value: "old-pass-123"', '-  replicas: 2', '+      value: "new-pass-456"', '+  replicas: 3'].join('\n');
    assert.equal(hideSecretChanges(diff, r), ['-  replicas: 2', `~      value: "${SECRET_CHANGED}"`, '+  replicas: 3'].join('\n'));
  });

  it('a line holding a secret that changed more than the secret shows "(secret)" on both sides', () => {
    const diff = ['-  A: old-pass-123 x', '+  B: new-pass-456 y'].join('\n');
    assert.equal(hideSecretChanges(diff, r), ['-  A: (secret) x', '+  B: (secret) y'].join('\n'));
  });

  it('added, removed and context lines never show it either, base64 included', () => {
    const b64 = Buffer.from('new-pass-456').toString('base64');
    const diff = ['+kind: ConfigMap', `+  K: ${b64}`, ' ctx old-pass-123', '-  gone: old-pass-123'].join('\n');
    assert.equal(hideSecretChanges(diff, r), ['+kind: ConfigMap', '+  K: (secret)', ' ctx (secret)', '-  gone: (secret)'].join('\n'));
  });

  it('a diff without secrets is returned as it is', () => {
    const diff = '-  replicas: 2\n+  replicas: 3';
    assert.equal(hideSecretChanges(diff, r), diff);
    assert.equal(hideSecretChanges('', r), '');
  });
});
