// The lock of a release (SPEC "Safety"): a coordination.k8s.io/v1 Lease named
// `helm-cascade.<helm release>` in the release's own namespace, so whoever may
// deploy the release may lock it without extra RBAC. When the namespace does
// not exist yet (first install), it is created, as `helm --create-namespace`
// would. holderIdentity is $BUILD_TAG or user@host; the annotation
// helm-cascade.dev/run-id tells this process's lock from another run with the
// same holder name (two terminals on one laptop).
//
// Every call is one HTTP request through the context's `kubectl proxy` (a
// KubeApi), so a lock costs no process of its own: the API's status codes say
// AlreadyExists (409 on create), Conflict (409 on replace or a delete whose
// preconditions no longer hold) and NotFound (404).
//
// Acquire: create; when it exists and another run's lease has not expired ->
// LockHeldError (a PreflightError: exit 5) naming the holder and since when;
// when it expired (renewTime + leaseDurationSeconds < now) -> take it over with
// a replace carrying the resourceVersion read (optimistic concurrency: of two
// runs taking over at once, one gets a Conflict and looks again). While held
// it is renewed every leaseDurationSeconds/3; release() deletes it if it is
// still ours (delete preconditions on uid + resourceVersion).
import { randomUUID } from 'node:crypto';
import { LockHeldError, PreflightError, ToolError } from '../errors.ts';
import type { KubeTarget } from './live.ts';
import type { LiveObject } from '../model/objects.ts';
import { ApiStatusError, apiJson } from './proxy.ts';
import type { ApiMethod, KubeApi, KubeProxies } from './proxy.ts';

export { LockHeldError };

export const LEASE_PREFIX = 'helm-cascade.';
export const RUN_ID_ANNOTATION = 'helm-cascade.dev/run-id';
export const DEFAULT_LEASE_SECONDS = 60;

/** This process's identity in leases. */
export const PROCESS_RUN_ID = randomUUID();

export interface AcquireOptions {
  /** The cluster's API (its kubectl proxy). */
  api: KubeApi;
  /** Where the lease lives: the context names it in messages. */
  target: KubeTarget;
  namespace: string;
  /** The helm release name (NAME or NAME-TRACK). */
  release: string;
  /** $BUILD_TAG or user@host (see run/ops.ts lockHolder). */
  holder: string;
  /** clusters.yaml name, for messages; default the context. */
  cluster?: string;
  /** Default 60. */
  durationSeconds?: number;
  /** Default durationSeconds * 1000 / 3. */
  renewEveryMs?: number;
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
  return `${LEASE_PREFIX}${release}`;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

interface LeaseObject extends LiveObject {
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** When a lease stops counting (ms since the epoch); undefined when it carries no time at all. */
export function leaseExpiry(spec: LeaseObject['spec']): number | undefined {
  const t = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (Number.isNaN(t)) return undefined;
  return t + (spec.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
}

const statusOf = (e: unknown) => (e instanceof ApiStatusError ? e.status : undefined);
const notFound = (e: unknown) => statusOf(e) === 404;
const conflict = (e: unknown) => statusOf(e) === 409; // AlreadyExists on create, Conflict on replace/delete
const namespaceMissing = (e: unknown) => e instanceof ApiStatusError && e.status === 404 && /namespaces? "[^"]+" not found/.test(e.message);

/**
 * Takes the lock of one release in one cluster. Throws LockHeldError when
 * another live run holds it, PreflightError when the cluster cannot be asked.
 */
export async function acquireLease(o: AcquireOptions): Promise<LeaseHandle> {
  const now = o.now ?? Date.now;
  const runId = o.runId ?? PROCESS_RUN_ID;
  const duration = o.durationSeconds ?? DEFAULT_LEASE_SECONDS;
  const name = leaseName(o.release);
  const ns = o.namespace;
  const lockId = `${o.cluster ?? o.target.context}/${ns}/${o.release}`;
  const leases = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/leases`;
  const self = `${leases}/${encodeURIComponent(name)}`;

  const call = (method: ApiMethod, path: string, body?: unknown) => apiJson<LeaseObject>(o.api, method, path, body);
  const getLease = () => call('GET', self);
  const ours = (l: LeaseObject) => l.metadata.annotations?.[RUN_ID_ANNOTATION] === runId;

  const desired = (prev: LeaseObject | undefined): LeaseObject => {
    const t = microTime(now());
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: ns,
        labels: { 'app.kubernetes.io/managed-by': 'helm-cascade' },
        annotations: { [RUN_ID_ANNOTATION]: runId },
        ...(prev?.metadata.resourceVersion ? { resourceVersion: prev.metadata.resourceVersion } : {}),
      },
      spec: { holderIdentity: o.holder, leaseDurationSeconds: duration, acquireTime: t, renewTime: t, leaseTransitions: prev ? (prev.spec.leaseTransitions ?? 0) + 1 : 0 },
    };
  };

  const refuse = (l: LeaseObject): LockHeldError => {
    const holder = l.spec.holderIdentity ?? 'unknown';
    const since = l.spec.acquireTime;
    const exp = leaseExpiry(l.spec);
    const sameName = holder === o.holder ? ' (another helm-cascade run under the same name)' : '';
    const expires = exp === undefined ? '' : `; it expires at ${new Date(exp).toISOString()} unless renewed`;
    return new LockHeldError(
      `${lockId} is locked by "${holder}"${sameName} since ${since ?? 'an unknown time'} (Lease ${ns}/${name}${expires}). ` +
        `Wait for that run to finish; if it died, its lock expires by itself, or remove it: kubectl --context ${o.target.context} -n ${ns} delete lease ${name}`,
      lockId,
      holder,
      since,
    );
  };

  const create = async (): Promise<LeaseObject> => {
    try {
      return await call('POST', leases, desired(undefined));
    } catch (err) {
      if (!namespaceMissing(err)) throw err;
    }
    // first install into a new namespace: create it, as `helm --create-namespace` would
    try {
      await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    } catch (err) {
      if (!conflict(err)) throw err;
    }
    return call('POST', leases, desired(undefined));
  };

  const take = async (): Promise<LeaseObject> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await create();
      } catch (err) {
        if (!conflict(err)) throw err;
      }
      let current: LeaseObject;
      try {
        current = await getLease();
      } catch (err) {
        if (notFound(err)) continue; // released meanwhile: create again
        throw err;
      }
      const exp = leaseExpiry(current.spec);
      const free = ours(current) || !current.spec.holderIdentity || exp === undefined || exp < now();
      if (!free) throw refuse(current);
      try {
        return await call('PUT', self, desired(current));
      } catch (err) {
        if (conflict(err) || notFound(err)) continue; // someone else moved first: look again
        throw err;
      }
    }
    throw new PreflightError(`cannot take the lock of ${lockId}: it kept changing under us (another run is taking it at the same moment); try again`);
  };

  let held: LeaseObject;
  try {
    held = await take();
  } catch (err) {
    if (err instanceof PreflightError) throw err;
    if (err instanceof ToolError) throw new PreflightError(`cannot take the lock of ${lockId}: ${err.message}`);
    throw err;
  }

  let lost: string | undefined;
  let released = false;
  let inFlight: Promise<void> = Promise.resolve();
  const markLost = (why: string) => {
    if (lost) return;
    lost = why;
    o.onLost?.(why);
  };

  const renew = async () => {
    const next: LeaseObject = { ...held, metadata: { ...held.metadata }, spec: { ...held.spec, renewTime: microTime(now()) } };
    try {
      held = await call('PUT', self, next);
    } catch (err) {
      if (!(conflict(err) || notFound(err))) return; // transient: the next tick tries again
      try {
        const cur = await getLease();
        if (ours(cur)) held = cur; // our object moved on (a retried write): renew on the next tick
        else markLost(`the lock of ${lockId} was taken by ${cur.spec.holderIdentity ?? 'another run'}`);
      } catch (e2) {
        if (notFound(e2)) markLost(`the lock of ${lockId} was deleted`);
      }
    }
  };
  const timer = setInterval(() => {
    if (!released && !lost) inFlight = inFlight.then(renew, renew);
  }, o.renewEveryMs ?? Math.max(1_000, (duration * 1000) / 3));
  timer.unref();

  return {
    name,
    namespace: ns,
    holder: o.holder,
    get lost() {
      return lost;
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await inFlight.catch(() => undefined);
      if (lost) return;
      // Delete only our own lease: the preconditions make the API server refuse (409) if it changed since.
      const preconditions = { uid: held.metadata.uid, resourceVersion: held.metadata.resourceVersion };
      const first = await call('DELETE', self, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions }).then(
        () => 'deleted' as const,
        (err: unknown) => (notFound(err) ? ('deleted' as const) : conflict(err) ? ('changed' as const) : ('unreachable' as const)),
      );
      if (first !== 'changed') return; // deleted, or the cluster went away: it expires by itself
      // It changed since our last write (a renewal raced): delete it only if it is still ours.
      try {
        const cur = await getLease();
        if (ours(cur)) await call('DELETE', self, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: cur.metadata.uid, resourceVersion: cur.metadata.resourceVersion } });
      } catch {
        // gone, changed hands, or the cluster went away: it expires by itself
      }
    },
  };
}

/** acquireLease through the target's proxy from `proxies` (started on first use; a proxy that cannot start is a PreflightError). */
export async function acquireLeaseVia(proxies: KubeProxies, o: Omit<AcquireOptions, 'api'>): Promise<LeaseHandle> {
  const api = await proxies.for(o.target).catch((err: unknown) => {
    throw new PreflightError(`cannot take the lock of ${o.cluster ?? o.target.context}/${o.namespace}/${o.release}: ${(err as Error).message}`);
  });
  return acquireLease({ ...o, api });
}
