// parseJsonExact: helm's release JSON read back with its int64s exact, and the
// plain JSON.parse when no integer can be past 2^53 (a 16-digit run is needed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonExact } from '../../../src/model/json.ts';

describe('parseJsonExact', () => {
  it('integers past 2^53 come back exact as bigint, negative ones too; safe ones stay numbers', () => {
    assert.deepStrictEqual(parseJsonExact('{"id":9007199254740993,"neg":-9007199254740993,"n":1000000,"big":9007199254740991}'), { id: 9007199254740993n, neg: -9007199254740993n, n: 1000000, big: 9007199254740991 });
  });
  it('floats and exponents stay numbers even with long digit runs', () => {
    assert.deepStrictEqual(parseJsonExact('{"f":0.12345678901234567,"e":1e20,"g":12345678901234567.5}'), { f: 0.12345678901234567, e: 1e20, g: 12345678901234567.5 });
  });
  it('a long digit run inside a string does not change the numbers', () => {
    assert.deepStrictEqual(parseJsonExact('{"s":"12345678901234567890","n":42}'), { s: '12345678901234567890', n: 42 });
  });
  it('without any 16-digit run: the same value as JSON.parse', () => {
    const text = '{"a":[1,2.5,-3],"b":{"c":"x","d":null,"e":true}}';
    assert.deepStrictEqual(parseJsonExact(text), JSON.parse(text));
  });
});
