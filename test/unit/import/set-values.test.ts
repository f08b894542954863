import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helmTyped, setEntryOf, setMapOf } from '../../../src/import/set-values.ts';
import { expandDottedKeys } from '../../../src/plan/values.ts';

describe('helmfile set entries as helm reads the flags', () => {
  it('types values as helm --set does', () => {
    assert.equal(helmTyped('10'), 10);
    assert.equal(helmTyped('-3'), -3);
    assert.equal(helmTyped('0'), 0);
    assert.equal(helmTyped('007'), '007');
    assert.equal(helmTyped('1.5'), '1.5');
    assert.equal(helmTyped('TRUE'), true);
    assert.equal(helmTyped('false'), false);
    assert.equal(helmTyped('null'), null);
    assert.equal(helmTyped('1.4.2'), '1.4.2');
    assert.equal(helmTyped(''), '');
  });

  it('set, setString, a list value, escapes helm drops, a set file', () => {
    assert.deepEqual(setEntryOf({ kind: 'set', name: 'image.tag', value: '42' }), { path: ['image', 'tag'], index: false, value: 42, flag: 'set' });
    assert.deepEqual(setEntryOf({ kind: 'setString', name: 'image.tag', value: '42' }).value, '42');
    assert.deepEqual(setEntryOf({ kind: 'set', name: 'hosts', values: ['a,b', '3'] }).value, ['a,b', 3]);
    // helmfile escapes `,{}`; helm drops every backslash (C:\dir -> C:dir)
    assert.equal(setEntryOf({ kind: 'set', name: 'x', value: 'C:\\dir,{y}' }).value, 'C:dir,{y}');
    assert.deepEqual(setEntryOf({ kind: 'set', name: 'a\\.b.c', value: 'v' }).path, ['a.b', 'c']);
    assert.equal(setEntryOf({ kind: 'set', name: 'list[0].x', value: 'v' }).index, true);
    assert.deepEqual(setEntryOf({ kind: 'setFile', name: 'cfg', file: '/f', content: 'a: 1\n' }), { path: ['cfg'], index: false, value: 'a: 1\n', flag: 'set-file' });
  });

  it('a set: map in the order helm applies the flags; list indexes reported', () => {
    const { set, indexed } = setMapOf([
      { kind: 'setString', name: 'a', value: 'string wins' },
      { kind: 'set', name: 'a', value: '1' },
      { kind: 'set', name: 'dotted\\.key', value: 'x' },
      { kind: 'set', name: 'l[1]', value: 'x' },
      { kind: 'setFile', name: 'b', content: 'file' },
      { kind: 'set', name: 'b', value: 'set' },
    ]);
    assert.deepEqual(set, { a: 'string wins', 'dotted\\.key': 'x', b: 'file' });
    assert.deepEqual(indexed, ['l[1]']);
  });
});

describe('an imported set: key reads back as the path helm would set', () => {
  it('a key ending with a backslash beside one holding a dot', () => {
    const { set } = setMapOf([
      { kind: 'set', name: 'x\\\\.y', value: 'backslash' },
      { kind: 'set', name: 'x\\..y', value: 'dot' },
    ]);
    assert.deepEqual(expandDottedKeys(set), { 'x\\': { y: 'backslash' }, 'x.': { y: 'dot' } });
  });
});
