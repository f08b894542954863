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

/** Kinds that live outside namespaces: their key has an empty namespace. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass',
  'PriorityClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'APIService', 'IngressClass',
  'RuntimeClass', 'Node', 'CSIDriver', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
]);

/** Metadata the API server or helm adds that says nothing about desired state. */
const NOISE_METADATA = ['creationTimestamp', 'resourceVersion', 'uid', 'generation', 'managedFields', 'selfLink'];
const NOISE_ANNOTATIONS = ['meta.helm.sh/release-name', 'meta.helm.sh/release-namespace', 'kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

/** Parses a multi-document manifest; a document that is not a k8s object (empty, comment-only) is skipped. */
export function parseManifest(manifest: string, defaultNamespace: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    if (doc.errors.length) throw new Error(`manifest is not valid YAML: ${doc.errors[0]!.message}`);
    const obj: unknown = doc.toJS({ maxAliasCount: -1 });
    if (!isPlainObject(obj)) continue;
    const items = obj.kind === 'List' && Array.isArray(obj.items) ? obj.items.filter(isPlainObject) : [obj];
    for (const item of items) {
      const kind = typeof item.kind === 'string' ? item.kind : '';
      const meta = isPlainObject(item.metadata) ? item.metadata : {};
      const name = typeof meta.name === 'string' ? meta.name : '';
      if (!kind && !name) continue;
      const namespace = CLUSTER_SCOPED.has(kind) ? '' : typeof meta.namespace === 'string' ? meta.namespace : defaultNamespace;
      out.push({ key: objectKey(kind, namespace, name), kind, namespace, name, object: normaliseObject(item) });
    }
  }
  return out;
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
