// One snapshot of live objects, converted once into the typed views health
// reads (model/live-views.ts) and indexed for the evaluator: owned objects by
// ref, and per namespace the pods, ReplicaSets, EndpointSlices and Endpoints.
// Pure.
import { asDaemonSet, asDeployment, asEndpoints, asEndpointSlice, asEvent, asJob, asPod, asService, asStatefulSet } from '../model/live-views.ts';
import type { DaemonSet, Deployment, Endpoints, EndpointSlice, Job, KubeEvent, Pod, ReplicaSet, Service, StatefulSet } from '../model/live-views.ts';
import { refKey } from '../model/objects.ts';
import type { LiveObject, ObjectRef } from '../model/objects.ts';

/** An object the gate judges, typed. */
export type GatedView = Deployment | StatefulSet | DaemonSet | Job | Service | Pod;

const CONVERT: Record<string, (o: LiveObject) => GatedView> = { Deployment: asDeployment, StatefulSet: asStatefulSet, DaemonSet: asDaemonSet, Job: asJob, Service: asService, Pod: asPod };

export class SnapshotViews {
  readonly #byRef = new Map<string, GatedView>();
  readonly #pods = new Map<string, Pod[]>();
  readonly #replicaSets = new Map<string, ReplicaSet[]>();
  readonly #slices = new Map<string, EndpointSlice[]>();
  readonly #endpoints = new Map<string, Endpoints[]>();
  readonly events: readonly KubeEvent[];

  constructor(objects: readonly LiveObject[], events: readonly LiveObject[] = []) {
    for (const o of objects) {
      const ns = o.metadata.namespace ?? '';
      if (o.kind === 'ReplicaSet') {
        const available = (o as { status?: { availableReplicas?: unknown } }).status?.availableReplicas;
        push(this.#replicaSets, ns, { kind: 'ReplicaSet', metadata: o.metadata, status: typeof available === 'number' ? { availableReplicas: available } : {} });
      }
      else if (o.kind === 'EndpointSlice') push(this.#slices, ns, asEndpointSlice(o));
      else if (o.kind === 'Endpoints') push(this.#endpoints, ns, asEndpoints(o));
      const convert = CONVERT[o.kind];
      if (!convert) continue;
      const view = convert(o);
      this.#byRef.set(refKey({ kind: o.kind, namespace: ns, name: o.metadata.name }), view);
      if (view.kind === 'Pod') push(this.#pods, ns, view);
    }
    this.events = events.map(asEvent);
  }

  /** The owned object, when the snapshot has it (a ref without a namespace of its own matches objects without one). */
  find(ref: ObjectRef): GatedView | undefined {
    return this.#byRef.get(refKey(ref)) ?? this.#byRef.get(refKey({ ...ref, namespace: '' }));
  }

  pods(namespace: string): readonly Pod[] {
    return inNamespace(this.#pods, namespace);
  }

  replicaSets(namespace: string): readonly ReplicaSet[] {
    return inNamespace(this.#replicaSets, namespace);
  }

  endpointSlices(namespace: string): readonly EndpointSlice[] {
    return inNamespace(this.#slices, namespace);
  }

  endpoints(namespace: string): readonly Endpoints[] {
    return inNamespace(this.#endpoints, namespace);
  }
}

/** The objects of a namespace, and those that carry none (they are of whichever namespace was listed). */
function inNamespace<T>(m: Map<string, T[]>, namespace: string): readonly T[] {
  const own = m.get(namespace) ?? [];
  const bare = namespace === '' ? [] : (m.get('') ?? []);
  return bare.length ? [...own, ...bare] : own;
}

function push<T>(m: Map<string, T[]>, key: string, v: T): void {
  const l = m.get(key);
  if (l) l.push(v);
  else m.set(key, [v]);
}
