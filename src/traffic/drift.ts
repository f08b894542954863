// Live weights vs the final ones (pure): a weight someone moved by hand, or a
// rollout that stopped half-way, is drift. One finding per reading that
// differs, naming where it was read.
import type { WeightReading } from './router.ts';

export interface WeightDrift {
  release: string;
  cluster: string;
  track: string;
  where: string;
  want: number;
  live: number | undefined;
  message: string;
}

export interface WeightDriftInput {
  release: string;
  cluster: string;
  /** The final weight of each canary track (plan.ts finalWeights). */
  finals: Readonly<Record<string, number>>;
  readings: readonly WeightReading[];
}

/** Every live weight that is not its track's final weight. */
export function weightDrift(i: WeightDriftInput): WeightDrift[] {
  const out: WeightDrift[] = [];
  for (const r of i.readings) {
    const want = i.finals[r.track];
    if (want === undefined || r.weight === want) continue;
    const live = r.weight === undefined ? 'not set' : `${r.weight}`;
    out.push({ release: i.release, cluster: i.cluster, track: r.track, where: r.where, want, live: r.weight, message: `weight of track ${r.track} is ${live}, want ${want} (${r.where})` });
  }
  return out;
}
