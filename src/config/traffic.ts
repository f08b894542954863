// A release's `traffic:` (SPEC "Traffic that follows health"): built into the
// model with its defaults made explicit, then checked against the rest of the
// repository. The JSON Schema already refused wrong types and weights outside
// 0-100; here: the router's own fields, steps rising to `weight`, tracks and
// stable being tracks of the release, placeholders that exist, and a
// helm-values router release deployed wherever the release moves weight.
// Every problem names file:line:col.
import { closest, distance } from 'fastest-levenshtein';
import type { Diagnostic } from '../errors.ts';
import { matchesGlob } from '../model/selectors.ts';
import type { AnalysisSpec, DeployRepo, ReleaseSpec, SourcePos, TrafficRouter, TrafficSpec, TrafficTrackSpec } from '../model/spec.ts';
import { DEFAULT_ANALYSIS_INTERVAL_MS, DEFAULT_SERVICE, unknownPlaceholders } from '../model/traffic.ts';
import { parseDuration } from './duration.ts';
import type { YamlFile, YamlPath } from './yaml-file.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const ms = (v: unknown, fallback: number): number => (typeof v === 'string' ? (parseDuration(v) ?? fallback) : fallback);

function buildRouter(file: YamlFile, t: Obj, namespace: string): TrafficRouter {
  if (t.router === 'helm-values') return { kind: 'helm-values', release: str(t.release) ?? '', value: str(t.value) ?? '' };
  const route = isObj(t.route) ? t.route : {};
  return { kind: 'gateway-api', route: { name: str(route.name) ?? '', namespace: str(route.namespace) ?? namespace }, pos: file.posOf(['traffic', 'route']) };
}

function buildAnalysis(v: unknown): AnalysisSpec | undefined {
  if (!isObj(v)) return undefined;
  const a: AnalysisSpec = {
    http: Array.isArray(v.http) ? v.http.filter(isObj).map((h) => ({ url: String(h.url ?? ''), expectStatus: typeof h.expectStatus === 'number' ? h.expectStatus : 200 })) : [],
    intervalMs: ms(v.interval, DEFAULT_ANALYSIS_INTERVAL_MS),
  };
  if (isObj(v.prometheus)) a.prometheus = { url: String(v.prometheus.url ?? ''), query: String(v.prometheus.query ?? ''), max: Number(v.prometheus.max ?? 0) };
  return a;
}

/** `traffic:` of a release file as the model holds it; undefined when the release has none. */
export function buildTraffic(file: YamlFile, v: unknown, namespace: string): TrafficSpec | undefined {
  if (!isObj(v)) return undefined;
  const tracks: Record<string, TrafficTrackSpec> = {};
  for (const [name, t] of Object.entries(isObj(v.tracks) ? v.tracks : {})) {
    const o = isObj(t) ? t : {};
    const weight = typeof o.weight === 'number' ? o.weight : 0;
    const steps = Array.isArray(o.steps) ? o.steps.filter((s): s is number => typeof s === 'number') : [weight];
    tracks[name] = { weight, steps, pauseMs: ms(o.pause, 0), pos: file.keyPosOf(['traffic', 'tracks'], name) };
  }
  const spec: TrafficSpec = { router: buildRouter(file, v, namespace), stable: str(v.stable) ?? '', service: str(v.service) ?? DEFAULT_SERVICE, tracks, pos: file.keyPosOf([], 'traffic') };
  const analysis = buildAnalysis(v.analysis);
  if (analysis) spec.analysis = analysis;
  return spec;
}

/** Where to report in one release file. */
interface At {
  (path: YamlPath, message: string): void;
  key(path: YamlPath, key: string, message: string): void;
  /** At the character `offset` of the string at `path`. */
  inValue(path: YamlPath, offset: number, message: string): void;
}

function didYouMean(name: string, known: readonly string[]): string {
  if (!known.length) return ' (there are none)';
  const prefixed = known.find((k) => k.startsWith(name) || name.startsWith(k));
  if (prefixed) return ` (did you mean "${prefixed}"?)`;
  const guess = closest(name, [...known]);
  return distance(name, guess) <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${guess}"?)` : ` (known: ${known.join(', ')})`;
}

/** Steps rise strictly and end at `weight`. */
function stepChecks(track: string, t: TrafficTrackSpec, at: At): void {
  const path = ['traffic', 'tracks', track, 'steps'];
  t.steps.forEach((s, i) => {
    if (i > 0 && s <= t.steps[i - 1]!) at([...path, i], `traffic.tracks.${track}.steps must rise: ${s} after ${t.steps[i - 1]}`);
  });
  const last = t.steps.at(-1);
  if (last === undefined && t.weight > 0) at(path, `traffic.tracks.${track}.steps is empty: it must end at weight ${t.weight}`);
  else if (last !== undefined && last !== t.weight) at([...path, t.steps.length - 1], `traffic.tracks.${track}.steps must end at weight ${t.weight}, not ${last}`);
}

/** stable and every moving track are tracks of the release, and different. */
function trackChecks(rel: ReleaseSpec, t: TrafficSpec, at: At): void {
  const own = Object.keys(rel.tracks ?? {});
  if (!rel.tracks) {
    at(['traffic'], `release "${rel.name}" has no tracks: traffic moves weight between its tracks (add tracks: or remove traffic:)`);
    return;
  }
  if (t.stable && !own.includes(t.stable)) at(['traffic', 'stable'], `traffic.stable: "${t.stable}" is not a track of release "${rel.name}"${didYouMean(t.stable, own)}`);
  for (const [name, track] of Object.entries(t.tracks)) {
    if (name === t.stable) at.key(['traffic', 'tracks'], name, `traffic.tracks.${name}: "${name}" is the stable track, which receives the rest of the traffic; it has no weight of its own`);
    else if (!own.includes(name)) at.key(['traffic', 'tracks'], name, `traffic.tracks: "${name}" is not a track of release "${rel.name}"${didYouMean(name, own)}`);
    stepChecks(name, track, at);
  }
}

/** Placeholders of the analysis and the Service name are cluster, track or release. */
function placeholderChecks(t: TrafficSpec, at: At): void {
  const report = (path: YamlPath, text: string, style: 'double' | 'single') => {
    for (const p of unknownPlaceholders(text, style)) at.inValue(path, p.offset, `unknown placeholder ${style === 'double' ? `{{${p.name}}}` : `{${p.name}}`} (known: cluster, track, release)`);
  };
  report(['traffic', 'service'], t.service, 'single');
  if (t.analysis?.prometheus) report(['traffic', 'analysis', 'prometheus', 'query'], t.analysis.prometheus.query, 'double');
  t.analysis?.http.forEach((h, i) => report(['traffic', 'analysis', 'http', i, 'url'], h.url, 'double'));
  if (t.router.kind === 'helm-values') report(['traffic', 'value'], t.router.value, 'single');
}

/** Clusters where a release has a unit (enabled: false counts as absent). */
function clustersOf(repo: DeployRepo, rel: ReleaseSpec): string[] {
  const names = repo.config.clusters.map((c) => c.name);
  if (!rel.clusters.length) return names;
  return names.filter((c) => {
    const matching = rel.clusters.filter((o) => matchesGlob(c, o.pattern));
    const exact = matching.find((o) => o.pattern === c);
    return matching.length > 0 && (exact ? exact.enabled : matching.every((o) => o.enabled));
  });
}

/** The router's own fields: a route for gateway-api; a track-less router release in the same clusters and a value path with {track} for helm-values. */
function routerChecks(repo: DeployRepo, rel: ReleaseSpec, t: TrafficSpec, raw: Obj, at: At): void {
  const stray = (keys: string[], router: string) => {
    for (const k of keys) if (raw[k] !== undefined) at.key(['traffic'], k, `traffic.${k} is for another router; router "${router}" does not use it`);
  };
  if (t.router.kind === 'gateway-api') {
    if (raw.route === undefined) at(['traffic'], 'traffic: router gateway-api needs route: { name, namespace } (an HTTPRoute that already exists)');
    stray(['release', 'value'], 'gateway-api');
    return;
  }
  stray(['route', 'service'], 'helm-values');
  if (raw.release === undefined) at(['traffic'], 'traffic: router helm-values needs release: (the router release of this repository)');
  if (raw.value === undefined) at(['traffic'], 'traffic: router helm-values needs value: (the values path of a weight, such as "backends.{track}.weight")');
  else if (!t.router.value.includes('{track}')) at(['traffic', 'value'], `traffic.value "${t.router.value}" must hold {track}: each track's weight has its own path`);
  const name = t.router.release;
  if (raw.release === undefined) return;
  const router = repo.releases.find((r) => r.name === name);
  if (!router) return at(['traffic', 'release'], `traffic.release: no release "${name}" in this repository${didYouMean(name, repo.releases.map((r) => r.name))}`);
  if (router === rel) return at(['traffic', 'release'], `traffic.release: release "${rel.name}" cannot be its own router`);
  if (router.tracks) at(['traffic', 'release'], `traffic.release: the router release "${router.name}" has tracks; a router is one helm release per cluster (remove its tracks:)`);
  const routed = new Set(clustersOf(repo, router));
  const missing = clustersOf(repo, rel).filter((c) => !routed.has(c));
  if (missing.length) at(['traffic', 'release'], `traffic.release: the router release "${router.name}" is not deployed on cluster${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}, where release "${rel.name}" runs`);
}

/** Every problem of every release's `traffic:`, each at its file:line:col. */
export function trafficDiagnostics(repo: DeployRepo, files: ReadonlyMap<string, YamlFile>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const rel of repo.releases) {
    const t = rel.traffic;
    const file = files.get(rel.file);
    if (!t || !file || !isObj(file.data) || !isObj(file.data.traffic)) continue;
    const push = (pos: SourcePos, message: string) => out.push({ file: pos.file, line: pos.line, col: pos.col, message });
    const at: At = Object.assign((path: YamlPath, message: string) => push(file.posOf(path), message), {
      key: (path: YamlPath, key: string, message: string) => push(file.keyPosOf(path, key), message),
      inValue: (path: YamlPath, offset: number, message: string) => push(file.posInValue(path, offset), message),
    });
    trackChecks(rel, t, at);
    placeholderChecks(t, at);
    routerChecks(repo, rel, t, file.data.traffic, at);
  }
  return out;
}
