// The plan: what the tool means to do to every unit, wave by wave. Made by
// plan/assemble (pure, from desired x deployed), printed by report/, saved by
// `plan --out`, executed by run/.
import type { UnitRef } from '../model/identity.ts';
import type { ResolvedChart } from '../model/release.ts';
import type { CrdRef, HookRef } from './rendered.ts';
import type { Values } from '../model/json.ts';
import type { HealthSpec } from '../model/spec.ts';

export type PlanAction = 'install' | 'upgrade' | 'unchanged' | 'uninstall';

/** Why a unit is planned as it is (shown in the plan; upgrade reasons may combine). */
export type PlanReason = 'new' | 'manifest-changed' | 'chart-changed' | 'values-changed' | 'live-drift' | 'failed-release' | 'ungated' | 'disabled' | 'orphaned';

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

/** What every planned unit carries: where it runs, how it is gated, what is deployed now. */
interface PlannedBase extends UnitRef {
  wave: string;
  step: number; // failover ordering inside the wave
  reasons: PlanReason[];
  health: HealthSpec;
  fromVersion?: string; // deployed chart version
  deployedRevision?: number;
  deployedStatus?: string;
  deployedApplyMethod?: string; // Helm 4 apply method of the deployed revision ("ssa" needs --force-conflicts to repair)
  diffs: ObjectDiff[];
  digest: UnitDigest;
  /** House rules with `action: warn` this unit's objects break (plan/policies.ts); shown, never blocking. */
  warnings?: string[];
  /** `needs:`: the units of the same wave and cluster (cluster/namespace/helmName) this one starts after. */
  after?: string[];
}

/** A unit the repository lists, rendered: installed, upgraded or left as it is. */
export interface RenderedUnit extends PlannedBase {
  kind: 'rendered';
  action: 'install' | 'upgrade' | 'unchanged';
  chart: ResolvedChart;
  toVersion: string;
  values: Values; // merged user values given to helm (secret-bearing: never printed)
  manifest: string; // rendered: the release manifest, as helm will store it
  /** The hooks helm will run around the change (tests left out). */
  hooks: HookRef[];
  /** The CRDs of crds/ folders, which helm creates before a first install when missing (and never upgrades). */
  crds: CrdRef[];
  /** The hooks' and crds/ documents as rendered (validated on the server; secret-bearing: never printed). */
  extra: string;
  /** The input digest (plan/inputs.ts), recorded on the release as label cascade-inputs. */
  inputs: string;
  /** What the plan should say about how it rendered or judged this unit (cascade.* left out, lookup, nondeterministic). */
  notes: string[];
  /** `plan --explain`: every leaf of `values` and what set it (secrets masked). */
  origins?: ValueOrigin[];
  /** Deployed user values -> planned values, unified diff, secret leaves masked. */
  valuesDiff?: string;
}

/** A unit that failed to render, or whose objects its API server refuses: never applied. */
export interface FailedUnit extends PlannedBase {
  kind: 'failed';
  /** What it would have been. */
  action: 'install' | 'unchanged';
  /** helm's message with file and line, or one line per refused object. */
  error: string;
  chart?: ResolvedChart;
  toVersion?: string;
  values?: Values;
  origins?: ValueOrigin[];
}

/**
 * A deployed release with nothing to render: orphaned (the repository no
 * longer lists it; uninstalled only with --prune) or disabled (`enabled:
 * false` for its cluster: uninstalled).
 */
export interface OrphanUnit extends PlannedBase {
  kind: 'orphan';
  action: 'uninstall' | 'unchanged';
}

export type PlannedUnit = RenderedUnit | FailedUnit | OrphanUnit;

/** The unit's chart name, when it has one. */
export function chartNameOf(u: PlannedUnit): string | undefined {
  return u.kind === 'orphan' ? undefined : u.chart?.name;
}

/** What `apply --plan` re-checks before touching anything. */
export interface UnitDigest {
  chart: string;
  values: string;
  manifest: string;
  deployedRevision: number; // 0 when not deployed
}

interface PlanWave {
  name: string;
  index: number;
  steps: PlannedUnit[][];
}

export interface Plan {
  version: 1;
  createdAt: string;
  clustersFile: string;
  waves: PlanWave[];
  orphans: OrphanUnit[]; // managed releases the repository no longer lists (action uninstall only with --prune)
  summary: { install: number; upgrade: number; unchanged: number; uninstall: number; errors: number };
}
