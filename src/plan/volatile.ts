// Nondeterministic charts (pure): the fields of a release manifest that
// differ between two renders of the same inputs (a randAlphaNum password, a
// checksum annotation over it, a timestamp). Named by object and path only:
// a changing field is often a Secret's, so no value is ever part of the answer.
import { isPlainObject } from '../model/json.ts';
import { parseManifest } from '../model/manifest.ts';

/** Leaves of a parsed object as dotted paths (list items as [i]), with their values. */
function paths(v: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (Array.isArray(v) && v.length) v.forEach((x, i) => paths(x, `${prefix}[${i}]`, out));
  else if (isPlainObject(v) && Object.keys(v).length) for (const [k, x] of Object.entries(v)) paths(x, prefix ? `${prefix}.${k}` : k, out);
  else out.set(prefix, v);
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What differs between two renders of one unit, as `Kind/name: path` (an
 * object rendered by one only: `Kind/name`), sorted; empty when they agree.
 */
export function volatileFields(first: string, again: string, namespace: string): string[] {
  const a = new Map(parseManifest(first, namespace, { skipInvalid: true }).map((o) => [o.key, o]));
  const b = new Map(parseManifest(again, namespace, { skipInvalid: true }).map((o) => [o.key, o]));
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    const name = `${(x ?? y)!.kind}/${(x ?? y)!.name}`;
    if (!x || !y) {
      out.push(name);
      continue;
    }
    const px = paths(x.object, '', new Map());
    const py = paths(y.object, '', new Map());
    for (const p of new Set([...px.keys(), ...py.keys()])) if (!same(px.get(p), py.get(p))) out.push(`${name}: ${p}`);
  }
  return out.sort();
}

/** The plan's line for a nondeterministic unit: what changes on every render. */
export function volatileNote(fields: readonly string[], max = 6): string {
  const shown = fields.slice(0, max).join(', ');
  return `nondeterministic: two renders of the same inputs differ in ${shown}${fields.length > max ? ` and ${fields.length - max} more` : ''}`;
}
