// The plan cut to one run's share: its --shard's clusters (the split itself
// is pure and lives with the units it splits, model/shard.ts) and the waves
// from --from-wave on.
import { summarise } from '../plan/assemble.ts';
import type { Plan, PlannedUnit } from '../plan/types.ts';

/**
 * The plan cut to what this run applies: the units of its shard's clusters
 * (waves, steps and orphans) and the waves from --from-wave on; its summary
 * recounted. The one place a plan is cut.
 */
export function cutPlan(plan: Plan, cut: { clusters?: ReadonlySet<string> | undefined; fromWave?: string | undefined }): Plan {
  const from = cut.fromWave === undefined ? 0 : Math.max(0, plan.waves.findIndex((w) => w.name === cut.fromWave));
  const keep = (u: PlannedUnit) => !cut.clusters || cut.clusters.has(u.cluster);
  const waves = plan.waves.slice(from).map((w) => ({ ...w, steps: w.steps.map((s) => s.filter(keep)).filter((s) => s.length > 0) }));
  const kept = new Set(waves.map((w) => w.name));
  const orphans = plan.orphans.filter((u) => keep(u) && (from === 0 || kept.has(u.wave)));
  return { ...plan, waves, orphans, summary: summarise(waves.flatMap((w) => w.steps.flat()), orphans) };
}
