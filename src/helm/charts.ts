// Chart sources: local folders, HTTP chart repositories (`repo/name`) and OCI
// registries (`oci://`). A semver range resolves to the highest matching
// version of the repository's index.yaml or the registry's tags; each index
// or tag list is fetched once per resolver (= once per run); packaged charts
// are cached under ~/.cache/helm-cascade/charts/<source>/<name>-<version>.tgz
// and unpacked once under charts/unpacked/<sha256>/.
//
// Dependencies declared in Chart.yaml but not under charts/ are resolved as
// `helm dependency build` does: the versions Chart.lock pins (else the
// highest match of Chart.yaml's range), from an OCI registry, an HTTP
// repository (by URL, or `@name`/`alias:name` of clusters.yaml's or the
// release's repositories) or `file://` (a folder of the repository, itself
// resolved the same way). They are assembled in a copy of the chart under
// charts/built/<digest>/ — the repository's own folder is never written to.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import semver from 'semver';
import { parse } from 'yaml';
import { CascadeError } from '../errors.ts';
import { writeFileAtomically } from '../files.ts';
import { checkBoundary, makeBoundary, outsideMessage } from '../config/boundary.ts';
import { chartRefKind } from '../model/chart-ref.ts';
import type { ChartRepositorySpec, ChartSpec } from '../model/spec.ts';
import type { ResolvedChart } from '../model/release.ts';
import { chartDigest, chartFeatures, copyChart, readChartLock, readChartMeta, unpackChart, unpackSubcharts } from './chart-tree.ts';
import type { ChartDependency } from './chart-tree.ts';
import type { Helm } from './helm.ts';

/** A chart that cannot be resolved or fetched (exit 1; the unit shows it). */
class ChartError extends CascadeError {
  override name = 'ChartError';
}

const FETCH_TIMEOUT_MS = 60_000;

interface RepoIndexEntry {
  name: string;
  version: string;
  urls: string[];
  digest?: string;
}

interface RepoIndex {
  entries: Record<string, RepoIndexEntry[]>;
}

/** helm-cascade's cache folder: $HELM_CASCADE_CACHE, else $XDG_CACHE_HOME/helm-cascade, else ~/.cache/helm-cascade (charts/ and renders/ below it). */
export function defaultCacheRoot(): string {
  return process.env.HELM_CASCADE_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'helm-cascade');
}

/** Highest version satisfying the range (no range: highest stable). */
function pickVersion(versions: string[], range: string | undefined): string | undefined {
  const valid = versions.filter((v) => semver.valid(v) !== null);
  if (range === undefined || range === '' || range === 'latest') return semver.maxSatisfying(valid, '*') ?? undefined;
  if (semver.valid(range) !== null) return valid.find((v) => semver.eq(v, range));
  return semver.maxSatisfying(valid, range) ?? undefined;
}

/** `oci://host:port/path/name` -> the registry v2 API base and repository path. */
function parseOciRef(ref: string): { host: string; repository: string; name: string; baseUrl: string; plainHttp: boolean } {
  const rest = ref.slice('oci://'.length);
  const slash = rest.indexOf('/');
  const host = slash < 0 ? rest : rest.slice(0, slash);
  const repository = slash < 0 ? '' : rest.slice(slash + 1);
  const hostname = host.replace(/:\d+$/, '');
  const plainHttp = hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
  return { host, repository, name: repository.split('/').pop() ?? '', baseUrl: `${plainHttp ? 'http' : 'https'}://${host}`, plainHttp };
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}


function safeDir(s: string): string {
  return s.replace(/^[a-z]+:\/\//, '').replace(/[^A-Za-z0-9._-]+/g, '_');
}

export interface ChartResolverOptions {
  root: string; // deploy repo root
  /** The realpaths local charts may come from (ClustersFileSpec.allowedRoots: the root, then --allow-root folders). */
  allowedRoots?: readonly string[];
  repositories: ChartRepositorySpec[]; // clusters.yaml repositories
  helm: Helm;
  cacheDir?: string;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

export interface ChartResolver {
  resolve(chart: ChartSpec, releaseRepos: ChartRepositorySpec[]): Promise<ResolvedChart>;
}

async function httpGet(doFetch: typeof fetch, url: string, headers: Record<string, string> = {}): Promise<Response> {
  try {
    return await doFetch(url, { headers, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: Error }).cause;
    throw new ChartError(`GET ${url}: ${(err as Error).message}${cause ? ` (${cause.message})` : ''}`);
  }
}

/** A packaged chart fetched into the cache. */
interface Fetched {
  name: string;
  version: string;
  tgz: string;
  sha: string;
}

/** A dependency as it will be placed under charts/: a fetched package, or a folder of the repository (file://). */
type Placed = { kind: 'package'; fetched: Fetched } | { kind: 'folder'; name: string; dir: string; digest: string };

/** Each index, tag list, chart and download once per resolver (= once per run). */
class Resolver implements ChartResolver {
  readonly #o: ChartResolverOptions;
  readonly #cacheDir: string;
  readonly #fetch: typeof fetch;
  readonly #indexes = new Map<string, Promise<RepoIndex>>();
  readonly #tagLists = new Map<string, Promise<string[]>>();
  readonly #resolved = new Map<string, Promise<ResolvedChart>>();
  /** One download per cache path, however many ranges pick it. */
  readonly #fetches = new Map<string, Promise<Fetched>>();
  readonly #folders = new Map<string, Promise<{ dir: string; digest: string }>>();

  constructor(o: ChartResolverOptions) {
    this.#o = o;
    this.#cacheDir = o.cacheDir ?? join(defaultCacheRoot(), 'charts');
    this.#fetch = o.fetch ?? fetch;
  }

  #once<T>(cache: Map<string, Promise<T>>, key: string, get: () => Promise<T>): Promise<T> {
    let p = cache.get(key);
    if (!p) cache.set(key, (p = get()));
    return p;
  }

  #cachePath(source: string, name: string, version: string): string {
    return join(this.#cacheDir, safeDir(source), `${name}-${version}.tgz`);
  }

  #repoIndex(url: string): Promise<RepoIndex> {
    return this.#once(this.#indexes, url, async () => {
      const indexUrl = `${url.replace(/\/+$/, '')}/index.yaml`;
      this.#o.log?.(`GET ${indexUrl}`);
      const res = await httpGet(this.#fetch, indexUrl);
      if (!res.ok) throw new ChartError(`GET ${indexUrl}: HTTP ${res.status}`);
      const doc = parse(await res.text()) as RepoIndex | null;
      if (!doc || typeof doc.entries !== 'object' || doc.entries === null) throw new ChartError(`${indexUrl} is not a chart repository index (no entries)`);
      return doc;
    });
  }

  /** A registry GET, with the anonymous bearer token public registries ask for (WWW-Authenticate: Bearer realm=..,service=..,scope=..). */
  async #registryGet(url: string): Promise<Response> {
    const res = await httpGet(this.#fetch, url);
    if (res.status !== 401) return res;
    const h = res.headers.get('www-authenticate') ?? '';
    const params = Object.fromEntries([...h.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!/^bearer/i.test(h) || !params.realm) return res;
    const q = new URLSearchParams();
    if (params.service) q.set('service', params.service);
    if (params.scope) q.set('scope', params.scope);
    const tr = await httpGet(this.#fetch, `${params.realm}?${q}`);
    if (!tr.ok) return res;
    const tok = (await tr.json()) as { token?: string; access_token?: string };
    const token = tok.token ?? tok.access_token;
    return token ? httpGet(this.#fetch, url, { authorization: `Bearer ${token}` }) : res;
  }

  #ociTags(ref: string): Promise<string[]> {
    return this.#once(this.#tagLists, ref, async () => {
      const { baseUrl, repository } = parseOciRef(ref);
      const url = `${baseUrl}/v2/${repository}/tags/list?n=10000`;
      this.#o.log?.(`GET ${url}`);
      const res = await this.#registryGet(url);
      if (!res.ok) throw new ChartError(`${ref}: listing tags (GET ${url}) failed: HTTP ${res.status}`);
      const body = (await res.json()) as { tags?: string[] | null };
      // OCI tags cannot hold "+": helm pushes 1.0.0+build as 1.0.0_build
      return (body.tags ?? []).map((t) => t.replace(/_/g, '+'));
    });
  }

  async #download(what: string, version: string, entry: RepoIndexEntry, repoUrl: string, path: string): Promise<Buffer> {
    const cached = existsSync(path) ? readFileSync(path) : undefined;
    if (cached && (!entry.digest || sha256(cached) === entry.digest)) return cached; // else stale or corrupt: fetch again
    const u = entry.urls[0];
    if (!u) throw new ChartError(`chart "${what}" ${version}: the index lists no download URL`);
    const url = new URL(u, repoUrl.endsWith('/') ? repoUrl : `${repoUrl}/`).toString();
    this.#o.log?.(`GET ${url}`);
    const res = await httpGet(this.#fetch, url);
    if (!res.ok) throw new ChartError(`chart "${what}" ${version}: GET ${url}: HTTP ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (entry.digest && sha256(body) !== entry.digest) throw new ChartError(`chart "${what}" ${version}: downloaded file does not match the index digest`);
    writeFileAtomically(path, body);
    return body;
  }

  /** A chart of an HTTP repository (by URL), the highest version matching the range. */
  async #fetchFromRepo(what: string, repoUrl: string, name: string, range: string | undefined): Promise<Fetched> {
    const entries = (await this.#repoIndex(repoUrl)).entries[name] ?? [];
    if (!entries.length) throw new ChartError(`chart "${what}": repository ${repoUrl} has no chart "${name}"`);
    const version = pickVersion(entries.map((e) => e.version), range);
    if (!version) throw new ChartError(`chart "${what}": no version matches "${range}" (available: ${entries.map((e) => e.version).slice(0, 10).join(', ')})`);
    const entry = entries.find((e) => e.version === version)!;
    const tgz = this.#cachePath(repoUrl, name, version);
    return this.#once(this.#fetches, tgz, async () => ({ name, version, tgz, sha: sha256(await this.#download(what, version, entry, repoUrl, tgz)) }));
  }

  async #pull(ref: string, version: string, path: string): Promise<Buffer> {
    if (existsSync(path)) return readFileSync(path);
    const tmp = mkdtempSync(join(tmpdir(), 'helm-cascade-pull-'));
    try {
      await this.#o.helm.pull({ ref, version, destination: tmp, plainHttp: parseOciRef(ref).plainHttp });
      const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
      if (!tgz) throw new ChartError(`chart "${ref}" ${version}: helm pull wrote no .tgz`);
      const body = readFileSync(join(tmp, tgz));
      writeFileAtomically(path, body);
      return body;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** A chart of an OCI registry (`oci://host/path/name`), the highest tag matching the range. */
  async #fetchFromOci(ref: string, range: string | undefined): Promise<Fetched> {
    const { name, host, repository } = parseOciRef(ref);
    const tags = await this.#ociTags(ref);
    const version = pickVersion(tags, range);
    if (!version) throw new ChartError(`chart "${ref}": no tag matches "${range}" (available: ${tags.slice(0, 10).join(', ') || 'none'})`);
    const tgz = this.#cachePath(`${host}/${repository}`, name, version);
    return this.#once(this.#fetches, tgz, async () => ({ name, version, tgz, sha: sha256(await this.#pull(ref, version, tgz)) }));
  }

  /** A dependency's repository field -> where to fetch it (by URL, or a named repository). */
  #dependencySource(dep: ChartDependency, repos: ChartRepositorySpec[], chart: string): { kind: 'oci' | 'http'; url: string } | { kind: 'file'; path: string } {
    const repo = dep.repository ?? '';
    if (repo.startsWith('file://')) return { kind: 'file', path: repo.slice('file://'.length) };
    const named = /^(?:@|alias:)(.+)$/.exec(repo)?.[1];
    const url = named === undefined ? repo : repos.find((r) => r.name === named)?.url;
    if (url === undefined) throw new ChartError(`chart ${chart}: dependency "${dep.name}" names repository "${named}", which is not in repositories (clusters.yaml or the release)`);
    if (url.startsWith('oci://')) return { kind: 'oci', url };
    if (/^https?:\/\//.test(url)) return { kind: 'http', url };
    throw new ChartError(`chart ${chart}: dependency "${dep.name}" has repository "${repo}": not oci://, http(s)://, file:// or @name`);
  }

  /** The dependencies charts/ lacks, each resolved (Chart.lock's pinned version, else Chart.yaml's range). */
  async #missingDependencies(dir: string, source: string | undefined, repos: ChartRepositorySpec[], stack: string[]): Promise<Placed[]> {
    const meta = readChartMeta(dir);
    const present = new Set(presentSubcharts(dir));
    const missing = meta.dependencies.filter((d) => !present.has(d.name));
    if (missing.length === 0) return [];
    const lock = readChartLock(dir);
    return Promise.all(
      missing.map(async (d): Promise<Placed> => {
        const pinned = lock?.find((l) => l.name === d.name);
        if (lock && !pinned) throw new ChartError(`chart ${meta.name}: dependency "${d.name}" is in Chart.yaml but not in Chart.lock (the lock is out of sync; run helm dependency update)`);
        const version = pinned?.version ?? d.version;
        const src = this.#dependencySource(d, repos, meta.name);
        if (src.kind === 'file') {
          if (source === undefined) throw new ChartError(`chart ${meta.name}: file:// dependency "${d.name}" of a packaged chart was not packaged with it`);
          const folder = this.#insideRepo(resolve(source, src.path), `chart ${meta.name}: file:// dependency "${d.name}"`);
          const built = await this.#prepareFolder(folder, repos, stack);
          return { kind: 'folder', name: d.name, ...built };
        }
        const fetched = src.kind === 'oci' ? await this.#fetchFromOci(`${src.url.replace(/\/+$/, '')}/${d.name}`, version) : await this.#fetchFromRepo(`${meta.name} -> ${d.name}`, src.url, d.name, version);
        return { kind: 'package', fetched };
      }),
    );
  }

  /** A path the repository names must stay inside it or an --allow-root folder (symlinks resolved; config/boundary.ts), checked before anything is read. */
  #insideRepo(path: string, what: string): string {
    const boundary = makeBoundary(this.#o.root, this.#o.allowedRoots?.slice(1) ?? []);
    const where = checkBoundary(path, this.#o.root, boundary);
    if (!where.inside) throw new ChartError(`${what}: ${outsideMessage('path', relative(this.#o.root, path), where.via, boundary)}`);
    if (where.real === undefined || !existsSync(where.real)) throw new ChartError(`${what}: ${relative(this.#o.root, path)} does not exist`);
    return where.real;
  }

  /**
   * A chart folder ready for helm: itself when charts/ already holds every
   * dependency, else a copy in the cache with the missing ones placed (built
   * once per content). `source` is where file:// paths are relative to.
   */
  async #prepareTree(dir: string, source: string | undefined, repos: ChartRepositorySpec[], stack: string[]): Promise<{ dir: string; digest: string }> {
    if (stack.includes(dir)) throw new ChartError(`chart dependencies form a cycle: ${[...stack, dir].map((d) => relative(this.#o.root, d)).join(' -> ')}`);
    const placed = await this.#missingDependencies(dir, source, repos, [...stack, dir]);
    const own = chartDigest(dir);
    if (placed.length === 0) return { dir, digest: own };
    const digest = sha256([own, ...placed.map((p) => (p.kind === 'package' ? `${p.fetched.name}@${p.fetched.version}:${p.fetched.sha}` : `${p.name}:${p.digest}`)).sort()].join('\n'));
    const built = join(this.#cacheDir, 'built', digest, readChartMeta(dir).name);
    if (!existsSync(join(built, '.complete'))) {
      copyChart(dir, built);
      mkdirSync(join(built, 'charts'), { recursive: true });
      for (const p of placed) {
        if (p.kind === 'package') copyFileSync(p.fetched.tgz, join(built, 'charts', `${p.fetched.name}-${p.fetched.version}.tgz`));
        else copyChart(p.dir, join(built, 'charts', p.name));
      }
      unpackSubcharts(built); // the packages just placed, as folders
      writeFileSync(join(built, '.complete'), '');
    }
    return { dir: built, digest };
  }

  #prepareFolder(dir: string, repos: ChartRepositorySpec[], stack: string[]): Promise<{ dir: string; digest: string }> {
    return this.#once(this.#folders, dir, () => this.#prepareTree(dir, dir, repos, stack));
  }

  async #fromPackage(ref: string, f: Fetched, repos: ChartRepositorySpec[]): Promise<ResolvedChart> {
    const dir = unpackChart(f.tgz, join(this.#cacheDir, 'unpacked', f.sha));
    const tree = await this.#prepareTree(dir, undefined, repos, []);
    return { ref, name: f.name, version: f.version, path: tree.dir, digest: tree.digest, features: chartFeatures(tree.dir) };
  }

  async #fromFolder(chart: ChartSpec, repos: ChartRepositorySpec[]): Promise<ResolvedChart> {
    const dir = this.#insideRepo(isAbsolute(chart.ref) ? chart.ref : join(this.#o.root, chart.ref), `chart ${chart.ref}`);
    const meta = readChartMeta(dir);
    const tree = await this.#prepareFolder(dir, repos, []);
    return { ref: chart.ref, name: meta.name, version: meta.version, path: tree.dir, digest: tree.digest, features: chartFeatures(tree.dir) };
  }

  async #fromRepo(chart: ChartSpec, repos: ChartRepositorySpec[]): Promise<ResolvedChart> {
    const [repoName, name] = chart.ref.split('/') as [string, string];
    const repo = repos.find((r) => r.name === repoName);
    if (!repo) throw new ChartError(`chart "${chart.ref}": no repository "${repoName}" in repositories`);
    return this.#fromPackage(chart.ref, await this.#fetchFromRepo(chart.ref, repo.url, name, chart.version), repos);
  }

  resolve(chart: ChartSpec, releaseRepos: ChartRepositorySpec[]): Promise<ResolvedChart> {
    const repos = [...releaseRepos, ...this.#o.repositories];
    const key = `${chart.ref}@${chart.version ?? ''}@${repos.map((r) => `${r.name}=${r.url}`).join(',')}`;
    return this.#once(this.#resolved, key, async () => {
      const kind = chartRefKind(chart.ref, this.#o.root);
      if (kind === 'oci') return this.#fromPackage(chart.ref, await this.#fetchFromOci(chart.ref, chart.version), repos);
      return kind === 'repo' ? this.#fromRepo(chart, repos) : this.#fromFolder(chart, repos);
    });
  }
}

/** Names of the subcharts already under charts/ (folders or packages). */
function presentSubcharts(dir: string): string[] {
  const charts = join(dir, 'charts');
  if (!existsSync(charts)) return [];
  return readdirSync(charts).flatMap((f) => {
    const p = join(charts, f);
    if (existsSync(join(p, 'Chart.yaml'))) return [readChartMeta(p).name];
    if (f.endsWith('.tgz')) return [f.replace(/-\d+\.\d+\.\d+.*\.tgz$/, '')];
    return [];
  });
}

export function createChartResolver(o: ChartResolverOptions): ChartResolver {
  return new Resolver(o);
}
