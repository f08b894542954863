// What is deployed: helm's release records of a cluster, read in ONE batched
// list (not one helm call per release) and decoded in process.
import type { DeployedRelease } from '../model/release.ts';
import { kubectl } from './kubectl.ts';
import type { KubectlOptions, KubeTargetRef } from './kubectl.ts';
import { ApiStatusError, apiJson } from './proxy.ts';
import type { KubeApi } from './proxy.ts';
import { decodeRecord, latestReleases } from './release-records.ts';
import type { RecordObject } from './release-records.ts';

export interface ReadDeployedOptions extends KubectlOptions {
  /** helm's storage driver: secret (default) or configmap; default from $HELM_DRIVER. */
  driver?: string;
  /** Only these namespaces (one list per namespace); default: all namespaces in one list. */
  namespaces?: string[];
}

/** Where helm's storage driver keeps release records: Secrets (default) or ConfigMaps (HELM_DRIVER=configmap). */
function recordStore(driver: string | undefined): { resource: 'secrets' | 'configmaps'; kind: 'Secret' | 'ConfigMap' } {
  const configMaps = (driver ?? process.env.HELM_DRIVER ?? 'secret').toLowerCase().startsWith('configmap');
  return configMaps ? { resource: 'configmaps', kind: 'ConfigMap' } : { resource: 'secrets', kind: 'Secret' };
}

/**
 * The latest revision of every helm release in the cluster. Superseded
 * revisions are filtered server-side (`status!=superseded`) so the list stays
 * small; the newest revision of a release is never superseded.
 */
export async function readDeployedReleases(t: KubeTargetRef, opts: ReadDeployedOptions = {}): Promise<DeployedRelease[]> {
  const { resource, kind } = recordStore(opts.driver);
  const selector = 'owner=helm,status!=superseded';
  const scopes = opts.namespaces?.length ? opts.namespaces.map((n) => ['-n', n]) : [['--all-namespaces']];
  const items: RecordObject[] = [];
  for (const scope of scopes) {
    const out = await kubectl(t, ['get', resource, ...scope, '-l', selector, '-o', 'json'], opts);
    const list = JSON.parse(out) as { items?: RecordObject[] };
    for (const it of list.items ?? []) items.push({ ...it, kind });
  }
  return latestReleases(items, t.cluster);
}

/**
 * One revision of one release, read through the API (a kubectl proxy: no
 * process) from helm's record `sh.helm.release.v1.NAME.vREV`; undefined when
 * there is no such record.
 */
export async function readReleaseRevision(api: KubeApi, cluster: string, namespace: string, name: string, revision: number, driver?: string): Promise<DeployedRelease | undefined> {
  const { resource, kind } = recordStore(driver);
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/${resource}/${encodeURIComponent(`sh.helm.release.v1.${name}.v${revision}`)}`;
  const record = await apiJson<RecordObject>(api, 'GET', path).catch((err: unknown) => {
    if (err instanceof ApiStatusError && err.status === 404) return undefined;
    throw err;
  });
  return record && decodeRecord({ ...record, kind }, cluster);
}

export type { KubeTargetRef };
