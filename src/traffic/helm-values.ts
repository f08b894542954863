// The helm-values router: a release of the repository whose chart renders the
// weights (HAProxy's haproxy.cfg in a ConfigMap, say). Its live weights are
// the values of its latest revision at each track's path; a move upgrades it
// through the Helm interface with those values, only the moved tracks'
// weights changed, and the chart the caller resolved for it.
import type { Helm } from '../helm/helm.ts';
import type { KubeClient } from '../kube/client.ts';
import { readDeployedReleases } from '../kube/release-records.ts';
import { isPlainObject } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import { INPUTS_LABEL } from '../model/release.ts';
import type { DeployedRelease } from '../model/release.ts';
import type { ReleaseSpec } from '../model/spec.ts';
import { finalWeights, weightPaths } from './plan.ts';
import type { RouterRef } from './plan.ts';
import { routerKey, routerName, routerQueue } from './router.ts';
import type { KeyedQueue, Router, WeightReading } from './router.ts';

type ValuesRef = Extract<RouterRef, { kind: 'helm-values' }>;

/** The value at a dotted path (`backends.free.weight`); undefined when a part is missing. */
export function valueAt(values: Values, path: string): unknown {
  let here: unknown = values;
  for (const key of path.split('.')) {
    if (!isPlainObject(here)) return undefined;
    here = here[key];
  }
  return here;
}

/** A copy of `values` with `value` at the dotted path (maps made on the way; nothing else changes). */
export function withValueAt(values: Values, path: string, value: unknown): Values {
  const [key, ...rest] = path.split('.');
  if (key === undefined) return values;
  const inner = values[key];
  return { ...values, [key]: rest.length ? withValueAt(isPlainObject(inner) ? inner : {}, rest.join('.'), value) : value };
}

/** The router release's values for a set of weights: `base` with each given track's weight at its path. */
export function routerValues(base: Values, paths: Readonly<Record<string, string>>, weights: Readonly<Record<string, number>>): Values {
  return Object.entries(weights).reduce((v, [track, w]) => (paths[track] === undefined ? v : withValueAt(v, paths[track], w)), base);
}

/** The weights a router release's values hold, one reading per track. */
export function valuesWeights(values: Values, r: ValuesRef): WeightReading[] {
  return Object.entries(r.paths).map(([track, path]) => {
    const v = valueAt(values, path);
    return { track, weight: typeof v === 'number' ? v : undefined, where: `release ${r.namespace}/${r.helmName} on ${r.cluster} value ${path}` };
  });
}

/**
 * The final weight of every track routed by the release `router`, by values
 * path: what its desired values hold at rest (a re-plan after a rollout is
 * unchanged), for every release of the repository that names it.
 */
export function finalRouterValues(releases: readonly ReleaseSpec[], router: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const rel of releases) {
    const t = rel.traffic;
    if (t?.router.kind !== 'helm-values' || t.router.release !== router) continue;
    const finals = finalWeights(t);
    const paths = weightPaths(t.router.value, rel.name, Object.keys(finals));
    for (const [track, w] of Object.entries(finals)) out[paths[track]!] = w;
  }
  return out;
}

export interface HelmValuesRouterOptions {
  helm: Helm;
  client: KubeClient;
  ref: ValuesRef;
  /** The router release's chart, as resolved for the run (a folder or .tgz helm loads). */
  chart: string;
  /** Release-record labels of the upgrade (helm-cascade's markers); the input digest is always cleared (see helmValuesRouter). */
  labels: Record<string, string>;
  /** helm's description of each move's revision; not a run description (runDescription), which would make the revision wait for a gate marker. */
  description?: string;
  timeoutMs?: number;
  queue?: KeyedQueue;
}

async function deployed(o: HelmValuesRouterOptions): Promise<DeployedRelease> {
  const all = await readDeployedReleases(o.client, { namespaces: [o.ref.namespace] });
  const rel = all.find((d) => d.name === o.ref.helmName);
  if (!rel) throw new Error(`${routerName(o.ref)}: not deployed (the router release must be installed before weights move)`);
  return rel;
}

/**
 * The helm-values router of one release on one cluster. helm copies a
 * release's labels onto its next revision, so each move clears the input
 * digest (cascade-inputs): a revision with step weights is never taken for
 * the render the repository describes, and the next plan renders the router
 * release and compares (plan/render-skip.ts).
 */
export function helmValuesRouter(o: HelmValuesRouterOptions): Router {
  const r = o.ref;
  return {
    name: routerName(r),
    read: async () => valuesWeights((await deployed(o)).config, r),
    set: (weights) =>
      (o.queue ?? routerQueue).run(routerKey(r), async () => {
        const now = await deployed(o);
        const values = routerValues(now.config, r.paths, weights);
        await o.helm.upgradeInstall({
          ...o.client.target,
          releaseName: r.helmName,
          namespace: r.namespace,
          chart: o.chart,
          values,
          labels: { ...o.labels, [INPUTS_LABEL]: '' },
          ...(o.description !== undefined ? { description: o.description } : {}),
          ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
          // Helm 4 server-side apply: the release's own fields win, as apply's upgrades do
          forceConflicts: now.applyMethod === 'ssa',
        });
        return valuesWeights((await deployed(o)).config, r);
      }),
  };
}
