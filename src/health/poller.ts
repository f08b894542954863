// One batched kubectl read per (kubeconfig, context, namespace) per poll,
// shared by every unit of that namespace being gated at the same time: a
// snapshot younger than the TTL is reused, a read in flight is joined.
// A caller passes `notBefore` (its gate's start) so it never gets a snapshot
// that was read before its own upgrade finished.
import { ToolError } from '../errors.ts';
import { listObjects } from '../kube/live.ts';
import type { KubectlOptions, KubeTarget, ListFn } from '../kube/live.ts';
import type { LiveObject } from '../model/objects.ts';

/** What the gate reads each poll, in one `kubectl get`. */
export const GATE_KINDS = [
  'deployments.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'replicasets.apps',
  'jobs.batch',
  'services',
  'endpointslices.discovery.k8s.io',
  'pods',
] as const;

/** The same without EndpointSlices, for clusters that do not serve them (v1 Endpoints instead). */
export const GATE_KINDS_LEGACY = [...GATE_KINDS.filter((k) => !k.startsWith('endpointslices')), 'endpoints'];

export interface NamespaceSnapshot {
  objects: LiveObject[];
  /** ms since the epoch when the read STARTED: the state is at least this fresh. */
  readAt: number;
}

export type { ListFn };

interface Entry {
  readAt: number;
  promise: Promise<NamespaceSnapshot>;
  settled: boolean;
  /** The read that starts when this one settles, shared by callers that need a fresher one meanwhile. */
  next?: Promise<NamespaceSnapshot>;
}

export interface LivePollerOptions {
  ttlMs?: number;
  list?: ListFn;
  now?: () => number;
  kubectl?: string;
}

export class LivePoller {
  readonly ttlMs: number;
  readonly #list: ListFn;
  readonly #now: () => number;
  readonly #kubectl: string | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #legacy = new Set<string>();
  /** Number of kubectl reads made (for tests and --verbose). */
  reads = 0;

  constructor(opts: LivePollerOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 1_000;
    this.#list = opts.list ?? listObjects;
    this.#now = opts.now ?? Date.now;
    this.#kubectl = opts.kubectl;
  }

  /** A snapshot of the namespace read no earlier than `notBefore` and no older than the TTL. */
  get(target: KubeTarget, namespace: string, notBefore: number): Promise<NamespaceSnapshot> {
    const key = `${target.kubeconfig ?? ''}\u0000${target.context}\u0000${namespace}`;
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && hit.readAt >= notBefore && now - hit.readAt < this.ttlMs) return hit.promise;
    // At most one read in flight per namespace: a caller that needs a fresher state
    // than the read in flight waits for it, then shares the one read that follows.
    if (hit && !hit.settled) {
      hit.next ??= hit.promise.then(
        () => this.get(target, namespace, hit.readAt + 1),
        () => this.get(target, namespace, hit.readAt + 1),
      );
      return hit.next;
    }
    const readAt = now;
    const promise = this.#read(key, target, namespace, readAt);
    const entry: Entry = { readAt, promise, settled: false };
    this.#entries.set(key, entry);
    const settle = () => {
      entry.settled = true;
    };
    // A failed read is not cached: the next caller tries again.
    promise.then(settle, () => {
      settle();
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return promise;
  }

  // No AbortSignal here: the read is shared, one gate's interrupt must not fail the others'
  // (each gate stops waiting on its own; kubectl's timeout bounds the read).
  async #read(key: string, target: KubeTarget, namespace: string, readAt: number): Promise<NamespaceSnapshot> {
    const opts: KubectlOptions = { ...(this.#kubectl ? { kubectl: this.#kubectl } : {}), timeoutMs: 20_000 };
    this.reads++;
    if (!this.#legacy.has(key)) {
      try {
        return { objects: await this.#list(target, namespace, GATE_KINDS, opts), readAt };
      } catch (err) {
        if (!(err instanceof ToolError && /doesn't have a resource type "endpointslices/.test(err.stderr))) throw err;
        this.#legacy.add(key);
      }
    }
    return { objects: await this.#list(target, namespace, GATE_KINDS_LEGACY, opts), readAt };
  }
}

/** The poller shared by every gate of this process. */
export const sharedPoller = new LivePoller();
