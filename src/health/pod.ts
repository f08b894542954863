// Pod health, after gitops-engine's health_pod.go, plus what the gate needs:
// the reasons that fail a gate at once (SPEC "Health gates"), restart counts
// and readiness.
import type { ContainerStatus, Pod } from '../model/live-views.ts';
import { conditionOf } from './baseline.ts';
import { degraded, healthy, progressing } from './status.ts';
import type { HealthResult } from './status.ts';

/** Pod states that fail a gate without waiting for the timeout. */
const FAIL_FAST_REASONS = ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError', 'Unschedulable'] as const;
type FailFastReason = (typeof FAIL_FAST_REASONS)[number];

export interface PodProblem {
  reason: FailFastReason;
  /** The container in that state; undefined for Unschedulable. */
  container: string | undefined;
  /** What the kubelet or scheduler said. */
  message: string;
}

/** Init containers first, then the app containers. */
const statuses = (pod: Pod): ContainerStatus[] => [...pod.status.initContainerStatuses, ...pod.status.containerStatuses];

const isFailFast = (r: string | undefined): r is FailFastReason => (FAIL_FAST_REASONS as readonly string[]).includes(r ?? '');

/** The first fail-fast problem of a pod, or undefined. */
export function podFailFast(pod: Pod): PodProblem | undefined {
  if (pod.metadata.deletionTimestamp) return undefined;
  for (const c of statuses(pod)) {
    const w = c.waiting;
    if (w && isFailFast(w.reason)) {
      const last = c.lastTerminated;
      const lastExit = w.reason === 'CrashLoopBackOff' && last ? ` (last exit: ${last.reason ?? 'terminated'}, code ${last.exitCode ?? '?'})` : '';
      return { reason: w.reason, container: c.name, message: `${w.message ?? w.reason}${lastExit}` };
    }
  }
  const scheduled = conditionOf(pod, 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { reason: 'Unschedulable', container: undefined, message: scheduled.message ?? 'no node can run this pod' };
  }
  return undefined;
}

/** Restarts of all containers of a pod (init containers included). */
export function podRestarts(pod: Pod): number {
  return statuses(pod).reduce((n, c) => n + c.restartCount, 0);
}

export function isPodReady(pod: Pod): boolean {
  return conditionOf(pod, 'Ready')?.status === 'True';
}

const restartsNote = (n: number) => (n === 0 ? '' : `, ${n} restart${n === 1 ? '' : 's'}`);

export function assessPod(pod: Pod): HealthResult {
  const name = pod.metadata.name;
  if (pod.metadata.deletionTimestamp) return progressing(`Pod ${name} is terminating`);
  const problem = podFailFast(pod);
  if (problem) {
    const where = problem.container ? `container ${problem.container} of pod ${name}` : `pod ${name}`;
    return degraded(`${problem.reason}: ${where}: ${problem.message}`);
  }
  const phase = pod.status.phase ?? 'Pending';
  const restarts = podRestarts(pod);
  if (phase === 'Succeeded') return healthy(`Pod ${name} completed`);
  if (phase === 'Failed') {
    const s = pod.status;
    return degraded(`Pod ${name} failed${s.reason ? ` (${s.reason})` : ''}${s.message ? `: ${s.message}` : ''}`);
  }
  if (phase === 'Pending') {
    const scheduled = conditionOf(pod, 'PodScheduled');
    if (scheduled?.status !== 'True') return progressing(`Pod ${name} is waiting to be scheduled`);
    const waiting = statuses(pod).find((c) => c.waiting);
    if (waiting) return progressing(`Pod ${name}: container ${waiting.name} is waiting: ${waiting.waiting?.reason ?? 'starting'}`);
    return progressing(`Pod ${name} is pending`);
  }
  if (isPodReady(pod)) return healthy(`Pod ${name} is Ready${restartsNote(restarts)}`);
  const ready = conditionOf(pod, 'Ready');
  const why = ready?.message ?? ready?.reason ?? 'readiness probe not passing';
  return progressing(`Pod ${name} is running but not Ready: ${why}${restartsNote(restarts)}`);
}

/** A pod's containers that restarted within a window: their restarts (restartCount) and the last restart's end. */
export interface RecentRestarts {
  restarts: number;
  /** lastState.terminated.finishedAt of the latest restart (ISO). */
  lastAt: string;
  containers: string[];
}

/**
 * Containers whose last restart (lastState.terminated.finishedAt) ended within
 * `windowMs` before `now`, with their restartCount: status and drift keep no
 * state between runs, so "restarting recently" is read from the pod alone.
 * Undefined when no container restarted within the window.
 */
export function podRecentRestarts(pod: Pod, windowMs: number, now: number): RecentRestarts | undefined {
  let out: RecentRestarts | undefined;
  for (const c of statuses(pod)) {
    const at = c.lastTerminated?.finishedAt;
    const t = at ? Date.parse(at) : Number.NaN;
    if (!at || Number.isNaN(t) || now - t > windowMs) continue;
    out ??= { restarts: 0, lastAt: at, containers: [] };
    out.restarts += c.restartCount;
    out.containers.push(c.name);
    if (t > Date.parse(out.lastAt)) out.lastAt = at;
  }
  return out;
}
