// Rendered manifests -> objects keyed by kind/namespace/name, normalised so
// that only meaningful differences remain (pure).
import { parseAllDocuments } from 'yaml';
import { isPlainObject, sortKeys } from './values.ts';
import type { Values } from './values.ts';

export interface ManifestObject {
  key: string; // kind/namespace/name
  kind: string;
  namespace: string;
  name: string;
  object: Values; // normalised
}

/** Kinds that live outside namespaces (the common ones; unknown kinds are taken as namespaced). */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'StorageClass', 'PriorityClass', 'IngressClass', 'RuntimeClass', 'CSIDriver', 'CSINode', 'VolumeAttachment',
  'APIService', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'PodSecurityPolicy', 'ClusterIssuer',
]);

/** Metadata the API server or helm adds that says nothing about desired state. */
const NOISE_METADATA = ['creationTimestamp', 'resourceVersion', 'uid', 'generation', 'managedFields', 'selfLink'];
const NOISE_ANNOTATIONS = ['meta.helm.sh/release-name', 'meta.helm.sh/release-namespace', 'kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

/** One object of a rendered manifest, as helm and the API server read it. */
export interface RenderedObject {
  object: Values;
  apiVersion: string;
  kind: string;
  name: string;
  /** The object's namespace (the release's when the manifest omits it); undefined when cluster-scoped. */
  namespace: string | undefined;
}

/**
 * THE manifest parser (plan diffs, live drift, the gates' owned objects): the
 * objects of a helm manifest (multi-document YAML, `# Source:` comments), read
 * as YAML 1.1 as helm and the API server read it (0644 is octal, yes is a
 * boolean). `*List` documents are flattened; documents without kind or name are
 * skipped. A document that is not valid YAML throws, or is skipped with
 * `skipInvalid` (a deployed manifest helm itself rendered).
 */
export function renderedObjects(manifest: string | undefined, releaseNamespace: string, opts: { skipInvalid?: boolean } = {}): RenderedObject[] {
  const out: RenderedObject[] = [];
  const push = (o: unknown) => {
    if (!isPlainObject(o)) return;
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const item of o.items as unknown[]) push(item);
      return;
    }
    const meta = isPlainObject(o.metadata) ? o.metadata : {};
    const name = meta.name;
    if (typeof o.kind !== 'string' || !o.kind || typeof name !== 'string' || !name) return;
    const namespace = CLUSTER_SCOPED_KINDS.has(o.kind) ? undefined : typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : releaseNamespace;
    out.push({ object: o, apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : 'v1', kind: o.kind, name, namespace });
  };
  for (const doc of parseAllDocuments(manifest ?? '', { version: '1.1', uniqueKeys: false })) {
    if (doc.errors.length) {
      if (opts.skipInvalid) continue;
      throw new Error(`manifest is not valid YAML: ${doc.errors[0]!.message}`);
    }
    push(doc.toJS({ maxAliasCount: -1 }));
  }
  return out;
}

/** Parses a multi-document manifest into normalised objects keyed kind/namespace/name (cluster-scoped: empty namespace). */
export function parseManifest(manifest: string, defaultNamespace: string): ManifestObject[] {
  return renderedObjects(manifest, defaultNamespace).map((r) => {
    const namespace = r.namespace ?? '';
    return { key: objectKey(r.kind, namespace, r.name), kind: r.kind, namespace, name: r.name, object: normaliseObject(r.object) };
  });
}

export function objectKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** Sorted keys, API-server/helm noise dropped, empty metadata maps removed. */
export function normaliseObject(obj: Values): Values {
  const o = structuredClone(obj);
  delete o.status;
  if (isPlainObject(o.metadata)) {
    const meta = o.metadata;
    for (const k of NOISE_METADATA) delete meta[k];
    if (isPlainObject(meta.annotations)) {
      for (const k of NOISE_ANNOTATIONS) delete meta.annotations[k];
      if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
    }
    if (isPlainObject(meta.labels) && Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  return sortKeys(dropNulls(o)) as Values;
}

/** `key: null` / `key:` in templates means "unset": the API server never stores it. */
function dropNulls(v: Values): Values {
  const out: Values = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined) continue;
    out[k] = isPlainObject(x) ? dropNulls(x) : Array.isArray(x) ? x.map((i) => (isPlainObject(i) ? dropNulls(i) : i)) : x;
  }
  return out;
}
