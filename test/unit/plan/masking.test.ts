import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedSensitiveLeaves, maskOrigins, maskValues, redactQuotedValues } from '../../../src/plan/masking.ts';
import { Redactor } from '../../../src/redact.ts';

/** A redactor that knows these strings (what the plan would have registered). */
function knowing(...secrets: string[]): Redactor {
  const r = new Redactor();
  r.add(...secrets);
  return r;
}

describe('maskValues', () => {
  it('masks the sensitive leaves of nested maps one by one, and keeps the others and empty maps', () => {
    const r = knowing('pw-secret-1');
    assert.deepEqual(maskValues({ db: { host: 'db.local', password: 'pw-secret-1' }, empty: {}, replicas: 2 }, r), {
      db: { host: 'db.local', password: '(secret)' },
      empty: {},
      replicas: 2,
    });
  });
  it('a number whose text is a secret is masked', () => {
    assert.deepEqual(maskValues({ pin: 12345678, port: 8080 }, knowing('12345678')), { pin: '(secret)', port: 8080 });
  });
  it('a list is masked whole when any of its items is a secret', () => {
    assert.deepEqual(maskValues({ tokens: ['plain-item', 'tok-secret-9'], hosts: ['a.example', 'b.example'] }, knowing('tok-secret-9')), {
      tokens: '(secret)',
      hosts: ['a.example', 'b.example'],
    });
  });
});

describe('maskOrigins', () => {
  it('shows a sensitive value as "(secret)", whatever its type, and leaves the rest as given', () => {
    const origins = [
      { path: 'db.password', value: 'pw-secret-1', source: '--set' },
      { path: 'pin', value: 12345678, source: 'values/a.yaml' },
      { path: 'level', value: 'debug', source: 'values/a.yaml' },
    ];
    assert.deepEqual(maskOrigins(origins, knowing('pw-secret-1', '12345678')), [
      { path: 'db.password', value: '(secret)', source: '--set' },
      { path: 'pin', value: '(secret)', source: 'values/a.yaml' },
      { path: 'level', value: 'debug', source: 'values/a.yaml' },
    ]);
  });
});

describe('changedSensitiveLeaves', () => {
  it('lists the leaves on both sides that changed and are secret on either side, nothing else', () => {
    const r = knowing('old-secret', 'new-secret');
    const before = { replicas: 1, becomes: 'plain-old', was: 'old-secret', kept: 'old-secret', gone: 'old-secret' };
    const after = { replicas: 2, becomes: 'new-secret', was: 'plain-new', kept: 'old-secret', added: 'new-secret' };
    assert.deepEqual(changedSensitiveLeaves(before, after, r), ['becomes', 'was']);
  });
});

describe('redactQuotedValues', () => {
  it('a quoted value becomes its size in bytes, spaces, commas, colons and escaped quotes inside it included (as written)', () => {
    assert.equal(redactQuotedValues('data.x: Invalid value: "a b, c: d": bad'), 'data.x: Invalid value: (a string of 9 bytes, not shown): bad');
    assert.equal(redactQuotedValues('data.x: Duplicate value: "say \\"hi\\"": again'), 'data.x: Duplicate value: (a string of 10 bytes, not shown): again');
  });
  it('an unquoted value is counted as written, up to a space, colon or comma', () => {
    assert.equal(redactQuotedValues('spec.replicas: Invalid value: -42: must be greater than or equal to 0'), 'spec.replicas: Invalid value: (3 bytes, not shown): must be greater than or equal to 0');
    assert.equal(redactQuotedValues('spec.ports[0]: Not found value: 8080, and more'), 'spec.ports[0]: Not found value: (4 bytes, not shown), and more');
    assert.equal(redactQuotedValues('x: Invalid value: 5in" wide'), 'x: Invalid value: (4 bytes, not shown) wide');
  });
  it('text without such a value is left as it is', () => {
    assert.equal(redactQuotedValues('spec.template: Required value'), 'spec.template: Required value');
  });
});
