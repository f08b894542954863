// Deployed release vs live objects, pure: parse the release's manifest, find
// each object among the live ones, compare only what the manifest sets.
// plan (reason `live-drift`), apply (repair) and drift all call detectLiveDrift.
import { renderedObjects } from '../model/manifest.ts';
import type { RenderedObject } from '../model/manifest.ts';
import { compareObject } from './live-compare.ts';
import type { LiveDriftResult, ObjectDrift } from './types.ts';
import { apiGroup } from '../model/objects.ts';
import type { KubeObject, LiveObject } from '../model/objects.ts';

/** Identity of an object independent of the served version. */
function liveKey(o: { apiVersion?: string; kind?: string; namespace?: string | undefined; name?: string }): string {
  return `${apiGroup(o.apiVersion)}/${o.kind ?? ''}/${o.namespace ?? ''}/${o.name ?? ''}`;
}

export type DeployedObject = RenderedObject & { object: KubeObject };

/** The objects of a deployed helm manifest (see plan/manifest.ts renderedObjects); unreadable documents are skipped. */
export function parseManifest(manifest: string, releaseNamespace: string): DeployedObject[] {
  return renderedObjects(manifest, releaseNamespace, { skipInvalid: true }).filter((o) => !o.generated) as DeployedObject[];
}

/** Index of live objects by liveKey; cluster-scoped objects also found without a namespace. */
export class LiveObjects {
  private readonly byKey = new Map<string, KubeObject>();
  private readonly clusterScoped = new Map<string, KubeObject>();

  constructor(objects: Iterable<KubeObject | LiveObject> = []) {
    for (const o of objects) this.add(o);
  }

  add(o: KubeObject | LiveObject): void {
    const name = o.metadata?.name;
    if (typeof name !== 'string') return;
    const ns = o.metadata?.namespace;
    this.byKey.set(liveKey({ apiVersion: o.apiVersion, kind: o.kind, namespace: ns, name }), o as KubeObject);
    if (ns === undefined) this.clusterScoped.set(liveKey({ apiVersion: o.apiVersion, kind: o.kind, name }), o as KubeObject);
  }

  find(m: Pick<DeployedObject, 'apiVersion' | 'kind' | 'namespace' | 'name'>): KubeObject | undefined {
    return (
      this.byKey.get(liveKey(m)) ??
      // an unknown kind taken as namespaced may in fact be cluster-scoped
      this.clusterScoped.get(liveKey({ apiVersion: m.apiVersion, kind: m.kind, name: m.name }))
    );
  }

  get size(): number {
    return this.byKey.size;
  }
}

/**
 * Which live objects to read for these releases: namespace -> `group/Kind`
 * (cluster-scoped kinds under the key `undefined`), as kube/live-objects.ts reads them.
 */
export function liveReadRequests(releases: readonly { manifest: string; namespace: string }[]): Map<string | undefined, Set<string>> {
  const req = new Map<string | undefined, Set<string>>();
  for (const r of releases) {
    for (const m of parseManifest(r.manifest, r.namespace)) {
      let kinds = req.get(m.namespace);
      if (!kinds) req.set(m.namespace, (kinds = new Set()));
      kinds.add(`${apiGroup(m.apiVersion)}/${m.kind}`);
    }
  }
  return req;
}

/**
 * Deployed release vs the live objects of its cluster: every object of the
 * manifest that is missing or differs in a field the manifest sets.
 * `live` holds at least every object of the release's kinds and namespaces
 * (e.g. the result of one `kubectl get KINDS -n NS -o json` per namespace).
 * Pure.
 */
export function detectLiveDrift(release: { manifest: string; namespace: string }, live: LiveObjects | readonly (KubeObject | LiveObject)[]): LiveDriftResult {
  const index = live instanceof LiveObjects ? live : new LiveObjects(live);
  const objects: ObjectDrift[] = [];
  const manifestObjects = parseManifest(release.manifest, release.namespace);
  for (const m of manifestObjects) {
    const found = index.find(m);
    const base = { apiVersion: m.apiVersion, kind: m.kind, namespace: m.namespace, name: m.name };
    if (!found) {
      objects.push({ ...base, change: 'missing', fields: [] });
      continue;
    }
    const fields = compareObject(m.object, found);
    if (fields.length) objects.push({ ...base, change: 'changed', fields });
  }
  return { drifted: objects.length > 0, objects, checked: manifestObjects.length };
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
