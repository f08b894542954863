// Sensitive strings found by destination (model/sensitive.ts), edge cases: empty
// and null Secret entries, values that are trivially not secret, the MIN_PART
// rule for parts of a Secret value, lists in the values, and manifests that do
// not parse. The main cases are in test/unit/plan/secret-mask.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secretEntries, sensitiveStrings } from '../../../src/model/sensitive.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A manifest: a Secret with these stringData entries, and a ConfigMap showing `clear` in the open. */
const manifest = (stringData: Record<string, string>, clear: Record<string, string> = {}) =>
  [
    `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm }\ndata: ${JSON.stringify(clear)}\n`,
    `apiVersion: v1\nkind: Secret\nmetadata: { name: s }\nstringData: ${JSON.stringify(stringData)}\n`,
  ].join('---\n');

const sorted = (a: string[]) => [...a].sort();

describe('secretEntries', () => {
  it('decodes data, takes stringData as written, and stringData wins', () => {
    const e = secretEntries({ data: { A: b64('from-data'), B: b64('old') }, stringData: { B: 'new', C: 'plain' } });
    assert.deepEqual([...e], [['A', 'from-data'], ['B', 'new'], ['C', 'plain']]);
  });

  it('an entry with no value (null) is the empty string', () => {
    assert.deepEqual([...secretEntries({ data: { A: null }, stringData: { B: null } })], [['A', ''], ['B', '']]);
  });

  it('a Secret without data or stringData has no entries', () => {
    assert.deepEqual([...secretEntries({ data: 'x', stringData: ['y'] })], []);
  });
});

describe('sensitiveStrings', () => {
  it('an empty or null Secret entry is never a sensitive string', () => {
    const man = 'apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata:\n  EMPTY:\n  BLANK: ""\n  PW: ' + b64('Pw-x81kq') + '\nstringData:\n  NONE:\n  ALSO: ""\n';
    assert.deepEqual(sorted(sensitiveStrings([{ values: {}, manifest: man }], 'ns')), sorted(['Pw-x81kq', b64('Pw-x81kq')]));
  });

  it('booleans and numbers are never sensitive, signed and decimal ones included, and around white space', () => {
    const found = sensitiveStrings([{ values: {}, manifest: manifest({ A: 'TRUE', B: '-1', C: '+42', D: '1.25', E: '0.5', F: ' 8080\n', G: 'off' }) }], 'ns');
    assert.deepEqual(found, []);
  });

  it('a value that only starts like a number or a boolean is sensitive', () => {
    const found = sensitiveStrings([{ values: {}, manifest: manifest({ A: '2024Spring!', B: 'true-north', C: '1.5x' }) }], 'ns');
    assert.deepEqual(sorted(found), ['1.5x', '2024Spring!', 'true-north']);
  });

  it('a leaf that is part of a Secret value counts from six characters on', () => {
    const man = manifest({ DSN: 'postgres://app@db/app?password=pa55wd&mode=abcde' });
    const found = sensitiveStrings([{ values: { pw: 'pa55wd', mode: 'abcde' }, manifest: man }], 'ns');
    assert.deepEqual(sorted(found), ['pa55wd', 'postgres://app@db/app?password=pa55wd&mode=abcde']);
  });

  it('a leaf found in no Secret is not sensitive, however long', () => {
    const found = sensitiveStrings([{ values: { image: 'registry.example.com/app', pw: 'Zq8vN3-pass' }, manifest: manifest({ PW: 'Zq8vN3-pass' }) }], 'ns');
    assert.deepEqual(found, ['Zq8vN3-pass']);
  });

  it('leaves inside lists count: a URL password, a part of a Secret value', () => {
    const found = sensitiveStrings([{ values: { mirrors: ['https://bot:Tk-77aa@git.example.com/r.git'], keys: [['Kq9-secret-part']] }, manifest: manifest({ K: 'key=Kq9-secret-part;v=1' }) }], 'ns');
    assert.deepEqual(sorted(found), sorted(['Tk-77aa', 'bot:Tk-77aa', 'Kq9-secret-part', 'key=Kq9-secret-part;v=1']));
  });

  it('a part of a Secret value that any of the release\'s manifests shows in clear is not sensitive', () => {
    const secret = { DSN: 'postgres://app:Pw-9qz1x@db.internal.example:5432/app' };
    const parts = [
      { values: { host: 'db.internal.example' }, manifest: manifest(secret) },
      { values: { host: 'db.internal.example' }, manifest: manifest(secret, { HOST: 'db.internal.example' }) },
    ];
    assert.deepEqual(sensitiveStrings(parts, 'ns'), [secret.DSN]);
  });

  it('a manifest document that is not valid YAML is skipped; the Secrets of the others count', () => {
    const man = `${manifest({ PW: 'Zq8vN3-pass' })}---\nkind: [unclosed\n`;
    assert.deepEqual(sensitiveStrings([{ values: {}, manifest: man }], 'ns'), ['Zq8vN3-pass']);
  });

  it('a manifest that cannot be read at all gives no Secret values, and spoils neither the others nor the URL rule', () => {
    const unreadable = 'apiVersion: v1\nkind: Secret\nmetadata: { name: x }\nstringData: *nowhere\n';
    const good = manifest({ DSN: 'user=app password=s3cr3t-value' });
    const found = sensitiveStrings(
      [
        { values: { pw: 's3cr3t-value', up: 'https://bot:Tk-77aa@git.example.com' }, manifest: unreadable },
        { values: { pw: 's3cr3t-value' }, manifest: good },
      ],
      'ns',
    );
    assert.deepEqual(sorted(found), sorted(['user=app password=s3cr3t-value', 'Tk-77aa', 'bot:Tk-77aa', 's3cr3t-value']));
    assert.deepEqual(sorted(sensitiveStrings([{ values: { up: 'https://bot:Tk-77aa@git.example.com' }, manifest: unreadable }], 'ns')), sorted(['Tk-77aa', 'bot:Tk-77aa']));
  });
});
