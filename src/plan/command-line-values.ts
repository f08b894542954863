// The command line's values (-f, --set, --set-string, --set-file,
// --set-json, --set-literal) over a unit's merged values, merged by helm
// itself (helm.ts mergeValueFlags): list indexes merge into the lists the
// repository gave, escapes, types and nulls are helm's. Pure around that
// one call.
//
// helm reads the repository's values from `-f -`, where every number is a
// float64; so before the call every scalar of the repository's values is
// replaced by a unique marker string, and after it each marker helm left in
// place is put back as it was (an int64 of a `set:` stays an int64). A
// marker helm replaced was set by the command line: that is also how
// `--explain` knows which values the command line set.
import { randomBytes } from 'node:crypto';
import { isPlainObject, typedJson } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import type { ValueOrigin } from './types.ts';
import { leaves } from './values.ts';
import type { MergedValues } from './values.ts';

/** Where --explain says a value came from when the command line set it. */
export const COMMAND_LINE_SOURCE = 'command line (-f/--set)';

interface Markers {
  prefix: string;
  originals: unknown[];
}

/** The tree with every scalar (string, number, bigint, boolean) replaced by its marker; nulls, empty maps and lists keep their shape. */
function mark(v: unknown, m: Markers): unknown {
  if (Array.isArray(v)) return v.map((x) => mark(x, m));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mark(x, m)]));
  if (v === null || v === undefined) return v;
  m.originals.push(v);
  return `${m.prefix}${m.originals.length - 1}`;
}

/** helm's result with every marker it left in place put back. */
function unmark(v: unknown, m: Markers): unknown {
  if (Array.isArray(v)) return v.map((x) => unmark(x, m));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unmark(x, m)]));
  if (typeof v === 'string' && v.startsWith(m.prefix)) return m.originals[Number(v.slice(m.prefix.length))];
  return v;
}

/**
 * The unit's values with the command line's merged in by `merge` (helm),
 * and the origin of every leaf: the repository's where helm left it as it
 * was, the command line's anywhere else.
 */
export async function withCommandLine(merged: MergedValues, merge: (base: Values) => Promise<Values>): Promise<MergedValues> {
  const m: Markers = { prefix: `\u0000helm-cascade:${randomBytes(8).toString('hex')}:`, originals: [] };
  const marked = mark(merged.values, m) as Values;
  const raw = await merge(marked);
  const before = new Map(leaves(marked).map(([p, v]) => [p, typedJson(v)]));
  const sourceOf = new Map(merged.origins.map((o) => [o.path, o.source]));
  const values = unmark(raw, m) as Values;
  const rawLeaves = new Map(leaves(raw));
  const origins: ValueOrigin[] = leaves(values).map(([path, value]) => {
    const untouched = before.get(path) === typedJson(rawLeaves.get(path));
    return { path, value, source: (untouched && sourceOf.get(path)) || COMMAND_LINE_SOURCE };
  });
  origins.sort((a, b) => a.path.localeCompare(b.path));
  return { values, origins };
}
