// One identity per helm release the tool manages.

/** One (release, track, cluster): one helm release in one cluster. */
export interface UnitRef {
  release: string; // ReleaseSpec.name
  track: string | undefined; // undefined for track-less releases
  cluster: string;
  namespace: string;
  helmName: string; // NAME-TRACK, or NAME
}

export function helmReleaseName(release: string, track: string | undefined): string {
  return track === undefined ? release : `${release}-${track}`;
}

/** `cluster/namespace/helmName`: the key used in plans, reports and locks. */
export function unitId(u: Pick<UnitRef, 'cluster' | 'namespace' | 'helmName'>): string {
  return `${u.cluster}/${u.namespace}/${u.helmName}`;
}

/** Where a cluster is reached: its clusters.yaml name (for messages), kubeconfig context and kubeconfig path (a list allowed). */
export interface KubeTarget {
  cluster: string;
  context: string;
  kubeconfig: string;
}

/** The UnitRef fields of anything that carries them (a planned unit, a run result, a unit spec). */
export function unitRefOf(u: UnitRef): UnitRef {
  return { release: u.release, track: u.track, cluster: u.cluster, namespace: u.namespace, helmName: u.helmName };
}

/**
 * The kubeconfig context of a cluster reached with the pod's own service
 * account (clusters.yaml `inCluster: true`, or HELM_CASCADE_IN_CLUSTER naming
 * the cluster): kube/in-cluster.ts writes a kubeconfig holding it.
 */
export const IN_CLUSTER_CONTEXT = 'helm-cascade/in-cluster';
