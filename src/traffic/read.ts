// The live weights of a router, read only (plan's lines, drift): the
// HTTPRoute's backendRefs, or the router release's deployed values.
import type { KubeClient } from '../kube/client.ts';
import { readDeployedReleases } from '../kube/release-records.ts';
import type { DeployRepo, ReleaseSpec, TrafficSpec } from '../model/spec.ts';
import { readRoute } from './gateway-api.ts';
import { valuesWeights } from './helm-values.ts';
import { routerRef } from './plan.ts';
import type { RouterRef, TrackTraffic } from './plan.ts';
import { routerKey, routerName } from './router.ts';
import type { WeightReading } from './router.ts';
import { routeWeights } from './route-weights.ts';

/** The live weights; throws (naming the router) when it is not there to read. */
export async function readWeights(ref: RouterRef, client: KubeClient): Promise<WeightReading[]> {
  if (ref.kind === 'gateway-api') {
    const route = await readRoute(client, ref);
    if (!route) throw new Error(`${routerName(ref)}: not found`);
    return routeWeights(route, ref);
  }
  const rel = (await readDeployedReleases(client, { namespaces: [ref.namespace] })).find((d) => d.name === ref.helmName);
  if (!rel) throw new Error(`${routerName(ref)}: not deployed`);
  return valuesWeights(rel.config, ref);
}

/** The router of a release with `traffic:` on a cluster, its helm-values router release looked up in the repository. */
export function routerOf(repo: DeployRepo, rel: ReleaseSpec & { traffic: TrafficSpec }, cluster: string): RouterRef {
  const routerRelease = rel.traffic.router.kind === 'helm-values' ? repo.releases.find((r) => r.name === (rel.traffic.router as { release: string }).release) : undefined;
  return routerRef(rel, cluster, routerRelease);
}

/** Each track's moves with its live weight (the first reading of its router; none when the router cannot be read), each router read once. */
export async function withLiveWeights(tracks: ReadonlyMap<string, TrackTraffic>, clientOf: (cluster: string) => KubeClient): Promise<Map<string, { track: TrackTraffic; live?: number }>> {
  const reads = new Map<string, Promise<WeightReading[] | undefined>>();
  const readOnce = (ref: RouterRef) => {
    const key = routerKey(ref);
    const got = reads.get(key) ?? readWeights(ref, clientOf(ref.cluster)).catch(() => undefined);
    reads.set(key, got);
    return got;
  };
  const out = new Map<string, { track: TrackTraffic; live?: number }>();
  for (const [id, t] of tracks) {
    const live = (await readOnce(t.router))?.find((r) => r.track === t.track)?.weight;
    out.set(id, { track: t, ...(live !== undefined ? { live } : {}) });
  }
  return out;
}
