// The gate evaluator (pure): owned refs x a snapshot of live objects x the
// baseline x the HealthSpec x the clock -> rolling-out | soaking | passed |
// failed, with a reason a person can act on. The loop in gate.ts feeds it.
// What the objects say at one instant is judged by judgeInstant, the one
// judge the gates, `status` and `drift` share (judge.ts adds status's and
// drift's view of it); only how restarts count differs (RestartRule).
//
// The rules (docs/health.md):
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
import type { KubeEvent, LabelSelector, Pod, ReplicaSet } from '../model/live-views.ts';
import type { HealthSpec } from '../model/spec.ts';
import { refKey } from '../model/objects.ts';
import type { Baseline, LiveObject, ObjectRef } from '../model/objects.ts';
import { observedCurrent } from './baseline.ts';
import type { AssessContext } from './baseline.ts';
import { assessDaemonSet } from './daemonset.ts';
import { assessDeployment } from './deployment.ts';
import { assessJob } from './job.ts';
import { assessPod, isPodReady, podFailFast, podRecentRestarts, podRestarts } from './pod.ts';
import { assessService } from './service.ts';
import { SnapshotViews } from './snapshot.ts';
import type { GatedView } from './snapshot.ts';
import { assessStatefulSet } from './statefulset.ts';
import { missing, worst } from './status.ts';
import type { HealthResult } from './status.ts';

export type GatePhase = 'rolling-out' | 'soaking' | 'passed' | 'failed';

/** Everything read for the namespaces of a unit at one instant. */
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

/** Does a label selector (matchLabels + matchExpressions) select these labels? An empty selector selects nothing. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
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

type Workload = Extract<GatedView, { kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' }>;

/** A Deployment's ReplicaSet of its current revision; 'none' when it owns none (or has no revision yet), undefined while the controller lags. */
function newestReplicaSet(workload: Extract<Workload, { kind: 'Deployment' }>, views: SnapshotViews, ns: string): ReplicaSet | 'none' | undefined {
  const revision = workload.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const owned = views.replicaSets(ns).filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === workload.metadata.uid));
  if (owned.length === 0 || revision === undefined) return 'none';
  return owned.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision);
}

/** Pods of a workload's newest revision (see the header); [] while the controller lags. */
function currentPodsOf(workload: Workload, views: SnapshotViews, ns: string): Pod[] {
  const selected = views.pods(ns).filter((p) => !p.metadata.deletionTimestamp && selectorMatches(workload.spec.selector, p.metadata.labels));
  if (workload.kind === 'Job') return selected;
  if (!observedCurrent(workload)) return [];
  switch (workload.kind) {
    case 'Deployment': {
      const newest = newestReplicaSet(workload, views, ns);
      if (newest === 'none') return selected;
      const hash = newest?.metadata.labels?.['pod-template-hash'];
      if (!hash) return [];
      return selected.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    }
    case 'StatefulSet': {
      const rev = workload.status.updateRevision;
      return rev ? selected.filter((p) => p.metadata.labels?.['controller-revision-hash'] === rev) : selected;
    }
    case 'DaemonSet': {
      const gen = String(workload.metadata.generation ?? '');
      const labelled = selected.filter((p) => p.metadata.labels?.['pod-template-generation'] !== undefined);
      return labelled.length === selected.length ? selected.filter((p) => p.metadata.labels?.['pod-template-generation'] === gen) : selected;
    }
  }
}

/**
 * Workloads whose controller reports more available pods than the pods'
 * watch or list shows Ready: the objects of a snapshot come from separate
 * reads (one watch or list per kind), so the pods can lag behind the
 * Deployment that counts them. A soak must not start on such a view: the
 * pod it has not seen yet would later look "lost" (one Ready pod reported,
 * none seen, then the pod's first, unscheduled version arrives).
 */
function podViewLags(owned: readonly ObjectRef[], views: SnapshotViews): string[] {
  const lagging: string[] = [];
  for (const ref of owned) {
    if (ref.kind !== 'Deployment' && ref.kind !== 'StatefulSet' && ref.kind !== 'DaemonSet') continue;
    const w = views.find(ref);
    if (!w || (w.kind !== 'Deployment' && w.kind !== 'StatefulSet' && w.kind !== 'DaemonSet')) continue;
    const reported = w.kind === 'DaemonSet' ? (w.status.numberAvailable ?? 0) : (w.status.availableReplicas ?? 0);
    // the pods of its newest revision: on an upgrade the old pod may still be seen Ready while the new one is not seen at all
    const seen = currentPodsOf(w, views, ref.namespace).filter(isPodReady).length;
    // a Deployment's current ReplicaSet counts its own available pods: fewer seen Ready is a lagging view;
    // otherwise, none of the pods the workload counts seen Ready yet
    const rs = w.kind === 'Deployment' ? newestReplicaSet(w, views, ref.namespace) : undefined;
    const counted = rs !== undefined && rs !== 'none' ? rs.status.availableReplicas : undefined;
    if (counted !== undefined ? seen < counted : reported > 0 && seen === 0) lagging.push(`${w.kind} ${ref.name} reports ${plural(counted ?? reported, 'available pod')}, ${seen} Ready seen yet`);
  }
  return lagging;
}

/** The events about one pod, oldest first. */
function eventsOfPod(pod: Pod, events: readonly KubeEvent[]): KubeEvent[] {
  const mine = events.filter((e) => {
    const about = e.about;
    if (about?.kind !== 'Pod' || about.name !== pod.metadata.name) return false;
    return !about.uid || !pod.metadata.uid || about.uid === pod.metadata.uid;
  });
  return mine.sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * The cluster autoscaler's last word on an Unschedulable pod: "TriggeredScaleUp"
 * means a node is being added for it (wait: it may still fit before the
 * timeout); "NotTriggerScaleUp" or "FailedScaleUp" mean none will come.
 */
function scaleUpUnderWay(pod: Pod, events: readonly KubeEvent[]): string | undefined {
  const last = eventsOfPod(pod, events)
    .filter((e) => e.reason === 'TriggeredScaleUp' || e.reason === 'NotTriggerScaleUp' || e.reason === 'FailedScaleUp')
    .at(-1);
  return last?.reason === 'TriggeredScaleUp' ? (last.message ?? 'scale-up triggered') : undefined;
}

/** The last `limit` events about a pod, formatted, oldest first. */
function podEvents(pod: Pod, events: readonly KubeEvent[], limit = 5): string[] {
  return eventsOfPod(pod, events)
    .slice(-limit)
    .map((e) => `${e.type ?? 'Normal'} ${e.reason ?? ''}: ${e.message ?? ''}${e.count > 1 ? ` (x${e.count})` : ''}`);
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

function assessView(view: GatedView, ref: ObjectRef, ctx: AssessContext, views: SnapshotViews, health: HealthSpec): HealthResult {
  switch (view.kind) {
    case 'Deployment': return assessDeployment(view, ctx);
    case 'StatefulSet': return assessStatefulSet(view, ctx);
    case 'DaemonSet': return assessDaemonSet(view, ctx);
    case 'Job': return assessJob(view, ctx);
    case 'Pod': return assessPod(view);
    case 'Service': return assessService(view, { endpointSlices: views.endpointSlices(ref.namespace), endpoints: views.endpoints(ref.namespace), minReadyEndpoints: health.minReadyEndpoints });
  }
}

/** The owned objects' health (each by its kind's assessor), and the current pods of the owned workloads and bare pods. */
function assessOwned(input: Pick<GateInput, 'owned' | 'baseline' | 'specChanged' | 'health'>, views: SnapshotViews): { objects: ObjectHealth[]; pods: Pod[] } {
  const objects: ObjectHealth[] = [];
  const podsByUid = new Map<string, Pod>();
  for (const ref of input.owned) {
    if (!WORKLOAD_KINDS.has(ref.kind) && ref.kind !== 'Service' && ref.kind !== 'Pod') continue;
    const view = views.find(ref);
    if (!view) {
      objects.push({ ...ref, ...missing(`${ref.kind} ${ref.name} not found in namespace ${ref.namespace}`) });
      continue;
    }
    const key = refKey(ref);
    const ctx: AssessContext = { baseline: input.baseline[key], specChanged: input.specChanged === 'all' || input.specChanged.has(key) };
    objects.push({ ...ref, ...assessView(view, ref, ctx, views, input.health) });
    if (view.kind === 'Pod') {
      if (!view.metadata.deletionTimestamp) podsByUid.set(view.metadata.uid ?? view.metadata.name, view);
    } else if (view.kind !== 'Service') for (const p of currentPodsOf(view, views, ref.namespace)) podsByUid.set(p.metadata.uid ?? p.metadata.name, p);
  }
  return { objects, pods: [...podsByUid.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)) };
}

/**
 * How container restarts count. A gate counts those since it started (its
 * baseline of each pod's restartCount) against maxRestarts, summed over the
 * release's pods; `status` and `drift`, which keep no state between runs,
 * count per pod the restarts of containers whose last restart ended within
 * restartWindow of now, against maxRecentRestarts.
 */
export type RestartRule = { kind: 'since-gate'; baseline: Readonly<Record<string, number>>; max: number } | { kind: 'window'; windowMs: number; max: number; now: number };

/** clusters.yaml `health.restartWindow` / `maxRecentRestarts` defaults (config/load.ts DEFAULT_HEALTH says the same). */
const DEFAULT_RESTART_WINDOW_MS = 60 * 60_000;
const DEFAULT_MAX_RECENT_RESTARTS = 0;

/** The restart window rule of a release's health settings at `now`. */
export function windowRule(health: HealthSpec, now: number): RestartRule {
  return { kind: 'window', windowMs: health.restartWindowMs ?? DEFAULT_RESTART_WINDOW_MS, max: health.maxRecentRestarts ?? DEFAULT_MAX_RECENT_RESTARTS, now };
}

/** What the objects of a release say at one instant, judged once for the gates, `status` and `drift`. */
export interface Instant {
  objects: ObjectHealth[];
  /** Current pods of the release. */
  pods: number;
  /** Pods in a state that never heals by waiting (Unschedulable ones a node is being added for left out). */
  failFast: FailingPod[];
  /** Unschedulable pods the cluster autoscaler is adding a node for. */
  scalingUp: string[];
  /** Restarts counted by the rule, and the pods over it (reason Restarts). */
  restarts: { total: number; over: boolean; pods: FailingPod[]; reason: string };
  /** Current pods not Ready (and not completed), reason NotReady. */
  notReady: FailingPod[];
  /** Of those, the pods not scheduled yet: never Ready, so new to the rollout rather than lost. */
  unscheduled: string[];
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function countRestarts(pods: readonly Pod[], rule: RestartRule, report: (p: Pod, reason: string, message: string) => FailingPod): Instant['restarts'] {
  if (rule.kind === 'since-gate') {
    const byPod = pods.map((pod) => ({ pod, n: Math.max(0, podRestarts(pod) - (rule.baseline[pod.metadata.uid ?? ''] ?? 0)) }));
    const total = byPod.reduce((n, r) => n + r.n, 0);
    const culprits = byPod.filter((r) => r.n > 0);
    const list = culprits.map((r) => `${r.pod.metadata.name} (${r.n})`).join(', ');
    return {
      total,
      over: total > rule.max,
      pods: culprits.map((r) => report(r.pod, 'Restarts', `restarted ${plural(r.n, 'time')} since the gate started`)),
      reason: `${plural(total, 'container restart')} since the gate started, more than maxRestarts ${rule.max}: ${list}`,
    };
  }
  const over: FailingPod[] = [];
  let total = 0;
  for (const pod of pods) {
    const recent = podRecentRestarts(pod, rule.windowMs, rule.now);
    if (!recent) continue;
    total += recent.restarts;
    if (recent.restarts <= rule.max) continue;
    const ago = fmtDuration(Math.max(0, rule.now - Date.parse(recent.lastAt)));
    const who = `container${recent.containers.length === 1 ? '' : 's'} ${recent.containers.join(', ')}`;
    over.push(report(pod, 'Restarts', `${who} restarted ${plural(recent.restarts, 'time')}, last at ${recent.lastAt} (${ago} ago, within restartWindow ${fmtDuration(rule.windowMs)}; maxRecentRestarts ${rule.max})`));
  }
  return { total, over: over.length > 0, pods: over, reason: over.map((p) => `pod ${p.name}: ${p.message}`).join('; ') };
}

/** The one judge of what a release's objects say at one instant (see Instant). */
export function judgeInstant(input: Pick<GateInput, 'owned' | 'baseline' | 'specChanged' | 'health'> & { views: SnapshotViews; restarts: RestartRule }): Instant {
  const { views } = input;
  const { objects, pods } = assessOwned(input, views);
  const report = (pod: Pod, reason: string, message: string): FailingPod => ({ namespace: pod.metadata.namespace ?? '', name: pod.metadata.name, reason, message, restarts: podRestarts(pod), events: podEvents(pod, views.events) });
  const scalingUp: string[] = [];
  const failFast = pods.flatMap((p) => {
    const problem = podFailFast(p);
    if (!problem) return [];
    const scaleUp = problem.reason === 'Unschedulable' ? scaleUpUnderWay(p, views.events) : undefined;
    if (scaleUp) {
      scalingUp.push(`pod ${p.metadata.name} is Unschedulable, the cluster autoscaler is adding a node (${scaleUp})`);
      return [];
    }
    return [report(p, problem.reason, problem.container ? `container ${problem.container}: ${problem.message}` : problem.message)];
  });
  const notReady = pods.filter((p) => !isPodReady(p) && p.status.phase !== 'Succeeded').map((p) => report(p, 'NotReady', assessPod(p).message));
  const unscheduled = pods.filter((p) => p.status.phase === 'Pending' && !p.status.conditions.some((c) => c.type === 'PodScheduled' && c.status === 'True')).map((p) => p.metadata.name);
  return { objects, pods: pods.length, failFast, scalingUp, restarts: countRestarts(pods, input.restarts, report), notReady, unscheduled };
}

/** A workload whose controller has not yet observed its newest generation (a spec change on its way, not a failure). */
function awaitsNewGeneration(o: ObjectHealth, views: SnapshotViews): boolean {
  if (o.kind !== 'Deployment' && o.kind !== 'StatefulSet' && o.kind !== 'DaemonSet') return false;
  const w = views.find(o);
  return w !== undefined && (w.kind === 'Deployment' || w.kind === 'StatefulSet' || w.kind === 'DaemonSet') && !observedCurrent(w);
}

/** The phase while something is still not Healthy: rolling out, timed out, or (during the soak) lost. */
function notYetHealthy(input: GateInput, pending: ObjectHealth[], scalingUp: string[], lost: FailingPod[], views: SnapshotViews): Omit<GateEvaluation, 'objects' | 'pods' | 'restarts'> {
  const what = pending.map((o) => `${o.kind} ${o.name}: ${o.message}`).join('; ');
  if (input.soakStartedMs !== undefined && input.elapsedMs < input.health.timeoutMs && lost.length === 0 && pending.every((o) => awaitsNewGeneration(o, views))) {
    // a newer spec reached the view during the soak (the watch delivered the change after an older view started it): a rollout, not a regression
    return { phase: 'rolling-out', reason: `a new generation appeared during the soak, the soak starts again: ${what}`, failingPods: [] };
  }
  if (input.soakStartedMs !== undefined) {
    const who = lost.length > 0 ? `pod ${lost.map((p) => p.name).join(', ')} lost Ready during the soak; ` : '';
    return { phase: 'failed', reason: `${who}no longer healthy after ${fmtDuration(input.elapsedMs - input.soakStartedMs)} of soak: ${what}`, failingPods: lost };
  }
  const waitingFor = [what, ...scalingUp].join('; ');
  if (input.elapsedMs >= input.health.timeoutMs) return { phase: 'failed', reason: `timed out after ${fmtDuration(input.health.timeoutMs)} waiting for rollout: ${waitingFor}`, failingPods: lost };
  return { phase: 'rolling-out', reason: waitingFor, failingPods: [] };
}

/** Everything rolled out: pods must be Ready throughout the soak, the probes pass, then the soak ends. */
function rolledOut(input: GateInput, objects: ObjectHealth[], pods: number, restarts: number, lost: FailingPod[], lagging: readonly string[], unscheduled: readonly string[] = []): Omit<GateEvaluation, 'objects' | 'pods' | 'restarts'> {
  const { health } = input;
  const inSoak = input.soakStartedMs !== undefined;
  const names = lost.map((p) => p.name).join(', ');
  // a pod not scheduled yet was never Ready: it is new to the rollout (seen late), not lost; the soak starts again
  if (inSoak && lost.length > 0 && lost.every((p) => unscheduled.includes(p.name)) && input.elapsedMs < health.timeoutMs) return { phase: 'rolling-out', reason: `pod ${names} appeared during the soak, not scheduled yet; the soak starts again`, failingPods: [] };
  if (inSoak && lost.length > 0) return { phase: 'failed', reason: `pod ${names} lost Ready during the soak: ${lost[0]!.message}`, failingPods: lost };
  if (!inSoak && lost.length > 0) {
    // Rolled out per the controllers but a current pod is not Ready yet (e.g. maxUnavailable slack): keep waiting.
    if (input.elapsedMs >= health.timeoutMs) return { phase: 'failed', reason: `timed out after ${fmtDuration(health.timeoutMs)}: pod ${names} not Ready`, failingPods: lost };
    return { phase: 'rolling-out', reason: `waiting for pod ${names} to be Ready`, failingPods: [] };
  }
  if (!inSoak && lagging.length > 0) {
    if (input.elapsedMs >= health.timeoutMs) return { phase: 'failed', reason: `timed out after ${fmtDuration(health.timeoutMs)} waiting for the pods' view: ${lagging.join('; ')}`, failingPods: [] };
    return { phase: 'rolling-out', reason: `waiting for the pods' view: ${lagging.join('; ')}`, failingPods: [] };
  }
  if (!inSoak) return { phase: 'soaking', reason: `rolled out; soaking for ${fmtDuration(health.soakMs)}`, failingPods: [] };
  const failedProbe = input.probes?.find((p) => !p.ok);
  if (failedProbe) return { phase: 'failed', reason: `${failedProbe.name} failed during the soak: ${failedProbe.message}`, failingPods: [] };
  const soaked = input.elapsedMs - input.soakStartedMs!;
  const wantsProbes = health.http.length > 0 || health.prometheus !== undefined;
  if (soaked >= health.soakMs && (!wantsProbes || input.probes !== undefined)) {
    const summary = worst(objects).status === 'Healthy' ? plural(objects.length, 'object') + ' healthy' : '';
    return { phase: 'passed', reason: `${summary}, ${plural(pods, 'pod')} Ready, ${plural(restarts, 'restart')} after a ${fmtDuration(health.soakMs)} soak`, failingPods: [] };
  }
  return { phase: 'soaking', reason: `soaking: ${fmtDuration(soaked)} of ${fmtDuration(health.soakMs)}`, failingPods: [] };
}

export function evaluateGate(input: GateInput): GateEvaluation {
  const views = new SnapshotViews(input.snapshot.objects, input.snapshot.events);
  const now = judgeInstant({ ...input, views, restarts: { kind: 'since-gate', baseline: input.restartBaseline, max: input.health.maxRestarts } });
  const { objects } = now;
  const base = { objects, pods: now.pods, restarts: now.restarts.total };
  // 1. Pod states that never heal by waiting.
  const broken = now.failFast;
  if (broken.length > 0) {
    const first = broken[0]!;
    const more = broken.length > 1 ? ` (and ${broken.length - 1} more pod${broken.length > 2 ? 's' : ''})` : '';
    return { ...base, phase: 'failed', reason: `pod ${first.name} is in ${first.reason}: ${first.message}${more}`, failingPods: broken };
  }
  // 2. Too many restarts.
  if (now.restarts.over) return { ...base, phase: 'failed', reason: now.restarts.reason, failingPods: now.restarts.pods };
  // 3. An object that is Degraded will not heal by waiting either.
  const degradedObj = objects.find((o) => o.status === 'Degraded');
  if (degradedObj) return { ...base, phase: 'failed', reason: `${degradedObj.kind} ${degradedObj.name}: ${degradedObj.message}`, failingPods: [] };

  const pending = objects.filter((o) => o.status !== 'Healthy');
  if (pending.length > 0) return { ...base, ...notYetHealthy(input, pending, now.scalingUp, now.notReady, views) };
  return { ...base, ...rolledOut(input, objects, now.pods, now.restarts.total, now.notReady, podViewLags(input.owned, views), now.unscheduled) };
}
