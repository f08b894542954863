// Deployed release vs live objects, pure: parse the release's manifest, find
// each object among the live ones, compare only what the manifest sets.
// plan (reason `live-drift`) and apply (repair) call detectLiveDrift too.
import { parseAllDocuments } from 'yaml';
import { compareObject } from './compare.ts';
import type { KubeObject, LiveDriftResult, ObjectDrift } from './types.ts';

/** Kinds that live outside namespaces (the common ones; unknown kinds are taken as namespaced). */
export const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
  'RuntimeClass',
  'CSIDriver',
  'CSINode',
  'VolumeAttachment',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'PodSecurityPolicy',
  'ClusterIssuer',
]);

/** The API group of an apiVersion: "apps/v1" -> "apps", "v1" -> "". */
export function apiGroup(apiVersion: string | undefined): string {
  if (!apiVersion) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** kubectl resource argument for a kind: "Deployment.apps", "ConfigMap". */
export function kubectlResource(apiVersion: string | undefined, kind: string): string {
  const group = apiGroup(apiVersion);
  return group ? `${kind}.${group}` : kind;
}

/** Identity of an object independent of the served version. */
export function objectKey(o: { apiVersion?: string; kind?: string; namespace?: string | undefined; name?: string }): string {
  return `${apiGroup(o.apiVersion)}/${o.kind ?? ''}/${o.namespace ?? ''}/${o.name ?? ''}`;
}

export interface ManifestObject {
  object: KubeObject;
  apiVersion: string;
  kind: string;
  name: string;
  /** The object's namespace (the release's when the manifest omits it); undefined when cluster-scoped. */
  namespace: string | undefined;
}

/**
 * The objects of a helm manifest (multi-document YAML, `# Source:` comments).
 * YAML 1.1 as helm and the API server read it (0644 is octal, yes is a boolean).
 * `List` documents are flattened; documents without kind or name are skipped.
 */
export function parseManifest(manifest: string, releaseNamespace: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  const push = (o: unknown) => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return;
    const obj = o as KubeObject;
    if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
      for (const item of obj.items as unknown[]) push(item);
      return;
    }
    const name = obj.metadata?.name;
    if (typeof obj.kind !== 'string' || typeof name !== 'string' || !name) return;
    const ns = CLUSTER_SCOPED_KINDS.has(obj.kind) ? undefined : (obj.metadata?.namespace ?? releaseNamespace);
    out.push({ object: obj, apiVersion: String(obj.apiVersion ?? 'v1'), kind: obj.kind, name, namespace: ns });
  };
  for (const doc of parseAllDocuments(manifest, { version: '1.1', uniqueKeys: false })) {
    if (doc.errors.length) continue; // helm rendered it, so this should not happen; skip what cannot be read
    push(doc.toJS({ maxAliasCount: -1 }));
  }
  return out;
}

/** Index of live objects by objectKey; cluster-scoped objects also found without a namespace. */
export class LiveObjects {
  private readonly byKey = new Map<string, KubeObject>();
  private readonly clusterScoped = new Map<string, KubeObject>();

  constructor(objects: Iterable<KubeObject> = []) {
    for (const o of objects) this.add(o);
  }

  add(o: KubeObject): void {
    const name = o.metadata?.name;
    if (typeof name !== 'string') return;
    const ns = o.metadata?.namespace;
    this.byKey.set(objectKey({ apiVersion: o.apiVersion, kind: o.kind, namespace: ns, name }), o);
    if (ns === undefined) this.clusterScoped.set(objectKey({ apiVersion: o.apiVersion, kind: o.kind, name }), o);
  }

  find(m: Pick<ManifestObject, 'apiVersion' | 'kind' | 'namespace' | 'name'>): KubeObject | undefined {
    return (
      this.byKey.get(objectKey(m)) ??
      // an unknown kind taken as namespaced may in fact be cluster-scoped
      this.clusterScoped.get(objectKey({ apiVersion: m.apiVersion, kind: m.kind, name: m.name }))
    );
  }

  get size(): number {
    return this.byKey.size;
  }
}

/**
 * Which live objects to read for these releases: namespace -> kubectl
 * resource arguments (cluster-scoped kinds under the key `undefined`).
 */
export function liveReadRequests(releases: readonly { manifest: string; namespace: string }[]): Map<string | undefined, Set<string>> {
  const req = new Map<string | undefined, Set<string>>();
  for (const r of releases) {
    for (const m of parseManifest(r.manifest, r.namespace)) {
      let kinds = req.get(m.namespace);
      if (!kinds) req.set(m.namespace, (kinds = new Set()));
      kinds.add(kubectlResource(m.apiVersion, m.kind));
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
export function detectLiveDrift(release: { manifest: string; namespace: string }, live: LiveObjects | readonly KubeObject[]): LiveDriftResult {
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
