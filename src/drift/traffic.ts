// drift's traffic findings: on every readable cluster, each release's live
// weights (traffic/read.ts) against its final ones (traffic/drift.ts
// weightDrift). A weight moved by hand, or left at 0 by a failed step, is a
// `live` finding of the track's unit.
import type { KubeClient } from '../kube/client.ts';
import { unitId } from '../model/identity.ts';
import type { ClusterSpec, DeployRepo, ReleaseSpec, TrafficSpec } from '../model/spec.ts';
import { finalWeights } from '../model/traffic.ts';
import type { UnitSpec } from '../model/units.ts';
import { weightDrift } from '../traffic/drift.ts';
import { readWeights, routerOf } from '../traffic/read.ts';
import type { DriftFinding } from './types.ts';

type TrafficRelease = ReleaseSpec & { traffic: TrafficSpec };

/** The findings of one release on one cluster, by the track's unit id. */
async function releaseFindings(repo: DeployRepo, rel: TrafficRelease, cluster: ClusterSpec, units: readonly UnitSpec[], client: KubeClient): Promise<[string, DriftFinding][]> {
  const ref = routerOf(repo, rel, cluster.name);
  let readings;
  try {
    readings = await readWeights(ref, client);
  } catch {
    return []; // no router there yet: nothing routes to the tracks, the plan says what is pending
  }
  const found = weightDrift({ release: rel.name, cluster: cluster.name, finals: finalWeights(rel.traffic), readings });
  const out: [string, DriftFinding][] = [];
  for (const track of new Set(found.map((f) => f.track))) {
    const unit = units.find((u) => u.release === rel.name && u.track === track && u.cluster === cluster.name);
    if (!unit) continue;
    const mine = found.filter((f) => f.track === track);
    out.push([unitId(unit), { kind: 'live', summary: `traffic: ${mine.map((f) => f.message).join('; ')}`, details: mine.map((f) => `${f.where}: weight ${f.live ?? 'not set'}, want ${f.want}`) }]);
  }
  return out;
}

/** Every weight that is not its final one, on the clusters that could be read, for the selected units. */
export async function collectTrafficFindings(repo: DeployRepo, clientOf: (c: ClusterSpec) => KubeClient, readable: readonly ClusterSpec[], selected: readonly UnitSpec[]): Promise<Map<string, DriftFinding>> {
  const releases = repo.releases.filter((r): r is TrafficRelease => r.traffic !== undefined && selected.some((u) => u.release === r.name));
  const parts = await Promise.all(readable.flatMap((c) => releases.filter((r) => selected.some((u) => u.release === r.name && u.cluster === c.name)).map((r) => releaseFindings(repo, r, c, selected, clientOf(c)))));
  return new Map(parts.flat());
}
