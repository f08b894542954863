// What a release owns, read from its rendered manifest (pure): the refs the
// gate checks, and which of them the upgrade changes (their generation must
// move past the baseline before their status counts).
import { isDeepStrictEqual } from 'node:util';
import { renderedObjects } from '../model/manifest.ts';
import { refKey } from '../model/objects.ts';
import type { ObjectRef } from '../model/objects.ts';

type Owned = { spec?: unknown; ref: ObjectRef };

/** Namespaced objects of a manifest by refKey (cluster-scoped ones are never gated). */
function objectsOf(manifest: string | undefined, namespace: string): Map<string, Owned> {
  const out = new Map<string, Owned>();
  for (const o of renderedObjects(manifest, namespace, { skipInvalid: true, shared: true })) {
    if (o.namespace === undefined) continue;
    const ref = { kind: o.kind, namespace: o.namespace, name: o.name };
    out.set(refKey(ref), { spec: o.object.spec, ref });
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
