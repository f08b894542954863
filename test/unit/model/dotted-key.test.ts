import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dottedKey, splitDottedKey } from '../../../src/model/dotted-key.ts';

describe('dotted set keys', () => {
  it('splits on dots; `\\.` is a dot inside a key', () => {
    assert.deepEqual(splitDottedKey('image.tag'), ['image', 'tag']);
    assert.deepEqual(splitDottedKey('podAnnotations.prometheus\\.io/scrape'), ['podAnnotations', 'prometheus.io/scrape']);
    assert.deepEqual(splitDottedKey('plain'), ['plain']);
    assert.deepEqual(splitDottedKey('a..b'), ['a', '', 'b']);
  });
  it('`\\\\` is one backslash, so a key may end with one', () => {
    assert.deepEqual(splitDottedKey('x\\\\.y'), ['x\\', 'y']);
    assert.deepEqual(splitDottedKey('x\\.y'), ['x.y']);
    assert.deepEqual(splitDottedKey('x\\\\\\.y'), ['x\\.y']);
  });
  it('any other backslash stays in the key', () => {
    assert.deepEqual(splitDottedKey('paths.C:\\temp\\x.y'), ['paths', 'C:\\temp\\x', 'y']);
    assert.deepEqual(splitDottedKey('end\\'), ['end\\']);
  });
  it('dottedKey escapes dots and backslashes, and splitDottedKey reads it back', () => {
    assert.equal(dottedKey(['a.b', 'c']), 'a\\.b.c');
    assert.equal(dottedKey(['x\\', 'y']), 'x\\\\.y');
    for (const path of [['a.b', 'c'], ['x\\', 'y'], ['x.', 'y'], ['C:\\temp\\x', 'y'], ['\\.\\', '.'], ['one']]) {
      assert.deepEqual(splitDottedKey(dottedKey(path)), path, JSON.stringify(path));
    }
  });
  it('a segment ending with a backslash and one ending with a dot are two keys', () => {
    assert.notEqual(dottedKey(['x\\', 'y']), dottedKey(['x.', 'y']));
  });
});
