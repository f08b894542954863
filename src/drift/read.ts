// drift's I/O: what one cluster says, through its KubeClient. helm's release
// records in one batched list per cluster, then the live objects the deployed
// manifests name in one list per (kind, namespace), never one GET per object.
import { readLiveObjects } from '../kube/live-objects.ts';
import type { KubeClient } from '../kube/client.ts';
import { readDeployedReleases } from '../kube/release-records.ts';
import type { DeployedRelease } from '../model/release.ts';
import { liveReadRequests, LiveObjects } from '../plan/live-drift.ts';
import type { ClusterRead } from './assess.ts';
import { latestReleases } from './assess.ts';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Everything drift needs from one cluster. `wantLive` picks the releases whose
 * live objects are compared (the repository's; unmanaged releases are not).
 * Never throws: an unreachable cluster comes back with `error` set.
 */
export async function readClusterForDrift(client: KubeClient, wantLive: (r: DeployedRelease) => boolean, concurrency = 8): Promise<ClusterRead> {
  try {
    const releases = await readDeployedReleases(client);
    const compared = latestReleases(releases).filter(wantLive);
    const { objects, errors } = await readLiveObjects(client, liveReadRequests(compared), concurrency);
    return { cluster: client.cluster, releases, live: new LiveObjects(objects), liveErrors: errors };
  } catch (err) {
    return { cluster: client.cluster, error: message(err), releases: [], live: [] };
  }
}
