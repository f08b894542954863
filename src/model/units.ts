// model -> units: one (release, track, cluster) per helm release, with its
// value layers in precedence order and its merged health settings. Pure.
import { helmReleaseName } from './identity.ts';
import type { UnitRef } from './identity.ts';
import { matchesGlob } from './selectors.ts';
import type { ClusterSpec, DeployRepo, HealthSpec, ReleaseClusterOverride, ReleaseSpec, ValuesLayer } from './spec.ts';

/** A layer of values with a label saying where it comes from (for --explain). */
interface LabelledLayer {
  source: string; // e.g. "release", "track internal", "cluster gke-*"
  file: string; // the release file that declares it
  layer: ValuesLayer;
}

export interface UnitSpec extends UnitRef {
  releaseSpec: ReleaseSpec;
  clusterSpec: ClusterSpec;
  /** Track this unit rides with in the waves (its own, or the ride-with track of a track-less release). */
  waveTrack: string | undefined;
  /** false: `enabled: false` for this cluster, the unit is to be uninstalled. */
  enabled: boolean;
  layers: LabelledLayer[]; // lowest precedence first, chart defaults excluded
  health: HealthSpec; // clusters.yaml defaults < release overrides (waves apply theirs later)
}

/** Cluster overrides that apply to a cluster, least specific first (globs before exact names, then file order). */
function overridesFor(rel: ReleaseSpec, cluster: string): ReleaseClusterOverride[] {
  const matching = rel.clusters.filter((o) => matchesGlob(cluster, o.pattern));
  const isGlob = (p: string) => /[*?]/.test(p);
  return matching
    .map((o, i) => ({ o, i }))
    .sort((a, b) => Number(!isGlob(a.o.pattern)) - Number(!isGlob(b.o.pattern)) || a.i - b.i)
    .map((x) => x.o);
}

/** Tracks a release is made for: its own tracks in config order, or [undefined]. */
function releaseTracks(rel: ReleaseSpec, configTracks: string[]): (string | undefined)[] {
  if (!rel.tracks) return [undefined];
  const own = Object.keys(rel.tracks);
  return [...configTracks.filter((t) => own.includes(t)), ...own.filter((t) => !configTracks.includes(t))];
}

export function expandUnits(repo: DeployRepo): UnitSpec[] {
  const { config } = repo;
  const lastTrack = config.tracks[config.tracks.length - 1];
  const units: UnitSpec[] = [];
  for (const rel of repo.releases) {
    for (const cluster of config.clusters) {
      const overrides = rel.clusters.length ? overridesFor(rel, cluster.name) : [];
      if (rel.clusters.length && overrides.length === 0) continue; // not listed: this cluster does not get it
      const enabled = overrides.reduce((acc, o) => (o.enabled === false ? false : o.pattern === cluster.name ? true : acc), true);
      for (const track of releaseTracks(rel, config.tracks)) {
        const layers: LabelledLayer[] = [{ source: 'release', file: rel.file, layer: rel.base }];
        if (track !== undefined && rel.tracks?.[track]) {
          layers.push({ source: `tracks.${track}`, file: rel.file, layer: rel.tracks[track] });
        }
        for (const o of overrides) layers.push({ source: `clusters.${o.pattern}`, file: rel.file, layer: o });
        if (track !== undefined) {
          for (const o of overrides) {
            const t = o.tracks[track];
            if (t) layers.push({ source: `clusters.${o.pattern}.tracks.${track}`, file: rel.file, layer: t });
          }
        }
        units.push({
          release: rel.name,
          track,
          cluster: cluster.name,
          namespace: rel.namespace,
          helmName: helmReleaseName(rel.name, track),
          releaseSpec: rel,
          clusterSpec: cluster,
          waveTrack: track ?? rel.rideWith ?? lastTrack,
          enabled,
          layers,
          health: { ...config.health, ...rel.health },
        });
      }
    }
  }
  return units;
}
