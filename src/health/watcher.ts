// The watch-based ClusterReader: per namespace, one list then one watch per
// gate kind through the run's kubectl proxy, feeding an informer-style cache
// (watch-store.ts) shared by every unit gated in that namespace. A snapshot
// is the cache (no request); `changed` wakes a gate on the next event, so it
// re-evaluates at once instead of at its next poll. A watch the server ends
// is resumed from its last resourceVersion; 410 Gone or an error lists again.
// Where watching is refused (no proxy, RBAC, a kind not served) the namespace
// is polled instead (poller.ts), and while a watch reconnects its namespace
// is read by the poller too, so a snapshot is never older than it says.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient, WatchEvent } from '../kube/client.ts';
import type { LiveObject } from '../model/objects.ts';
import type { ResourceInfo } from '../model/resources.ts';
import { GATE_KINDS, LivePoller } from './poller.ts';
import type { ClusterReader, NamespaceSnapshot } from './poller.ts';
import { applyWatchEvent, cacheOfList, changesObjects } from './watch-store.ts';
import type { KindCache } from './watch-store.ts';

/** The two API calls a watch needs (KubeClient's, or a test's). */
interface WatchApi {
  list(r: ResourceInfo, namespace: string): Promise<{ items: LiveObject[]; resourceVersion: string }>;
  watch(r: ResourceInfo, namespace: string, resourceVersion: string, onEvent: (e: WatchEvent) => void, signal: AbortSignal): Promise<void>;
}

type WatchOutcome = 'resume' | 'relist' | 'failed';

/** The watches of one namespace and their cache. */
class NamespaceWatch {
  readonly #api: WatchApi;
  readonly #ns: string;
  readonly #signal: AbortSignal;
  readonly #caches = new Map<string, KindCache>();
  /** Kinds whose watch is reconnecting: the cache may be behind. */
  readonly #down = new Set<string>();
  readonly #waiters = new Set<() => void>();
  readonly #stop = new AbortController();
  readonly ready: Promise<void>;
  /** The server refused a watch: this namespace is polled. */
  refused = false;
  /** Changes seen since the lists. */
  version = 0;

  constructor(api: WatchApi, namespace: string, kinds: readonly ResourceInfo[], signal: AbortSignal) {
    this.#api = api;
    this.#ns = namespace;
    this.#signal = AbortSignal.any([signal, this.#stop.signal]);
    this.ready = Promise.all(kinds.map((r) => this.#start(r))).then(() => undefined);
    this.ready.catch(() => this.#stop.abort());
  }

  /** The cache can be read: every watch connected, none refused. */
  get current(): boolean {
    return !this.refused && this.#down.size === 0;
  }

  objects(): LiveObject[] {
    return [...this.#caches.values()].flatMap((c) => [...c.objects.values()]);
  }

  /** Resolves once the cache has seen more than `version` changes, or when `signal` aborts. */
  changed(version: number, signal: AbortSignal): Promise<void> {
    if (this.version > version) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => (this.#waiters.delete(done), signal.removeEventListener('abort', done), resolve());
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #bump(): void {
    this.version++;
    for (const w of this.#waiters) w();
  }

  async #list(r: ResourceInfo): Promise<void> {
    const l = await this.#api.list(r, this.#ns);
    this.#caches.set(r.kind, cacheOfList(l.items, l.resourceVersion));
    this.#bump();
  }

  async #start(r: ResourceInfo): Promise<void> {
    await this.#list(r);
    void this.#follow(r);
  }

  /** Watches one kind until the reader closes: resumes, lists again on 410 Gone or after an error. */
  async #follow(r: ResourceInfo): Promise<void> {
    let first = true;
    while (!this.#signal.aborted) {
      const outcome = await this.#watchOnce(r);
      if (this.#signal.aborted) return;
      if (outcome === 'failed' && first) return this.#refuse();
      first = false;
      if (outcome === 'resume') continue;
      this.#down.add(r.kind);
      if (outcome === 'failed') await sleep(1_000, undefined, { signal: this.#signal, ref: false }).catch(() => undefined);
      await this.#list(r).then(() => this.#down.delete(r.kind), () => undefined);
    }
  }

  #refuse(): void {
    this.refused = true;
    this.#stop.abort();
  }

  /** One watch request, from the cache's resourceVersion, until the server ends it. */
  async #watchOnce(r: ResourceInfo): Promise<WatchOutcome> {
    const stop = new AbortController();
    const signal = AbortSignal.any([this.#signal, stop.signal]);
    let relist = false;
    const onEvent = (e: WatchEvent) => {
      const next = applyWatchEvent(this.#caches.get(r.kind)!, e);
      if (next === 'relist') return void ((relist = true), stop.abort());
      this.#caches.set(r.kind, next);
      if (changesObjects(e)) this.#bump();
    };
    try {
      await this.#api.watch(r, this.#ns, this.#caches.get(r.kind)!.resourceVersion, onEvent, signal);
      return relist ? 'relist' : 'resume';
    } catch {
      return relist ? 'relist' : 'failed';
    }
  }
}

export interface WatchReaderOptions {
  api: WatchApi;
  /** Reads refused namespaces, and events and logs. */
  poller: LivePoller;
  kinds?: readonly ResourceInfo[];
  log?: (line: string) => void;
}

/** One cluster's gate reads from watches (see the header). Close it when the run ends. */
export class WatchReader implements ClusterReader {
  readonly #o: WatchReaderOptions;
  readonly #watches = new Map<string, NamespaceWatch>();
  readonly #close = new AbortController();

  constructor(o: WatchReaderOptions) {
    this.#o = o;
  }

  /** The watching reader of one cluster, through its client (its proxy). */
  static of(client: KubeClient, log?: (line: string) => void): WatchReader {
    const api: WatchApi = { list: (r, ns) => client.listVersioned(r, ns), watch: (r, ns, rv, on, signal) => client.watch(r, ns, rv, on, signal) };
    return new WatchReader({ api, poller: LivePoller.of(client), ...(log ? { log } : {}) });
  }

  #watchOf(namespace: string): NamespaceWatch {
    let w = this.#watches.get(namespace);
    if (!w) {
      w = new NamespaceWatch(this.#o.api, namespace, this.#o.kinds ?? GATE_KINDS, this.#close.signal);
      this.#watches.set(namespace, w);
      w.ready.catch((err: unknown) => this.#o.log?.(`watch of namespace ${namespace} refused, polling it instead: ${err instanceof Error ? err.message : String(err)}`));
    }
    return w;
  }

  /** Namespaces read from watches right now (for tests and --verbose). */
  watched(): string[] {
    return [...this.#watches].filter(([, w]) => w.current).map(([ns]) => ns);
  }

  async snapshot(namespace: string, notBefore: number): Promise<NamespaceSnapshot> {
    const w = this.#watchOf(namespace);
    const ok = await w.ready.then(() => true, () => false);
    if (!ok || !w.current) return this.#o.poller.snapshot(namespace, notBefore);
    return { objects: w.objects(), readAt: Date.now(), version: w.version };
  }

  changed(namespace: string, version: number, signal: AbortSignal): Promise<void> {
    const w = this.#watches.get(namespace);
    return w && !w.refused ? w.changed(version, signal) : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }

  events(namespace: string): Promise<LiveObject[]> {
    return this.#o.poller.events(namespace);
  }

  logs(namespace: string, pod: string, container: string, o: { tail?: number; previous?: boolean }): Promise<string | undefined> {
    return this.#o.poller.logs(namespace, pod, container, o);
  }

  /** Stops every watch. */
  close(): void {
    this.#close.abort();
  }
}
