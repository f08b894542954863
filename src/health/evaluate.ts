// The gate evaluator (pure): owned refs x a snapshot of live objects x the
// baseline x the HealthSpec x the clock -> rolling-out | soaking | passed |
// failed, with a reason a person can act on. The loop in gate.ts feeds it.
//
// The rules (SPEC "Health gates"):
// - every owned Deployment/StatefulSet/DaemonSet has rolled out, every owned
//   Service has minReadyEndpoints ready endpoints (Jobs complete, bare Pods Ready);
// - then, for soakMs, that stays so: current pods stay Ready, restarts stay
//   within maxRestarts, the http/prometheus checks pass;
// - fail fast, at any time, when a current pod is CrashLoopBackOff,
//   ImagePullBackOff, ErrImagePull, CreateContainerConfigError or
//   Unschedulable, when restarts exceed maxRestarts, or an object is Degraded
//   (except an Unschedulable pod the cluster autoscaler is adding a node for:
//   its last autoscaler event is TriggeredScaleUp; that one waits);
// - otherwise fail at timeoutMs with what is still missing.
//
// "Current" pods are the ones of the workload's newest revision (the new
// ReplicaSet's pod-template-hash, the StatefulSet's updateRevision, the
// DaemonSet's pod-template-generation): pods of the previous revision that are
// being replaced never fail the gate, and while the controller has not
// observed the new spec there are no current pods at all.
import type { HealthSpec } from '../model/spec.ts';
import { refKey } from '../model/objects.ts';
import type { Baseline, LiveObject, ObjectRef } from '../model/objects.ts';
import { observedCurrent } from './baseline.ts';
import type { AssessContext } from './baseline.ts';
import { assessDaemonSet } from './daemonset.ts';
import { assessDeployment } from './deployment.ts';
import { assessJob } from './job.ts';
import { assessPod, isPodReady, podFailFast, podRestarts } from './pod.ts';
import { assessService } from './service.ts';
import { assessStatefulSet } from './statefulset.ts';
import { missing, worst } from './status.ts';
import type { HealthResult } from './status.ts';

export type GatePhase = 'rolling-out' | 'soaking' | 'passed' | 'failed';

/** Everything kubectl returned for the namespaces of a unit at one instant. */
export interface LiveSnapshot {
  objects: readonly LiveObject[];
  /** Events of those namespaces (core v1 or events.k8s.io/v1); optional, used for failure reports. */
  events?: readonly LiveObject[] | undefined;
  /** ms since the epoch when the snapshot was read. */
  fetchedAt: number;
}

/** Outcome of one http or prometheus check. */
export interface ProbeResult {
  name: string; // "http https://x/healthz" / "prometheus <query>"
  ok: boolean;
  message: string;
}

export interface GateInput {
  owned: readonly ObjectRef[];
  snapshot: LiveSnapshot;
  baseline: Baseline;
  /** refKeys whose spec the upgrade changed (see owned.ts specChangedRefs); 'all' when unknown. */
  specChanged: ReadonlySet<string> | 'all';
  health: HealthSpec;
  /** ms since the gate started. */
  elapsedMs: number;
  /** elapsedMs at which the soak began; undefined until the rollout is done. */
  soakStartedMs?: number | undefined;
  /** pod uid -> restarts seen when the gate started; pods not listed count from 0. */
  restartBaseline: Readonly<Record<string, number>>;
  /** Latest http/prometheus results; undefined until the first round ran. */
  probes?: readonly ProbeResult[] | undefined;
}

export interface FailingPod {
  namespace: string;
  name: string;
  /** CrashLoopBackOff, ..., or Restarts, NotReady. */
  reason: string;
  message: string;
  restarts: number;
  /** Recent events of the pod, oldest first: "Warning BackOff: Back-off restarting failed container (x3)". */
  events: string[];
}

export interface ObjectHealth extends ObjectRef, HealthResult {}

export interface GateEvaluation {
  phase: GatePhase;
  reason: string;
  objects: ObjectHealth[];
  failingPods: FailingPod[];
  /** Restarts of current pods since the gate started. */
  restarts: number;
  /** Current pods of the release. */
  pods: number;
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
const GATED_KINDS = new Set([...WORKLOAD_KINDS, 'Service', 'Pod']);

/** Does a label selector (matchLabels + matchExpressions) select these labels? An empty selector selects nothing. */
export function selectorMatches(selector: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const ml = selector.matchLabels ?? {};
  const me = selector.matchExpressions ?? [];
  if (Object.keys(ml).length === 0 && me.length === 0) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(ml)) if (l[k] !== v) return false;
  for (const e of me) {
    const has = Object.hasOwn(l, e.key);
    const v = l[e.key];
    switch (e.operator) {
      case 'In': if (!has || !(e.values ?? []).includes(v as string)) return false; break;
      case 'NotIn': if (has && (e.values ?? []).includes(v as string)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

function findObject(objects: readonly LiveObject[], ref: ObjectRef): LiveObject | undefined {
  return objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && (o.metadata.namespace ?? ref.namespace) === ref.namespace);
}

const isTerminating = (o: LiveObject) => Boolean(o.metadata.deletionTimestamp);
const sameNs = (o: LiveObject, ns: string | undefined) => (o.metadata.namespace ?? ns) === ns;

/** Pods of a workload's newest revision (see the header); [] while the controller lags. */
function currentPodsOf(workload: LiveObject, objects: readonly LiveObject[]): LiveObject[] {
  const ns = workload.metadata.namespace;
  const selected = objects.filter((o) => o.kind === 'Pod' && sameNs(o, ns) && !isTerminating(o) && selectorMatches(workload.spec?.selector, o.metadata.labels));
  if (workload.kind === 'Job') return selected;
  if (!observedCurrent(workload)) return [];
  switch (workload.kind) {
    case 'Deployment': {
      const revision = workload.metadata.annotations?.['deployment.kubernetes.io/revision'];
      const owned = objects.filter((o) => o.kind === 'ReplicaSet' && sameNs(o, ns) && o.metadata.ownerReferences?.some((r) => r.uid === workload.metadata.uid));
      if (owned.length === 0 || revision === undefined) return selected;
      const newest = owned.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision);
      const hash = newest?.metadata.labels?.['pod-template-hash'];
      if (!hash) return [];
      return selected.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    }
    case 'StatefulSet': {
      const rev: string | undefined = workload.status?.updateRevision;
      return rev ? selected.filter((p) => p.metadata.labels?.['controller-revision-hash'] === rev) : selected;
    }
    case 'DaemonSet': {
      const gen = String(workload.metadata.generation ?? '');
      const labelled = selected.filter((p) => p.metadata.labels?.['pod-template-generation'] !== undefined);
      return labelled.length === selected.length ? selected.filter((p) => p.metadata.labels?.['pod-template-generation'] === gen) : selected;
    }
    default:
      return selected;
  }
}

interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  note?: string;
  count?: number;
  series?: { count?: number };
  deprecatedCount?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  metadata?: { creationTimestamp?: string };
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  regarding?: { kind?: string; name?: string; namespace?: string; uid?: string };
}

/** The events about one pod, oldest first. */
function eventsOfPod(pod: LiveObject, events: readonly LiveObject[] | undefined): EventLike[] {
  const mine = ((events ?? []) as unknown as EventLike[]).filter((e) => {
    const about = e.involvedObject ?? e.regarding;
    if (about?.kind !== 'Pod' || about.name !== pod.metadata.name) return false;
    return !about.uid || !pod.metadata.uid || about.uid === pod.metadata.uid;
  });
  const when = (e: EventLike) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '';
  return mine.sort((a, b) => when(a).localeCompare(when(b)));
}

/**
 * The cluster autoscaler's last word on an Unschedulable pod: "TriggeredScaleUp"
 * means a node is being added for it (wait: it may still fit before the
 * timeout); "NotTriggerScaleUp" or "FailedScaleUp" mean none will come.
 */
function scaleUpUnderWay(pod: LiveObject, events: readonly LiveObject[] | undefined): string | undefined {
  const last = eventsOfPod(pod, events)
    .filter((e) => e.reason === 'TriggeredScaleUp' || e.reason === 'NotTriggerScaleUp' || e.reason === 'FailedScaleUp')
    .at(-1);
  return last?.reason === 'TriggeredScaleUp' ? (last.message ?? last.note ?? 'scale-up triggered') : undefined;
}

/** The last `limit` events about a pod, formatted, oldest first. */
export function podEvents(pod: LiveObject, events: readonly LiveObject[] | undefined, limit = 5): string[] {
  const mine = eventsOfPod(pod, events);
  return mine.slice(-limit).map((e) => {
    const count = e.count ?? e.series?.count ?? e.deprecatedCount ?? 1;
    return `${e.type ?? 'Normal'} ${e.reason ?? ''}: ${e.message ?? e.note ?? ''}${count > 1 ? ` (x${count})` : ''}`;
  });
}

/** 0.4s, 2s, 1m30s, 5m, 1h: tenths below 10s so a short soak does not read "1s of 1s" before it is over. */
export function fmtDuration(ms: number): string {
  if (ms < 10_000) {
    const tenths = Math.floor(ms / 100) / 10;
    return `${Number.isInteger(tenths) ? tenths : tenths.toFixed(1)}s`;
  }
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m >= 60 && s % 60 === 0) return m % 60 === 0 ? `${m / 60}h` : `${Math.floor(m / 60)}h${m % 60}m`;
  return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
}

function assessRef(ref: ObjectRef, obj: LiveObject | undefined, input: GateInput): HealthResult | undefined {
  if (!GATED_KINDS.has(ref.kind)) return undefined;
  if (!obj) return missing(`${ref.kind} ${ref.name} not found in namespace ${ref.namespace}`);
  const key = refKey(ref);
  const ctx: AssessContext = { baseline: input.baseline[key], specChanged: input.specChanged === 'all' || input.specChanged.has(key) };
  const objs = input.snapshot.objects;
  switch (ref.kind) {
    case 'Deployment': return assessDeployment(obj, ctx);
    case 'StatefulSet': return assessStatefulSet(obj, ctx);
    case 'DaemonSet': return assessDaemonSet(obj, ctx);
    case 'Job': return assessJob(obj, ctx);
    case 'Pod': return assessPod(obj);
    case 'Service': {
      const ns = ref.namespace;
      return assessService(obj, {
        endpointSlices: objs.filter((o) => o.kind === 'EndpointSlice' && sameNs(o, ns)),
        endpoints: objs.filter((o) => o.kind === 'Endpoints' && sameNs(o, ns)),
        minReadyEndpoints: input.health.minReadyEndpoints,
      });
    }
    default: return undefined;
  }
}

/** The owned objects' health, and the current pods of the owned workloads and bare pods (gates and drift's health now). */
export function assessOwned(input: GateInput): { objects: ObjectHealth[]; pods: LiveObject[] } {
  const objects: ObjectHealth[] = [];
  const podsByUid = new Map<string, LiveObject>();
  for (const ref of input.owned) {
    const obj = findObject(input.snapshot.objects, ref);
    const r = assessRef(ref, obj, input);
    if (!r) continue;
    objects.push({ ...ref, ...r });
    if (obj && WORKLOAD_KINDS.has(ref.kind)) for (const p of currentPodsOf(obj, input.snapshot.objects)) podsByUid.set(p.metadata.uid ?? p.metadata.name, p);
    if (obj && ref.kind === 'Pod' && !isTerminating(obj)) podsByUid.set(obj.metadata.uid ?? obj.metadata.name, obj);
  }
  return { objects, pods: [...podsByUid.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)) };
}

type Reporter = (pod: LiveObject, reason: string, message: string) => FailingPod;

/** 1. Pod states that never heal by waiting (an Unschedulable pod the autoscaler is adding a node for waits). */
function failFast(pods: readonly LiveObject[], events: LiveSnapshot['events'], report: Reporter): { broken: FailingPod[]; scalingUp: string[] } {
  const scalingUp: string[] = [];
  const broken = pods.flatMap((p) => {
    const problem = podFailFast(p);
    if (problem?.reason === 'Unschedulable') {
      const scaleUp = scaleUpUnderWay(p, events);
      if (scaleUp) {
        scalingUp.push(`pod ${p.metadata.name} is Unschedulable, the cluster autoscaler is adding a node (${scaleUp})`);
        return [];
      }
    }
    return problem ? [report(p, problem.reason, problem.container ? `container ${problem.container}: ${problem.message}` : problem.message)] : [];
  });
  return { broken, scalingUp };
}

/** The phase while something is still not Healthy: rolling out, timed out, or (during the soak) lost. */
function notYetHealthy(input: GateInput, pending: ObjectHealth[], scalingUp: string[], lost: () => FailingPod[]): Omit<GateEvaluation, 'objects' | 'pods' | 'restarts'> {
  const what = pending.map((o) => `${o.kind} ${o.name}: ${o.message}`).join('; ');
  if (input.soakStartedMs !== undefined) {
    const l = lost();
    const who = l.length > 0 ? `pod ${l.map((p) => p.name).join(', ')} lost Ready during the soak; ` : '';
    return { phase: 'failed', reason: `${who}no longer healthy after ${fmtDuration(input.elapsedMs - input.soakStartedMs)} of soak: ${what}`, failingPods: l };
  }
  const waitingFor = [what, ...scalingUp].join('; ');
  if (input.elapsedMs >= input.health.timeoutMs) return { phase: 'failed', reason: `timed out after ${fmtDuration(input.health.timeoutMs)} waiting for rollout: ${waitingFor}`, failingPods: lost() };
  return { phase: 'rolling-out', reason: waitingFor, failingPods: [] };
}

/** Everything rolled out: pods must be Ready throughout the soak, the probes pass, then the soak ends. */
function rolledOut(input: GateInput, objects: ObjectHealth[], pods: number, restarts: number, lost: FailingPod[]): Omit<GateEvaluation, 'objects' | 'pods' | 'restarts'> {
  const { health } = input;
  const inSoak = input.soakStartedMs !== undefined;
  const names = lost.map((p) => p.name).join(', ');
  if (inSoak && lost.length > 0) return { phase: 'failed', reason: `pod ${names} lost Ready during the soak: ${lost[0]!.message}`, failingPods: lost };
  if (!inSoak && lost.length > 0) {
    // Rolled out per the controllers but a current pod is not Ready yet (e.g. maxUnavailable slack): keep waiting.
    if (input.elapsedMs >= health.timeoutMs) return { phase: 'failed', reason: `timed out after ${fmtDuration(health.timeoutMs)}: pod ${names} not Ready`, failingPods: lost };
    return { phase: 'rolling-out', reason: `waiting for pod ${names} to be Ready`, failingPods: [] };
  }
  if (!inSoak) return { phase: 'soaking', reason: `rolled out; soaking for ${fmtDuration(health.soakMs)}`, failingPods: [] };
  const failedProbe = input.probes?.find((p) => !p.ok);
  if (failedProbe) return { phase: 'failed', reason: `${failedProbe.name} failed during the soak: ${failedProbe.message}`, failingPods: [] };
  const soaked = input.elapsedMs - input.soakStartedMs!;
  const wantsProbes = health.http.length > 0 || health.prometheus !== undefined;
  if (soaked >= health.soakMs && (!wantsProbes || input.probes !== undefined)) {
    const summary = worst(objects).status === 'Healthy' ? `${objects.length} object${objects.length === 1 ? '' : 's'} healthy` : '';
    return { phase: 'passed', reason: `${summary}, ${pods} pod${pods === 1 ? '' : 's'} Ready, ${restarts} restart${restarts === 1 ? '' : 's'} after a ${fmtDuration(health.soakMs)} soak`, failingPods: [] };
  }
  return { phase: 'soaking', reason: `soaking: ${fmtDuration(soaked)} of ${fmtDuration(health.soakMs)}`, failingPods: [] };
}

export function evaluateGate(input: GateInput): GateEvaluation {
  const { health, snapshot } = input;
  const { objects, pods } = assessOwned(input);
  const report: Reporter = (pod, reason, message) => ({ namespace: pod.metadata.namespace ?? '', name: pod.metadata.name, reason, message, restarts: podRestarts(pod), events: podEvents(pod, snapshot.events) });
  const restartsByPod = pods.map((p) => ({ pod: p, n: Math.max(0, podRestarts(p) - (input.restartBaseline[p.metadata.uid ?? ''] ?? 0)) }));
  const restarts = restartsByPod.reduce((n, r) => n + r.n, 0);
  const base = { objects, pods: pods.length, restarts };

  const { broken, scalingUp } = failFast(pods, snapshot.events, report);
  if (broken.length > 0) {
    const first = broken[0]!;
    const more = broken.length > 1 ? ` (and ${broken.length - 1} more pod${broken.length > 2 ? 's' : ''})` : '';
    return { ...base, phase: 'failed', reason: `pod ${first.name} is in ${first.reason}: ${first.message}${more}`, failingPods: broken };
  }
  // 2. Too many restarts.
  if (restarts > health.maxRestarts) {
    const culprits = restartsByPod.filter((r) => r.n > 0);
    const list = culprits.map((r) => `${r.pod.metadata.name} (${r.n})`).join(', ');
    const failingPods = culprits.map((r) => report(r.pod, 'Restarts', `restarted ${r.n} time${r.n === 1 ? '' : 's'} since the gate started`));
    return { ...base, phase: 'failed', reason: `${restarts} container restart${restarts === 1 ? '' : 's'} since the gate started, more than maxRestarts ${health.maxRestarts}: ${list}`, failingPods };
  }
  // 3. An object that is Degraded will not heal by waiting either.
  const degradedObj = objects.find((o) => o.status === 'Degraded');
  if (degradedObj) return { ...base, phase: 'failed', reason: `${degradedObj.kind} ${degradedObj.name}: ${degradedObj.message}`, failingPods: [] };

  const notReady = () => pods.filter((p) => !isPodReady(p) && p.status?.phase !== 'Succeeded').map((p) => report(p, 'NotReady', assessPod(p).message));
  const pending = objects.filter((o) => o.status !== 'Healthy');
  if (pending.length > 0) return { ...base, ...notYetHealthy(input, pending, scalingUp, notReady) };
  return { ...base, ...rolledOut(input, objects, pods.length, restarts, notReady()) };
}
