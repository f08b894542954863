// A lock per (cluster, namespace, release): a coordination.k8s.io/v1 Lease
// named helm-cascade.<release> in the release's namespace, so two runs (two
// Jenkins jobs, a laptop and Jenkins) never roll the same release at once.
// Taken with optimistic concurrency (create, or replace at a resourceVersion
// when the holder's lease expired), renewed while held, released on every
// exit path by whoever holds the handle.
import { randomUUID } from 'node:crypto';
import { PreflightError } from '../errors.ts';
import { kubectlRaw } from './live.ts';
import type { KubeTarget, KubectlOptions } from './live.ts';

export const LEASE_DURATION_S = 60;
const RENEW_EVERY_MS = 15_000;
const TOKEN_ANNOTATION = 'helm-cascade.dev/lock-token';

export class LockHeldError extends PreflightError {
  override name = 'LockHeldError';
  readonly holder: string;
  readonly since: string;
  constructor(message: string, holder: string, since: string) {
    super(message);
    this.holder = holder;
    this.since = since;
  }
}

export interface LeaseHandle {
  readonly name: string;
  readonly namespace: string;
  release(): Promise<void>;
}

interface LeaseObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string };
}

export interface AcquireOptions {
  target: KubeTarget;
  namespace: string;
  release: string; // helm release name
  holder: string;
  kubectl?: KubectlOptions;
  now?: () => Date;
  renewEveryMs?: number;
  durationS?: number;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function leaseName(release: string): string {
  return `helm-cascade.${release}`.slice(0, 253);
}

/** Pure: has the lease expired at `now`? A lease without times counts as expired. */
export function leaseExpired(l: LeaseObject['spec'], now: Date): boolean {
  const renew = Date.parse(l.renewTime ?? l.acquireTime ?? '');
  if (Number.isNaN(renew)) return true;
  return renew + (l.leaseDurationSeconds ?? LEASE_DURATION_S) * 1000 < now.getTime();
}

export async function acquireLease(o: AcquireOptions): Promise<LeaseHandle> {
  const now = o.now ?? (() => new Date());
  const name = leaseName(o.release);
  const token = randomUUID();
  const durationS = o.durationS ?? LEASE_DURATION_S;
  const k = (args: string[], input?: string) => kubectlRaw(o.target, args, { ...o.kubectl, ...(input !== undefined ? { input } : {}) });
  const fail = (what: string, r: { stderr: string; exitCode: number }) =>
    new PreflightError(`lock ${o.namespace}/${name} on context ${o.target.context}: ${what} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);

  const body = (resourceVersion?: string): string => {
    const t = microTime(now());
    const lease: LeaseObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: o.namespace,
        annotations: { [TOKEN_ANNOTATION]: token },
        labels: { 'app.kubernetes.io/managed-by': 'helm-cascade' },
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      spec: { holderIdentity: o.holder, leaseDurationSeconds: durationS, acquireTime: t, renewTime: t },
    };
    return JSON.stringify(lease);
  };
  const get = async (): Promise<LeaseObject | undefined> => {
    const r = await k(['get', 'lease', name, '-n', o.namespace, '-o', 'json']);
    if (r.exitCode !== 0) {
      if (/NotFound|not found/.test(r.stderr)) return undefined;
      throw fail('reading the lease', r);
    }
    return JSON.parse(r.stdout) as LeaseObject;
  };

  // the namespace may not exist before a first install
  const ns = await k(['create', 'namespace', o.namespace]);
  if (ns.exitCode !== 0 && !/AlreadyExists|already exists/.test(ns.stderr)) throw fail(`creating namespace ${o.namespace}`, ns);

  const created = await k(['create', '-f', '-'], body());
  if (created.exitCode !== 0) {
    if (!/AlreadyExists|already exists/.test(created.stderr)) throw fail('creating the lease', created);
    const current = await get();
    if (current && !leaseExpired(current.spec, now())) {
      const holder = current.spec.holderIdentity ?? 'unknown';
      const since = current.spec.acquireTime ?? current.spec.renewTime ?? 'unknown';
      throw new LockHeldError(
        `release ${o.namespace}/${o.release} on context ${o.target.context} is locked by "${holder}" since ${since} (lease ${o.namespace}/${name}, renewed ${current.spec.renewTime ?? '?'}); wait for that run to finish, or if it died, wait ${durationS}s for the lease to expire`,
        holder,
        since,
      );
    }
    // expired (a run that died): take it over, only if nobody else did meanwhile
    const taken = current
      ? await k(['replace', '-f', '-'], body(current.metadata.resourceVersion))
      : await k(['create', '-f', '-'], body());
    if (taken.exitCode !== 0) throw new LockHeldError(`release ${o.namespace}/${o.release} on context ${o.target.context}: another run took the expired lock first`, 'unknown', 'now');
  }

  let released = false;
  const renew = async () => {
    const cur = await get().catch(() => undefined);
    if (!cur || cur.metadata.annotations?.[TOKEN_ANNOTATION] !== token) return;
    cur.spec.renewTime = microTime(now());
    await k(['replace', '-f', '-'], JSON.stringify(cur)).catch(() => undefined);
  };
  let renewing: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    if (!released) renewing = renew();
  }, o.renewEveryMs ?? RENEW_EVERY_MS);
  timer.unref();

  return {
    name,
    namespace: o.namespace,
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await renewing;
      const cur = await get().catch(() => undefined);
      if (cur && cur.metadata.annotations?.[TOKEN_ANNOTATION] === token) {
        await k(['delete', 'lease', name, '-n', o.namespace, '--wait=false']);
      }
    },
  };
}
