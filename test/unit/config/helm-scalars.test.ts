// What helm makes of a plain scalar of a values file (go-yaml v2 resolving,
// Go's ParseInt/ParseUint/ParseFloat), case by case at the edges of each rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { helmPlainScalar } from '../../../src/config/helm-scalars.ts';

function expect(cases: [string, unknown][]): void {
  for (const [text, want] of cases) assert.deepEqual(helmPlainScalar(text), want, text);
}

describe('helm plain scalars', () => {
  it('every spelling of null, and of the infinities and NaN', () => {
    expect([['null', null], ['Null', null], ['NULL', null], ['nULL', 'nULL']]);
    for (const s of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']) assert.equal(helmPlainScalar(s), Number.POSITIVE_INFINITY, s);
    for (const s of ['-.inf', '-.Inf', '-.INF']) assert.equal(helmPlainScalar(s), Number.NEGATIVE_INFINITY, s);
    for (const s of ['.nan', '.NaN', '.NAN']) assert.ok(Number.isNaN(helmPlainScalar(s)), s);
    expect([['.iNf', '.iNf'], ['+.NaN', '+.NaN']]);
  });

  it('floats: fractions, exponents with and without a sign, several digits each', () => {
    expect([['3.14', 3.14], ['1.25', 1.25], ['-.25', -0.25], ['+12.5e+10', 12.5e10], ['1e-3', 0.001], ['2.5e10', 2.5e10], ['1.', 1], ['1e', '1e'], ['1.5.2', '1.5.2']]);
  });

  it('a scalar starting with a dot: ParseFloat of .digits with an optional exponent', () => {
    expect([['.25', 0.25], ['.5e3', 500], ['.5E-10', 0.5e-10], ['.5e+2', 50], ['.5x', '.5x'], ['.e3', '.e3'], ['.5e', '.5e'], ['..5', '..5']]);
  });

  it('integers at the int64 and uint64 edges, whatever the base', () => {
    expect([
      ['-0x8000000000000000', -9223372036854775808], // the least int64
      ['-0x8000000000000001', '-0x8000000000000001'], // below it: a string (ParseUint takes no sign)
      ['+0x8000000000000000', '+0x8000000000000000'], // past int64 with a sign: a string
      ['0x8000000000000000', 9223372036854775808], // past int64 unsigned: ParseUint
      ['0xFFFFFFFFFFFFFFFF', 18446744073709551615], // the greatest uint64
      ['0x10000000000000000', '0x10000000000000000'], // past it
      ['-0', 0],
      ['99999999999999999999', 1e20], // past uint64 in decimal: a float
    ]);
  });

  it('only a scalar starting with a sign or a digit is a number; units and underscores first stay strings', () => {
    expect([['_1', '_1'], ['_', '_'], ['1Gi', '1Gi'], ['5G', '5G'], ['2x_', '2x_'], ['512Mi', '512Mi'], ['1_0', 10]]);
  });
});
