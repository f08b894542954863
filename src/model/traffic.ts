// Traffic that follows health: the names every stage shares for a release's
// `traffic:` (its types are in spec.ts with the rest of the desired state):
// defaults, placeholders and the Service a track's backend is named after.
import type { TrafficSpec } from './spec.ts';

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
