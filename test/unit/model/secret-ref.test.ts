// Secret reference syntax, edge cases (model/secret-ref.ts): the JSON pointer
// escapes of RFC 6901, repository paths that must stay plain relative paths,
// the ?version=N pin, and the walks (valueAt, atPointer) that must not step
// through a value of the wrong shape. The main cases are in
// test/unit/secrets/secret-ref.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atPointer, parseSecretRef, valueAt } from '../../../src/model/secret-ref.ts';
import type { SecretRef, VaultRef } from '../../../src/model/secret-ref.ts';

function ref(text: string): SecretRef {
  const p = parseSecretRef(text);
  assert.ok(p && 'ref' in p, `${text}: ${p && 'error' in p ? p.error : 'not a reference'}`);
  return p.ref;
}

function vault(text: string): VaultRef {
  const r = ref(text);
  assert.ok(r.kind === 'vault');
  return r;
}

function error(text: string): string {
  const p = parseSecretRef(text);
  assert.ok(p && 'error' in p, `${text} should be refused`);
  assert.equal(typeof p.error, 'string');
  return p.error;
}

describe('JSON pointers (RFC 6901)', () => {
  it('~1 is a slash and ~0 a tilde, ~01 the text "~1" (the ~1 escape is undone first)', () => {
    assert.deepEqual(ref('ref+sops://s.yaml#/a~1b/c~0d').pointer, ['a/b', 'c~d']);
    assert.deepEqual(ref('ref+sops://s.yaml#/x~01').pointer, ['x~1']);
    assert.deepEqual(ref('ref+vault://kv/app#/tls~1cert/~0home').pointer, ['tls/cert', '~home']);
  });

  it('a tilde that escapes nothing, or ends a segment, makes the pointer malformed', () => {
    assert.match(error('ref+sops://s.yaml#/a~'), /malformed JSON pointer "#\/a~"/);
    assert.match(error('ref+sops://s.yaml#/a~/b'), /malformed JSON pointer/);
    assert.match(error('ref+vault://kv/app#/db/pass~'), /malformed key "#\/db\/pass~"/);
  });

  it('an empty segment is malformed: #/, #/a//b, a trailing slash', () => {
    for (const p of ['/', '/a//b', '/a/']) {
      assert.match(error(`ref+sops://s.yaml#${p}`), new RegExp(`malformed JSON pointer "#${p}"`));
      assert.match(error(`ref+vault://kv/app#${p}`), new RegExp(`malformed key "#${p}"`));
    }
  });

  it('a sops value is always a pointer: a bare key is refused with the text after # quoted', () => {
    assert.equal(error('ref+sops://values/s.yaml#apiKey'), 'has a malformed JSON pointer "#apiKey" (it starts with /, e.g. #/db/password)');
  });

  it('a vault key without a leading slash is one key, slashes and tildes included', () => {
    assert.deepEqual(ref('ref+vault://kv/app#tls.crt').pointer, ['tls.crt']);
    assert.deepEqual(ref('ref+vault://kv/app#a~b').pointer, ['a~b']);
    assert.deepEqual(ref('ref+vault://kv/app#certs/tls.crt').pointer, ['certs/tls.crt']);
  });
});

describe('repository and Vault paths', () => {
  it('refuses white space, absolute paths, and empty, "." or ".." segments', () => {
    assert.equal(error('ref+vault://my secret/app#k'), 'has white space in its path');
    assert.equal(error('ref+sops://values/my\tsecrets.yaml#/a'), 'has white space in its path');
    assert.equal(error('ref+vault:///secret/app#k'), 'has an absolute path');
    assert.equal(error('ref+sops:///etc/secrets.yaml#/a'), 'has an absolute path');
    for (const bad of ['values/./s.yaml', './s.yaml', 'values//s.yaml', 'values/', 'a/../../s.yaml']) {
      assert.equal(error(`ref+sops://${bad}#/a`), 'has an empty, "." or ".." segment in its path', bad);
    }
    assert.equal(error('ref+vault://secret/./app#k'), 'has an empty, "." or ".." segment in its path');
  });

  it('a reference with no path at all says so, before anything else', () => {
    assert.equal(error('ref+vault://#k'), 'names no path');
    assert.equal(error('ref+vault://?version=2#k'), 'names no path');
    assert.equal(error('ref+sops://#/a'), 'names no path');
  });

  it('a Vault path may end with slashes (dropped); a sops file may not', () => {
    assert.equal(vault('ref+vault://kv1/app//#k').path, 'kv1/app');
    assert.equal(vault('ref+vault://kv1/app/?version=2#k').path, 'kv1/app');
  });

  it('without a # the message shows how to write the reference', () => {
    assert.equal(error('ref+vault://secret/data/app'), 'names no key: write ref+vault://PATH#KEY (e.g. ref+vault://secret/data/app#password)');
    assert.equal(error('ref+sops://values/s.yaml'), 'names no value: write ref+sops://FILE#/json/pointer (e.g. ref+sops://values/secrets.enc.yaml#/db/password)');
  });
});

describe('?version=N (a KV v2 version)', () => {
  it('pins versions of one to nine digits; the query is not part of the path', () => {
    assert.deepEqual(ref('ref+vault://secret/data/app?version=12#token'), { kind: 'vault', text: 'ref+vault://secret/data/app?version=12#token', path: 'secret/data/app', version: 12, pointer: ['token'] });
    assert.equal(vault('ref+vault://a?version=999999999#k').version, 999999999);
    assert.equal(vault('ref+vault://a?version=1#k').version, 1);
  });

  it('an unpinned reference has no version at all', () => {
    assert.ok(!('version' in ref('ref+vault://secret/data/app#token')));
  });

  it('refuses version 0, ten digits, other queries and anything around version=N', () => {
    for (const q of ['version=0', 'version=01', 'version=1000000000', 'version=', 'version=2&x=1', 'x=1&version=2', 'xversion=2', 'v=2', '']) {
      assert.equal(error(`ref+vault://secret/data/app?${q}#k`), 'has an unknown query: only ?version=N (a KV v2 version) is understood', q);
    }
  });
});

describe('references that are not well formed', () => {
  it('a prefix without scheme://, or written twice, is not a reference (never a literal either)', () => {
    const msg = 'is not a reference: write ref+vault://PATH#KEY or ref+sops://FILE#/json/pointer';
    assert.equal(error('ref+vault:secret#x'), msg);
    assert.equal(error('ref+ref+vault://secret/app#x'), msg);
    assert.equal(error('ref+'), msg);
    assert.equal(error('ref+Vault://secret/app#x'), msg);
  });

  it('non-string values are never references', () => {
    for (const v of [undefined, true, 7, ['ref+vault://a#b']]) assert.equal(parseSecretRef(v), undefined);
  });
});

describe('valueAt', () => {
  const tree = { db: { password: 'ref+vault://a/b#c', '0': 'zero' }, hosts: ['h0', 'h1'], token: 'abc' };

  it('a number steps into a list only, a name into a map only', () => {
    assert.equal(valueAt(tree, ['hosts', 1]), 'h1');
    assert.equal(valueAt(tree, ['db', '0']), 'zero');
    assert.equal(valueAt(tree, ['db', 0]), undefined);
    assert.equal(valueAt(tree, ['hosts', '1']), undefined);
    assert.equal(valueAt(tree, ['hosts', 'length']), undefined);
  });

  it('never steps into a string or past a leaf', () => {
    assert.equal(valueAt(tree, ['token', 0]), undefined);
    assert.equal(valueAt(tree, ['token', 'length']), undefined);
    assert.equal(valueAt(tree, ['missing', 'x']), undefined);
  });

  it('the empty path is the tree itself', () => {
    assert.equal(valueAt(tree, []), tree);
  });
});

describe('atPointer', () => {
  const doc = { z: 1, list: Array.from({ length: 12 }, (_, i) => `item${i}`), db: { user: 'app', password: 'pw' }, a: 'secret' };

  it('a list index is a decimal without leading zeros, below the length', () => {
    assert.deepEqual(atPointer(doc, ['list', '0']), { found: true, value: 'item0' });
    assert.deepEqual(atPointer(doc, ['list', '11']), { found: true, value: 'item11' });
    for (const seg of ['12', '01', '-1', '+1', '1e0', ' 1', '1.0', '']) {
      assert.deepEqual(atPointer(doc, ['list', seg]), { found: false, missing: `/list/${seg}`, keys: [] }, seg);
    }
  });

  it('does not step into a string', () => {
    assert.deepEqual(atPointer(doc, ['a', '0']), { found: false, missing: '/a/0', keys: [] });
    assert.deepEqual(atPointer(doc, ['a', 'length']), { found: false, missing: '/a/length', keys: [] });
  });

  it('names the first segment that is missing, and the keys of the map it was looked for in, sorted', () => {
    assert.deepEqual(atPointer(doc, ['db', 'pass', 'word']), { found: false, missing: '/db/pass', keys: ['password', 'user'] });
    assert.deepEqual(atPointer(doc, ['nope']), { found: false, missing: '/nope', keys: ['a', 'db', 'list', 'z'] });
  });

  it('an inherited property is not a key of the document', () => {
    assert.deepEqual(atPointer(doc, ['db', 'toString']), { found: false, missing: '/db/toString', keys: ['password', 'user'] });
  });

  it('the empty pointer is the whole document', () => {
    assert.deepEqual(atPointer(doc, []), { found: true, value: doc });
  });
});
