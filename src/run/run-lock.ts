// The run lock (docs/locks.md), Terraform-style: one per (deploy repository,
// cluster), so two runs of one repository never interleave. It is a
// coordination.k8s.io/v1 Lease `helm-cascade-run.<repository>` in the
// namespace `helm-cascade` of every cluster the run reads or changes (the
// namespace is created when missing), held by $BUILD_TAG or user@host and
// annotated with the run id and the command. apply and rollback take it on
// every cluster before anything is changed (and before apply plans, so no run
// plans against another's unfinished work), renew it every 5 s and release it
// on every exit path; kube/lease.ts does the Lease itself. A holder that died
// (SIGKILL, a lost agent) stops renewing: its lock expires RUN_LOCK_SECONDS
// after its last renewal and the next run takes it over.
//
// A second run refuses at once (LockHeldError, exit 5) naming the holder, the
// run id, since when and the cluster, or with --lock-timeout waits its turn.
// The per-release Leases (run/ops.ts) stay: two repositories deploying the
// same release still exclude each other.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, LockHeldError, PreflightError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { acquireLease, COMMAND_ANNOTATION, describeHolder, leaseHeld, readLease, RUN_ANNOTATION } from '../kube/lease.ts';
import type { LeaseHandle, LeaseOptions } from '../kube/lease.ts';
import type { ClusterSpec } from '../model/spec.ts';

/** Where every run lock lives, in every cluster (created when missing). */
export const RUN_LOCK_NAMESPACE = 'helm-cascade';
/** How long a run lock counts after its last renewal: a dead holder's lock is taken over this long after it died, at most. */
export const RUN_LOCK_SECONDS = 20;
const RENEW_EVERY_MS = 5_000;
const RETRY_EVERY_MS = 2_000;
/** The repository annotation on run and release Leases (clusters.yaml `name`, the cascade-repo label). */
const REPO_ANNOTATION = 'helm-cascade.dev/repo';

/** The Lease's name: `helm-cascade-run.<repository>`, made a valid object name (a hash keeps names that had to change distinct). */
export function runLockName(repo: string): string {
  const clean = repo.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  const hash = clean === repo ? '' : `-${createHash('sha256').update(repo).digest('hex').slice(0, 8)}`;
  return `helm-cascade-run.${clean || 'repo'}${hash}`;
}

/**
 * Pure: after a failed attempt, refuse (throw) or wait and try again. Only a
 * lock held by another run is waited for, and only while --lock-timeout lasts.
 */
export function lockRetry(err: unknown, waitedMs: number, timeoutMs: number): { kind: 'refuse' } | { kind: 'wait'; ms: number } {
  if (!(err instanceof LockHeldError) || waitedMs >= timeoutMs) return { kind: 'refuse' };
  return { kind: 'wait', ms: Math.min(RETRY_EVERY_MS, timeoutMs - waitedMs) };
}

/**
 * Pure: the same for a release's own Lease, with one more case. While this
 * run holds its repository's run lock, a release Lease held by another run
 * of the same repository belongs to a run that died (SIGKILL, a lost agent)
 * or lost its run lock: it stops renewing, so it is waited for until it
 * expires (one lease duration, plus a margin), --lock-timeout or not.
 */
export function releaseLockRetry(err: unknown, waitedMs: number, timeoutMs: number, repo: string): { kind: 'refuse' } | { kind: 'wait'; ms: number } {
  const sameRepo = err instanceof LockHeldError && err.annotations[REPO_ANNOTATION] === repo;
  return lockRetry(err, waitedMs, sameRepo ? Math.max(timeoutMs, (RUN_LOCK_SECONDS + 5) * 1000) : timeoutMs);
}

/** A release's own Lease (run/ops.ts, run/rollback.ts), waited for as releaseLockRetry says. */
export async function acquireReleaseLock(o: LeaseOptions & { repo: string; timeoutMs: number }): Promise<LeaseHandle> {
  const started = Date.now();
  const annotations = { ...o.annotations, [REPO_ANNOTATION]: o.repo };
  for (;;) {
    try {
      return await acquireLease({ ...o, annotations });
    } catch (err) {
      const next = releaseLockRetry(err, Date.now() - started, o.timeoutMs, o.repo);
      if (next.kind === 'refuse') throw err;
      await sleep(next.ms);
    }
  }
}

export interface RunLockRequest {
  /** clusters.yaml `name`. */
  repo: string;
  clusters: readonly Pick<ClusterSpec, 'name'>[];
  client: (cluster: string) => KubeClient;
  runId: string;
  command: 'apply' | 'rollback';
  /** $BUILD_TAG or user@host (run/identity.ts lockHolder). */
  holder: string;
  /** --lock-timeout in ms: 0 refuses at once. */
  timeoutMs: number;
  /** SIGINT/SIGTERM (its reason: the signal's name) stops the wait. */
  signal: AbortSignal;
  say: (line: string) => void;
  /** The lock was taken by another run after our renewals failed (or was deleted): the run must stop. */
  onLost: (reason: string) => void;
}

interface RunLock {
  /** Releases the lock on every cluster. Idempotent; never throws. */
  release(): Promise<void>;
}

/** One attempt on every cluster at once; on any failure, what was taken is given back. */
async function takeAll(req: RunLockRequest): Promise<LeaseHandle[]> {
  const name = runLockName(req.repo);
  const results = await Promise.allSettled(
    req.clusters.map((c) =>
      acquireLease({
        client: req.client(c.name),
        namespace: RUN_LOCK_NAMESPACE,
        name,
        what: `repository "${req.repo}" on cluster "${c.name}"`,
        holder: req.holder,
        annotations: { [RUN_ANNOTATION]: req.runId, [COMMAND_ANNOTATION]: req.command, [REPO_ANNOTATION]: req.repo },
        createNamespace: true,
        durationSeconds: RUN_LOCK_SECONDS,
        renewEveryMs: RENEW_EVERY_MS,
        refusalHint: 'a run of this repository is in progress there; run again with --lock-timeout DURATION (e.g. 10m) to wait for it instead of refusing',
        onLost: req.onLost,
      }),
    ),
  );
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  const held = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failures.length === 0) return held;
  await Promise.all(held.map((h) => h.release()));
  const locked = failures.find((f) => f instanceof LockHeldError);
  if (locked) throw locked;
  if (failures.every((f) => f instanceof PreflightError)) throw new PreflightError(failures.map((f) => (f as Error).message).join('\n'));
  throw failures[0];
}

const signalOf = (s: AbortSignal): 'SIGINT' | 'SIGTERM' => (s.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM');

/** Takes the run lock on every cluster of the request, waiting up to --lock-timeout for another run to finish. */
async function acquireRunLock(req: RunLockRequest, now: () => number = Date.now): Promise<RunLock> {
  const start = now();
  // what a failed attempt leads to: a refusal, or another try after a wait (only within --lock-timeout)
  const afterFailure = (err: unknown) => lockRetry(err, now() - start, req.timeoutMs);
  let told = false;
  for (;;) {
    if (req.signal.aborted) throw new InterruptedError(signalOf(req.signal));
    let handles: LeaseHandle[];
    try {
      handles = await takeAll(req);
    } catch (err) {
      const next = afterFailure(err);
      if (next.kind === 'refuse') throw err;
      if (!told) req.say(`waiting for the run lock (--lock-timeout): ${(err as Error).message.split('. Wait')[0]}`);
      told = true;
      await sleep(next.ms, undefined, { signal: req.signal }).catch(() => undefined);
      continue;
    }
    if (told) req.say(`run lock taken after ${Math.round((now() - start) / 1000)}s of waiting`);
    return { release: async () => void (await Promise.all(handles.map((h) => h.release()))) };
  }
}

/**
 * Runs `f` under the run lock: taken first (or refused, or waited for), given
 * back on every exit path. `f` gets the signal that stops the run: SIGINT or
 * SIGTERM (`req.signal`), or the lock lost to another run (its reason then
 * says so: `{ cause: 'lock-lost', reason }`).
 */
export async function underRunLock<T>(req: Omit<RunLockRequest, 'onLost'>, f: (stop: AbortSignal) => Promise<T>): Promise<T> {
  const lost = new AbortController();
  const onLost = (reason: string) => {
    req.say(`helm-cascade: ${reason}; starting nothing new`);
    lost.abort({ cause: 'lock-lost', reason });
  };
  const lock = await acquireRunLock({ ...req, onLost });
  try {
    return await f(AbortSignal.any([req.signal, lost.signal]));
  } finally {
    await lock.release();
  }
}

/**
 * For `plan` and `apply --dry-run`, which take no lock: one line per cluster
 * where another run of this repository holds the lock now. A cluster that
 * cannot be asked says nothing here (the plan reports it).
 */
export async function runsInProgress(repo: string, clusters: readonly Pick<ClusterSpec, 'name'>[], client: (cluster: string) => KubeClient, now: () => number = Date.now): Promise<string[]> {
  const name = runLockName(repo);
  const found = await Promise.all(clusters.map(async (c) => ({ c, lease: await readLease(client(c.name), RUN_LOCK_NAMESPACE, name).catch(() => undefined) })));
  return found.flatMap(({ c, lease }) =>
    lease && leaseHeld(lease.spec, now()) ? [`a run of repository "${repo}" is in progress on cluster "${c.name}": locked by ${describeHolder(lease)}; what it changes is not final until it finishes`] : [],
  );
}
