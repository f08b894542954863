// What a release owns, read from its rendered manifest (pure): the refs the
// gate checks, and which of them the upgrade changes (their generation must
// move past the baseline before their status counts).
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { refKey } from '../kube/live.ts';
import type { ObjectRef } from '../kube/live.ts';

interface ManifestObject {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
}

/** Kinds that live outside namespaces; they are never gated. */
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'APIService', 'IngressClass']);

function objectsOf(manifest: string | undefined, namespace: string): Map<string, ManifestObject & { ref: ObjectRef }> {
  const out = new Map<string, ManifestObject & { ref: ObjectRef }>();
  if (!manifest) return out;
  for (const doc of parseAllDocuments(manifest)) {
    if (!('toJS' in doc)) continue;
    const items: unknown = doc.toJS();
    const list = (items as { kind?: string; items?: unknown[] } | null)?.kind?.endsWith('List') ? ((items as { items?: unknown[] }).items ?? []) : [items];
    for (const o of list as Array<ManifestObject | null>) {
      if (!o?.kind || !o.metadata?.name || CLUSTER_SCOPED.has(o.kind)) continue;
      const ref = { kind: o.kind, namespace: o.metadata.namespace ?? namespace, name: o.metadata.name };
      out.set(refKey(ref), { ...o, ref });
    }
  }
  return out;
}

/** Namespaced objects of a rendered manifest, in manifest order; `namespace` is the release's. */
export function ownedRefs(manifest: string | undefined, namespace: string): ObjectRef[] {
  return [...objectsOf(manifest, namespace).values()].map((o) => o.ref);
}

/**
 * refKeys whose `spec` differs between the deployed and the new manifest (a
 * change there bumps metadata.generation; label or annotation changes do not).
 * Objects new in the manifest are included; they have no baseline anyway.
 */
export function specChangedRefs(oldManifest: string | undefined, newManifest: string | undefined, namespace: string): Set<string> {
  const before = objectsOf(oldManifest, namespace);
  const out = new Set<string>();
  for (const [key, o] of objectsOf(newManifest, namespace)) {
    const prev = before.get(key);
    if (!prev || !isDeepStrictEqual(prev.spec, o.spec)) out.add(key);
  }
  return out;
}
