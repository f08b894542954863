// Cross-file checks: names that must exist, patterns that must match, files
// that must be there, waves that must cover every (track, cluster) exactly
// once. Each problem carries the file:line:col of the offending text.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import semver from 'semver';
import type { Diagnostic } from '../errors.ts';
import { unitId } from '../model/identity.ts';
import { matchesGlob, matchesSelector, shortText } from '../model/selectors.ts';
import type { ClusterSelector, ClusterSpec, DeployRepo, Limits, ReleaseSpec, SourcePos, ValuesLayer } from '../model/spec.ts';
import { checkBoundary, outsideMessage, symlinkOut } from './boundary.ts';
import type { Boundary } from './boundary.ts';
import { LIMIT_ENV, setDepth } from './limits.ts';
import { needsChecks } from './needs.ts';
import { readValuesFile } from './values-file.ts';
import { readYamlFile } from './yaml-file.ts';
import { chartRefKind, ociRefProblem } from '../model/chart-ref.ts';
import { expandUnits } from '../model/units.ts';
import type { UnitSpec } from '../model/units.ts';
import { effectiveWaves, waveHolds } from '../model/waves.ts';
import type { YamlFile, YamlPath } from './yaml-file.ts';

function didYouMean(name: string, known: string[]): string {
  if (!known.length) return '';
  const prefixed = known.find((k) => k.startsWith(name) || name.startsWith(k));
  if (prefixed) return ` (did you mean "${prefixed}"?)`;
  const guess = closest(name, known);
  return distance(name, guess) <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${guess}"?)` : ` (known: ${known.join(', ')})`;
}

/** Where to report: a diagnostic at a position. */
type At = (pos: SourcePos, message: string) => void;

interface Files {
  /** Position of a path in clusters.yaml. */
  cpos: (path: YamlPath) => SourcePos;
  /** Position of the `waves:` key (or the top of the file). */
  wavesKey: SourcePos;
  release: (rel: ReleaseSpec) => { pos: (path: YamlPath) => SourcePos; keyPos: (path: YamlPath, key: string) => SourcePos };
}

function filesOf(repo: DeployRepo, files: Map<string, YamlFile>): Files {
  const cf = files.get(repo.config.file);
  const cpos = (path: YamlPath): SourcePos => cf?.posOf(path) ?? { file: repo.config.file, line: 1, col: 1 };
  return {
    cpos,
    wavesKey: cf?.keyPosOf([], 'waves') ?? cpos([]),
    release: (rel) => {
      const rf = files.get(rel.file);
      const top = { file: rel.file, line: 1, col: 1 };
      return { pos: (path) => rf?.posOf(path) ?? top, keyPos: (path, key) => rf?.keyPosOf(path, key) ?? top };
    },
  };
}

/** Which part of a selector matches nothing, quoting the value and what exists: `provider "aws" (providers: gke, onprem)`. */
function selectorMismatch(clusters: readonly ClusterSpec[], sel: ClusterSelector): string {
  const parts: string[] = [];
  const known = (values: string[]) => [...new Set(values.filter(Boolean))].sort().join(', ') || 'none set';
  if (sel.name !== undefined && !clusters.some((c) => matchesGlob(c.name, sel.name!))) parts.push(`name "${sel.name}" (clusters: ${known(clusters.map((c) => c.name))})`);
  if (sel.provider !== undefined && !clusters.some((c) => c.provider === sel.provider)) parts.push(`provider "${sel.provider}" (providers: ${known(clusters.map((c) => c.provider))})`);
  if (sel.region !== undefined && !clusters.some((c) => c.region === sel.region)) parts.push(`region "${sel.region}" (regions: ${known(clusters.map((c) => c.region))})`);
  for (const [k, v] of Object.entries(sel.labels ?? {})) {
    if (!clusters.some((c) => c.labels[k] === v)) parts.push(`label ${k}="${v}" (values of ${k}: ${known(clusters.flatMap((c) => (c.labels[k] !== undefined ? [c.labels[k]] : [])))})`);
  }
  return parts.length ? parts.join('; ') : `no cluster has all of ${JSON.stringify(sel)} at once`;
}

/**
 * The failoverFor cycles (a -> b -> a, a -> b -> c -> a), each once, starting
 * at its first cluster in file order: a primary goes before its failover, so
 * in a cycle none can go first.
 */
export function failoverCycles(clusters: readonly { name: string; failoverFor?: string | undefined }[]): string[][] {
  const primaryOf = new Map(clusters.map((c) => [c.name, c.failoverFor]));
  const cycles: string[][] = [];
  const inCycle = new Set<string>();
  for (const c of clusters) {
    const path: string[] = [];
    let cur: string | undefined = c.name;
    while (cur !== undefined && !path.includes(cur) && !inCycle.has(cur) && primaryOf.has(cur)) {
      path.push(cur);
      cur = primaryOf.get(cur);
    }
    if (cur === undefined || inCycle.has(cur) || !path.includes(cur)) continue;
    const cycle = path.slice(path.indexOf(cur));
    if (cycle.length < 2) continue; // itself: reported as such
    cycle.forEach((n) => inCycle.add(n));
    const first = clusters.findIndex((x) => cycle.includes(x.name));
    const start = cycle.indexOf(clusters[first]!.name);
    cycles.push([...cycle.slice(start), ...cycle.slice(0, start)]);
  }
  return cycles;
}

/** failoverFor names a known cluster (not itself), in no cycle; each context is used once. */
function clusterChecks(repo: DeployRepo, f: Files, at: At): void {
  const clusterNames = repo.config.clusters.map((c) => c.name);
  const contexts = new Map<string, string>();
  for (const c of repo.config.clusters) {
    if (c.failoverFor !== undefined) {
      if (c.failoverFor === c.name) at(f.cpos(['clusters', c.name, 'failoverFor']), `cluster "${c.name}" cannot be its own failover`);
      else if (!clusterNames.includes(c.failoverFor)) at(f.cpos(['clusters', c.name, 'failoverFor']), `failoverFor: unknown cluster "${c.failoverFor}"${didYouMean(c.failoverFor, clusterNames)}`);
    }
    if (!c.context) continue;
    const other = contexts.get(c.context);
    if (other) at(f.cpos(['clusters', c.name, 'context']), `context "${c.context}" is already used by cluster "${other}"`);
    else contexts.set(c.context, c.name);
  }
  for (const cycle of failoverCycles(repo.config.clusters)) {
    const chain = [...cycle, cycle[0]!].join(' -> ');
    at(f.cpos(['clusters', cycle[0]!, 'failoverFor']), `failoverFor cycle: ${chain} (each cluster is the failover of the next; a primary is changed before its failover, so in a cycle none can go first)`);
  }
}

/** Wave names unique, tracks known, selectors matching a cluster, every (track, cluster) in exactly one wave. */
function waveChecks(repo: DeployRepo, f: Files, at: At): void {
  const { config } = repo;
  if (!config.wavesGiven) return;
  const trackNames = config.tracks;
  const names = new Map<string, number>();
  config.waves.forEach((w, i) => {
    if (names.has(w.name)) at(f.cpos(['waves', i, 'name']), `duplicate wave name "${w.name}" (also wave ${names.get(w.name)! + 1})`);
    else names.set(w.name, i);
    w.tracks.forEach((t, j) => {
      if (!trackNames.includes(t)) at(f.cpos(['waves', i, 'tracks', j]), trackNames.length ? `unknown track "${t}"${didYouMean(t, trackNames)}` : `unknown track "${t}": clusters.yaml declares no tracks`);
    });
    if (trackNames.length && w.tracks.length === 0) at(f.cpos(['waves', i]), `wave "${w.name}" names no tracks (clusters.yaml declares tracks: ${trackNames.join(', ')})`);
    if (w.clusters && !config.clusters.some((c) => matchesSelector(c, w.clusters))) at(f.cpos(['waves', i, 'clusters']), `cluster selector of wave "${w.name}" matches no cluster: ${selectorMismatch(config.clusters, w.clusters)}`);
  });
  const waves = effectiveWaves(config);
  for (const t of trackNames.length ? trackNames : [undefined]) {
    for (const c of config.clusters) {
      const holding = waves.filter((w) => waveHolds(w, t, c));
      const pair = t === undefined ? `cluster "${c.name}"` : `track "${t}" on cluster "${c.name}"`;
      if (holding.length === 0) at(f.wavesKey, `${pair} falls in no wave`);
      else if (holding.length > 1) at(f.cpos(['waves', config.waves.indexOf(holding[1]!)]), `${pair} falls in ${holding.length} waves: ${holding.map((w) => `"${w.name}"`).join(', ')}`);
    }
  }
}

/** A release's tracks, ride-with track and cluster patterns name what clusters.yaml declares. */
function releaseNameChecks(rel: ReleaseSpec, repo: DeployRepo, f: Files, at: At): void {
  const trackNames = repo.config.tracks;
  const clusterNames = repo.config.clusters.map((c) => c.name);
  const { pos, keyPos } = f.release(rel);
  const unknownTrack = (t: string) => (trackNames.length ? `unknown track "${t}"${didYouMean(t, trackNames)}` : `unknown track "${t}": clusters.yaml declares no tracks`);
  if (rel.tracks) {
    if (rel.rideWith !== undefined) at(pos(['track']), '"track" is for releases without "tracks"; remove one of them');
    for (const t of Object.keys(rel.tracks)) if (!trackNames.includes(t)) at(keyPos(['tracks'], t), unknownTrack(t));
  } else if (rel.rideWith !== undefined && !trackNames.includes(rel.rideWith)) at(pos(['track']), `unknown track "${rel.rideWith}"${didYouMean(rel.rideWith, trackNames)}`);
  for (const o of rel.clusters) {
    if (!clusterNames.some((c) => matchesGlob(c, o.pattern))) at(o.pos, `cluster pattern "${o.pattern}" matches no cluster${/[*?]/.test(o.pattern) ? '' : didYouMean(o.pattern, clusterNames)}`);
    for (const t of Object.keys(o.tracks)) {
      if (!rel.tracks) at(keyPos(['clusters', o.pattern, 'tracks'], t), `clusters.${o.pattern}.tracks.${t}: release "${rel.name}" has no tracks`);
      else if (!(t in rel.tracks)) at(keyPos(['clusters', o.pattern, 'tracks'], t), `unknown track "${t}" for release "${rel.name}"${didYouMean(t, Object.keys(rel.tracks))}`);
    }
  }
}

/** What the file checks need besides the model: the boundary, the limits, how to show a path. */
export interface FileCheckContext {
  boundary: Boundary;
  limits: Limits;
  shown: (abs: string) => string;
}

/** Each layer of a release with its path in the release file. */
export function layersOf(rel: ReleaseSpec): [ValuesLayer, YamlPath][] {
  const out: [ValuesLayer, YamlPath][] = [[rel.base, []]];
  for (const [t, layer] of Object.entries(rel.tracks ?? {})) out.push([layer, ['tracks', t]]);
  for (const o of rel.clusters) {
    out.push([o, ['clusters', o.pattern]]);
    for (const [t, layer] of Object.entries(o.tracks)) out.push([layer, ['clusters', o.pattern, 'tracks', t]]);
  }
  return out;
}

/**
 * Every values file a release names: inside the repository (after symlinks;
 * nothing outside is opened), present, and parsed as plan parses it (size,
 * alias and duplicate-key limits, a map). Each file is parsed once.
 */
function valuesFileChecks(rel: ReleaseSpec, root: string, f: Files, at: At, ctx: FileCheckContext, parsed: Map<string, Diagnostic[]>): Diagnostic[] {
  const { pos } = f.release(rel);
  const problems: Diagnostic[] = [];
  for (const [layer, path] of layersOf(rel)) {
    layer.values.forEach((v, i) => {
      const where = checkBoundary(v, root, ctx.boundary);
      if (!where.inside) return at(pos([...path, 'values', i]), outsideMessage('values file', v, where.via, ctx.boundary));
      if (where.real === undefined || !existsSync(where.real)) return at(pos([...path, 'values', i]), `values file not found: ${v} (paths are relative to the folder holding clusters.yaml)`);
      if (!parsed.has(where.real)) {
        const abs = isAbsolute(v) ? resolve(v) : join(root, v);
        const found = readValuesFile(where.real, ctx.shown(abs), ctx.limits).diagnostics;
        parsed.set(where.real, found);
        problems.push(...found);
      }
    });
  }
  return problems;
}

/** `set:` paths no deeper than the limit (dotted keys expanded, nested maps counted). */
function setDepthChecks(rel: ReleaseSpec, f: Files, at: At, limits: Limits): void {
  const { pos } = f.release(rel);
  for (const [layer, path] of layersOf(rel)) {
    const { depth, key } = setDepth(layer.set);
    if (depth > limits.maxSetDepth) at(pos([...path, 'set']), `set: the path starting ${JSON.stringify(key.split('.')[0])} is ${depth} keys deep, over the limit of ${limits.maxSetDepth} (${LIMIT_ENV.maxSetDepth})`);
  }
}

/** A chart ref is a chart folder, an oci:// URL, or repo/name of a declared repository; versions are semver ranges. */
/** The `file://` dependencies of a local chart's Chart.yaml that leave the allowed folders (helm would load them). */
function fileDependenciesOut(chartDir: string, boundary: Boundary, limits: Limits): { path: string; via: 'path' | 'symlink' }[] {
  const meta = readYamlFile(join(chartDir, 'Chart.yaml'), 'Chart.yaml', limits).data;
  const deps = meta && typeof meta === 'object' && Array.isArray((meta as { dependencies?: unknown }).dependencies) ? ((meta as { dependencies: unknown[] }).dependencies) : [];
  const out: { path: string; via: 'path' | 'symlink' }[] = [];
  for (const d of deps) {
    const repo = d && typeof d === 'object' ? (d as { repository?: unknown }).repository : undefined;
    if (typeof repo !== 'string' || !repo.startsWith('file://')) continue;
    const path = repo.slice('file://'.length);
    const where = checkBoundary(path, chartDir, boundary);
    if (!where.inside) out.push({ path: repo, via: where.via });
  }
  return out;
}

/** What a local chart folder is, looked at once per folder however many releases use it (a repository of 200 releases of one chart walked it 200 times). */
type LocalChart = 'missing' | 'not a chart' | { link: string | undefined; deps: { path: string; via: 'path' | 'symlink' }[] };
type LocalCharts = Map<string, LocalChart>;

function localChart(abs: string, boundary: Boundary, limits: Limits, charts: LocalCharts): LocalChart {
  const known = charts.get(abs);
  if (known !== undefined) return known;
  const found: LocalChart = !existsSync(abs) || !statSync(abs).isDirectory() ? 'missing' : !existsSync(join(abs, 'Chart.yaml')) ? 'not a chart' : { link: symlinkOut(abs, boundary), deps: fileDependenciesOut(abs, boundary, limits) };
  charts.set(abs, found);
  return found;
}

function chartChecks(rel: ReleaseSpec, repo: DeployRepo, f: Files, at: At, boundary: Boundary, limits: Limits, charts: LocalCharts): void {
  const { pos } = f.release(rel);
  const { ref, version } = rel.chart;
  if (ref) {
    const where = checkBoundary(ref, repo.config.root, boundary);
    // a ref that leaves the repository is refused before anything looks at it (not even whether it exists)
    const kind = where.inside || ref.startsWith('oci://') ? chartRefKind(ref, repo.config.root) : 'local';
    if (kind === 'local' && !where.inside) at(pos(['chart', 'ref']), outsideMessage('chart folder', ref, where.via, boundary));
    else if (kind === 'local') {
      const local = localChart(isAbsolute(ref) ? ref : join(repo.config.root, ref), boundary, limits, charts);
      if (local === 'missing') at(pos(['chart', 'ref']), `chart folder not found: ${ref}`);
      else if (local === 'not a chart') at(pos(['chart', 'ref']), `${ref} is not a chart (no Chart.yaml)`);
      else {
        if (local.link !== undefined) at(pos(['chart', 'ref']), outsideMessage(`chart ${ref}: the symlink`, local.link, 'symlink', boundary));
        for (const dep of local.deps) at(pos(['chart', 'ref']), outsideMessage(`chart ${ref}: the file:// dependency`, dep.path, dep.via, boundary));
      }
    } else if (kind === 'oci') {
      const bad = ociRefProblem(ref);
      if (bad) at(pos(['chart', 'ref']), `chart ref ${JSON.stringify(shortText(ref))}: not a valid OCI reference: ${bad}`);
    } else if (kind === 'repo') {
      const parts = ref.split('/');
      const repos = [...rel.repositories, ...repo.config.repositories].map((r) => r.name);
      if (parts.length !== 2) at(pos(['chart', 'ref']), `chart ref "${ref}": not a local folder, oci:// URL, or repo/name`);
      else if (!repos.includes(parts[0]!)) at(pos(['chart', 'ref']), `chart ref "${ref}": no local folder of that name and no repository "${parts[0]}" in repositories${didYouMean(parts[0]!, repos)}`);
    }
    if (kind !== 'local' && version === undefined) at(pos(['chart']), `chart "${ref}" needs a version (an exact version or a semver range such as "~1.4.0")`);
  }
  if (version !== undefined && semver.validRange(version) === null) at(pos(['chart', 'version']), `invalid semver range "${version}" (e.g. "1.4.2", "~1.4.0", "^2", ">=1.2 <2")`);
}

/** Release names unique; no two releases make the same helm release in one cluster + namespace. */
function uniquenessChecks(repo: DeployRepo, units: readonly UnitSpec[], at: At): void {
  const byName = new Map<string, ReleaseSpec>();
  for (const rel of repo.releases) {
    const first = byName.get(rel.name);
    if (first) at(rel.pos, `duplicate release name "${rel.name}" (first defined in ${first.file}:${first.pos.line})`);
    else byName.set(rel.name, rel);
  }
  const owners = new Map<string, ReleaseSpec>();
  for (const u of units) {
    const id = unitId(u);
    const other = owners.get(id);
    if (other && other !== u.releaseSpec && other.name !== u.releaseSpec.name) {
      at(u.releaseSpec.pos, `helm release "${u.helmName}" in namespace "${u.namespace}" on cluster "${u.cluster}" is also made by release "${other.name}" (${other.file})`);
    } else owners.set(id, u.releaseSpec);
  }
}

export function crossFileDiagnostics(repo: DeployRepo, files: Map<string, YamlFile>, ctx: FileCheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const parsed = new Map<string, Diagnostic[]>();
  const at: At = (pos, message) => out.push({ file: pos.file, line: pos.line, col: pos.col, message });
  const f = filesOf(repo, files);
  // the files first, then what the model's helpers answer (config/load.ts sorts the diagnostics)
  clusterChecks(repo, f, at);
  for (const rel of repo.releases) {
    out.push(...valuesFileChecks(rel, repo.config.root, f, at, ctx, parsed));
    setDepthChecks(rel, f, at, ctx.limits);
  }
  waveChecks(repo, f, at);
  const charts: LocalCharts = new Map();
  for (const rel of repo.releases) {
    releaseNameChecks(rel, repo, f, at);
    chartChecks(rel, repo, f, at, ctx.boundary, ctx.limits, charts);
  }
  const units = expandUnits(repo);
  uniquenessChecks(repo, units, at);
  needsChecks(repo, units, { at, suggest: didYouMean });
  return out;
}
