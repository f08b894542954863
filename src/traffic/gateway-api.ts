// The gateway-api router: an HTTPRoute that already exists, read through the
// cluster's KubeClient, its track backendRefs' weights changed by
// server-side apply under the field manager `helm-cascade`. HTTPRoute's
// `spec.rules` is an atomic list, so the apply carries the rules exactly as
// read with only the weights changed (parentRefs, hostnames and every other
// field are not in the apply and stay as they are); the read resourceVersion
// goes with it, so a route changed in between is read again, never
// overwritten. The weights are read back from what the server stored.
import { ToolError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import { isStatus } from '../kube/client.ts';
import { objectPath } from '../model/resources.ts';
import type { RouterRef } from './plan.ts';
import { routerKey, routerName, routerQueue } from './router.ts';
import type { KeyedQueue, Router, WeightReading } from './router.ts';
import { routeWeights, withWeights } from './route-weights.ts';
import type { HttpRoute } from './route-weights.ts';

const FIELD_MANAGER = 'helm-cascade';
const HTTP_ROUTE = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', plural: 'httproutes', namespaced: true } as const;
const ATTEMPTS = 4;

type GatewayRef = Extract<RouterRef, { kind: 'gateway-api' }>;

const routePath = (r: GatewayRef) => objectPath(HTTP_ROUTE, r.route.namespace, r.route.name);

/** The HTTPRoute; undefined when the cluster has none of that name (or does not serve HTTPRoutes at all). */
export async function readRoute(client: KubeClient, r: GatewayRef): Promise<HttpRoute | undefined> {
  return client.getObject<HttpRoute>(routePath(r));
}

/** Whether the cluster serves gateway.networking.k8s.io/v1 at all (the Gateway API CRDs are installed). */
export async function servesGatewayApi(client: KubeClient): Promise<boolean> {
  return (await client.getObject(`/apis/${HTTP_ROUTE.apiVersion}`)) !== undefined;
}

async function mustRead(client: KubeClient, r: GatewayRef): Promise<HttpRoute> {
  const route = await readRoute(client, r);
  if (!route) throw new ToolError(`${routerName(r)}: not found${(await servesGatewayApi(client)) ? '' : ' (the cluster does not serve gateway.networking.k8s.io/v1: are the Gateway API CRDs installed?)'}`, undefined, '');
  return route;
}

/** One server-side apply of the rules with the weights changed; 409 when the route changed since it was read. */
async function applyWeights(client: KubeClient, r: GatewayRef, weights: Readonly<Record<string, number>>): Promise<HttpRoute> {
  const live = await mustRead(client, r);
  let rules;
  try {
    rules = withWeights(live.spec?.rules ?? [], r, weights);
  } catch (err) {
    throw new ToolError(`${routerName(r)}: ${(err as Error).message}`, undefined, '');
  }
  const body = {
    apiVersion: HTTP_ROUTE.apiVersion,
    kind: HTTP_ROUTE.kind,
    metadata: { name: r.route.name, namespace: r.route.namespace, resourceVersion: live.metadata?.resourceVersion },
    spec: { rules },
  };
  const q = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: 'true' });
  return client.json<HttpRoute>('PATCH', `${routePath(r)}?${q}`, JSON.stringify(body), { contentType: 'application/apply-patch+yaml' });
}

/** The gateway-api router of one release on one cluster. */
export function gatewayApiRouter(client: KubeClient, r: GatewayRef, queue: KeyedQueue = routerQueue): Router {
  return {
    name: routerName(r),
    read: async () => routeWeights(await mustRead(client, r), r),
    set: (weights) =>
      queue.run(routerKey(r), async (): Promise<WeightReading[]> => {
        for (let attempt = 1; ; attempt++) {
          try {
            return routeWeights(await applyWeights(client, r, weights), r);
          } catch (err) {
            if (!isStatus(err, 409) || attempt >= ATTEMPTS) throw err;
          }
        }
      }),
  };
}
