// What `helm-cascade drift` finds, as plain data: made by assessDrift (pure),
// printed by the drift reporters in report/, posted by notify.
import type { Outcome } from '../errors.ts';
import type { FailingPod } from '../health/evaluate.ts';
import type { UnhealthyObject } from '../health/judge.ts';
import type { UnitRef } from '../model/identity.ts';
import type { ObjectDrift } from '../live/types.ts';

/**
 * Kinds of drift, one per question drift answers:
 * - pending:    the repository differs from what is deployed (plan would change it)
 * - live:       the live objects differ from the deployed manifest (changed by hand)
 * - broken:     the release's status is failed, pending-* or unknown
 * - unhealthy:  what runs now fails the gates' assessors: crash loops, recent restarts, pods not Ready, replicas short, endpoints below min
 * - skew:       the same release and track runs different chart versions across clusters
 * - unmanaged:  a helm release helm-cascade does not manage, or the repository does not know
 * - policy:     live pods of the release break a house rule of clusters.yaml
 * - unreadable: the cluster could not be read; nothing is known about the unit
 */
type DriftKind = 'unreadable' | 'broken' | 'unhealthy' | 'live' | 'policy' | 'pending' | 'skew' | 'unmanaged';

export type DriftState = DriftKind | 'clean';

/** Worst first: a unit's state is its worst finding. */
export const DRIFT_SEVERITY: readonly DriftState[] = ['unreadable', 'broken', 'unhealthy', 'live', 'policy', 'pending', 'skew', 'unmanaged', 'clean'];

export function worstState(states: Iterable<DriftState>): DriftState {
  let worst: DriftState = 'clean';
  for (const s of states) if (DRIFT_SEVERITY.indexOf(s) < DRIFT_SEVERITY.indexOf(worst)) worst = s;
  return worst;
}

export interface DriftFinding {
  kind: DriftKind;
  /** One line, never a secret value. */
  summary: string;
  /** Further lines (reasons, versions elsewhere, object diffs' titles). */
  details: string[];
  /** For `live`: the objects that differ. */
  objects?: ObjectDrift[];
  /** For `unhealthy`: the pods in trouble (with their events and last log lines) and the objects not Healthy. */
  health?: { pods: UnhealthyPod[]; objects: UnhealthyObject[] };
  /** For `pending`: per-object diffs from the plan (Secrets: key names only). */
  diffs?: { kind: string; namespace: string; name: string; change: string; diff: string }[];
}

/** A pod drift found unhealthy: reason, message, restarts, recent events, and its last log lines ("no logs available" when the cluster serves none). */
export interface UnhealthyPod extends FailingPod {
  logs: string;
}

export interface DeployedSummary {
  revision: number;
  status: string;
  chartName: string;
  chartVersion: string;
  appVersion?: string;
  updated?: string;
  managed: boolean;
}

export interface DriftUnit extends UnitRef {
  id: string; // cluster/namespace/helmName
  /** The repository lists this unit (false: unmanaged or orphaned releases found in the cluster). */
  known: boolean;
  /** The repository wants it installed (false: `enabled: false`, or unknown). */
  wanted: boolean;
  deployed?: DeployedSummary;
  desiredVersion?: string;
  state: DriftState;
  findings: DriftFinding[];
}

interface ClusterReadSummary {
  name: string;
  readable: boolean;
  error?: string;
}

export interface SkewGroup {
  release: string;
  track: string | undefined;
  helmName: string;
  /** chart version -> clusters running it */
  versions: Record<string, string[]>;
  desiredVersion?: string;
}

export interface DriftSummary {
  units: number;
  clean: number;
  drifted: number;
  unreadable: number;
  broken: number;
  unhealthy: number;
  live: number;
  pending: number;
  skew: number;
  unmanaged: number;
  policy: number;
}

/** A notification or a push of the metrics, done before the outcome is decided (drift/outcome.ts). */
export interface Delivery {
  what: 'notify' | 'push';
  /** Where to, without credentials or tokens (notify.ts redactUrl). */
  to: string;
  ok: boolean;
  error?: string;
}

/** How the run ends: the outcome (errors.ts maps it), its exit code, and why, in one sentence. */
export interface DriftOutcome {
  result: Outcome;
  exitCode: number;
  why: string;
}

export interface DriftReport {
  version: 1;
  createdAt: string;
  clustersFile: string;
  /** Cluster names in clusters.yaml order (matrix columns). */
  clusters: ClusterReadSummary[];
  units: DriftUnit[];
  skew: SkewGroup[];
  summary: DriftSummary;
  /** Was the repository compared with what is deployed (plan engine available and run)? */
  pendingChecked: boolean;
  notes: string[];
  /** drift --shard i/n: this report holds share `index` of `count` of the clusters (report/drift-merge.ts joins the shares). */
  shard?: { index: number; count: number };
  /** The webhook and the Pushgateway, as they went. */
  deliveries: Delivery[];
  /** How the run ends (drift/outcome.ts); every format reports this exit code, and the process exits with it. */
  outcome: DriftOutcome;
}
