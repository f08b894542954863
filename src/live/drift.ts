// Deployed release vs live objects, pure: parse the release's manifest, find
// each object among the live ones, compare only what the manifest sets.
// plan (reason `live-drift`), apply (repair) and drift all call detectLiveDrift.
import { parseManifest } from '../model/manifest.ts';
import type { ManifestObject } from '../model/manifest.ts';
import { asHorizontalPodAutoscaler } from '../model/live-views.ts';
import { compareObject } from './compare.ts';
import type { FieldDrift, LiveDriftResult, ObjectDrift } from './types.ts';
import { apiGroup } from '../model/objects.ts';
import type { KubeObject, LiveObject } from '../model/objects.ts';
import type { IgnoreRule } from '../model/spec.ts';

/** Identity of an object independent of the served version. */
function liveKey(o: { apiVersion?: string; kind?: string; namespace?: string | undefined; name?: string }): string {
  return `${apiGroup(o.apiVersion)}/${o.kind ?? ''}/${o.namespace ?? ''}/${o.name ?? ''}`;
}

/** The objects of a deployed helm manifest (helm rendered it: an unreadable document is skipped), shared with the run's other readers: read them, never change them. */
export function deployedObjects(manifest: string, releaseNamespace: string): readonly ManifestObject[] {
  return parseManifest(manifest, releaseNamespace, { skipInvalid: true, shared: true });
}

/** Index of live objects by liveKey; cluster-scoped objects also found without a namespace. */
export class LiveObjects {
  private readonly byKey = new Map<string, KubeObject>();
  private readonly clusterScoped = new Map<string, KubeObject>();

  constructor(objects: Iterable<KubeObject | LiveObject> = []) {
    for (const o of objects) this.#add(o);
  }

  #add(o: KubeObject | LiveObject): void {
    const name = o.metadata?.name;
    if (typeof name !== 'string') return;
    const ns = o.metadata?.namespace;
    this.byKey.set(liveKey({ apiVersion: o.apiVersion, kind: o.kind, namespace: ns, name }), o as KubeObject);
    if (ns === undefined) this.clusterScoped.set(liveKey({ apiVersion: o.apiVersion, kind: o.kind, name }), o as KubeObject);
  }

  find(m: Pick<ManifestObject, 'apiVersion' | 'kind' | 'namespace' | 'name'>): KubeObject | undefined {
    return (
      this.byKey.get(liveKey(m)) ??
      // an unknown kind taken as namespaced may in fact be cluster-scoped
      this.clusterScoped.get(liveKey({ apiVersion: m.apiVersion, kind: m.kind, name: m.name }))
    );
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Whether a HorizontalPodAutoscaler of the namespace scales this workload. */
  autoscaled(kind: string, namespace: string | undefined, name: string): boolean {
    for (const o of this.byKey.values()) {
      if (o.kind !== 'HorizontalPodAutoscaler' || o.metadata?.namespace !== namespace) continue;
      const ref = asHorizontalPodAutoscaler(o as LiveObject).spec.scaleTargetRef;
      if (ref?.kind === kind && ref.name === name) return true;
    }
    return false;
  }
}

/**
 * Which live objects to read for these releases: namespace -> `group/Kind`
 * (cluster-scoped kinds under the key `undefined`), as kube/live-objects.ts reads them.
 */
export function liveReadRequests(releases: readonly { manifest: string; namespace: string }[]): Map<string | undefined, Set<string>> {
  const req = new Map<string | undefined, Set<string>>();
  for (const r of releases) {
    for (const m of deployedObjects(r.manifest, r.namespace)) {
      let kinds = req.get(m.namespace);
      if (!kinds) req.set(m.namespace, (kinds = new Set()));
      kinds.add(`${apiGroup(m.apiVersion)}/${m.kind}`);
      // an autoscaler may own the replicas of a workload (Argo CD's known case): read them too
      if (SCALABLE.has(m.kind)) kinds.add('autoscaling/HorizontalPodAutoscaler');
    }
  }
  return req;
}

const SCALABLE = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** The path segments of a FieldDrift path: `spec.containers[web].image` -> spec, containers, web, image. */
function pathSegments(path: string): string[] {
  const out: string[] = [];
  for (const m of path.matchAll(/\[("(?:[^"\\]|\\.)*"|[^\]]*)\]|([^.[\]]+)/g)) {
    const bracket = m[1];
    out.push(bracket === undefined ? m[2]! : bracket.startsWith('"') ? (JSON.parse(bracket) as string) : bracket);
  }
  return out;
}

/** RFC 6901 pointer segments (~1 is /, ~0 is ~). */
function pointerSegments(pointer: string): string[] {
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const startsWith = (path: string[], prefix: string[]) => prefix.length <= path.length && prefix.every((s, i) => s === path[i]);

/** The pointers that apply to one object: the release's rules that select it, and spec.replicas under an autoscaler. */
function ignoredFor(m: ManifestObject, rules: readonly IgnoreRule[], index: LiveObjects): string[][] {
  const pointers = rules
    .filter((r) => (r.kind === undefined || r.kind === m.kind) && (r.name === undefined || r.name === m.name) && (r.namespace === undefined || r.namespace === m.namespace))
    .flatMap((r) => r.jsonPointers.map(pointerSegments));
  if (SCALABLE.has(m.kind) && index.autoscaled(m.kind, m.namespace, m.name)) pointers.push(['spec', 'replicas']);
  return pointers;
}

/**
 * Deployed release vs the live objects of its cluster: every object of the
 * manifest that is missing or differs in a field the manifest sets.
 * `live` holds at least every object of the release's kinds and namespaces
 * (one list per kind and namespace: live/read.ts).
 * Pure.
 */
export function detectLiveDrift(release: { manifest: string; namespace: string }, live: LiveObjects | readonly (KubeObject | LiveObject)[], ignore: readonly IgnoreRule[] = []): LiveDriftResult {
  const index = live instanceof LiveObjects ? live : new LiveObjects(live);
  const objects: ObjectDrift[] = [];
  const manifestObjects = deployedObjects(release.manifest, release.namespace);
  for (const m of manifestObjects) {
    const found = index.find(m);
    const base = { apiVersion: m.apiVersion, kind: m.kind, namespace: m.namespace, name: m.name };
    if (!found) {
      objects.push({ ...base, change: 'missing', fields: [] });
      continue;
    }
    const fields = driftFields(m, m.object, found, ignore, index);
    if (fields.length) objects.push({ ...base, change: 'changed', fields });
  }
  return { drifted: objects.length > 0, objects, checked: manifestObjects.length };
}

/** The fields of `wanted` (the manifest's object, or the server's dry-run of applying it) that `live` does not match, the ignored ones left out. */
export function driftFields(m: ManifestObject, wanted: KubeObject, live: KubeObject, ignore: readonly IgnoreRule[], index: LiveObjects): FieldDrift[] {
  const ignored = ignoredFor(m, ignore, index);
  return compareObject(wanted, live).filter((f) => !ignored.some((p) => startsWith(pathSegments(f.path), p)));
}

/** "Deployment accounts/api", "ClusterRole edit". */
export function objectTitle(o: Pick<ObjectDrift, 'kind' | 'namespace' | 'name'>): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** One line per object: "Deployment accounts/api: spec.replicas: 3 -> 5; ..." or "Service accounts/api: missing". */
export function objectDriftLines(o: ObjectDrift): string[] {
  if (o.change === 'missing') return [`${objectTitle(o)}: missing (deleted from the cluster)`];
  return o.fields.map((f) => `${objectTitle(o)}: ${f.message}`);
}
