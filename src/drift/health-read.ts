// drift's health read (I/O): for every compared release, the gate kinds of its
// namespaces (one list per kind and namespace, as `status` and the gates read
// them), judged by the one health judge (health/judge.ts, pure; `status`
// uses it too); then, only where a pod is in trouble, the namespace's events
// and the pod's last log lines (kwok's nodes serve none: "no logs available").
import { podLogs } from '../health/gate.ts';
import { judgeReleaseHealth } from '../health/judge.ts';
import type { ReleaseHealth } from '../health/judge.ts';
import { ownedRefs } from '../health/owned.ts';
import { clientList, GATE_KINDS } from '../health/poller.ts';
import { ToolError } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import type { LiveObject } from '../model/objects.ts';
import type { DeployedRelease } from '../model/release.ts';
import { releaseId } from '../model/release.ts';
import { builtinResource } from '../model/resources.ts';
import type { HealthSpec } from '../model/spec.ts';
import type { UnhealthyPod } from './types.ts';

/** What the health read says about one release: its health now (pods with logs), or why its namespace could not be read. */
export type HealthRead = { now: ReleaseHealth; pods: UnhealthyPod[] } | { error: string };

/** Pods per release whose logs are fetched (each costs a request or two per container). */
const LOGGED_PODS = 5;
const NO_LOGS = 'no logs available (the cluster served none)';

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** The gate kinds of a namespace; v1 Endpoints instead of EndpointSlices on a cluster that serves none (as the gates' poller does). */
async function listGateKinds(client: KubeClient, ns: string): Promise<LiveObject[]> {
  const list = clientList(client);
  try {
    return await list(ns, GATE_KINDS);
  } catch (err) {
    if (!(err instanceof ToolError && err.stderr === 'not served: endpointslices')) throw err;
    return list(ns, [...GATE_KINDS.filter((r) => r.kind !== 'EndpointSlice'), builtinResource('Endpoints')!]);
  }
}

async function listNamespaces(client: KubeClient, namespaces: readonly string[]): Promise<Map<string, LiveObject[] | Error>> {
  return new Map(await Promise.all(namespaces.map(async (ns) => [ns, await listGateKinds(client, ns).catch((err: unknown) => (err instanceof Error ? err : new Error(message(err))))] as const)));
}

/** The events of the namespaces (a courtesy: [] when they cannot be read). */
async function eventsOf(client: KubeClient, namespaces: readonly string[]): Promise<LiveObject[]> {
  const r = builtinResource('Event')!;
  return (await Promise.all(namespaces.map((ns) => client.list(r, ns, { timeoutMs: 10_000 }).catch(() => [])))).flat();
}

/**
 * Each release's health now, by releaseId. `healthOf` gives the release's
 * merged health settings (clusters.yaml < release); releases without are skipped.
 */
export async function readHealthNow(client: KubeClient, releases: readonly DeployedRelease[], healthOf: (r: DeployedRelease) => HealthSpec | undefined, now = Date.now()): Promise<Map<string, HealthRead>> {
  const judged = releases.flatMap((r) => {
    const health = healthOf(r);
    return health ? [{ r, health }] : [];
  });
  const lists = await listNamespaces(client, [...new Set(judged.map((j) => j.r.namespace))]);
  const deployedAt = (r: DeployedRelease) => (r.updated ? Date.parse(r.updated) : undefined);
  const assess = (r: DeployedRelease, health: HealthSpec, objects: LiveObject[], events?: LiveObject[]) => judgeReleaseHealth({ owned: ownedRefs(r.manifest, r.namespace), objects, events, health, now, deployedAt: deployedAt(r) });
  const first = judged.map(({ r, health }) => {
    const objects = lists.get(r.namespace);
    return { r, health, objects, now: objects instanceof Error || objects === undefined ? undefined : assess(r, health, objects) };
  });
  const troubled = [...new Set(first.filter((f) => f.now && f.now.pods.length > 0).map((f) => f.r.namespace))];
  const events = troubled.length > 0 ? await eventsOf(client, troubled) : [];
  const reader = { logs: client.logs.bind(client) };
  const out = new Map<string, HealthRead>();
  await Promise.all(
    first.map(async ({ r, health, objects, now: h }) => {
      if (!h || !Array.isArray(objects)) {
        out.set(releaseId(r), { error: `the health of namespace ${r.namespace} could not be read: ${objects instanceof Error ? objects.message : 'not read'}` });
        return;
      }
      const withEvents = h.pods.length > 0 ? assess(r, health, objects, events) : h;
      const pods = await Promise.all(withEvents.pods.map(async (p, i) => ({ ...p, logs: (i < LOGGED_PODS ? await podLogs(reader, objects, p) : undefined) ?? NO_LOGS })));
      out.set(releaseId(r), { now: withEvents, pods });
    }),
  );
  return out;
}
