// Typed views of the live kinds health reads, converted once from what an API
// server answered (gitops-engine converts to the typed object first, then
// judges it). Each view keeps the Kubernetes field names of the few fields
// read; a field of the wrong type reads as absent, so no assessor ever looks
// at an untyped value. Pure.
import type { LiveObject } from './objects.ts';

type Meta = LiveObject['metadata'];

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Condition {
  type: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface Deployment {
  kind: 'Deployment';
  metadata: Meta;
  spec: { replicas?: number; paused?: boolean; selector?: LabelSelector };
  status: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number; conditions: Condition[] };
}

export interface StatefulSet {
  kind: 'StatefulSet';
  metadata: Meta;
  spec: { replicas?: number; selector?: LabelSelector; updateStrategy: { type?: string; partition?: number } };
  status: { observedGeneration?: number; readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number; currentRevision?: string; updateRevision?: string; conditions: Condition[] };
}

export interface DaemonSet {
  kind: 'DaemonSet';
  metadata: Meta;
  spec: { selector?: LabelSelector; updateStrategy: { type?: string } };
  status: { observedGeneration?: number; desiredNumberScheduled?: number; updatedNumberScheduled?: number; numberAvailable?: number; conditions: Condition[] };
}

export interface ReplicaSet {
  kind: 'ReplicaSet';
  metadata: Meta;
  /** What its controller counts (absent when the object carries no status). */
  status: { availableReplicas?: number };
}

export interface Job {
  kind: 'Job';
  metadata: Meta;
  spec: { suspend?: boolean; selector?: LabelSelector };
  status: { observedGeneration?: number; active?: number; succeeded?: number; failed?: number; conditions: Condition[] };
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount: number;
  waiting?: { reason?: string; message?: string };
  /** The previous instance's end (`lastState.terminated`): why and when the last restart happened. */
  lastTerminated?: { reason?: string; exitCode?: number; message?: string; finishedAt?: string };
}

export interface Pod {
  kind: 'Pod';
  metadata: Meta;
  spec: { containers: string[] };
  status: { phase?: string; reason?: string; message?: string; conditions: Condition[]; containerStatuses: ContainerStatus[]; initContainerStatuses: ContainerStatus[] };
}

export interface Service {
  kind: 'Service';
  metadata: Meta;
  spec: { type?: string; selector?: Record<string, string> };
}

/** One endpoint of a slice: `ready` unset means ready (discovery.k8s.io/v1). */
interface SliceEndpoint {
  addresses: string[];
  ready?: boolean;
  target?: string;
}

export interface EndpointSlice {
  kind: 'EndpointSlice';
  metadata: Meta;
  endpoints: SliceEndpoint[];
}

/** v1 Endpoints (clusters that serve no EndpointSlices): ready and not-ready addresses per subset. */
export interface Endpoints {
  kind: 'Endpoints';
  metadata: Meta;
  subsets: { ready: number; notReady: number }[];
}

/** A core v1 or an events.k8s.io/v1 Event, as one shape. */
export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count: number;
  /** When it last happened (lastTimestamp, eventTime, firstTimestamp or creation, the first set). */
  at: string;
  about?: { kind?: string; name?: string; namespace?: string; uid?: string };
}

export interface HorizontalPodAutoscaler {
  kind: 'HorizontalPodAutoscaler';
  metadata: Meta;
  spec: { scaleTargetRef?: { kind?: string; name?: string } };
}

// ---- reading one field: the wrong type reads as absent

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

function strMap(v: unknown): Record<string, string> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function selectorOf(v: unknown): LabelSelector | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = obj(v);
  const expressions = list(s.matchExpressions).map(obj).flatMap((e) => {
    const key = str(e.key);
    const operator = str(e.operator);
    return key !== undefined && operator !== undefined ? [{ key, operator, values: list(e.values).filter((x): x is string => typeof x === 'string') }] : [];
  });
  return { matchLabels: strMap(s.matchLabels) ?? {}, matchExpressions: expressions };
}

function conditionsOf(status: Json): Condition[] {
  return list(status.conditions)
    .map(obj)
    .flatMap((c) => (typeof c.type === 'string' ? [{ type: c.type, status: str(c.status), reason: str(c.reason), message: str(c.message) }] : []));
}

function containerStatuses(v: unknown): ContainerStatus[] {
  return list(v)
    .map(obj)
    .map((c) => {
      const waiting = obj(c.state).waiting;
      const last = obj(c.lastState).terminated;
      const cs: ContainerStatus = { name: str(c.name) ?? '', ready: bool(c.ready), restartCount: num(c.restartCount) ?? 0 };
      if (waiting !== undefined) cs.waiting = { reason: str(obj(waiting).reason), message: str(obj(waiting).message) };
      if (last !== undefined) {
        const t = obj(last);
        cs.lastTerminated = { reason: str(t.reason), exitCode: num(t.exitCode), message: str(t.message), finishedAt: str(t.finishedAt) };
      }
      return cs;
    });
}

const parts = (o: LiveObject) => ({ spec: obj(o.spec), status: obj(o.status) });

// ---- one converter per kind

export function asDeployment(o: LiveObject): Deployment {
  const { spec, status } = parts(o);
  return {
    kind: 'Deployment',
    metadata: o.metadata,
    spec: { replicas: num(spec.replicas), paused: bool(spec.paused), selector: selectorOf(spec.selector) },
    status: { observedGeneration: num(status.observedGeneration), replicas: num(status.replicas), updatedReplicas: num(status.updatedReplicas), availableReplicas: num(status.availableReplicas), conditions: conditionsOf(status) },
  };
}

export function asStatefulSet(o: LiveObject): StatefulSet {
  const { spec, status } = parts(o);
  const strategy = obj(spec.updateStrategy);
  return {
    kind: 'StatefulSet',
    metadata: o.metadata,
    spec: { replicas: num(spec.replicas), selector: selectorOf(spec.selector), updateStrategy: { type: str(strategy.type), partition: num(obj(strategy.rollingUpdate).partition) } },
    status: {
      observedGeneration: num(status.observedGeneration),
      readyReplicas: num(status.readyReplicas),
      availableReplicas: num(status.availableReplicas),
      updatedReplicas: num(status.updatedReplicas),
      currentRevision: str(status.currentRevision),
      updateRevision: str(status.updateRevision),
      conditions: conditionsOf(status),
    },
  };
}

export function asDaemonSet(o: LiveObject): DaemonSet {
  const { spec, status } = parts(o);
  return {
    kind: 'DaemonSet',
    metadata: o.metadata,
    spec: { selector: selectorOf(spec.selector), updateStrategy: { type: str(obj(spec.updateStrategy).type) } },
    status: { observedGeneration: num(status.observedGeneration), desiredNumberScheduled: num(status.desiredNumberScheduled), updatedNumberScheduled: num(status.updatedNumberScheduled), numberAvailable: num(status.numberAvailable), conditions: conditionsOf(status) },
  };
}

export function asJob(o: LiveObject): Job {
  const { spec, status } = parts(o);
  return {
    kind: 'Job',
    metadata: o.metadata,
    spec: { suspend: bool(spec.suspend), selector: selectorOf(spec.selector) },
    status: { observedGeneration: num(status.observedGeneration), active: num(status.active), succeeded: num(status.succeeded), failed: num(status.failed), conditions: conditionsOf(status) },
  };
}

export function asPod(o: LiveObject): Pod {
  const { spec, status } = parts(o);
  return {
    kind: 'Pod',
    metadata: o.metadata,
    spec: { containers: list(spec.containers).flatMap((c) => (typeof obj(c).name === 'string' ? [obj(c).name as string] : [])) },
    status: {
      phase: str(status.phase),
      reason: str(status.reason),
      message: str(status.message),
      conditions: conditionsOf(status),
      containerStatuses: containerStatuses(status.containerStatuses),
      initContainerStatuses: containerStatuses(status.initContainerStatuses),
    },
  };
}

export function asService(o: LiveObject): Service {
  const { spec } = parts(o);
  return { kind: 'Service', metadata: o.metadata, spec: { type: str(spec.type), selector: strMap(spec.selector) } };
}

export function asEndpointSlice(o: LiveObject): EndpointSlice {
  const endpoints = list(o.endpoints)
    .map(obj)
    .map((e) => {
      const target = obj(e.targetRef);
      return { addresses: list(e.addresses).filter((a): a is string => typeof a === 'string'), ready: bool(obj(e.conditions).ready), target: str(target.uid) ?? str(target.name) };
    });
  return { kind: 'EndpointSlice', metadata: o.metadata, endpoints };
}

export function asEndpoints(o: LiveObject): Endpoints {
  const subsets = list(o.subsets)
    .map(obj)
    .map((s) => ({ ready: list(s.addresses).length, notReady: list(s.notReadyAddresses).length }));
  return { kind: 'Endpoints', metadata: o.metadata, subsets };
}

export function asHorizontalPodAutoscaler(o: LiveObject): HorizontalPodAutoscaler {
  const ref = obj(obj(o.spec).scaleTargetRef);
  return { kind: 'HorizontalPodAutoscaler', metadata: o.metadata, spec: { scaleTargetRef: o.spec === undefined ? undefined : { kind: str(ref.kind), name: str(ref.name) } } };
}

/** A core v1 Event (involvedObject, count, lastTimestamp) or an events.k8s.io/v1 one (regarding, series, note), as one shape. */
export function asEvent(o: LiveObject): KubeEvent {
  const about = obj(o.involvedObject ?? o.regarding);
  const count = num(o.count) ?? num(obj(o.series).count) ?? num(o.deprecatedCount) ?? 1;
  const at = str(o.lastTimestamp) ?? str(o.eventTime) ?? str(o.firstTimestamp) ?? o.metadata.creationTimestamp ?? '';
  const e: KubeEvent = { type: str(o.type), reason: str(o.reason), message: str(o.message) ?? str(o.note), count, at };
  if (o.involvedObject !== undefined || o.regarding !== undefined) e.about = { kind: str(about.kind), name: str(about.name), namespace: str(about.namespace), uid: str(about.uid) };
  return e;
}
