// What a cluster serves (pure parts): every kind and where it lives, from
// aggregated discovery (/api and /apis, two requests) or, from servers without
// it, one APIResourceList per group/version. The same ResourceInfo as the
// built-in table of model/resources.ts.
import type { ResourceInfo } from '../model/resources.ts';

/** Keyed by `${apiVersion} ${kind}`, e.g. "apps/v1 Deployment". */
export type ResourceMap = Map<string, ResourceInfo>;

export const resourceKey = (apiVersion: string, kind: string) => `${apiVersion} ${kind}`;

/** Aggregated discovery (one request per prefix), with plain JSON as the server's fallback. */
export const DISCOVERY_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

export interface AggregatedList {
  kind?: string;
  items?: { metadata?: { name?: string }; versions?: { version: string; resources?: { resource: string; responseKind?: { kind?: string }; scope?: string }[] }[] }[];
}

/** Resources out of an APIGroupDiscoveryList of /api or /apis. */
export function resourcesFromAggregated(list: AggregatedList, into: ResourceMap = new Map()): ResourceMap {
  for (const group of list.items ?? []) {
    const name = group.metadata?.name ?? '';
    for (const v of group.versions ?? []) {
      const apiVersion = name ? `${name}/${v.version}` : v.version;
      for (const r of v.resources ?? []) {
        const kind = r.responseKind?.kind;
        if (!kind) continue;
        const key = resourceKey(apiVersion, kind);
        if (!into.has(key)) into.set(key, { kind, apiVersion, plural: r.resource, namespaced: r.scope !== 'Cluster' });
      }
    }
  }
  return into;
}

/** Resources out of one APIResourceList (/api/v1, /apis/apps/v1), subresources left out. */
export function resourcesFromList(apiVersion: string, list: { resources?: { name: string; kind: string; namespaced: boolean }[] }, into: ResourceMap = new Map()): ResourceMap {
  for (const r of list.resources ?? []) {
    if (r.name.includes('/')) continue;
    const key = resourceKey(apiVersion, r.kind);
    if (!into.has(key)) into.set(key, { kind: r.kind, apiVersion, plural: r.name, namespaced: r.namespaced });
  }
  return into;
}

/**
 * The cluster's API versions as helm's own capabilities list them (helm's
 * GetVersionSet): every group/version and every group/version/Kind, so
 * `.Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget"` answers as
 * in `helm upgrade`. Sorted.
 */
export function capabilityVersions(resources: ResourceMap): string[] {
  const out = new Set<string>();
  for (const r of resources.values()) {
    out.add(r.apiVersion);
    out.add(`${r.apiVersion}/${r.kind}`);
  }
  return [...out].sort();
}

/** A /version answer as a kube version helm accepts (v1.34.8); an unstamped server's v0.0.0 is read from major/minor. */
export function kubeVersionOf(v: { gitVersion?: string; major?: string; minor?: string }): string {
  if (v.gitVersion && /^v?\d+\.\d+/.test(v.gitVersion) && !v.gitVersion.startsWith('v0.0.0')) return v.gitVersion.replace(/^v?/, 'v').replace(/[-+].*$/, '');
  return `v${v.major ?? '1'}.${(v.minor ?? '0').replace(/\D/g, '')}.0`;
}
