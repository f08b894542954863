// Service health for a gate: the number of ready endpoints behind it, from
// EndpointSlices (discovery.k8s.io/v1, conditions.ready; unset means ready),
// falling back to v1 Endpoints when the cluster serves no slices.
import type { Endpoints, EndpointSlice, Service } from '../model/live-views.ts';
import { healthy, progressing } from './status.ts';
import type { HealthResult } from './status.ts';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface EndpointCount {
  ready: number;
  notReady: number;
  /** Where the numbers came from. */
  source: 'EndpointSlice' | 'Endpoints' | 'none';
}

export interface ServiceContext {
  /** EndpointSlices of the namespace (or of the service); filtered by the service-name label. */
  endpointSlices: readonly EndpointSlice[];
  /** v1 Endpoints of the namespace, used only when no slice belongs to the service. */
  endpoints?: readonly Endpoints[] | undefined;
  minReadyEndpoints: number;
}

/** Ready/not-ready endpoints of a service, each pod (or address) counted once across slices and IP families. */
export function countEndpoints(svc: Service, slices: readonly EndpointSlice[], endpoints?: readonly Endpoints[]): EndpointCount {
  const ns = svc.metadata.namespace;
  const mine = slices.filter((s) => s.metadata.labels?.[SERVICE_NAME_LABEL] === svc.metadata.name && (s.metadata.namespace ?? ns) === ns);
  if (mine.length > 0) {
    const ready = new Set<string>();
    const notReady = new Set<string>();
    for (const ep of mine.flatMap((s) => s.endpoints)) {
      const key = ep.target ?? ep.addresses.join(',');
      if (ep.ready === false) notReady.add(key);
      else ready.add(key);
    }
    for (const k of ready) notReady.delete(k);
    return { ready: ready.size, notReady: notReady.size, source: 'EndpointSlice' };
  }
  const ep = (endpoints ?? []).find((e) => e.metadata.name === svc.metadata.name && (e.metadata.namespace ?? ns) === ns);
  if (ep) return { ready: ep.subsets.reduce((n, s) => n + s.ready, 0), notReady: ep.subsets.reduce((n, s) => n + s.notReady, 0), source: 'Endpoints' };
  return { ready: 0, notReady: 0, source: 'none' };
}

export function assessService(svc: Service, ctx: ServiceContext): HealthResult {
  const name = svc.metadata.name;
  if (svc.spec.type === 'ExternalName') return healthy(`Service ${name} is an ExternalName service: no endpoints to check`);
  const selector = svc.spec.selector;
  if (!selector || Object.keys(selector).length === 0) return healthy(`Service ${name} has no selector: its endpoints are managed elsewhere and not checked`);
  const n = countEndpoints(svc, ctx.endpointSlices, ctx.endpoints);
  const notReady = n.notReady > 0 ? ` (${n.notReady} not ready)` : '';
  if (n.ready < ctx.minReadyEndpoints) {
    return progressing(`Waiting for endpoints: Service ${name} has ${n.ready} ready endpoint${n.ready === 1 ? '' : 's'}${notReady}, needs at least ${ctx.minReadyEndpoints}`);
  }
  return healthy(`Service ${name} has ${n.ready} ready endpoint${n.ready === 1 ? '' : 's'}${notReady}`);
}
