// What a plain (unquoted) scalar of a values file means to helm. helm reads
// values files with sigs.k8s.io/yaml, which resolves scalars as go-yaml v2
// does (YAML 1.1 leanings) and then passes them through JSON, so every
// number becomes a float64:
//   - y/Y/yes/on/true (any listed case) are true, n/N/no/off/false false;
//   - ~, null, Null, NULL and nothing at all are null;
//   - integers as Go's strconv.ParseInt(s, 0, 64) reads them once `_` is
//     removed: 0777 is octal 511, 0x1F, 0o17, 0b101, 1_000; past int64 as
//     ParseUint; then floats of the form [-+](.d+|d+[.d*])[e[-+]d+];
//   - .inf/.nan are numbers helm cannot pass on (JSON has none): refused by
//     the reader (yaml-file.ts), as helm refuses them;
//   - a map key is resolved the same way and then written as text (`y:` is
//     the key "true", `1:` the key "1");
//   - anything else, dates included, is a string.
// Quoted and block scalars are strings. This is the `yaml` package's schema
// for values files (config/yaml-file.ts); a differential test renders the
// same file through real helm (test/e2e/helm-values.test.ts).
import type { ScalarTag } from 'yaml';

const TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const NULL = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL = new Map<string, number>([
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Number.POSITIVE_INFINITY] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, Number.NEGATIVE_INFINITY] as const),
]);

/** Go's ParseInt(s, 0, 64) syntax: sign, then a 0b/0o/0x prefix, a leading-0 octal, or decimal. */
const GO_INT = /^([-+]?)(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;
/** go-yaml's yamlStyleFloat. */
const YAML_FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** What Go's ParseFloat takes of a scalar starting with a dot. */
const DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;

const INT64_MIN = -(2n ** 63n);
const INT64_END = 2n ** 63n;
const UINT64_END = 2n ** 64n;

/** An integer as ParseInt (or, unsigned and without a sign, ParseUint) takes it; undefined past their ranges. */
function goInteger(plain: string): number | undefined {
  const m = GO_INT.exec(plain);
  if (!m) return undefined;
  const [, sign, body] = m as unknown as [string, string, string];
  const magnitude = BigInt(/^0[0-7]+$/.test(body) ? `0o${body.slice(1)}` : body);
  const n = sign === '-' ? -magnitude : magnitude;
  if (n >= INT64_MIN && n < INT64_END) return Number(n);
  if (sign === '' && n < UINT64_END) return Number(n);
  return undefined;
}

/** A finite float of the given form; ParseFloat refuses what overflows (then the scalar stays a string). */
function goFloat(text: string, form: RegExp): number | undefined {
  if (!form.test(text)) return undefined;
  const f = Number(text);
  return Number.isFinite(f) ? f : undefined;
}

/** The value helm gives a plain scalar of a values file (numbers as float64: a JS number). */
export function helmPlainScalar(s: string): unknown {
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  if (NULL.has(s)) return null;
  const special = SPECIAL.get(s);
  if (special !== undefined) return special;
  const first = s[0] ?? '';
  if (first === '.') return goFloat(s, DOT_FLOAT) ?? s;
  if (/[-+0-9]/.test(first)) {
    const plain = s.replaceAll('_', '');
    return goInteger(plain) ?? goFloat(plain, YAML_FLOAT) ?? s;
  }
  return s;
}

/**
 * The `yaml` package tag that resolves every plain scalar as helm does
 * (over the failsafe schema: maps, sequences, strings). `<<` is left to
 * the merge-key tag.
 */
const HELM_PLAIN_SCALAR: ScalarTag = {
  tag: 'tag:helm-cascade.dev,2026:helm-plain',
  default: true,
  test: /^(?!<<$)[\s\S]*$/,
  identify: () => false,
  resolve: helmPlainScalar,
};

/** The `yaml` package's options that read a values file as helm does. */
export const HELM_VALUES_YAML = { schema: 'failsafe', customTags: (tags: unknown[]) => [...tags, HELM_PLAIN_SCALAR], merge: true } as const;
