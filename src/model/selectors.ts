import type { ClusterSelector, ClusterSpec } from './spec.ts';

/** Shell-style glob (`*`, `?`) to an anchored RegExp. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function matchesGlob(name: string, glob: string): boolean {
  return globToRegExp(glob).test(name);
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
      throw new SelectorSyntaxError(`bad selector "${trimmed}": expected name=, track=, cluster= or namespace= (e.g. -l name=api,cluster=gke-*)`);
    }
    if (!value) throw new SelectorSyntaxError(`bad selector "${trimmed}": empty value`);
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
