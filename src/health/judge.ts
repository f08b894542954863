// The health of a deployed release now, for `status` and `drift` (pure): the
// gates' own judge (evaluate.ts judgeInstant: each owned object by its kind's
// assessor, the current pods of the owned workloads) on one snapshot, without
// a gate's clock or baseline. Restarts are judged by the restart window
// (evaluate.ts RestartRule 'window'), so a pod whose only restart was weeks
// ago is healthy in both.
//
// A release is Degraded (drift's "unhealthy") when:
// - a current pod is in CrashLoopBackOff, ImagePullBackOff, ErrImagePull,
//   CreateContainerConfigError or Unschedulable (pod.ts podFailFast);
// - a current pod restarted recently: a container whose last restart
//   (lastState.terminated.finishedAt) ended within `restartWindow` of now, with
//   more than `maxRecentRestarts` restarts (restartCount) among such containers;
// - a current pod is not Ready;
// - an owned object is Progressing or Degraded: a workload short of its
//   desired replicas, a Service below `minReadyEndpoints` ready endpoints, a
//   failed Job.
// A release deployed less than its `timeout` ago is still rolling out, as its
// gate would wait: only the fail-fast states, restarts and Degraded objects
// count then; pods still becoming Ready and replicas still coming make it
// Progressing. Missing objects are Missing (drift reports them as changed
// live: deleted by hand); a paused Deployment is Suspended (paused on purpose).
import type { LiveObject, ObjectRef } from '../model/objects.ts';
import type { HealthSpec } from '../model/spec.ts';
import { judgeInstant, windowRule } from './evaluate.ts';
import type { FailingPod, ObjectHealth } from './evaluate.ts';
import { countEndpoints } from './service.ts';
import { SnapshotViews } from './snapshot.ts';
import type { HealthStatusCode } from './status.ts';

/** An owned object that is not Healthy; Services carry their endpoint count. */
export interface UnhealthyObject extends ObjectHealth {
  readyEndpoints?: number;
  minReadyEndpoints?: number;
}

export interface ReleaseHealth {
  /** What `status` shows: Healthy, or the worst of what is wrong with its first reason. */
  status: HealthStatusCode;
  message: string;
  /** Pods in trouble (drift's "unhealthy"), one reason per pod, worst first: a fail-fast state, Restarts, NotReady. */
  pods: FailingPod[];
  /** Owned objects Degraded, or Progressing past the rollout's timeout (drift's "unhealthy"). */
  objects: UnhealthyObject[];
  /** Current pods looked at. */
  podsChecked: number;
}

export interface ReleaseHealthInput {
  owned: readonly ObjectRef[];
  /** Everything read from the release's namespaces: the gate kinds (poller.ts GATE_KINDS). */
  objects: readonly LiveObject[];
  /** Events of those namespaces, for the pods' recent events (and an autoscaler adding a node); optional. */
  events?: readonly LiveObject[] | undefined;
  health: HealthSpec;
  /** ms since the epoch: the instant the objects describe. */
  now: number;
  /** ms since the epoch of the release's last deploy (helm's last_deployed); see the header. */
  deployedAt?: number | undefined;
}

/** A Service's health with its endpoint count beside the assessor's message. */
function withEndpoints(o: ObjectHealth, views: SnapshotViews, min: number): UnhealthyObject {
  const svc = o.kind === 'Service' ? views.find(o) : undefined;
  if (svc?.kind !== 'Service') return o;
  const n = countEndpoints(svc, views.endpointSlices(o.namespace), views.endpoints(o.namespace));
  return { ...o, readyEndpoints: n.ready, minReadyEndpoints: min };
}

/** One reason per pod, the worst first: fail fast, then restarts, then not Ready. */
function troubledPods(lists: readonly FailingPod[][]): FailingPod[] {
  const seen = new Set<string>();
  const out: FailingPod[] = [];
  for (const p of lists.flat()) {
    const key = `${p.namespace}/${p.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

const podLine = (p: FailingPod) => `pod ${p.name}: ${p.reason}: ${p.message}`;
const objectLine = (o: ObjectHealth) => `${o.kind} ${o.name}: ${o.message}`;

/**
 * The typed views of one list of objects (and events), made once per list:
 * drift and status judge every release of a namespace against the same
 * lists, and converting them again for each release made a namespace of n
 * releases cost n^2 (issue 27). The lists are read-only; a new list is a new snapshot.
 */
const snapshots = new WeakMap<readonly LiveObject[], WeakMap<readonly LiveObject[], SnapshotViews>>();
const NO_EVENTS: readonly LiveObject[] = [];

export function snapshotViews(objects: readonly LiveObject[], events: readonly LiveObject[] = NO_EVENTS): SnapshotViews {
  let byEvents = snapshots.get(objects);
  if (!byEvents) snapshots.set(objects, (byEvents = new WeakMap()));
  let views = byEvents.get(events);
  if (!views) byEvents.set(events, (views = new SnapshotViews(objects, events)));
  return views;
}

/** The one health verdict of a deployed release now (see the header). */
export function judgeReleaseHealth(input: ReleaseHealthInput): ReleaseHealth {
  const { health, now } = input;
  const views = snapshotViews(input.objects, input.events);
  const instant = judgeInstant({ owned: input.owned, views, baseline: {}, specChanged: new Set(), health, restarts: windowRule(health, now) });
  const rollingOut = input.deployedAt !== undefined && now - input.deployedAt < health.timeoutMs;
  const counted = rollingOut ? ['Degraded'] : ['Progressing', 'Degraded'];
  const notReady = rollingOut ? [] : instant.notReady;
  const pods = troubledPods([instant.failFast, instant.restarts.pods, notReady]);
  // bare Pods are judged as pods above
  const objects = instant.objects.filter((o) => o.kind !== 'Pod' && counted.includes(o.status)).map((o) => withEndpoints(o, views, health.minReadyEndpoints));
  const verdict = (status: HealthStatusCode, message: string): ReleaseHealth => ({ status, message, pods, objects, podsChecked: instant.pods });
  const notReadyPod = (p: FailingPod) => p.reason === 'NotReady';
  const degradedObject = (o: ObjectHealth) => o.status === 'Degraded';
  const worstFirst = [...pods.filter((p) => !notReadyPod(p)).map(podLine), ...objects.filter(degradedObject).map(objectLine), ...pods.filter(notReadyPod).map(podLine), ...objects.filter((o) => !degradedObject(o)).map(objectLine)];
  if (worstFirst.length > 0) return verdict('Degraded', worstFirst[0]!);
  const waiting = [...instant.notReady.map(podLine), ...instant.objects.filter((o) => o.status === 'Progressing').map(objectLine), ...instant.scalingUp];
  if (waiting.length > 0) return verdict('Progressing', `rolling out: ${waiting[0]}`);
  const other = instant.objects.find((o) => o.status === 'Missing') ?? instant.objects.find((o) => o.status === 'Suspended');
  return other ? verdict(other.status, objectLine(other)) : verdict('Healthy', '');
}

/** "Healthy", "Progressing: why", "Degraded: why", "Missing: why", "Suspended: why": one table cell. */
export function healthLabel(h: Pick<ReleaseHealth, 'status' | 'message'>): string {
  return h.status === 'Healthy' ? 'Healthy' : `${h.status}: ${h.message}`;
}
