import { distance } from 'fastest-levenshtein';
import type { ClusterSelector, ClusterSpec } from './spec.ts';

/**
 * Whether a whole name matches a shell-style glob (`*` any run, `?` one
 * character, everything else itself): `web` matches web, not webhook. No
 * RegExp is built, so a pattern of any length is matched in O(name x glob).
 */
export function matchesGlob(name: string, glob: string): boolean {
  let n = 0;
  let g = 0;
  let star = -1; // the last `*` seen in the glob
  let resume = 0; // where the name goes on when that `*` takes one more character
  while (n < name.length) {
    if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === name[n]))) {
      n++;
      g++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = n;
    } else if (star >= 0) {
      g = star + 1;
      n = ++resume;
    } else return false;
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

export function matchesSelector(cluster: ClusterSpec, sel: ClusterSelector | undefined): boolean {
  if (!sel) return true;
  if (sel.name !== undefined && !matchesGlob(cluster.name, sel.name)) return false;
  if (sel.provider !== undefined && cluster.provider !== sel.provider) return false;
  if (sel.region !== undefined && cluster.region !== sel.region) return false;
  for (const [k, v] of Object.entries(sel.labels ?? {})) {
    if (cluster.labels[k] !== v) return false;
  }
  return true;
}

/** `-l name=x,track=y,cluster=z` (values may be globs). */
export interface UnitSelector {
  name?: string;
  track?: string;
  cluster?: string;
  namespace?: string;
}

/** Longest selector value (Kubernetes names are at most 253 characters). */
const MAX_SELECTOR_VALUE = 253;

export function parseUnitSelector(text: string | undefined): UnitSelector {
  const sel: UnitSelector = {};
  if (!text) return sel;
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    const key = eq < 0 ? '' : trimmed.slice(0, eq).trim();
    const value = eq < 0 ? '' : trimmed.slice(eq + 1).trim();
    if (key !== 'name' && key !== 'track' && key !== 'cluster' && key !== 'namespace') {
      throw new SelectorSyntaxError(`bad selector "${shortText(trimmed)}": expected name=, track=, cluster= or namespace= (e.g. -l name=api,cluster=gke-*)`);
    }
    if (!value) throw new SelectorSyntaxError(`bad selector "${trimmed}": empty value`);
    if (value.length > MAX_SELECTOR_VALUE) throw new SelectorSyntaxError(`bad selector ${key}=${shortText(value)}: over ${MAX_SELECTOR_VALUE} characters (release, cluster and namespace names are shorter)`);
    sel[key] = value;
  }
  return sel;
}

export class SelectorSyntaxError extends Error {
  override name = 'SelectorSyntaxError';
}

export function matchesUnit(
  u: { release: string; track: string | undefined; cluster: string; namespace: string },
  sel: UnitSelector,
): boolean {
  if (sel.name !== undefined && !matchesGlob(u.release, sel.name)) return false;
  if (sel.track !== undefined && !matchesGlob(u.track ?? '', sel.track)) return false;
  if (sel.cluster !== undefined && !matchesGlob(u.cluster, sel.cluster)) return false;
  if (sel.namespace !== undefined && !matchesGlob(u.namespace, sel.namespace)) return false;
  return true;
}

/** The selector keys, and what each one names in messages. */
const SELECTOR_WORDS = { name: 'release', track: 'track', cluster: 'cluster', namespace: 'namespace' } as const;
export type SelectorKey = keyof typeof SELECTOR_WORDS;

/** What each selector key can match in the repository. */
export type SelectorNames = Record<SelectorKey, readonly string[]>;

/** A user's text as a message shows it: at most 60 characters (a 100 KB value is not printed whole). */
export function shortText(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 20)}... (${text.length} characters)` : text;
}

/** The nearest names to a value that matches none: a close spelling, else the names there are (at most 10). */
export function nearestNames(value: string, names: readonly string[]): string {
  const known = [...new Set(names)].sort();
  if (known.length === 0) return ' (there are none)';
  if (!/[*?]/.test(value)) {
    const near = known
      .map((n) => ({ n, d: n.startsWith(value) || value.startsWith(n) ? 1 : distance(value, n) }))
      .filter((x) => x.d <= Math.max(2, Math.floor(value.length / 3)))
      .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
      .slice(0, 3)
      .map((x) => JSON.stringify(x.n));
    if (near.length) return ` (did you mean ${near.join(' or ')}?)`;
  }
  const shown = known.slice(0, 10).join(', ');
  return ` (there are: ${shown}${known.length > 10 ? `, and ${known.length - 10} more` : ''})`;
}

/** Each key of the selector whose value matches nothing the repository has, as a message with the nearest names. */
export function selectorMisses(sel: UnitSelector, names: SelectorNames, keys: readonly SelectorKey[] = ['name', 'track', 'cluster', 'namespace']): string[] {
  return keys.flatMap((k) => {
    const v = sel[k];
    if (v === undefined || names[k].some((n) => matchesGlob(n, v))) return [];
    if (v.length > 200) return [`-l ${k}=${shortText(v)} matches no ${SELECTOR_WORDS[k]}`];
    return [`-l ${k}=${shortText(v)} matches no ${SELECTOR_WORDS[k]}${nearestNames(v, names[k])}`];
  });
}

/** The selector as the user wrote it (keys in a fixed order). */
export function selectorText(sel: UnitSelector): string {
  return (Object.keys(SELECTOR_WORDS) as SelectorKey[]).flatMap((k) => (sel[k] === undefined ? [] : [`${k}=${sel[k]}`])).join(',');
}
