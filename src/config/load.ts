// files -> model: reads clusters.yaml and releases/*.yaml with positions,
// validates them against the JSON Schemas, builds the typed model with every
// default made explicit, then runs the cross-file checks (validate.ts).
// Every problem is collected; nothing stops at the first.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';
import type { Diagnostic } from '../errors.ts';
import { IN_CLUSTER_CONTEXT } from '../model/identity.ts';
import type {
  ApiLimitsSpec,
  Limits,
  CascadeValues,
  ChartRepositorySpec,
  IgnoreRule,
  ClusterSelector,
  ClusterSpec,
  ClustersFileSpec,
  DeployRepo,
  HealthOverride,
  HealthSpec,
  NeedSpec,
  ReleaseClusterOverride,
  ReleaseSpec,
  ValuesLayer,
  WaveSpec,
} from '../model/spec.ts';
import { checkBoundary, makeBoundary, outsideMessage } from './boundary.ts';
import type { Boundary } from './boundary.ts';
import { parseDuration } from './duration.ts';
import { LIMIT_ENV, limitsFromEnv } from './limits.ts';
import { buildPolicies, buildPolicyExceptions, policyExceptionDiagnostics } from './policies.ts';
import { schemaDiagnostics } from './schema.ts';
import { buildTraffic, trafficDiagnostics } from './traffic.ts';
import { secretRefDiagnostics } from './secret-refs.ts';
import { vaultBuilder } from './vault.ts';
import { crossFileDiagnostics } from './validate.ts';
import { readYamlFile } from './yaml-file.ts';
import type { YamlFile, YamlPath } from './yaml-file.ts';

export const DEFAULT_HEALTH: HealthSpec = {
  timeoutMs: 5 * 60_000,
  soakMs: 2 * 60_000,
  minReadyEndpoints: 1,
  maxRestarts: 0,
  restartWindowMs: 60 * 60_000,
  maxRecentRestarts: 0,
  http: [],
};

export interface LoadOptions {
  clustersFile: string; // path as given (default ./clusters.yaml)
  releasesDir?: string; // default <root>/releases
  cwd?: string;
  /** --allow-root: folders beside the repository that values files and charts may come from (the operator's opt-in). */
  allowRoots?: readonly string[];
  /** Default: DEFAULT_LIMITS, each overridden by its environment variable. */
  limits?: Limits;
}

export interface LoadResult {
  repo: DeployRepo | undefined;
  diagnostics: Diagnostic[];
}

/** Loads and validates; throws ConfigError (exit 4) listing every problem. */
export function loadDeployRepoOrThrow(opts: LoadOptions): DeployRepo {
  const { repo, diagnostics } = loadDeployRepo(opts);
  if (diagnostics.length || !repo) throw new ConfigError(diagnostics);
  return repo;
}

/** How load shows a path: relative to cwd when inside it, else absolute. */
type Shown = (abs: string) => string;

export function loadDeployRepo(opts: LoadOptions): LoadResult {
  const cwd = opts.cwd ?? process.cwd();
  const limits = opts.limits ?? limitsFromEnv(process.env);
  const clustersAbs = resolve(cwd, opts.clustersFile);
  const root = dirname(clustersAbs);
  const boundary = makeBoundary(root, (opts.allowRoots ?? []).map((r) => resolve(cwd, r)));
  const shown: Shown = (abs) => {
    const rel = relative(cwd, abs);
    return rel && !rel.startsWith('..') ? rel : abs;
  };
  const diagnostics: Diagnostic[] = [];
  const files = new Map<string, YamlFile>();

  // clusters.yaml itself: a symlink to a file elsewhere is refused like any other path (--allow-root does not apply)
  const own = makeBoundary(root);
  const cfWhere = checkBoundary(clustersAbs, root, own);
  if (!cfWhere.inside) return { repo: undefined, diagnostics: [{ file: shown(clustersAbs), line: 1, col: 1, message: outsideMessage('clusters file', opts.clustersFile, cfWhere.via, own) }] };
  const cf = readYamlFile(clustersAbs, shown(clustersAbs), limits);
  files.set(cf.file, cf);
  diagnostics.push(...cf.diagnostics);
  if (cf.data !== undefined) diagnostics.push(...schemaDiagnostics('clusters', cf));
  const config = buildClustersFile(cf, root, diagnostics);
  if (config) Object.assign(config, { allowedRoots: boundary.real, limits });
  if (config && isObj(cf.data)) config.policies = buildPolicies(cf, cf.data.policies, diagnostics);

  const releasesAbs = opts.releasesDir ? resolve(cwd, opts.releasesDir) : join(root, 'releases');
  const releases = readReleases({ releasesAbs, given: opts.releasesDir, root, boundary, limits, shown }, files, diagnostics);

  if (!config) return { repo: undefined, diagnostics };
  const repo: DeployRepo = { config, releases };
  // the checks of one file's kind first, the cross-file checks (which ask the model) last; pushed in their old order
  const policies = policyExceptionDiagnostics(config.policies ?? [], releases);
  const traffic = trafficDiagnostics(repo, files);
  const secretRefs = secretRefDiagnostics(repo, { root, boundary, limits, shown, files });
  diagnostics.push(...crossFileDiagnostics(repo, files, { boundary, limits, shown }), ...policies, ...traffic, ...secretRefs);
  return { repo, diagnostics: sortDiagnostics(diagnostics) };
}

/**
 * Whether a path of a release file is inside one of its `set:` maps (the
 * release's, a track's, a cluster's, a cluster's track's): integers there
 * stay exact, as helm's --set keeps them (docs/values.md).
 */
export function inSetMap(path: readonly (string | number)[]): boolean {
  const [a, , c, , e] = path;
  if (a === 'set') return path.length >= 2;
  if (a === 'tracks' || a === 'clusters') {
    if (c === 'set') return path.length >= 4;
    if (a === 'clusters' && c === 'tracks' && e === 'set') return path.length >= 6;
  }
  return false;
}

interface ReleasesInput {
  releasesAbs: string;
  /** --releases as given (undefined: the default releases/ beside clusters.yaml). */
  given: string | undefined;
  root: string;
  boundary: Boundary;
  limits: Limits;
  shown: Shown;
}

/** The release files of the releases folder: inside the repository, at most maxReleases of them, each read and built. */
function readReleases(r: ReleasesInput, files: Map<string, YamlFile>, diagnostics: Diagnostic[]): ReleaseSpec[] {
  const at = (abs: string, message: string) => diagnostics.push({ file: r.shown(abs), line: 1, col: 1, message });
  const dir = checkBoundary(r.releasesAbs, r.root, r.boundary);
  if (!dir.inside) {
    at(r.releasesAbs, outsideMessage('the releases folder', r.given ?? 'releases', dir.via, r.boundary));
    return [];
  }
  if (!existsSync(r.releasesAbs) || !statSync(r.releasesAbs).isDirectory()) {
    at(r.releasesAbs, 'releases folder not found (use --releases DIR)');
    return [];
  }
  const names = readdirSync(r.releasesAbs)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  if (names.length > r.limits.maxReleases) {
    at(r.releasesAbs, `${names.length} release files, over the limit of ${r.limits.maxReleases} (${LIMIT_ENV.maxReleases}); nothing was read`);
    return [];
  }
  const releases: ReleaseSpec[] = [];
  for (const f of names) {
    const abs = join(r.releasesAbs, f);
    const where = checkBoundary(abs, r.root, r.boundary);
    if (!where.inside) {
      at(abs, outsideMessage('release file', r.shown(abs), where.via, r.boundary));
      continue;
    }
    const rf = readYamlFile(abs, r.shown(abs), r.limits, { kind: 'config', exactIntsAt: inSetMap });
    files.set(rf.file, rf);
    diagnostics.push(...rf.diagnostics);
    if (rf.data === undefined) continue;
    diagnostics.push(...schemaDiagnostics('release', rf));
    const rel = buildRelease(rf, diagnostics);
    if (rel) releases.push(rel);
  }
  return releases;
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .filter((d) => {
      const k = `${d.file}:${d.line}:${d.col}:${d.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : a.file < b.file ? -1 : 1));
}

// ---- lenient accessors: schema errors are already reported; build what we can

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const strMap = (v: unknown): Record<string, string> =>
  isObj(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};

/** A duration string in ms; malformed ones were reported by the schema's pattern. */
const durationOf = (v: unknown): number | undefined => (typeof v === 'string' ? parseDuration(v) : undefined);

function buildHealth(v: unknown): HealthOverride {
  if (!isObj(v)) return {};
  const h: HealthOverride = {};
  const timeout = durationOf(v.timeout);
  if (timeout !== undefined) h.timeoutMs = timeout;
  const soak = durationOf(v.soak);
  if (soak !== undefined) h.soakMs = soak;
  if (Number.isInteger(v.minReadyEndpoints)) h.minReadyEndpoints = v.minReadyEndpoints as number;
  if (Number.isInteger(v.maxRestarts)) h.maxRestarts = v.maxRestarts as number;
  const restartWindow = durationOf(v.restartWindow);
  if (restartWindow !== undefined) h.restartWindowMs = restartWindow;
  if (Number.isInteger(v.maxRecentRestarts)) h.maxRecentRestarts = v.maxRecentRestarts as number;
  if (Array.isArray(v.http)) {
    h.http = v.http.filter(isObj).map((g) => ({ url: String(g.url ?? ''), expectStatus: typeof g.expectStatus === 'number' ? g.expectStatus : 200 }));
  }
  if (isObj(v.prometheus)) {
    h.prometheus = { url: String(v.prometheus.url ?? ''), query: String(v.prometheus.query ?? ''), max: Number(v.prometheus.max ?? 0) };
  }
  return h;
}

const cascadeValuesOf = (v: unknown): CascadeValues | undefined => (v === 'auto' || v === 'always' || v === 'never' ? v : undefined);

function buildIgnoreRules(v: unknown): IgnoreRule[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObj).map((r) => {
    const rule: IgnoreRule = { jsonPointers: strList(r.jsonPointers) };
    for (const k of ['kind', 'name', 'namespace'] as const) if (typeof r[k] === 'string') rule[k] = r[k];
    return rule;
  });
}

function buildRepositories(v: unknown): ChartRepositorySpec[] {
  return Array.isArray(v) ? v.filter(isObj).map((r) => ({ name: String(r.name ?? ''), url: String(r.url ?? '') })) : [];
}

function buildClustersFile(file: YamlFile, root: string, diags: Diagnostic[]): ClustersFileSpec | undefined {
  const d = file.data;
  if (!isObj(d)) {
    if (d !== undefined) diags.push({ ...file.posOf([]), message: 'clusters.yaml must be a map with a "clusters" key' });
    return undefined;
  }
  const clusters: ClusterSpec[] = [];
  const vaultFor = vaultBuilder(file, d.vault, diags);
  if (isObj(d.clusters)) {
    for (const [name, c] of Object.entries(d.clusters)) {
      if (!isObj(c)) continue;
      const spec: ClusterSpec = {
        name,
        context: c.inCluster === true && c.context === undefined ? IN_CLUSTER_CONTEXT : (str(c.context) ?? ''),
        provider: str(c.provider) ?? '',
        region: str(c.region) ?? '',
        labels: strMap(c.labels),
        vault: vaultFor(name, c.vault),
        pos: file.keyPosOf(['clusters'], name),
      };
      const fo = str(c.failoverFor);
      if (fo !== undefined) spec.failoverFor = fo;
      if (c.inCluster === true) spec.inCluster = true;
      const api = apiLimitsOf(c.api);
      if (api) spec.api = api;
      clusters.push(spec);
    }
  }
  const tracks = strList(d.tracks);
  const waves: WaveSpec[] = [];
  if (Array.isArray(d.waves)) {
    d.waves.forEach((w, i) => {
      if (!isObj(w)) return;
      const wave: WaveSpec = {
        name: str(w.name) ?? `wave-${i + 1}`,
        tracks: strList(w.tracks),
        pos: file.posOf(['waves', i]),
      };
      if (isObj(w.clusters)) {
        const sel: ClusterSelector = {};
        const n = str(w.clusters.name);
        if (n !== undefined) sel.name = n;
        const p = str(w.clusters.provider);
        if (p !== undefined) sel.provider = p;
        const r = str(w.clusters.region);
        if (r !== undefined) sel.region = r;
        if (isObj(w.clusters.labels)) sel.labels = strMap(w.clusters.labels);
        wave.clusters = sel;
      }
      const soak = durationOf(w.soak);
      if (soak !== undefined) wave.soakMs = soak;
      if (w.health !== undefined) wave.health = buildHealth(w.health);
      waves.push(wave);
    });
  }
  const spec: ClustersFileSpec = {
    file: file.file,
    root,
    repoName: str(d.name) ?? repoNameOf(root),
    clusters,
    tracks,
    waves,
    wavesGiven: Array.isArray(d.waves),
    health: { ...DEFAULT_HEALTH, ...buildHealth(d.health) },
    onFailure: d.onFailure === 'halt' ? 'halt' : 'rollback',
    cascadeValues: cascadeValuesOf(d.cascadeValues) ?? 'auto',
    repositories: buildRepositories(d.repositories),
    policies: [],
  };
  const kc = str(d.kubeconfig);
  if (kc !== undefined) spec.kubeconfig = kc;
  const api = apiLimitsOf(d.api);
  if (api) spec.api = api;
  return spec;
}

/** `api: { qps, burst, concurrency }` (the schema checked the types). */
function apiLimitsOf(v: unknown): ApiLimitsSpec | undefined {
  if (!isObj(v)) return undefined;
  const out: ApiLimitsSpec = {};
  for (const k of ['qps', 'burst', 'concurrency'] as const) if (typeof v[k] === 'number') out[k] = v[k];
  return out;
}

/** A folder name made into a valid label value (the default repository name). */
export function repoNameOf(root: string): string {
  const n = basename(root).replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '').slice(0, 63);
  return n || 'deploy';
}

function buildLayer(file: YamlFile, path: YamlPath, v: unknown): ValuesLayer {
  const o = isObj(v) ? v : {};
  return { values: strList(o.values), set: isObj(o.set) ? o.set : {}, pos: file.posOf(path) };
}

const NEED_PATTERN = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\/)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `needs: [name, namespace/name]`, each with its position; malformed entries were reported by the schema. */
function buildNeeds(file: YamlFile, v: unknown): NeedSpec[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((n, i): NeedSpec[] => {
    if (typeof n !== 'string' || !NEED_PATTERN.test(n)) return [];
    const slash = n.indexOf('/');
    const pos = file.posOf(['needs', i]);
    return slash < 0 ? [{ release: n, pos }] : [{ release: n.slice(slash + 1), namespace: n.slice(0, slash), pos }];
  });
}

function buildRelease(file: YamlFile, diags: Diagnostic[]): ReleaseSpec | undefined {
  const d = file.data;
  if (!isObj(d)) {
    diags.push({ ...file.posOf([]), message: 'a release file must be a map with name, namespace and chart' });
    return undefined;
  }
  const name = str(d.name);
  if (!name) return undefined; // schema reported the missing name
  const chart = isObj(d.chart) ? d.chart : {};
  const rel: ReleaseSpec = {
    name,
    namespace: str(d.namespace) ?? 'default',
    file: file.file,
    chart: { ref: str(chart.ref) ?? '', pos: file.posOf(['chart', 'ref']) },
    base: buildLayer(file, [], d),
    clusters: [],
    health: buildHealth(d.health),
    repositories: buildRepositories(d.repositories),
    ignoreDifferences: buildIgnoreRules(d.ignoreDifferences),
    policyExceptions: buildPolicyExceptions(file, d.policyExceptions),
    needs: buildNeeds(file, d.needs),
    labels: strMap(d.labels),
    pos: file.posOf(['name']),
  };
  const cv = cascadeValuesOf(d.cascadeValues);
  if (cv) rel.cascadeValues = cv;
  const version = str(chart.version);
  if (version !== undefined) rel.chart.version = version;
  const ride = str(d.track);
  if (ride !== undefined) rel.rideWith = ride;
  const traffic = buildTraffic(file, d.traffic, rel.namespace);
  if (traffic) rel.traffic = traffic;
  if (isObj(d.tracks)) {
    rel.tracks = {};
    for (const [t, layer] of Object.entries(d.tracks)) rel.tracks[t] = buildLayer(file, ['tracks', t], layer);
  }
  if (isObj(d.clusters)) {
    for (const [pattern, c] of Object.entries(d.clusters)) {
      const o = isObj(c) ? c : {};
      const override: ReleaseClusterOverride = {
        ...buildLayer(file, ['clusters', pattern], o),
        pattern,
        enabled: o.enabled !== false,
        tracks: {},
      };
      override.pos = file.keyPosOf(['clusters'], pattern);
      if (isObj(o.tracks)) {
        for (const [t, layer] of Object.entries(o.tracks)) override.tracks[t] = buildLayer(file, ['clusters', pattern, 'tracks', t], layer);
      }
      rel.clusters.push(override);
    }
  }
  return rel;
}
