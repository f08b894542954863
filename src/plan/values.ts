// Value merging with provenance (pure). Precedence (docs/values.md), lowest first: chart
// defaults < release values < release set < track < cluster <
// clusters.X.tracks.Y < command-line --set; each layer is its files, then its
// `set`. `set` keys are dotted paths (image.tag, src/model/dotted-key.ts) or nested
// maps. Every leaf remembers which file or flag set it (for `plan --explain`).
import { isPlainObject } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import { dottedKey, splitDottedKey } from '../model/dotted-key.ts';
import type { ValueOrigin } from './types.ts';

/** One source of values, already read: a file's content, a `set` map, or `--set` pairs. */
export interface ValueSource {
  source: string; // shown by --explain: "values/x.yaml", "releases/x.yaml set (tracks.internal)", "--set"
  values: Values; // may hold dotted keys when fromSet
  fromSet?: boolean; // keys are dotted paths to expand
}

/** `{ "image.tag": "1", resources: { "limits.cpu": 1 } }` -> nested maps. */
export function expandDottedKeys(set: Values): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(set)) {
    const path = splitDottedKey(k);
    const value = isPlainObject(v) ? expandDottedKeys(v) : v;
    let node = out;
    for (const seg of path.slice(0, -1)) {
      if (!isPlainObject(node[seg])) node[seg] = {};
      node = node[seg] as Values;
    }
    const last = path[path.length - 1]!;
    node[last] = isPlainObject(value) && isPlainObject(node[last]) ? deepMerge(node[last] as Values, value) : value;
  }
  return out;
}

/** Helm's merge of user values: maps merge key by key, anything else replaces. */
export function deepMerge(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Values, v) : cloneValue(v);
  }
  return out;
}

function cloneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneValue(x)]));
  return v;
}

export interface MergedValues {
  values: Values;
  origins: ValueOrigin[]; // one per leaf (as set: plan/assemble.ts masks secrets), sorted by path
}

/** Merges sources lowest first and records, for every leaf of the result, the last source that set it. */
export function mergeValues(sources: ValueSource[]): MergedValues {
  let values: Values = {};
  const origin = new Map<string, string>();
  for (const s of sources) {
    const v = s.fromSet ? expandDottedKeys(s.values) : s.values;
    values = deepMerge(values, v);
    for (const [path, leaf] of leaves(v)) {
      const children = [...origin.keys()].filter((k) => k.startsWith(`${path}.`));
      // an empty map merges into an existing one and changes nothing under it
      if (isPlainObject(leaf) && children.length) continue;
      // any other leaf replaces whatever lived under it before
      for (const k of children) origin.delete(k);
      origin.set(path, s.source);
    }
  }
  const origins: ValueOrigin[] = [];
  for (const [path, value] of leaves(values)) {
    origins.push({ path, value, source: origin.get(path) ?? 'unknown' });
  }
  origins.sort((a, b) => a.path.localeCompare(b.path));
  return { values, origins };
}

/**
 * `plan --explain` with the chart's own defaults: every leaf of the chart's
 * values.yaml that no layer overrides, as "chart default".
 * A default is overridden when a layer set the same path, a path above it
 * (a scalar or list replacing the map) or below it (a map replacing a scalar).
 * Only the explanation changes: helm applies the defaults itself.
 */
export function withChartDefaults(origins: readonly ValueOrigin[], defaults: Values): ValueOrigin[] {
  const set = origins.map((o) => o.path);
  const overridden = (p: string) => set.some((s) => s === p || p.startsWith(`${s}.`) || s.startsWith(`${p}.`));
  const fromChart = leaves(defaults)
    .filter(([path]) => !overridden(path))
    .map(([path, value]) => ({ path, value, source: 'chart default' }));
  return [...origins, ...fromChart].sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Leaves of a value tree as [dotted path, value]; arrays and empty maps are
 * leaves. A key's `.` and `\` are escaped with `\` (as in helm's --set), so a
 * path names one leaf: `x\` beside `x.` is `x\\` and `x\.`.
 */
export function leaves(v: Values, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, x] of Object.entries(v)) {
    const key = dottedKey([k]);
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(x) && Object.keys(x).length > 0) out.push(...leaves(x, path));
    else out.push([path, x]);
  }
  return out;
}
