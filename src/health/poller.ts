// What a gate reads from one cluster (ClusterReader), and the polling reader:
// one batched read per namespace per poll (a list per kind through the
// cluster's KubeClient), shared by every unit of that namespace being gated at
// the same time: a snapshot younger than the TTL is reused, a read in flight
// is joined. A caller passes `notBefore` (its gate's start) so it never gets
// a snapshot that was read before its own upgrade finished.
import { ToolError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import type { LiveObject } from '../model/objects.ts';
import { builtinResource } from '../model/resources.ts';
import type { ResourceInfo } from '../model/resources.ts';

/** What the gate reads each poll. */
export const GATE_KINDS: readonly ResourceInfo[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'Service', 'EndpointSlice', 'Pod'].map((k) => builtinResource(k)!);

/** The same without EndpointSlices, for clusters that do not serve them (v1 Endpoints instead). */
const GATE_KINDS_LEGACY: readonly ResourceInfo[] = [...GATE_KINDS.filter((r) => r.kind !== 'EndpointSlice'), builtinResource('Endpoints')!];

export interface NamespaceSnapshot {
  objects: LiveObject[];
  /** ms since the epoch when the read STARTED: the state is at least this fresh. */
  readAt: number;
  /** A watched namespace: how many changes its cache has seen (for `changed`); undefined when polled. */
  version?: number;
}

/** Everything a gate reads from one cluster. */
export interface ClusterReader {
  /** The gate kinds of a namespace, read no earlier than `notBefore`. */
  snapshot(namespace: string, notBefore: number): Promise<NamespaceSnapshot>;
  /**
   * A watched namespace: resolves once its cache has seen more changes than
   * `version` (a gate re-evaluates at once). Polling readers leave it out.
   */
  changed?(namespace: string, version: number, signal: AbortSignal): Promise<void>;
  /** Events of a namespace (for failure reports); [] when they cannot be read. */
  events(namespace: string): Promise<LiveObject[]>;
  /** Last log lines of a container; undefined when the cluster has none. */
  logs(namespace: string, pod: string, container: string, o: { tail?: number; previous?: boolean }): Promise<string | undefined>;
}

/** Lists the gate kinds of one namespace. */
export type NamespaceList = (namespace: string, kinds: readonly ResourceInfo[]) => Promise<LiveObject[]>;

interface Entry {
  readAt: number;
  promise: Promise<NamespaceSnapshot>;
  settled: boolean;
  /** The read that starts when this one settles, shared by callers that need a fresher one meanwhile. */
  next?: Promise<NamespaceSnapshot>;
}

export interface LivePollerOptions {
  list: NamespaceList;
  ttlMs?: number;
  now?: () => number;
  events?: ClusterReader['events'];
  logs?: ClusterReader['logs'];
}

/** The kinds of one namespace listed one GET per kind through a KubeClient. */
export function clientList(client: KubeClient): NamespaceList {
  return async (ns, kinds) => {
    const lists = await Promise.all(
      kinds.map((r) =>
        client.list(r, ns).catch((err: unknown) => {
          // a resource the server does not serve (the reader falls back from EndpointSlices)
          if (err instanceof ToolError && err.exitCode === 404) throw new ToolError(`${r.plural}: not served`, 404, `not served: ${r.plural}`);
          throw err;
        }),
      ),
    );
    return lists.flat();
  };
}

export class LivePoller implements ClusterReader {
  readonly ttlMs: number;
  readonly #list: NamespaceList;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  #legacy = false;
  readonly #events: ClusterReader['events'];
  readonly #logs: ClusterReader['logs'];
  /** Number of reads made (for tests and --verbose). */
  reads = 0;

  constructor(opts: LivePollerOptions) {
    this.ttlMs = opts.ttlMs ?? 1_000;
    this.#list = opts.list;
    this.#now = opts.now ?? Date.now;
    this.#events = opts.events ?? (async () => []);
    this.#logs = opts.logs ?? (async () => undefined);
  }

  /** The polling reader of one cluster. */
  static of(client: KubeClient, o: { ttlMs?: number } = {}): LivePoller {
    const events = builtinResource('Event')!;
    return new LivePoller({
      list: clientList(client),
      ...o,
      events: (ns) => client.list(events, ns, { timeoutMs: 10_000 }).catch(() => []),
      logs: (ns, pod, container, lo) => client.logs(ns, pod, container, lo),
    });
  }

  /** A snapshot of the namespace read no earlier than `notBefore` and no older than the TTL. */
  snapshot(namespace: string, notBefore: number): Promise<NamespaceSnapshot> {
    const now = this.#now();
    const hit = this.#entries.get(namespace);
    if (hit && hit.readAt >= notBefore && now - hit.readAt < this.ttlMs) return hit.promise;
    // At most one read in flight per namespace: a caller that needs a fresher state
    // than the read in flight waits for it, then shares the one read that follows.
    if (hit && !hit.settled) {
      const again = () => this.snapshot(namespace, hit.readAt + 1);
      hit.next ??= hit.promise.then(again, again);
      return hit.next;
    }
    const entry: Entry = { readAt: now, promise: this.#read(namespace, now), settled: false };
    this.#entries.set(namespace, entry);
    // A failed read is not cached: the next caller tries again.
    entry.promise.then(
      () => (entry.settled = true),
      () => {
        entry.settled = true;
        if (this.#entries.get(namespace) === entry) this.#entries.delete(namespace);
      },
    );
    return entry.promise;
  }

  events(namespace: string): Promise<LiveObject[]> {
    return this.#events(namespace);
  }

  logs(namespace: string, pod: string, container: string, o: { tail?: number; previous?: boolean }): Promise<string | undefined> {
    return this.#logs(namespace, pod, container, o);
  }

  // No AbortSignal here: the read is shared, one gate's interrupt must not fail the others'
  // (each gate stops waiting on its own; the request timeout bounds the read).
  async #read(namespace: string, readAt: number): Promise<NamespaceSnapshot> {
    this.reads++;
    if (!this.#legacy) {
      try {
        return { objects: await this.#list(namespace, GATE_KINDS), readAt };
      } catch (err) {
        if (!(err instanceof ToolError && /not served: endpointslices/.test(err.stderr))) throw err;
        this.#legacy = true;
      }
    }
    return { objects: await this.#list(namespace, GATE_KINDS_LEGACY), readAt };
  }
}
