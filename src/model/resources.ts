// The one table of Kubernetes kinds and where the API serves them. Built-in
// kinds are known here without asking a cluster; any other kind (a CRD's) is
// found through the cluster's discovery (kube/discovery.ts), which yields the
// same ResourceInfo.

/** Where objects of one kind live in the API. */
export interface ResourceInfo {
  /** The kind, e.g. Deployment. */
  kind: string;
  /** group/version, e.g. apps/v1; v1 for the core group. */
  apiVersion: string;
  /** Resource name in paths, e.g. deployments. */
  plural: string;
  namespaced: boolean;
}

const core = (kind: string, plural: string, namespaced = true): ResourceInfo => ({ kind, apiVersion: 'v1', plural, namespaced });
const grouped = (apiVersion: string, kind: string, plural: string, namespaced = true): ResourceInfo => ({ kind, apiVersion, plural, namespaced });

/** Kinds every cluster serves, as used by gates, leases, release records and drift. */
const BUILTIN_RESOURCES: readonly ResourceInfo[] = [
  core('Pod', 'pods'),
  core('Service', 'services'),
  core('Endpoints', 'endpoints'),
  core('Event', 'events'),
  core('Secret', 'secrets'),
  core('ConfigMap', 'configmaps'),
  core('ServiceAccount', 'serviceaccounts'),
  core('PersistentVolumeClaim', 'persistentvolumeclaims'),
  core('Namespace', 'namespaces', false),
  core('Node', 'nodes', false),
  core('PersistentVolume', 'persistentvolumes', false),
  grouped('apps/v1', 'Deployment', 'deployments'),
  grouped('apps/v1', 'StatefulSet', 'statefulsets'),
  grouped('apps/v1', 'DaemonSet', 'daemonsets'),
  grouped('apps/v1', 'ReplicaSet', 'replicasets'),
  grouped('batch/v1', 'Job', 'jobs'),
  grouped('batch/v1', 'CronJob', 'cronjobs'),
  grouped('discovery.k8s.io/v1', 'EndpointSlice', 'endpointslices'),
  grouped('coordination.k8s.io/v1', 'Lease', 'leases'),
  grouped('autoscaling/v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers'),
  grouped('policy/v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  grouped('networking.k8s.io/v1', 'Ingress', 'ingresses'),
  grouped('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies'),
  grouped('networking.k8s.io/v1', 'IngressClass', 'ingressclasses', false),
  grouped('rbac.authorization.k8s.io/v1', 'Role', 'roles'),
  grouped('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rolebindings'),
  grouped('rbac.authorization.k8s.io/v1', 'ClusterRole', 'clusterroles', false),
  grouped('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  grouped('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'customresourcedefinitions', false),
  grouped('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false),
  grouped('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false),
  grouped('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', false),
  grouped('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', false),
  grouped('storage.k8s.io/v1', 'StorageClass', 'storageclasses', false),
  grouped('storage.k8s.io/v1', 'CSIDriver', 'csidrivers', false),
  grouped('storage.k8s.io/v1', 'CSINode', 'csinodes', false),
  grouped('storage.k8s.io/v1', 'VolumeAttachment', 'volumeattachments', false),
  grouped('scheduling.k8s.io/v1', 'PriorityClass', 'priorityclasses', false),
  grouped('node.k8s.io/v1', 'RuntimeClass', 'runtimeclasses', false),
  grouped('apiregistration.k8s.io/v1', 'APIService', 'apiservices', false),
];

/** Cluster-scoped kinds that are not built in but common in charts (so a manifest's namespace is right without discovery). */
const OTHER_CLUSTER_SCOPED = ['ClusterIssuer', 'PodSecurityPolicy'];

const byKind = new Map(BUILTIN_RESOURCES.map((r) => [r.kind, r]));

/** The built-in resource of a kind, whatever version the manifest names; undefined for other kinds. */
export function builtinResource(kind: string): ResourceInfo | undefined {
  return byKind.get(kind);
}

/** Whether objects of this kind live outside namespaces (unknown kinds are taken as namespaced). */
export function isClusterScoped(kind: string): boolean {
  const r = byKind.get(kind);
  return r ? !r.namespaced : OTHER_CLUSTER_SCOPED.includes(kind);
}

/** The API path of a collection: /api/v1/namespaces/ns/pods, /apis/apps/v1/deployments (all namespaces). */
export function collectionPath(r: Pick<ResourceInfo, 'apiVersion' | 'plural' | 'namespaced'>, namespace?: string): string {
  const prefix = r.apiVersion.includes('/') ? `/apis/${r.apiVersion}` : `/api/${r.apiVersion}`;
  const ns = r.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix}${ns}/${r.plural}`;
}

/** The API path of one object. */
export function objectPath(r: Pick<ResourceInfo, 'apiVersion' | 'plural' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
}
