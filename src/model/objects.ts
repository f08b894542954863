// Kubernetes objects as plain data: what manifests hold and what API servers
// answer. The Live* types are the few fields health, leases and drift read;
// everything else of an object is carried along untouched.

/** Any object as JSON: a manifest document or a live object (every field optional). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

interface LiveOwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
}

interface LiveObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: LiveOwnerReference[];
  [field: string]: unknown;
}

/**
 * An object as the API server returns it. spec/status are not read as they
 * come: health converts the kinds it judges into typed views first
 * (live-views.ts).
 */
export interface LiveObject {
  apiVersion?: string;
  kind: string;
  metadata: LiveObjectMeta;
  spec?: unknown;
  status?: unknown;
  [field: string]: unknown;
}

/** An object named by a manifest: what a release owns. */
export interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

export function refKey(r: ObjectRef): string {
  return `${r.kind}/${r.namespace}/${r.name}`;
}

/** uid and generation of an object, recorded before an upgrade. */
export interface LiveIdentity {
  uid: string;
  generation: number;
}

/** refKey -> identity; refs that did not exist before the upgrade are absent. */
export type Baseline = Record<string, LiveIdentity>;

/** The API group of an apiVersion: "apps/v1" -> "apps", "v1" -> "". */
export function apiGroup(apiVersion: string | undefined): string {
  if (!apiVersion) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
