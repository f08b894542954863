// The last step of planning, before any change: every object of every unit
// to be installed or upgraded is validated by its own cluster's API server
// (dry-run create, strict field validation; see kube/server-validate.ts).
// `plan` shows an invalid object as the unit's error, and `apply` stops
// before anything is touched, naming the object, its template and the
// server's message. A unit whose objects were all validated, and whose
// chart defines no hooks (the plan renders without them), lets helm skip its
// own client-side OpenAPI validation.
import pLimit from 'p-limit';
import { chartMayHaveHooks } from '../helm/charts.ts';
import { discoverResources, validateManifest } from '../kube/server-validate.ts';
import type { ResourceMap } from '../kube/server-validate.ts';
import type { KubeApi, KubeProxies } from '../kube/proxy.ts';
import { unitId } from '../model/identity.ts';
import { planUnits, withRefusedObjects } from './assemble.ts';
import type { Plan, PlannedUnit } from './types.ts';

export interface ServerValidation {
  /** unit id -> one line per invalid object. */
  invalid: Map<string, string[]>;
  /** Units helm may apply without its own OpenAPI validation. */
  validated: Set<string>;
  /** unit id -> why some of its objects were left to helm's own validation (for --verbose). */
  unchecked: Map<string, string[]>;
}

export async function validateOnServer(units: readonly PlannedUnit[], apiFor: (cluster: string) => Promise<KubeApi>): Promise<ServerValidation> {
  const out: ServerValidation = { invalid: new Map(), validated: new Set(), unchecked: new Map() };
  const todo = units.filter((u) => (u.action === 'install' || u.action === 'upgrade') && u.manifest !== undefined);
  const clusters = new Map<string, Promise<{ api: KubeApi; resources: ResourceMap } | string>>();
  const clusterOf = (cluster: string) => {
    let c = clusters.get(cluster);
    if (!c) {
      c = apiFor(cluster).then(
        async (api) => ({ api, resources: await discoverResources(api) }),
        (err: unknown) => `cannot ask the API server: ${(err as Error).message}`,
      ).catch((err: unknown) => `cannot read the API server's discovery: ${(err as Error).message}`);
      clusters.set(cluster, c);
    }
    return c;
  };
  const hooks = new Map<string, boolean>();
  const mayHaveHooks = (path: string) => {
    let h = hooks.get(path);
    if (h === undefined) {
      try {
        h = chartMayHaveHooks(path);
      } catch {
        h = true; // cannot tell: keep helm's validation
      }
      hooks.set(path, h);
    }
    return h;
  };

  const limit = pLimit(8); // units at a time (each sends up to 4 objects at once)
  await Promise.all(
    todo.map((u) => limit(async () => {
      const id = unitId(u);
      const c = await clusterOf(u.cluster);
      if (typeof c === 'string') {
        out.unchecked.set(id, [c]);
        return;
      }
      const v = await validateManifest(c.api, c.resources, u.manifest!, u.namespace).catch((err: unknown) => ({ invalid: [], unchecked: [`${(err as Error).message}`] }));
      if (v.invalid.length) out.invalid.set(id, v.invalid);
      if (v.unchecked.length) out.unchecked.set(id, v.unchecked);
      else if (v.invalid.length === 0 && !(u.chart && mayHaveHooks(u.chart.path))) out.validated.add(id);
    })),
  );
  return out;
}

/** The plan with the refused objects as unit errors (plan and apply), and what helm may skip (apply). */
export async function validatePlan(plan: Plan, clusters: readonly { name: string; context: string }[], kubeconfig: string, proxies: KubeProxies): Promise<{ plan: Plan; validation: ServerValidation }> {
  const contexts = new Map(clusters.map((c) => [c.name, c.context]));
  const validation = await validateOnServer(planUnits(plan), (cluster) => proxies.for({ kubeconfig, context: contexts.get(cluster)! }));
  return { plan: withRefusedObjects(plan, validation.invalid), validation };
}
