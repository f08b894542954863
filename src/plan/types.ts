// The plan: what the tool means to do to every unit, wave by wave. Made by
// plan/assemble (pure, from desired x deployed), printed by report/, saved by
// `plan --out`, executed by run/.
import type { UnitRef } from '../model/identity.ts';
import type { ResolvedChart } from '../model/release.ts';
import type { HealthSpec } from '../model/spec.ts';

export type PlanAction = 'install' | 'upgrade' | 'unchanged' | 'uninstall';

/** Why a unit is planned as it is (shown in the plan; upgrade reasons may combine). */
export type PlanReason = 'new' | 'manifest-changed' | 'chart-changed' | 'values-changed' | 'live-drift' | 'failed-release' | 'disabled' | 'orphaned';

/** One line of `plan --explain`: a leaf value and what set it. */
export interface ValueOrigin {
  path: string; // dotted, e.g. image.tag
  value: unknown; // secrets are shown as "(secret)"
  source: string; // "values/account-service/gke.yaml", "releases/x.yaml set", "--set", "chart default", "helm-cascade"
}

export interface ObjectDiff {
  kind: string;
  namespace: string;
  name: string;
  change: 'added' | 'removed' | 'changed';
  /** Unified diff text of the normalised object; for Secrets only key names (never values). */
  diff: string;
}

export interface PlannedUnit extends UnitRef {
  wave: string;
  step: number; // failover ordering inside the wave
  action: PlanAction;
  reasons: PlanReason[];
  chart?: ResolvedChart; // undefined for uninstall of orphans
  fromVersion?: string; // deployed chart version
  toVersion?: string;
  deployedRevision?: number;
  deployedStatus?: string;
  deployedApplyMethod?: string; // Helm 4 apply method of the deployed revision ("ssa" needs --force-conflicts to repair)
  health: HealthSpec;
  values?: Record<string, unknown>; // merged user values given to helm (secret-bearing: never printed)
  manifest?: string; // rendered
  diffs: ObjectDiff[];
  /** `plan --explain`: every leaf of `values` and what set it (secrets masked). */
  origins?: ValueOrigin[];
  /** Deployed user values -> planned values, unified diff, secret leaves masked. */
  valuesDiff?: string;
  error?: string; // rendering failed: helm's message with file and line; the unit is not applied
  digest: UnitDigest;
}

/** What `apply --plan` re-checks before touching anything. */
export interface UnitDigest {
  chart: string;
  values: string;
  manifest: string;
  deployedRevision: number; // 0 when not deployed
}

export interface PlanWave {
  name: string;
  index: number;
  steps: PlannedUnit[][];
}

export interface Plan {
  version: 1;
  createdAt: string;
  clustersFile: string;
  waves: PlanWave[];
  orphans: PlannedUnit[]; // managed releases the repository no longer lists (action uninstall only with --prune)
  summary: { install: number; upgrade: number; unchanged: number; uninstall: number; errors: number };
}
