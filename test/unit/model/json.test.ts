// parseJsonExact: helm's release JSON read back with its int64s exact, and the
// plain JSON.parse when no integer can be past 2^53 (a 16-digit run is needed).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson, goFloatText, parseJsonExact, parseTypedJson, typedJson } from '../../../src/model/json.ts';

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

describe('parseTypedJson', () => {
  it('an integer literal is an int64 (bigint), whatever its size; a literal with a . or an exponent a float64', () => {
    assert.deepStrictEqual(parseTypedJson('{"i":3,"neg":-20240101,"big":9007199254740993,"f":3.0,"e":1e3,"l":[0,0.5],"s":"7"}'), { i: 3n, neg: -20240101n, big: 9007199254740993n, f: 3, e: 1000, l: [0n, 0.5], s: '7' });
  });
  it('reads back what typedJson\'s number kinds stand for: an int64 and a float64 of one value stay apart', () => {
    const v = parseTypedJson('{"a":20240101,"b":20240101.0}') as Record<string, unknown>;
    assert.notEqual(typedJson(v.a), typedJson(v.b));
  });
});

describe('canonicalJson and typedJson', () => {
  it('sorts the keys of every map, those inside lists too; lists keep their order', () => {
    assert.equal(canonicalJson({ b: [{ y: 1, x: [{ d: 1, c: 2 }] }, 'z', 'a'], a: null }), '{"a":null,"b":[{"x":[{"c":2,"d":1}],"y":1},"z","a"]}');
    assert.equal(canonicalJson([{ b: 1, a: 2 }]), canonicalJson([{ a: 2, b: 1 }]));
  });

  it('an int64 writes as its exact digits in canonical JSON, alike a float64 of the same value', () => {
    assert.equal(canonicalJson({ big: 9007199254740993n, n: 20240101n }), '{"big":9007199254740993,"n":20240101}');
    assert.equal(canonicalJson({ n: 20240101n }), canonicalJson({ n: 20240101 }));
  });

  it('typedJson keeps an int64 apart from a float64, in the documented form', () => {
    assert.equal(typedJson({ n: 20240101n, f: 20240101, list: [1n] }), '{"f":20240101,"list":[{"\\u0000int64":"1"}],"n":{"\\u0000int64":"20240101"}}');
    assert.notEqual(typedJson({ n: 20240101n }), typedJson({ n: 20240101 }));
  });

  it('an int64 never writes like a map a values file can hold', () => {
    for (const map of [{ '': '5' }, { int64: '5' }, {}]) assert.notEqual(typedJson({ n: 5n }), typedJson({ n: map }));
  });

  it('a tree without int64s writes exactly as canonicalJson', () => {
    const v = { b: [1.5, { d: 'x', c: true }], a: { z: null, y: 'ref' } };
    assert.equal(typedJson(v), canonicalJson(v));
  });

  it('the bigint serializer stays replaceable, as a built-in method is (writable, configurable, not enumerable)', () => {
    const d = Object.getOwnPropertyDescriptor(BigInt.prototype, 'toJSON');
    assert.ok(d);
    assert.deepEqual({ writable: d.writable, configurable: d.configurable, enumerable: d.enumerable }, { writable: true, configurable: true, enumerable: false });
  });
});

describe('goFloatText: a float64 as a Go template prints it (fmt %v)', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [-0, '-0'],
    [1.5, '1.5'],
    [-1.5, '-1.5'],
    [3.14159, '3.14159'],
    [120, '120'],
    [1200, '1200'],
    [100000, '100000'],
    [999999, '999999'],
    [123456.7, '123456.7'],
    [1e6, '1e+06'],
    [-1e6, '-1e+06'],
    [20240101, '2.0240101e+07'],
    [1e10, '1e+10'],
    [1e21, '1e+21'],
    [1e100, '1e+100'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [1.5e-5, '1.5e-05'],
    [-2.5e-7, '-2.5e-07'],
    [1.234e-10, '1.234e-10'],
  ];
  for (const [n, text] of cases) {
    it(`${Object.is(n, -0) ? '-0' : String(n)} prints ${text}`, () => assert.equal(goFloatText(n), text));
  }
});
