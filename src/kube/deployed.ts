// What is deployed: helm's release records of a cluster, read in ONE batched
// list (not one helm call per release) and decoded in process.
import { ToolError } from '../errors.ts';
import type { DeployedRelease } from '../plan/types.ts';
import { kubectl } from './kubectl.ts';
import type { KubectlOptions, KubeTargetRef } from './kubectl.ts';
import type { KubeApi } from './proxy.ts';
import { decodeRecord, latestReleases } from './release-records.ts';
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

/**
 * One revision of one release, read through the API (a kubectl proxy: no
 * process) from helm's record `sh.helm.release.v1.NAME.vREV`; undefined when
 * there is no such record.
 */
export async function readReleaseRevision(api: KubeApi, cluster: string, namespace: string, name: string, revision: number, driver = process.env.HELM_DRIVER ?? 'secret'): Promise<DeployedRelease | undefined> {
  const configMaps = driver.toLowerCase().startsWith('configmap');
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/${configMaps ? 'configmaps' : 'secrets'}/${encodeURIComponent(`sh.helm.release.v1.${name}.v${revision}`)}`;
  const res = await api.request('GET', path);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new ToolError(`GET ${path}: HTTP ${res.status}`, res.status, res.body.slice(0, 500));
  return decodeRecord({ ...(JSON.parse(res.body) as RecordObject), kind: configMaps ? 'ConfigMap' : 'Secret' }, cluster);
}

export type { KubeTargetRef };
