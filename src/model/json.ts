// Plain JSON-like data: the shape of values, manifests and live objects.
//
// Helm has two kinds of number, and a chart sees the difference: an integer
// given with `--set` (or a release file's `set:`) is an int64 and prints as
// `20240101`; every number of a values file (and of `--set-json`) is a
// float64 and prints as `2.0240101e+07`. In a values tree here an int64 is a
// `bigint` (exact past 2^53) and a float64 a `number`. JSON.stringify writes
// a bigint as its exact digits (the `toJSON` below), so every report and
// digest can serialize a tree; where the kind matters (the render's argv,
// the input digest) `typedJson` and helm/argv.ts keep it.

export type Values = Record<string, unknown>;

export const isPlainObject = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

declare global {
  interface JSON {
    /** ES2025 (Node 21+): a value JSON.stringify writes as this exact text. */
    rawJSON(text: string): unknown;
  }
}

// A bigint is written as its digits, never refused: a values tree holds them (int64).
if (!Object.hasOwn(BigInt.prototype, 'toJSON')) {
  Object.defineProperty(BigInt.prototype, 'toJSON', {
    value(this: bigint) {
      return JSON.rawJSON(this.toString());
    },
    configurable: true,
    writable: true,
  });
}

/** The same tree with every map's keys sorted (arrays keep their order). */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isPlainObject(v)) {
    const out: Values = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

/** Canonical JSON: sorted keys, for digests and equality. An int64 and a float64 of the same value write alike (helm's own JSON cannot tell them apart either). */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

/** The key that marks an int64 in `typedJson` (no YAML key holds a NUL). */
const INT64_TAG = '\u0000int64';

/**
 * Canonical JSON that keeps helm's number kinds apart: an int64 is written
 * as `{"\u0000int64":"20240101"}`, a float64 as a number. A tree without
 * int64s writes exactly as canonicalJson.
 */
export function typedJson(v: unknown): string {
  // the replacer is given what toJSON (above) made of a bigint, never the bigint: the holder's own value says which it was
  return JSON.stringify(sortKeys(v), function (this: Values, k: string, x: unknown) {
    const own = this[k];
    return typeof own === 'bigint' ? { [INT64_TAG]: own.toString() } : x;
  });
}

/** JSON.parse's reviver context (ES2025): the source text of a primitive. */
interface ReviverContext {
  source?: string;
}

/**
 * JSON text parsed with integers past 2^53 kept exact (as bigint): what helm
 * writes (a release's config holds the int64s of --set) reads back as
 * written. Smaller integers stay numbers.
 */
export function parseJsonExact(text: string): unknown {
  // an integer past 2^53 has at least 16 digits: without such a run, the plain parse is exact (and several times faster)
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  return JSON.parse(text, function (this: unknown, _k: string, v: unknown, ctx?: ReviverContext) {
    if (typeof v === 'number' && !Number.isSafeInteger(v) && ctx?.source !== undefined && /^-?\d+$/.test(ctx.source)) return BigInt(ctx.source);
    return v;
  } as (this: unknown, key: string, value: unknown) => unknown);
}

/**
 * helm's values with their number kinds (the values probe's output, helm.ts):
 * an integer literal is an int64 (bigint), a literal with a `.` or an
 * exponent a float64 (number).
 */
export function parseTypedJson(text: string): unknown {
  return JSON.parse(text, function (this: unknown, _k: string, v: unknown, ctx?: ReviverContext) {
    if (typeof v === 'number' && ctx?.source !== undefined && /^-?\d+$/.test(ctx.source)) return BigInt(ctx.source);
    return v;
  } as (this: unknown, key: string, value: unknown) => unknown);
}

/**
 * How a Go template prints a float64 with `{{ .Values.x }}` (fmt's %v:
 * strconv 'g' with the shortest digits, exponent form from 1e+06 on or
 * below 1e-04): 20240101 prints as 2.0240101e+07.
 */
export function goFloatText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa = '0', expText = '0'] = Math.abs(n).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const sign = n < 0 ? '-' : '';
  let eprec = 6;
  if (eprec > digits.length && digits.length >= exp + 1) eprec = digits.length;
  if (exp < -4 || exp >= eprec) {
    const e = Math.abs(exp);
    return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  return `${sign}${Math.abs(n).toString()}`;
}
