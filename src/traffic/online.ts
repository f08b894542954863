// validate --online for traffic: on every cluster a gateway-api release runs,
// its HTTPRoute exists and its backendRefs name the track Services in rules
// that add up to 100 with the stable Service in each (route-weights.ts
// routeProblems). Each problem is reported at the release file's `route:`.
import type { Diagnostic } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import type { DeployRepo, ReleaseSpec, TrafficSpec } from '../model/spec.ts';
import { expandUnits } from '../model/units.ts';
import { readRoute, servesGatewayApi } from './gateway-api.ts';
import { finalWeights, routerRef } from './plan.ts';
import { routeProblems } from './route-weights.ts';

type GatewayRelease = ReleaseSpec & { traffic: TrafficSpec & { router: { kind: 'gateway-api' } } };

async function releaseProblems(rel: GatewayRelease, clusters: readonly string[], clientOf: (cluster: string) => KubeClient): Promise<Diagnostic[]> {
  const { pos } = rel.traffic.router;
  const at = (message: string): Diagnostic => ({ file: pos.file, line: pos.line, col: pos.col, message });
  const out: Diagnostic[] = [];
  for (const cluster of clusters) {
    const ref = routerRef(rel, cluster);
    if (ref.kind !== 'gateway-api') continue;
    const client = clientOf(cluster);
    const route = await readRoute(client, ref);
    if (!route) {
      const hint = (await servesGatewayApi(client)) ? '' : ' (the cluster does not serve gateway.networking.k8s.io/v1: install the Gateway API CRDs)';
      out.push(at(`traffic.route: HTTPRoute ${ref.route.namespace}/${ref.route.name} not found on cluster "${cluster}"${hint}`));
      continue;
    }
    for (const p of routeProblems(route, ref, finalWeights(rel.traffic))) out.push(at(`traffic.route on cluster "${cluster}": ${p}`));
  }
  return out;
}

/** The route problems of every gateway-api release of the repository, cluster by cluster. */
export async function onlineTrafficProblems(repo: DeployRepo, clientOf: (cluster: string) => KubeClient): Promise<Diagnostic[]> {
  const units = expandUnits(repo);
  const out: Diagnostic[] = [];
  for (const rel of repo.releases) {
    if (rel.traffic?.router.kind !== 'gateway-api') continue;
    const clusters = [...new Set(units.filter((u) => u.release === rel.name && u.enabled).map((u) => u.cluster))];
    out.push(...(await releaseProblems(rel as GatewayRelease, clusters, clientOf)));
  }
  return out;
}
