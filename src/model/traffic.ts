// Traffic that follows health: the names every stage shares for a release's
// `traffic:` (its types are in spec.ts with the rest of the desired state):
// defaults, placeholders and the Service a track's backend is named after.
import type { ReleaseSpec, TrafficSpec } from './spec.ts';

export const DEFAULT_SERVICE = '{release}-{track}';
export const DEFAULT_ANALYSIS_INTERVAL_MS = 10_000;

/** The placeholders a query, a URL or a router value path may hold. */
export interface TrafficVars {
  cluster: string;
  track: string;
  release: string;
}

/** `{{name}}` in analysis queries and URLs. */
const DOUBLE = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
/** `{name}` in a Service name or a values path. */
const SINGLE = /\{([A-Za-z]+)\}/g;

/** The placeholders a text uses that are not cluster, track or release, with their offsets in the text. */
export function unknownPlaceholders(text: string, style: 'double' | 'single'): { name: string; offset: number }[] {
  const known = new Set(['cluster', 'track', 'release']);
  const re = style === 'double' ? DOUBLE : SINGLE;
  return [...text.matchAll(re)].filter((m) => !known.has(m[1]!)).map((m) => ({ name: m[1]!, offset: m.index }));
}

/** Fills `{{cluster}}`, `{{track}}`, `{{release}}` (analysis) or `{cluster}`... (names, paths). */
export function fillPlaceholders(text: string, vars: TrafficVars, style: 'double' | 'single'): string {
  return text.replace(style === 'double' ? DOUBLE : SINGLE, (whole, name: string) => (name in vars ? vars[name as keyof TrafficVars] : whole));
}

/** The Service name of a track's backend. */
export function trackService(t: TrafficSpec, release: string, track: string): string {
  return fillPlaceholders(t.service, { release, track, cluster: '' }, 'single');
}

/** The values path of each track's weight on a helm-values router. */
export function weightPaths(valuePath: string, release: string, tracks: readonly string[]): Record<string, string> {
  return Object.fromEntries(tracks.map((track) => [track, fillPlaceholders(valuePath, { release, track, cluster: '' }, 'single')]));
}

/** The final weight of every canary track of a release (what drift compares the live weights with). */
export function finalWeights(t: TrafficSpec): Record<string, number> {
  return Object.fromEntries(Object.entries(t.tracks).map(([track, s]) => [track, s.weight]));
}

/**
 * The final weight of every track routed by the release `router`, by values
 * path: what its desired values hold at rest (a re-plan after a rollout is
 * unchanged), for every release of the repository that names it.
 */
export function finalRouterValues(releases: readonly ReleaseSpec[], router: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rel of releases) {
    const t = rel.traffic;
    if (t?.router.kind !== 'helm-values' || t.router.release !== router) continue;
    const finals = finalWeights(t);
    const paths = weightPaths(t.router.value, rel.name, Object.keys(finals));
    for (const [track, w] of Object.entries(finals)) out[paths[track]!] = w;
  }
  return out;
}
