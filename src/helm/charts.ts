// Chart sources: local folders, HTTP chart repositories (`repo/name`) and OCI
// registries (`oci://`). A semver range resolves to the highest matching
// version of the repository's index.yaml or the registry's tags; each index
// or tag list is fetched once per resolver (= once per run); packaged charts
// are cached under ~/.cache/helm-cascade/charts/<source>/<name>-<version>.tgz.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { isAbsolute, join, relative } from 'node:path';
import semver from 'semver';
import { parse } from 'yaml';
import { CascadeError } from '../errors.ts';
import { chartRefKind } from '../model/chart-ref.ts';
import type { ChartRepositorySpec, ChartSpec } from '../model/spec.ts';
import type { ResolvedChart } from '../model/release.ts';
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

function defaultChartCache(): string {
  const base = process.env.HELM_CASCADE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'helm-cascade');
  return join(base, 'charts');
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

/** Content digest of a chart folder: every file's relative path and bytes, in sorted order. */
function folderDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        h.update(relative(dir, p)).update('\0').update(readFileSync(p)).update('\0');
      }
    }
  };
  walk(dir);
  return h.digest('hex');
}

/**
 * Whether a chart (folder or packaged .tgz, subcharts included) may define
 * hooks: any file mentions the `helm.sh/hook` annotation. A packaged chart is
 * a gzipped tar, whose member files are stored as they are, so the gunzipped
 * bytes are searched. Conservative: a README that mentions hooks counts.
 */
export function chartMayHaveHooks(path: string): boolean {
  const needle = 'helm.sh/hook';
  if (statSync(path).isFile()) return gunzipSync(readFileSync(path)).includes(needle);
  const walk = (d: string): boolean =>
    readdirSync(d, { withFileTypes: true }).some((e) => {
      const p = join(d, e.name);
      return e.isDirectory() ? walk(p) : e.isFile() && readFileSync(p).includes(needle);
    });
  return walk(path);
}

function safeDir(s: string): string {
  return s.replace(/^[a-z]+:\/\//, '').replace(/[^A-Za-z0-9._-]+/g, '_');
}

export interface ChartResolverOptions {
  root: string; // deploy repo root
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

function storeAtomically(path: string, data: Buffer): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Each index, tag list, chart and download once per resolver (= once per run). */
class Resolver implements ChartResolver {
  readonly #o: ChartResolverOptions;
  readonly #cacheDir: string;
  readonly #fetch: typeof fetch;
  readonly #indexes = new Map<string, Promise<RepoIndex>>();
  readonly #tagLists = new Map<string, Promise<string[]>>();
  readonly #resolved = new Map<string, Promise<ResolvedChart>>();
  /** One download per cache path, however many ranges pick it. */
  readonly #fetches = new Map<string, Promise<Buffer>>();

  constructor(o: ChartResolverOptions) {
    this.#o = o;
    this.#cacheDir = o.cacheDir ?? defaultChartCache();
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

  async #download(chart: ChartSpec, version: string, entry: RepoIndexEntry, repoUrl: string, path: string): Promise<Buffer> {
    const cached = existsSync(path) ? readFileSync(path) : undefined;
    if (cached && (!entry.digest || sha256(cached) === entry.digest)) return cached; // else stale or corrupt: fetch again
    const u = entry.urls[0];
    if (!u) throw new ChartError(`chart "${chart.ref}" ${version}: the index lists no download URL`);
    const url = new URL(u, repoUrl.endsWith('/') ? repoUrl : `${repoUrl}/`).toString();
    this.#o.log?.(`GET ${url}`);
    const res = await httpGet(this.#fetch, url);
    if (!res.ok) throw new ChartError(`chart "${chart.ref}" ${version}: GET ${url}: HTTP ${res.status}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (entry.digest && sha256(body) !== entry.digest) throw new ChartError(`chart "${chart.ref}" ${version}: downloaded file does not match the index digest`);
    storeAtomically(path, body);
    return body;
  }

  async #fromRepo(chart: ChartSpec, repos: ChartRepositorySpec[]): Promise<ResolvedChart> {
    const [repoName, name] = chart.ref.split('/') as [string, string];
    const repo = repos.find((r) => r.name === repoName);
    if (!repo) throw new ChartError(`chart "${chart.ref}": no repository "${repoName}" in repositories`);
    const entries = (await this.#repoIndex(repo.url)).entries[name] ?? [];
    if (!entries.length) throw new ChartError(`chart "${chart.ref}": repository ${repo.url} has no chart "${name}"`);
    const version = pickVersion(entries.map((e) => e.version), chart.version);
    if (!version) throw new ChartError(`chart "${chart.ref}": no version matches "${chart.version}" (available: ${entries.map((e) => e.version).slice(0, 10).join(', ')})`);
    const entry = entries.find((e) => e.version === version)!;
    const path = this.#cachePath(repo.url, name, version);
    const data = await this.#once(this.#fetches, path, () => this.#download(chart, version, entry, repo.url, path));
    return { ref: chart.ref, name, version, path, digest: sha256(data) };
  }

  async #pull(chart: ChartSpec, version: string, path: string): Promise<Buffer> {
    if (existsSync(path)) return readFileSync(path);
    const tmp = mkdtempSync(join(tmpdir(), 'helm-cascade-pull-'));
    try {
      await this.#o.helm.pull({ ref: chart.ref, version, destination: tmp, plainHttp: parseOciRef(chart.ref).plainHttp });
      const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
      if (!tgz) throw new ChartError(`chart "${chart.ref}" ${version}: helm pull wrote no .tgz`);
      const body = readFileSync(join(tmp, tgz));
      storeAtomically(path, body);
      return body;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  async #fromOci(chart: ChartSpec): Promise<ResolvedChart> {
    const { name, host, repository } = parseOciRef(chart.ref);
    const tags = await this.#ociTags(chart.ref);
    const version = pickVersion(tags, chart.version);
    if (!version) throw new ChartError(`chart "${chart.ref}": no tag matches "${chart.version}" (available: ${tags.slice(0, 10).join(', ') || 'none'})`);
    const path = this.#cachePath(`${host}/${repository}`, name, version);
    const data = await this.#once(this.#fetches, path, () => this.#pull(chart, version, path));
    return { ref: chart.ref, name, version, path, digest: sha256(data) };
  }

  #fromFolder(chart: ChartSpec): ResolvedChart {
    const path = isAbsolute(chart.ref) ? chart.ref : join(this.#o.root, chart.ref);
    const meta = parse(readFileSync(join(path, 'Chart.yaml'), 'utf8')) as { name?: string; version?: string };
    return { ref: chart.ref, name: meta.name ?? '', version: String(meta.version ?? ''), path, digest: folderDigest(path) };
  }

  resolve(chart: ChartSpec, releaseRepos: ChartRepositorySpec[]): Promise<ResolvedChart> {
    const repos = [...releaseRepos, ...this.#o.repositories];
    const key = `${chart.ref}@${chart.version ?? ''}@${repos.map((r) => `${r.name}=${r.url}`).join(',')}`;
    return this.#once(this.#resolved, key, () => {
      const kind = chartRefKind(chart.ref, this.#o.root);
      return kind === 'oci' ? this.#fromOci(chart) : kind === 'repo' ? this.#fromRepo(chart, repos) : Promise.resolve().then(() => this.#fromFolder(chart));
    });
  }
}

export function createChartResolver(o: ChartResolverOptions): ChartResolver {
  return new Resolver(o);
}
