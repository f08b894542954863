// What the API server would store if an object were applied now: a
// server-side apply in dry-run mode (nothing is stored), under a field manager
// of its own, forcing conflicts (the repository's values win, as a repair
// would). The answer is normalised by the server exactly as the live object
// is: defaults filled in, zero values left out, quantities canonical, list
// items merged on their keys, fields of other managers kept. That is how
// Flux's helm-controller detects drift.
import type { KubeObject, LiveObject } from '../model/objects.ts';
import { objectPath } from '../model/resources.ts';
import type { KubeClient } from './client.ts';

const DRIFT_FIELD_MANAGER = 'helm-cascade-drift-check';

/** The object as the server would store it after applying `obj`; undefined when the server will not say (RBAC, a webhook, a kind it does not serve). */
export async function applyDryRun(client: KubeClient, obj: KubeObject, namespace: string | undefined): Promise<LiveObject | undefined> {
  if (!obj.apiVersion || !obj.kind || typeof obj.metadata?.name !== 'string') return undefined;
  const r = await client.resourceOf(obj.apiVersion, obj.kind);
  if (!r) return undefined;
  const q = new URLSearchParams({ dryRun: 'All', fieldManager: DRIFT_FIELD_MANAGER, force: 'true' });
  const path = `${objectPath(r, r.namespaced ? namespace : undefined, obj.metadata.name)}?${q}`;
  const res = await client.request('PATCH', path, JSON.stringify(obj), { contentType: 'application/apply-patch+yaml' });
  if (res.status < 200 || res.status > 299) return undefined;
  try {
    return { ...(JSON.parse(res.body) as LiveObject), kind: r.kind, apiVersion: r.apiVersion };
  } catch {
    return undefined;
  }
}
