// units -> waves: which wave each unit rolls out in, and in which step of it
// (a failover cluster goes one step after its primary). Pure, stable order:
// by cluster, then `needs:` order (needed releases first), then name and track.
import type { ClustersFileSpec, HealthSpec, WaveSpec } from './spec.ts';
import { needsOrder } from './needs.ts';
import { matchesSelector } from './selectors.ts';
import type { UnitSpec } from './units.ts';

export interface WavePlan<U extends UnitSpec = UnitSpec> {
  name: string;
  index: number;
  /** Ordered steps; every unit of step k+1 starts after step k's gate passed. */
  steps: U[][];
  spec: WaveSpec;
}

/** The waves of clusters.yaml, or the defaults SPEC gives when it has none. */
export function effectiveWaves(config: Pick<ClustersFileSpec, 'wavesGiven' | 'waves' | 'tracks' | 'file'>): WaveSpec[] {
  if (config.wavesGiven) return config.waves;
  const pos = { file: config.file, line: 1, col: 1 };
  if (config.tracks.length === 0) return [{ name: 'all', tracks: [], pos }];
  return config.tracks.map((t) => ({ name: t, tracks: [t], pos }));
}

/** Does `wave` hold the (track, cluster) pair? A wave without tracks (no tracks configured) holds everything. */
export function waveHolds(wave: WaveSpec, track: string | undefined, cluster: UnitSpec['clusterSpec']): boolean {
  const trackOk = wave.tracks.length === 0 ? true : track !== undefined && wave.tracks.includes(track);
  return trackOk && matchesSelector(cluster, wave.clusters);
}

/** Health in a wave: the base (clusters.yaml < release) < wave (health, then soak). */
export function waveHealthOf(base: HealthSpec, wave: WaveSpec): HealthSpec {
  const h: HealthSpec = { ...base, ...wave.health };
  if (wave.soakMs !== undefined) h.soakMs = wave.soakMs;
  return h;
}

/** Health for a unit in a wave: clusters.yaml < release < wave (soak, health). */
export function waveHealth(unit: UnitSpec, wave: WaveSpec): HealthSpec {
  return waveHealthOf(unit.health, wave);
}

/**
 * Assigns every unit to the first wave that holds it and orders each wave into
 * steps by failover depth. Units no wave holds are returned in `unassigned`
 * (validation reports those as errors before any plan is made).
 */
export function assignWaves<U extends UnitSpec>(config: ClustersFileSpec, units: U[]): { waves: WavePlan<U>[]; unassigned: U[] } {
  const specs = effectiveWaves(config);
  const buckets: U[][] = specs.map(() => []);
  const unassigned: U[] = [];
  for (const u of units) {
    const i = specs.findIndex((w) => waveHolds(w, u.waveTrack, u.clusterSpec));
    if (i < 0) unassigned.push(u);
    else buckets[i]!.push(u);
  }
  const clusterOrder = new Map(config.clusters.map((c, i) => [c.name, i]));
  const trackOrder = new Map(config.tracks.map((t, i) => [t, i]));
  const waves = specs.map((spec, index) => {
    const inWave = buckets[index]!;
    const present = new Set(inWave.map((u) => u.cluster));
    const depth = failoverDepths(config, present);
    const steps: U[][] = [];
    for (const u of inWave) {
      const d = depth.get(u.cluster) ?? 0;
      (steps[d] ??= []).push(u);
    }
    const ordered = steps.filter((s) => s !== undefined).map((s) =>
      inNeedsOrder(
        [...s].sort(
          (a, b) =>
            (clusterOrder.get(a.cluster) ?? 0) - (clusterOrder.get(b.cluster) ?? 0) ||
            a.release.localeCompare(b.release) ||
            (trackOrder.get(a.track ?? '') ?? -1) - (trackOrder.get(b.track ?? '') ?? -1),
        ),
      ),
    );
    return { name: spec.name, index, steps: ordered, spec };
  });
  return { waves, unassigned };
}

/** Units sorted by cluster: each cluster's units put in `needs:` order (needed releases first, otherwise as sorted). */
function inNeedsOrder<U extends UnitSpec>(sorted: U[]): U[] {
  const byCluster = new Map<string, U[]>();
  for (const u of sorted) byCluster.set(u.cluster, [...(byCluster.get(u.cluster) ?? []), u]);
  return [...byCluster.values()].flatMap((units) => needsOrder(units).order);
}

/** For each cluster present in a wave: how many of its primaries (transitively) are in the same wave. */
function failoverDepths(config: ClustersFileSpec, present: Set<string>): Map<string, number> {
  const byName = new Map(config.clusters.map((c) => [c.name, c]));
  const out = new Map<string, number>();
  for (const name of present) {
    let d = 0;
    const seen = new Set([name]);
    let primary = byName.get(name)?.failoverFor;
    while (primary !== undefined && !seen.has(primary)) {
      seen.add(primary);
      if (present.has(primary)) d++;
      primary = byName.get(primary)?.failoverFor;
    }
    out.set(name, d);
  }
  return out;
}
