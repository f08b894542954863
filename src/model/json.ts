// Plain JSON-like data: the shape of values, manifests and live objects.

export type Values = Record<string, unknown>;

export const isPlainObject = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

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

/** Canonical JSON: sorted keys, for digests and equality. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}
