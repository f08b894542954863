// What is deployed: helm's release records of a cluster, read in ONE batched
// list (not one helm call per release) and decoded in process.
import type { DeployedRelease } from '../plan/types.ts';
import { kubectl } from './kubectl.ts';
import type { KubectlOptions, KubeTargetRef } from './kubectl.ts';
import { latestReleases } from './release-records.ts';
import type { RecordObject } from './release-records.ts';

export interface ReadDeployedOptions extends KubectlOptions {
  /** helm's storage driver: secret (default) or configmap; default from $HELM_DRIVER. */
  driver?: string;
  /** Only these namespaces (one list per namespace); default: all namespaces in one list. */
  namespaces?: string[];
}

/**
 * The latest revision of every helm release in the cluster. Superseded
 * revisions are filtered server-side (`status!=superseded`) so the list stays
 * small; the newest revision of a release is never superseded.
 */
export async function readDeployedReleases(t: KubeTargetRef, opts: ReadDeployedOptions = {}): Promise<DeployedRelease[]> {
  const driver = (opts.driver ?? process.env.HELM_DRIVER ?? 'secret').toLowerCase();
  const resource = driver.startsWith('configmap') ? 'configmaps' : 'secrets';
  const selector = 'owner=helm,status!=superseded';
  const scopes = opts.namespaces?.length ? opts.namespaces.map((n) => ['-n', n]) : [['--all-namespaces']];
  const items: RecordObject[] = [];
  for (const scope of scopes) {
    const out = await kubectl(t, ['get', resource, ...scope, '-l', selector, '-o', 'json'], opts);
    const list = JSON.parse(out) as { items?: RecordObject[] };
    for (const it of list.items ?? []) items.push({ ...it, kind: resource === 'configmaps' ? 'ConfigMap' : 'Secret' });
  }
  return latestReleases(items, t.cluster);
}

export type { KubeTargetRef };
