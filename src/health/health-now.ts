// Health now, for drift: the gates' own assessors (evaluate.ts assessOwned:
// each owned Deployment/StatefulSet/DaemonSet/Job/Service/Pod judged by its
// per-kind file, and the current pods of the owned workloads) applied to what
// runs at one instant, without a gate's clock or baseline. Pure.
//
// A release is unhealthy when:
// - a current pod is in CrashLoopBackOff, ImagePullBackOff, ErrImagePull,
//   CreateContainerConfigError or Unschedulable (pod.ts podFailFast);
// - a current pod restarted recently: a container whose last restart
//   (lastState.terminated.finishedAt) ended within `restartWindow` of now, with
//   more than `maxRecentRestarts` restarts (restartCount) among such containers;
// - a current pod is not Ready;
// - an owned object is Progressing or Degraded: a workload short of its
//   desired replicas, a Service below `minReadyEndpoints` ready endpoints, a
//   failed Job. Missing objects are left to drift's "changed live" (deleted by
//   hand); a paused (Suspended) Deployment was paused on purpose.
// A release deployed less than its `timeout` ago is still rolling out, as its
// gate would wait: only the fail-fast states, restarts and Degraded objects
// count then, not pods still becoming Ready nor replicas still coming.
import type { LiveObject, ObjectRef } from '../model/objects.ts';
import type { HealthSpec } from '../model/spec.ts';
import { assessOwned, fmtDuration, podEvents } from './evaluate.ts';
import type { FailingPod, ObjectHealth } from './evaluate.ts';
import { assessPod, isPodReady, podFailFast, podRecentRestarts, podRestarts } from './pod.ts';
import { countEndpoints } from './service.ts';

/** clusters.yaml `health.restartWindow` / `maxRecentRestarts` defaults (config/load.ts DEFAULT_HEALTH says the same). */
const DEFAULT_RESTART_WINDOW_MS = 60 * 60_000;
const DEFAULT_MAX_RECENT_RESTARTS = 0;

/** An owned object that is not Healthy; Services carry their endpoint count. */
export interface UnhealthyObject extends ObjectHealth {
  readyEndpoints?: number;
  minReadyEndpoints?: number;
}

export interface HealthNow {
  /** Pods in trouble, worst reason first per pod: a fail-fast state, Restarts, NotReady. */
  pods: FailingPod[];
  objects: UnhealthyObject[];
  /** Current pods looked at. */
  podsChecked: number;
}

export interface HealthNowInput {
  owned: readonly ObjectRef[];
  /** Everything read from the release's namespaces: the gate kinds (poller.ts GATE_KINDS). */
  objects: readonly LiveObject[];
  /** Events of those namespaces, for the pods' recent events; optional. */
  events?: readonly LiveObject[] | undefined;
  health: HealthSpec;
  /** ms since the epoch: the instant the objects describe. */
  now: number;
  /** ms since the epoch of the release's last deploy (helm's last_deployed); see the header. */
  deployedAt?: number | undefined;
}

function podProblem(pod: LiveObject, health: HealthSpec, now: number): { reason: string; message: string } | undefined {
  const failFast = podFailFast(pod);
  if (failFast) return { reason: failFast.reason, message: failFast.container ? `container ${failFast.container}: ${failFast.message}` : failFast.message };
  const windowMs = health.restartWindowMs ?? DEFAULT_RESTART_WINDOW_MS;
  const max = health.maxRecentRestarts ?? DEFAULT_MAX_RECENT_RESTARTS;
  const recent = podRecentRestarts(pod, windowMs, now);
  if (recent && recent.restarts > max) {
    const ago = fmtDuration(Math.max(0, now - Date.parse(recent.lastAt)));
    const who = `container${recent.containers.length === 1 ? '' : 's'} ${recent.containers.join(', ')}`;
    return { reason: 'Restarts', message: `${who} restarted ${recent.restarts} time${recent.restarts === 1 ? '' : 's'}, last at ${recent.lastAt} (${ago} ago, within restartWindow ${fmtDuration(windowMs)}; maxRecentRestarts ${max})` };
  }
  if (!isPodReady(pod) && pod.status?.phase !== 'Succeeded') return { reason: 'NotReady', message: assessPod(pod).message };
  return undefined;
}

/** A Service's health with its endpoint count beside the assessor's message. */
function withEndpoints(o: ObjectHealth, objects: readonly LiveObject[], min: number): UnhealthyObject {
  if (o.kind !== 'Service') return o;
  const svc = objects.find((x) => x.kind === 'Service' && x.metadata.name === o.name && (x.metadata.namespace ?? o.namespace) === o.namespace);
  if (!svc) return o;
  const inNs = (x: LiveObject) => (x.metadata.namespace ?? o.namespace) === o.namespace;
  const n = countEndpoints(svc, objects.filter((x) => x.kind === 'EndpointSlice' && inNs(x)), objects.filter((x) => x.kind === 'Endpoints' && inNs(x)));
  return { ...o, readyEndpoints: n.ready, minReadyEndpoints: min };
}

export function assessHealthNow(input: HealthNowInput): HealthNow {
  const { health, now } = input;
  const { objects, pods } = assessOwned({
    owned: input.owned,
    snapshot: { objects: input.objects, events: input.events, fetchedAt: now },
    baseline: {},
    specChanged: new Set(),
    health,
    elapsedMs: 0,
    restartBaseline: {},
  });
  const rollingOut = input.deployedAt !== undefined && now - input.deployedAt < health.timeoutMs;
  const troubled: FailingPod[] = pods.flatMap((p) => {
    const problem = podProblem(p, health, now);
    if (!problem || (rollingOut && problem.reason === 'NotReady')) return [];
    return [{ namespace: p.metadata.namespace ?? '', name: p.metadata.name, ...problem, restarts: podRestarts(p), events: podEvents(p, input.events) }];
  });
  // bare Pods are reported as pods above
  const counted = rollingOut ? ['Degraded'] : ['Progressing', 'Degraded'];
  const unhealthy = objects.filter((o) => o.kind !== 'Pod' && counted.includes(o.status)).map((o) => withEndpoints(o, input.objects, health.minReadyEndpoints));
  return { pods: troubled, objects: unhealthy, podsChecked: pods.length };
}
