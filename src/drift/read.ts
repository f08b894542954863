// drift's I/O: what one cluster says, through its KubeClient. helm's release
// records in one batched list per cluster, then the live objects the deployed
// manifests name in one list per (kind, namespace), never one GET per object.
import { readLiveObjects } from '../kube/live-objects.ts';
import type { KubeClient } from '../kube/client.ts';
import { readDeployedReleases } from '../kube/release-records.ts';
import type { DeployedRelease } from '../model/release.ts';
import { confirmLiveDrift } from '../plan/live-confirm.ts';
import { detectLiveDrift, liveReadRequests, LiveObjects } from '../plan/live-drift.ts';
import type { IgnoreOf } from '../plan/make-plan.ts';
import { releaseId } from '../model/release.ts';
import type { HealthSpec } from '../model/spec.ts';
import type { ClusterRead } from './assess.ts';
import { readHealthNow } from './health-read.ts';
import { latestReleases } from './assess.ts';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Everything drift needs from one cluster. `wantLive` picks the releases whose
 * live objects are compared (the repository's; unmanaged releases are not);
 * `healthOf` gives their health settings (their health now is judged too).
 * Never throws: an unreachable cluster comes back with `error` set.
 */
export async function readClusterForDrift(client: KubeClient, wantLive: (r: DeployedRelease) => boolean, ignoreOf: IgnoreOf, concurrency = 8, healthOf: (r: DeployedRelease) => HealthSpec | undefined = () => undefined): Promise<ClusterRead> {
  try {
    const releases = await readDeployedReleases(client);
    const compared = latestReleases(releases).filter((r) => r.status === 'deployed' && wantLive(r));
    const { objects, errors } = await readLiveObjects(client, liveReadRequests(compared), concurrency);
    const live = new LiveObjects(objects);
    // each release's live drift, every changed object confirmed by the server (live-confirm.ts)
    const liveDrift = new Map(await Promise.all(compared.filter((r) => !errors[r.namespace]).map(async (r) => [releaseId(r), await confirmLiveDrift(client, r, detectLiveDrift(r, live, ignoreOf(r)), live, ignoreOf(r))] as const)));
    // what runs now, judged by the gates' assessors (the "unhealthy" finding)
    const health = await readHealthNow(client, compared, healthOf);
    return { cluster: client.cluster, releases, live, liveErrors: errors, liveDrift, health };
  } catch (err) {
    return { cluster: client.cluster, error: message(err), releases: [], live: [] };
  }
}
