// Locks as coordination.k8s.io/v1 Leases (docs/health.md#locks). A release's lock is
// `helm-cascade.<helm release>` in the release's own namespace, so whoever may
// deploy the release may lock it without extra RBAC; when the namespace does
// not exist yet (first install) it is created, as `helm --create-namespace`
// would. holderIdentity is $BUILD_TAG or user@host; the annotation
// helm-cascade.dev/run-id tells this process's lock from another run with the
// same holder name (two terminals on one laptop).
//
// Every call is one request through the cluster's KubeClient; the API's status
// codes say AlreadyExists (409 on create), Conflict (409 on replace or a
// delete whose preconditions no longer hold) and NotFound (404).
//
// Acquire: create; when it exists and another run's lease has not expired ->
// LockHeldError (a PreflightError: exit 5) naming the holder and since when;
// when it expired (renewTime + leaseDurationSeconds < now) -> take it over with
// a replace carrying the resourceVersion read (optimistic concurrency: of two
// runs taking over at once, one gets a Conflict and looks again). While held
// it is renewed every leaseDurationSeconds/4; release() deletes it if it is
// still ours (delete preconditions on uid + resourceVersion).
import { randomUUID } from 'node:crypto';
import { LockHeldError, PreflightError, ToolError } from '../errors.ts';
import type { LiveObject } from '../model/objects.ts';
import { ApiStatusError, isStatus } from './client.ts';
import type { ApiMethod, KubeClient } from './client.ts';

const RUN_ID_ANNOTATION = 'helm-cascade.dev/run-id';
/** The helm-cascade run id (run/identity.ts newRunId) a holder publishes: named in refusals. */
export const RUN_ANNOTATION = 'helm-cascade.dev/run';
/** What the holder is doing (apply, rollback): named in refusals. */
export const COMMAND_ANNOTATION = 'helm-cascade.dev/command';
/** Short, so a dead holder's lock (SIGKILL, a lost agent) is taken over quickly; renewed 4 times in that span. */
const DEFAULT_LEASE_SECONDS = 20;

/** This process's identity in leases. */
const PROCESS_RUN_ID = randomUUID();

export interface LeaseOptions {
  /** The cluster's API. */
  client: KubeClient;
  namespace: string;
  /** The Lease's name. */
  name: string;
  /** What the lock protects, for messages (e.g. cluster/namespace/release). */
  what: string;
  /** $BUILD_TAG or user@host (see run/identity.ts lockHolder). */
  holder: string;
  /** Extra annotations the holder publishes (e.g. the run id, the repository). */
  annotations?: Record<string, string>;
  /** Create the namespace when it does not exist (a release's first install). */
  createNamespace?: boolean;
  /** Default 20. */
  durationSeconds?: number;
  /** Default durationSeconds * 1000 / 4. */
  renewEveryMs?: number;
  /** The fix shown under a refusal (LockHeldError's hint). */
  refusalHint?: string;
  /** Called once if the lease is lost while held (taken over after renewals failed, or deleted). */
  onLost?: (reason: string) => void;
  /** Tells this holder from others of the same name; default: one id per process. */
  runId?: string;
  now?: () => number;
}

export interface LeaseHandle {
  readonly name: string;
  readonly namespace: string;
  readonly holder: string;
  /** Set when a renewal found the lease gone or taken by another run. */
  readonly lost: string | undefined;
  /** Stops renewing and deletes the lease if it is still ours. Idempotent; never throws. */
  release(): Promise<void>;
}

export function leaseName(release: string): string {
  return `helm-cascade.${release}`;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface LeaseObject extends LiveObject {
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** When a lease stops counting (ms since the epoch); undefined when it carries no time at all. */
export function leaseExpiry(spec: LeaseObject['spec']): number | undefined {
  const t = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (Number.isNaN(t)) return undefined;
  return t + (spec.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
}

/** Another run's lease still counts: it names a holder and has not expired (our own never counts against us). */
export function leaseHeld(spec: LeaseObject['spec'], now: number): boolean {
  const exp = leaseExpiry(spec);
  return Boolean(spec.holderIdentity) && exp !== undefined && exp >= now;
}

/** "\"jenkins-deploy-42\" (run 20261122T020241Z-a1b2c3, apply) since 2026-11-22T02:02:41.000000Z": who holds a lease, for messages. */
export function describeHolder(l: Pick<LeaseObject, 'metadata' | 'spec'>): string {
  const a = l.metadata.annotations ?? {};
  const about = [a[RUN_ANNOTATION] && `run ${a[RUN_ANNOTATION]}`, a[COMMAND_ANNOTATION]].filter(Boolean).join(', ');
  return `"${l.spec.holderIdentity ?? 'unknown'}"${about ? ` (${about})` : ''} since ${l.spec.acquireTime ?? 'an unknown time'}`;
}

/** One Lease as it is now; undefined when there is none (or its namespace does not exist). */
export async function readLease(client: KubeClient, namespace: string, name: string): Promise<LeaseObject | undefined> {
  return client.getObject<LeaseObject>(`/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases/${encodeURIComponent(name)}`);
}

const conflict = (e: unknown) => isStatus(e, 409); // AlreadyExists on create, Conflict on replace/delete
const namespaceMissing = (e: unknown) => e instanceof ApiStatusError && e.status === 404 && /namespaces? "[^"]+" not found/.test(e.message);

/** The requests of one Lease, with the holder's identity filled in. */
class LeaseApi {
  readonly o: LeaseOptions;
  readonly runId: string;
  readonly now: () => number;
  readonly collection: string;
  readonly self: string;

  constructor(o: LeaseOptions) {
    this.o = o;
    this.runId = o.runId ?? PROCESS_RUN_ID;
    this.now = o.now ?? Date.now;
    this.collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(o.namespace)}/leases`;
    this.self = `${this.collection}/${encodeURIComponent(o.name)}`;
  }

  call(method: ApiMethod, path: string, body?: unknown): Promise<LeaseObject> {
    return this.o.client.json<LeaseObject>(method, path, body);
  }

  get(): Promise<LeaseObject> {
    return this.call('GET', this.self);
  }

  ours(l: LeaseObject): boolean {
    return l.metadata.annotations?.[RUN_ID_ANNOTATION] === this.runId;
  }

  desired(prev: LeaseObject | undefined): LeaseObject {
    const t = microTime(this.now());
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.o.name,
        namespace: this.o.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'helm-cascade' },
        annotations: { ...this.o.annotations, [RUN_ID_ANNOTATION]: this.runId },
        ...(prev?.metadata.resourceVersion ? { resourceVersion: prev.metadata.resourceVersion } : {}),
      },
      spec: { holderIdentity: this.o.holder, leaseDurationSeconds: this.o.durationSeconds ?? DEFAULT_LEASE_SECONDS, acquireTime: t, renewTime: t, leaseTransitions: prev ? (prev.spec.leaseTransitions ?? 0) + 1 : 0 },
    };
  }

  async create(): Promise<LeaseObject> {
    try {
      return await this.call('POST', this.collection, this.desired(undefined));
    } catch (err) {
      if (!(this.o.createNamespace && namespaceMissing(err))) throw err;
    }
    // first install into a new namespace: create it, as `helm --create-namespace` would
    try {
      await this.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: this.o.namespace } });
    } catch (err) {
      if (!conflict(err)) throw err;
    }
    return this.call('POST', this.collection, this.desired(undefined));
  }

  refusal(l: LeaseObject): LockHeldError {
    const holder = l.spec.holderIdentity ?? 'unknown';
    const exp = leaseExpiry(l.spec);
    const sameName = holder === this.o.holder ? ' (another helm-cascade run under the same name)' : '';
    const expires = exp === undefined ? '' : `; it expires at ${new Date(exp).toISOString()} unless renewed`;
    const { namespace, name } = this.o;
    const context = this.o.client.target.context;
    return new LockHeldError(
      `${this.o.what} is locked by ${describeHolder(l)}${sameName} (Lease ${namespace}/${name}${expires}). ` +
        `Wait for that run to finish; if it died, its lock expires by itself, or remove it: kubectl --context ${context} -n ${namespace} delete lease ${name}`,
      this.o.what,
      holder,
      l.spec.acquireTime,
      l.metadata.annotations ?? {},
      { ...(this.o.refusalHint ? { hint: this.o.refusalHint } : {}), ...(exp !== undefined ? { expiresAt: new Date(exp).toISOString() } : {}) },
    );
  }
}

/** Create, or take over an expired (or our own) lease; LockHeldError when another live run holds it. */
async function take(api: LeaseApi): Promise<LeaseObject> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await api.create();
    } catch (err) {
      if (!conflict(err)) throw err;
    }
    const current = await api.get().catch((err: unknown) => {
      if (isStatus(err, 404)) return undefined; // released meanwhile: create again
      throw err;
    });
    if (!current) continue;
    const free = api.ours(current) || !leaseHeld(current.spec, api.now());
    if (!free) throw api.refusal(current);
    try {
      return await api.call('PUT', api.self, api.desired(current));
    } catch (err) {
      if (!(conflict(err) || isStatus(err, 404))) throw err; // someone else moved first: look again
    }
  }
  throw new PreflightError(`cannot take the lock of ${api.o.what}: it kept changing under us (another run is taking it at the same moment); try again`);
}

/** One renewal: a replace of our object; a conflict or a missing lease says whether it is still ours. */
async function renewOnce(api: LeaseApi, held: LeaseObject): Promise<{ held: LeaseObject; lost?: string }> {
  const next: LeaseObject = { ...held, metadata: { ...held.metadata }, spec: { ...held.spec, renewTime: microTime(api.now()) } };
  try {
    return { held: await api.call('PUT', api.self, next) };
  } catch (err) {
    if (!(conflict(err) || isStatus(err, 404))) return { held }; // transient: the next tick tries again
  }
  try {
    const cur = await api.get();
    // our object moved on (a retried write): renew on the next tick
    return api.ours(cur) ? { held: cur } : { held, lost: `the lock of ${api.o.what} was taken by ${cur.spec.holderIdentity ?? 'another run'}` };
  } catch (err) {
    return isStatus(err, 404) ? { held, lost: `the lock of ${api.o.what} was deleted` } : { held };
  }
}

/** Deletes the lease only while it is still ours (preconditions on uid and resourceVersion). */
async function deleteIfOurs(api: LeaseApi, held: LeaseObject): Promise<void> {
  const del = (l: LeaseObject) => api.call('DELETE', api.self, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: l.metadata.uid, resourceVersion: l.metadata.resourceVersion } });
  const first = await del(held).then(
    () => 'deleted' as const,
    (err: unknown) => (isStatus(err, 404) ? ('deleted' as const) : conflict(err) ? ('changed' as const) : ('unreachable' as const)),
  );
  if (first !== 'changed') return; // deleted, or the cluster went away: it expires by itself
  // It changed since our last write (a renewal raced): delete it only if it is still ours.
  try {
    const cur = await api.get();
    if (api.ours(cur)) await del(cur);
  } catch {
    // gone, changed hands, or the cluster went away: it expires by itself
  }
}

/**
 * Takes a lock in one cluster. Throws LockHeldError when another live run
 * holds it, PreflightError when the cluster cannot be asked.
 */
export async function acquireLease(o: LeaseOptions): Promise<LeaseHandle> {
  const api = new LeaseApi(o);
  let held: LeaseObject;
  try {
    held = await take(api);
  } catch (err) {
    if (err instanceof PreflightError) throw err;
    if (err instanceof ToolError) throw new PreflightError(`cannot take the lock of ${o.what}: ${err.message}`);
    throw err;
  }
  let lost: string | undefined;
  let released = false;
  let inFlight: Promise<void> = Promise.resolve();
  const renew = async () => {
    const r = await renewOnce(api, held);
    held = r.held;
    if (r.lost && !lost) {
      lost = r.lost;
      o.onLost?.(r.lost);
    }
  };
  const duration = o.durationSeconds ?? DEFAULT_LEASE_SECONDS;
  const timer = setInterval(() => {
    if (!released && !lost) inFlight = inFlight.then(renew, renew);
  }, o.renewEveryMs ?? Math.max(1_000, (duration * 1000) / 4));
  timer.unref();
  return {
    name: o.name,
    namespace: o.namespace,
    holder: o.holder,
    get lost() {
      return lost;
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await inFlight.catch(() => undefined);
      if (!lost) await deleteIfOurs(api, held);
    },
  };
}
