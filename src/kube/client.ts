// THE way helm-cascade talks to an API server: one KubeClient per cluster,
// made once per run by KubeClients. Every call is an HTTP request over the
// cluster's transport (transport.ts: the native one speaks to the API server
// itself, with the kubeconfig's own authentication, over one connection per
// cluster; no helper process). Plan, drift, status, the health gates, the
// leases and the run lock all take a KubeClient.
//
// Failures: an API server that cannot be reached, or refuses the kubeconfig's
// credentials, is a PreflightError naming the cluster (exit 5); any other
// non-2xx answer of a JSON call is an ApiStatusError carrying the status.
import { PreflightError, ToolError } from '../errors.ts';
import type { KubeTarget } from '../model/identity.ts';
import type { LiveObject } from '../model/objects.ts';
import { builtinResource, collectionPath } from '../model/resources.ts';
import type { ResourceInfo } from '../model/resources.ts';
import { capabilityVersions, DISCOVERY_ACCEPT, kubeVersionOf, resourceKey, resourcesFromAggregated, resourcesFromList } from './discovery.ts';
import type { AggregatedList, ResourceMap } from './discovery.ts';
import { loadKubeconfig } from './kubeconfig.ts';
import type { Kubeconfig } from './kubeconfig.ts';
import { openTransport } from './open.ts';
import type { ApiLimits, ApiMethod, ApiResponse, RequestOptions, Transport, TransportStats } from './transport.ts';

export type { ApiLimits, ApiMethod, ApiResponse, RequestOptions, TransportStats };

/** The `message` of a Kubernetes Status body; else the body's own text (trimmed, at most 500 characters). */
export function statusMessage(body: string): string {
  try {
    const s = JSON.parse(body) as { kind?: string; message?: string };
    if (s.kind === 'Status' && s.message) return s.message;
  } catch {
    // not a Status: the text itself
  }
  return body.trim().slice(0, 500);
}

/** An answer of the API server other than 2xx: `status` (also the exit code) and the server's message. */
export class ApiStatusError extends ToolError {
  override name = 'ApiStatusError';
  readonly status: number;
  constructor(method: ApiMethod, path: string, res: ApiResponse) {
    const message = statusMessage(res.body);
    super(`${method} ${path}: HTTP ${res.status}${message ? `: ${message}` : ''}`, res.status, res.body.slice(0, 500));
    this.status = res.status;
  }
}

export const isStatus = (err: unknown, status: number): boolean => err instanceof ApiStatusError && err.status === status;

/** One event of a watch. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: LiveObject;
}

/** A cluster's API: every call one HTTP request (see the header). */
export class KubeClient {
  readonly target: KubeTarget;
  readonly #transport: () => Promise<Transport>;
  readonly #log: ((line: string) => void) | undefined;
  #resources: Promise<ResourceMap> | undefined;
  #version: Promise<string> | undefined;

  /** `transport` is opened on first use (reading the kubeconfig, starting no connection yet). */
  constructor(target: KubeTarget, transport: () => Promise<Transport>, log?: (line: string) => void) {
    this.target = target;
    this.#transport = transport;
    this.#log = log;
  }

  get cluster(): string {
    return this.target.cluster;
  }

  /** Any request; resolves with any HTTP status. An unreachable server or refused credentials: PreflightError. */
  async request(method: ApiMethod, path: string, body?: unknown, opts: RequestOptions & { discovery?: boolean } = {}): Promise<ApiResponse> {
    this.#log?.(`${method} ${path} (${this.target.context})`);
    const text = body === undefined ? undefined : opts.contentType ? String(body) : JSON.stringify(body);
    const res = await (await this.#transport()).request({ method, path, ...opts, ...(text !== undefined ? { body: text } : {}) });
    if (res.status === 401) throw new PreflightError(`cluster "${this.target.cluster}" (context "${this.target.context}") refused the kubeconfig's credentials: ${statusMessage(res.body)}`);
    return res;
  }

  /** What this client's transport did so far (requests, retries, throttling, connections). */
  async stats(): Promise<TransportStats> {
    return (await this.#transport()).stats();
  }

  /** A request whose answer is JSON: the parsed body on 2xx, an ApiStatusError otherwise. */
  async json<T = unknown>(method: ApiMethod, path: string, body?: unknown, opts?: RequestOptions & { discovery?: boolean }): Promise<T> {
    const res = await this.request(method, path, body, opts);
    if (res.status < 200 || res.status > 299) throw new ApiStatusError(method, path, res);
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new ToolError(`${method} ${path}: not JSON`, res.status, res.body.slice(0, 500));
    }
  }

  /** GET one object; undefined when it does not exist. */
  async getObject<T = LiveObject>(path: string): Promise<T | undefined> {
    try {
      return await this.json<T>('GET', path);
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** Every object of a resource in a namespace (or the whole cluster), in pages, with kind and apiVersion filled in. */
  async list(r: ResourceInfo, namespace?: string, o: { labelSelector?: string; timeoutMs?: number } = {}): Promise<LiveObject[]> {
    return (await this.listVersioned(r, namespace, o)).items;
  }

  /** The same, with the list's resourceVersion (where a watch of the collection starts). */
  async listVersioned(r: ResourceInfo, namespace?: string, o: { labelSelector?: string; timeoutMs?: number } = {}): Promise<{ items: LiveObject[]; resourceVersion: string }> {
    const items: LiveObject[] = [];
    let next: string | undefined;
    let resourceVersion = '';
    do {
      const q = new URLSearchParams({ limit: '500' });
      if (o.labelSelector) q.set('labelSelector', o.labelSelector);
      if (next) q.set('continue', next);
      const page = await this.json<{ items?: LiveObject[]; metadata?: { continue?: string; resourceVersion?: string } }>('GET', `${collectionPath(r, namespace)}?${q}`, undefined, { timeoutMs: o.timeoutMs ?? 30_000 });
      for (const item of page.items ?? []) items.push({ ...item, kind: r.kind, apiVersion: r.apiVersion });
      resourceVersion ||= page.metadata?.resourceVersion ?? '';
      next = page.metadata?.continue || undefined;
    } while (next);
    return { items, resourceVersion };
  }

  /** The cluster's kinds and where they live (aggregated discovery, once per client). */
  resources(): Promise<ResourceMap> {
    this.#resources ??= this.#discover();
    this.#resources.catch(() => (this.#resources = undefined));
    return this.#resources;
  }

  async #discover(): Promise<ResourceMap> {
    const out: ResourceMap = new Map();
    for (const prefix of ['/api', '/apis'] as const) {
      const doc = await this.json<AggregatedList & { versions?: string[]; groups?: { versions?: { groupVersion: string }[] }[] }>('GET', prefix, undefined, { accept: DISCOVERY_ACCEPT, discovery: true });
      if (doc.kind === 'APIGroupDiscoveryList') {
        resourcesFromAggregated(doc, out);
        continue;
      }
      const gvs = prefix === '/api' ? (doc.versions ?? []) : (doc.groups ?? []).flatMap((g) => (g.versions ?? []).map((v) => v.groupVersion));
      const lists = await Promise.all(gvs.map(async (gv) => ({ gv, list: await this.json<Parameters<typeof resourcesFromList>[1]>('GET', `${prefix}/${gv}`, undefined, { discovery: true }) })));
      for (const { gv, list } of lists) resourcesFromList(gv, list, out);
    }
    return out;
  }

  /** Where a kind of a given apiVersion lives: the cluster's discovery; undefined when it does not serve it. */
  async resourceOf(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    return (await this.resources()).get(resourceKey(apiVersion, kind));
  }

  /** The served resource of a kind in any version (the built-in table first, then discovery's preferred one). */
  async resourceOfKind(group: string, kind: string): Promise<ResourceInfo | undefined> {
    const builtin = builtinResource(kind);
    if (builtin && (builtin.apiVersion.includes('/') ? builtin.apiVersion.split('/')[0] : '') === group) return builtin;
    for (const r of (await this.resources()).values()) {
      if (r.kind === kind && (r.apiVersion.includes('/') ? r.apiVersion.split('/')[0] : '') === group) return r;
    }
    return undefined;
  }

  /** The API server's version as helm's --kube-version takes it (v1.34.8). */
  kubeVersion(): Promise<string> {
    this.#version ??= this.json<{ gitVersion?: string; major?: string; minor?: string }>('GET', '/version').then(kubeVersionOf);
    this.#version.catch(() => (this.#version = undefined));
    return this.#version;
  }

  /** The API versions helm's capabilities hold on this cluster (group/version and group/version/Kind). */
  async capabilities(): Promise<string[]> {
    return capabilityVersions(await this.resources());
  }

  /**
   * Watches a collection from `resourceVersion`: each event to `onEvent`,
   * until the server closes the watch (then it resolves) or `signal` aborts.
   * Throws on an answer other than 2xx (e.g. 410 Gone: list again; 403: the
   * caller polls instead).
   */
  async watch(r: ResourceInfo, namespace: string | undefined, resourceVersion: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal, o: { timeoutSeconds?: number } = {}): Promise<void> {
    const q = new URLSearchParams({ watch: '1', resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: String(o.timeoutSeconds ?? 240) });
    const path = `${collectionPath(r, namespace)}?${q}`;
    this.#log?.(`WATCH ${path} (${this.target.context})`);
    const transport = await this.#transport();
    await transport.stream({ method: 'GET', path, timeoutMs: 300_000 }, (line) => {
      const e = JSON.parse(line) as WatchEvent;
      if (e.object && e.type !== 'ERROR' && e.type !== 'BOOKMARK') e.object = { ...e.object, kind: r.kind, apiVersion: r.apiVersion };
      onEvent(e);
    }, signal);
  }

  /** Last log lines of one container of a pod; undefined when the cluster has none (kwok nodes serve no logs). */
  async logs(namespace: string, pod: string, container: string, o: { tail?: number; previous?: boolean } = {}): Promise<string | undefined> {
    const q = new URLSearchParams({ container, tailLines: String(o.tail ?? 20) });
    if (o.previous) q.set('previous', 'true');
    const res = await this.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log?${q}`, undefined, { accept: 'text/plain', timeoutMs: 10_000 }).catch(() => undefined);
    if (!res || res.status !== 200) return undefined;
    const text = res.body.trimEnd();
    return text === '' ? undefined : text;
  }
}

/** A cluster as KubeClients reaches it: its clusters.yaml name, kubeconfig context, and limits (clusters.yaml `api:`). */
export interface ClusterAccessSpec {
  name: string;
  context: string;
  api?: Partial<ApiLimits>;
}

/** The KubeClients of one run: one per cluster, one transport (one connection) per cluster, all closed by close(). */
export class KubeClients {
  readonly #kubeconfig: string;
  readonly #log: ((line: string) => void) | undefined;
  readonly #limits: Partial<ApiLimits>;
  readonly #transports = new Map<string, Promise<Transport>>();
  readonly #clients = new Map<string, KubeClient>();
  #config: Kubeconfig | undefined;

  /** `kubeconfig`: a file or a KUBECONFIG-style list; `limits`: the defaults of every cluster (clusters.yaml top-level `api:`). */
  constructor(o: { kubeconfig: string; log?: (line: string) => void; limits?: Partial<ApiLimits> }) {
    this.#kubeconfig = o.kubeconfig;
    this.#log = o.log;
    this.#limits = o.limits ?? {};
  }

  get kubeconfig(): string {
    return this.#kubeconfig;
  }

  /** The client of a cluster (clusters.yaml name and context). Its transport opens on first use. */
  for(cluster: ClusterAccessSpec): KubeClient {
    const key = `${cluster.name}\u0000${cluster.context}`;
    let c = this.#clients.get(key);
    if (!c) {
      const target = { cluster: cluster.name, context: cluster.context, kubeconfig: this.#kubeconfig };
      c = new KubeClient(target, () => this.#transportFor(target, { ...this.#limits, ...cluster.api }), this.#log);
      this.#clients.set(key, c);
    }
    return c;
  }

  #transportFor(target: KubeTarget, limits: Partial<ApiLimits>): Promise<Transport> {
    const key = `${target.cluster}\u0000${target.context}`;
    let t = this.#transports.get(key);
    if (!t) {
      t = openTransport({ target, limits, kubeconfig: () => (this.#config ??= loadKubeconfig(this.#kubeconfig)), ...(this.#log ? { log: this.#log } : {}) });
      t.catch(() => this.#transports.get(key) === t && this.#transports.delete(key));
      this.#transports.set(key, t);
    }
    return t;
  }

  /** Every transport's counters, by cluster name. */
  async stats(): Promise<Map<string, TransportStats>> {
    const out = new Map<string, TransportStats>();
    for (const [key, t] of this.#transports) {
      const s = await t.then((x) => x.stats(), () => undefined);
      if (s) out.set(key.split('\u0000')[0]!, s);
    }
    return out;
  }

  async close(): Promise<void> {
    const all = [...this.#transports.values()];
    this.#transports.clear();
    this.#clients.clear();
    for (const t of all) (await t.catch(() => undefined))?.close();
  }
}
