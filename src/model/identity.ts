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
