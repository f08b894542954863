// The checks a parsed YAML tree passes before anything uses it (pure):
//   - nesting no deeper than the limit (merging, schemas and JSON all recurse);
//   - the size the tree takes once its aliases are written out (what merging
//     and helm's stdin will hold), so one big anchor aliased a few hundred
//     times is refused here, not after it has filled the memory;
//   - no .inf or .nan (neither JSON nor helm has them; a count that is
//     infinite is a mistake, not a default);
//   - integers: exact (bigint) where the file means helm's int64 (a release
//     file's `set:`), refused past int64 there; numbers everywhere else.
// Shared subtrees (aliases) are measured once.
import type { Diagnostic } from '../errors.ts';
import type { SourcePos } from '../model/spec.ts';
import { formatBytes, LIMIT_ENV } from './limits.ts';

type Path = readonly (string | number)[];

export interface TreeLimits {
  maxAliasCount: number;
  maxExpandedBytes: number;
  maxDepth: number;
}

export interface TreeCheck {
  limits: TreeLimits;
  /** Where integers stay exact (bigint); undefined: nowhere (no bigint is made). */
  exactIntsAt: ((path: Path) => boolean) | undefined;
  posOf: (path: Path) => SourcePos;
  /** Where the file's first alias is (a size over the limit is reported there). */
  firstAlias: () => SourcePos;
}

interface Measure {
  height: number;
  bytes: number;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** How deep and how big (as JSON, aliases written out) a value is; shared objects are measured once. */
function measure(v: unknown, memo: Map<object, Measure>): Measure {
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'string') return { height: 0, bytes: Buffer.byteLength(v) + 2 };
    return { height: 0, bytes: String(v).length };
  }
  const known = memo.get(v);
  if (known) return known;
  const entries: [string | undefined, unknown][] = Array.isArray(v) ? v.map((x) => [undefined, x]) : Object.entries(v);
  let height = 0;
  let bytes = 2;
  for (const [k, x] of entries) {
    const m = measure(x, memo);
    height = Math.max(height, m.height);
    bytes += m.bytes + 1 + (k === undefined ? 0 : Buffer.byteLength(k) + 3);
  }
  const out = { height: height + 1, bytes };
  memo.set(v, out);
  return out;
}

/** The path down to the deepest point of a value. */
function deepestPath(v: unknown, memo: Map<object, Measure>, limit: number): Path {
  const path: (string | number)[] = [];
  let node = v;
  while (node !== null && typeof node === 'object' && path.length <= limit) {
    const children: [string | number, unknown][] = Array.isArray(node) ? node.map((x, i) => [i, x]) : Object.entries(node);
    const heightOf = (x: unknown) => (x !== null && typeof x === 'object' ? (memo.get(x)?.height ?? 0) : 0);
    const next = children.reduce<[string | number, unknown] | undefined>((best, c) => (!best || heightOf(c[1]) > heightOf(best[1]) ? c : best), undefined);
    if (!next) break;
    path.push(next[0]);
    node = next[1];
  }
  return path;
}

const shownPath = (p: Path): string => p.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || 'the file';

type Report = (path: Path, message: string) => void;

/** Every .inf/.nan, where it first is (shared subtrees visited once). */
function nonFinite(v: unknown, report: Report, seen: Set<object>, path: (string | number)[] = []): void {
  if (typeof v === 'number' && !Number.isFinite(v)) report(path, `${shownPath(path)}: ${Number.isNaN(v) ? '.nan' : '.inf'} is not a value helm-cascade or helm can use (JSON has no infinity or NaN)`);
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (Array.isArray(v)) v.forEach((x, i) => nonFinite(x, report, seen, [...path, i]));
  else for (const [k, x] of Object.entries(v)) nonFinite(x, report, seen, [...path, k]);
}

/** The tree with bigints kept where integers are exact (refused past int64) and made numbers elsewhere. */
function exactInts(v: unknown, exact: (path: Path) => boolean, report: Report, path: (string | number)[] = []): unknown {
  if (typeof v === 'bigint') {
    if (!exact(path)) return Number(v);
    if (v < INT64_MIN || v > INT64_MAX) report(path, `${shownPath(path)}: ${v} is outside the 64-bit integers helm keeps (${INT64_MIN} to ${INT64_MAX}); quote it to pass a string`);
    return v;
  }
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x, i) => exactInts(x, exact, report, [...path, i]));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, exactInts(x, exact, report, [...path, k])]));
}

/** Checks a parsed tree; returns it (bigints made numbers where they are not exact) or the problems found. */
export function checkTree(data: unknown, c: TreeCheck): { data: unknown; diagnostics: Diagnostic[] } {
  const memo = new Map<object, Measure>();
  const { height, bytes } = measure(data, memo);
  const { maxDepth, maxExpandedBytes } = c.limits;
  if (height > maxDepth) {
    const path = deepestPath(data, memo, maxDepth);
    return { data: undefined, diagnostics: [{ ...c.posOf(path), message: `YAML: nested more than ${maxDepth} levels deep (${LIMIT_ENV.maxYamlDepth}); refused` }] };
  }
  if (bytes > maxExpandedBytes) {
    return { data: undefined, diagnostics: [{ ...c.firstAlias(), message: `YAML: its aliases expand the file to ${formatBytes(bytes)}, over the limit of ${formatBytes(maxExpandedBytes)} (${LIMIT_ENV.maxExpandedBytes}); refused` }] };
  }
  const diagnostics: Diagnostic[] = [];
  const report: Report = (path, message) => {
    if (diagnostics.length < 20) diagnostics.push({ ...c.posOf(path), message });
  };
  nonFinite(data, report, new Set());
  const out = c.exactIntsAt ? exactInts(data, c.exactIntsAt, report) : data;
  return { data: out, diagnostics };
}

/** Where a nesting opener may stand: at a line start, or after one of these (and, for `:` `-` `?`, a blank). */
const OPENER_AFTER = new Set(['\n', '[', '{', ',', ':', '-', '?']);

/**
 * A quick upper bound on a YAML text's nesting, before it is parsed (a YAML
 * parser takes seconds on 100 000 nested brackets): flow collections opened
 * where they can open (not inside quotes, comments or a word), plus compact
 * `- - -` sequences. The offset where it passes `limit`, or undefined. It can
 * only overestimate by unbalanced brackets, so `limit` is far above the
 * exact check after parsing.
 */
export function nestingOverLimit(text: string, limit: number): number | undefined {
  let flow = 0;
  let quote = '';
  let last = '\n'; // the last non-blank character of the line, '\n' at its start
  let blankSince = true; // a blank stood between `last` and here
  let dashes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '\n') {
      last = '\n';
      blankSince = true;
      dashes = 0;
      continue;
    }
    if (c === ' ' || c === '\t') {
      blankSince = true;
      continue;
    }
    const opener = OPENER_AFTER.has(last) && (blankSince || !':-?'.includes(last));
    if (c === '#' && blankSince) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol - 1;
      continue;
    }
    if ((c === '"' || c === "'") && opener) quote = c;
    else if ((c === '[' || c === '{') && opener) flow++;
    else if ((c === ']' || c === '}') && flow > 0) flow--;
    else if (c === '-' && (last === '\n' || last === '-') && (text[i + 1] === ' ' || text[i + 1] === '\n')) dashes++;
    if (flow + dashes > limit) return i;
    // a bracket inside a word opens nothing, and neither does the one after it
    last = (c === '[' || c === '{') && !opener ? 'w' : c;
    blankSince = false;
  }
  return undefined;
}
