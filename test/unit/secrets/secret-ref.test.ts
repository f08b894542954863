// Secret reference syntax (model/secret-ref.ts): what a reference names, and
// the message for each malformed one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atPointer, findRefs, parseSecretRef, valueAt } from '../../../src/model/secret-ref.ts';
import { apiPathOf } from '../../../src/secrets/vault.ts';

describe('parseSecretRef', () => {
  it('reads vault references: KV v2 path, a key or a JSON pointer, a pinned version', () => {
    assert.deepEqual(parseSecretRef('ref+vault://secret/data/account-service#password'), { ref: { kind: 'vault', text: 'ref+vault://secret/data/account-service#password', path: 'secret/data/account-service', pointer: ['password'] } });
    assert.deepEqual(parseSecretRef('ref+vault://kv1/app/#/db/pass~1word'), { ref: { kind: 'vault', text: 'ref+vault://kv1/app/#/db/pass~1word', path: 'kv1/app', pointer: ['db', 'pass/word'] } });
    assert.deepEqual(parseSecretRef('ref+vault://secret/data/app?version=3#token'), { ref: { kind: 'vault', text: 'ref+vault://secret/data/app?version=3#token', path: 'secret/data/app', version: 3, pointer: ['token'] } });
  });

  it('reads sops references: a repository file and a JSON pointer', () => {
    assert.deepEqual(parseSecretRef('ref+sops://values/secrets.enc.yaml#/account/apiKey'), { ref: { kind: 'sops', text: 'ref+sops://values/secrets.enc.yaml#/account/apiKey', file: 'values/secrets.enc.yaml', pointer: ['account', 'apiKey'] } });
    assert.deepEqual(parseSecretRef('ref+sops://s.json#/list/0'), { ref: { kind: 'sops', text: 'ref+sops://s.json#/list/0', file: 's.json', pointer: ['list', '0'] } });
  });

  it('leaves values that are not references alone', () => {
    for (const v of ['plain', 'vault://secret#x', 42, null, { a: 1 }, 'a ref+vault://x#y']) assert.equal(parseSecretRef(v), undefined);
  });

  it('says what is wrong with a malformed reference', () => {
    const error = (v: string) => {
      const p = parseSecretRef(v);
      assert.ok(p && 'error' in p, v);
      return p.error;
    };
    assert.match(error('ref+vault://secret/data/app'), /names no key/);
    assert.match(error('ref+vault://secret/data/app#'), /names no key after #/);
    assert.match(error('ref+vault://secret/data/app?v=2#k'), /only \?version=N/);
    assert.match(error('ref+vault://#k'), /names no path/);
    assert.match(error('ref+vault://secret//app#k'), /empty, "\." or "\.\." segment/);
    assert.match(error('ref+vault://secret/data/app#/a/~2'), /malformed key/);
    assert.match(error('ref+sops://../outside.yaml#/a'), /"\.\." segment/);
    assert.match(error('ref+sops:///etc/secrets.yaml#/a'), /absolute path/);
    assert.match(error('ref+sops://values/s.yaml#apiKey'), /malformed JSON pointer.*starts with \//);
    assert.match(error('ref+sops://values/s.yaml'), /names no value/);
    assert.match(error('ref+awssecrets://prod/db#password'), /scheme "awssecrets".*only ref\+vault:\/\/ and ref\+sops:\/\//);
    assert.match(error('ref+vault:secret#x'), /is not a reference/);
  });
});

describe('findRefs, valueAt, atPointer', () => {
  it('finds every reference of a values tree with its path, lists included', () => {
    const v = { db: { password: 'ref+vault://a/b#c', user: 'app' }, keys: ['x', 'ref+sops://s.yaml#/k'], n: 3 };
    assert.deepEqual(findRefs(v), [
      { path: ['db', 'password'], text: 'ref+vault://a/b#c' },
      { path: ['keys', 1], text: 'ref+sops://s.yaml#/k' },
    ]);
    assert.equal(valueAt(v, ['keys', 1]), 'ref+sops://s.yaml#/k');
    assert.equal(valueAt(v, ['db', 'nope']), undefined);
    assert.equal(valueAt(v, ['db', 0]), undefined);
  });

  it('follows a pointer, and names what is missing and what is there', () => {
    const doc = { account: { apiKey: 'k', list: ['a', 'b'] } };
    assert.deepEqual(atPointer(doc, ['account', 'list', '1']), { found: true, value: 'b' });
    assert.deepEqual(atPointer(doc, ['account', 'apikey']), { found: false, missing: '/account/apikey', keys: ['apiKey', 'list'] });
    assert.deepEqual(atPointer(doc, ['account', 'list', '2']), { found: false, missing: '/account/list/2', keys: [] });
  });
});

describe('apiPathOf (secrets/vault.ts)', () => {
  const ref = (text: string) => {
    const p = parseSecretRef(text);
    assert.ok(p && 'ref' in p && p.ref.kind === 'vault');
    return p.ref;
  };
  it('without a mount the path is the API path as written; under a mount, KV v2 reads MOUNT/data/PATH and KV v1 MOUNT/PATH', () => {
    assert.deepEqual(apiPathOf(ref('ref+vault://secret/data/app#k'), { kvVersion: 2 }), { path: 'secret/data/app', kv: undefined });
    assert.deepEqual(apiPathOf(ref('ref+vault://app/db#k'), { mount: 'kv-paris', kvVersion: 2 }), { path: 'kv-paris/data/app/db', kv: 2 });
    assert.deepEqual(apiPathOf(ref('ref+vault://app/db#k'), { mount: 'legacy/kv', kvVersion: 1 }), { path: 'legacy/kv/app/db', kv: 1 });
  });
});
