// A helm release as helm's own record says it is deployed, a chart as
// resolved for rendering, and the labels helm-cascade puts on every release
// record it makes.
import { unitId } from './identity.ts';

/** A release as helm's own record (sh.helm.release.v1 Secret) says it is deployed. */
export interface DeployedRelease {
  cluster: string;
  namespace: string;
  name: string;
  revision: number;
  status: string; // deployed | failed | pending-install | pending-upgrade | pending-rollback | superseded | uninstalling ...
  chartName: string;
  chartVersion: string;
  appVersion?: string;
  manifest: string;
  config: Record<string, unknown>; // user-supplied values of that revision
  labels: Record<string, string>; // labels on the release record (manager marker lives here)
  managed: boolean; // made by helm-cascade
  updated?: string; // ISO time of the last deploy
  description?: string; // helm's revision description ("helm-cascade run <id> wave <name>")
  applyMethod?: string; // Helm 4: "ssa" | "csa"; absent when Helm 3 made it
}

/** `cluster/namespace/name` of a deployed release: the same key as unitId of the unit that made it. */
export function releaseId(d: Pick<DeployedRelease, 'cluster' | 'namespace' | 'name'>): string {
  return unitId({ cluster: d.cluster, namespace: d.namespace, helmName: d.name });
}

/** What a chart does that matters to a plan (read from its files once). */
export interface ChartFeatures {
  /** Some template calls `lookup`: its output depends on what the cluster holds (rendered with cluster access). */
  lookup: boolean;
  /** Some template defines a helm hook (`helm.sh/hook`). */
  hooks: boolean;
  /** The chart (or a subchart) ships a crds/ folder. */
  crdsDir: boolean;
  /** The top chart's values.schema.json, parsed; undefined without one. */
  schema: unknown;
  /**
   * The API versions its templates ask about (`.Capabilities.APIVersions.Has
   * "policy/v1/PodDisruptionBudget"`), or 'all' when one is not a literal:
   * only these are inputs of its render (plan/inputs.ts).
   */
  apiQueries: string[] | 'all';
}

export interface ResolvedChart {
  ref: string; // as written
  name: string;
  version: string; // resolved exact version
  /** What helm is given: a chart folder, its dependencies in charts/ (the repository's own, or a built copy in the cache). */
  path: string;
  /** sha256 of everything helm loads from it (its .helmignore honoured), dependencies included. */
  digest: string;
  features: ChartFeatures;
}

/** Release-record labels that say helm-cascade made the release. */
export const MANAGED_BY_LABEL = 'managed-by';
export const MANAGED_BY_VALUE = 'helm-cascade';
const RELEASE_LABEL = 'cascade-release';
export const TRACK_LABEL = 'cascade-track';
const CLUSTER_LABEL = 'cascade-cluster';
/** The deploy repository that made the release (clusters.yaml `name:`): orphans are only ever its own. */
export const REPO_LABEL = 'cascade-repo';
/** The input digest of the render helm-cascade applied (plan/inputs.ts). */
export const INPUTS_LABEL = 'cascade-inputs';

/** The release-record labels helm-cascade gives every release it makes (`helm upgrade --labels`). */
export function markerLabels(u: { release: string; track: string | undefined; cluster: string }, repo: string): Record<string, string> {
  const labels: Record<string, string> = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [REPO_LABEL]: repo, [RELEASE_LABEL]: u.release, [CLUSTER_LABEL]: u.cluster };
  if (u.track !== undefined) labels[TRACK_LABEL] = u.track;
  return labels;
}

/** A deployed release is this repository's own: made by helm-cascade and labelled with this repository's name. */
export function ownedByRepo(d: Pick<DeployedRelease, 'managed' | 'labels'>, repo: string): boolean {
  return d.managed && d.labels[REPO_LABEL] === repo;
}

/** The unit a deployed release stands for, read from its labels (a release without them: its own name, no track). */
export function deployedUnitRef(d: Pick<DeployedRelease, 'cluster' | 'namespace' | 'name' | 'labels'>): { release: string; track: string | undefined; cluster: string; namespace: string; helmName: string } {
  return { release: d.labels[RELEASE_LABEL] || d.name, track: d.labels[TRACK_LABEL] || undefined, cluster: d.cluster, namespace: d.namespace, helmName: d.name };
}

const RUN_DESCRIPTION_PREFIX = 'helm-cascade run ';

/** The helm description of a revision made by run `runId` in wave `wave`. */
export function runDescription(runId: string, wave: string): string {
  return `${RUN_DESCRIPTION_PREFIX}${runId} wave ${wave}`;
}

/** The run id of a revision helm-cascade made, from its helm description; undefined for any other. */
export function runIdOf(description: string | undefined): string | undefined {
  if (!description?.startsWith(RUN_DESCRIPTION_PREFIX)) return undefined;
  return description.slice(RUN_DESCRIPTION_PREFIX.length).split(' ')[0];
}

/**
 * The gate-passed marker: a label helm-cascade writes on helm's record of a
 * revision (sh.helm.release.v1.NAME.vREV) once that revision's health gate
 * passed, valued with the revision number. helm copies a release's custom
 * labels onto its next revision, so the value, not the label's presence, says
 * which revision passed.
 */
export const GATE_PASSED_LABEL = 'cascade-gate-passed';

/**
 * Unfinished work of a run: the revision was made by a helm-cascade apply (its
 * description names the run) and no gate-passed marker says its gate passed.
 * Its run is still gating it, halted on it, or died: no other run may take it
 * for done (plan/assemble.ts plans it as an upgrade, reason "ungated").
 * helm's `Rollback to N` (apply's undo, `--recover`, `helm-cascade rollback`)
 * copies revision N's labels: it is done only when N's gate passed (marker N).
 * Returns who made the unfinished revision ("run <id>", "helm rollback to
 * revision N"); undefined when it is done or nobody gates it.
 */
export function ungatedRevision(d: Pick<DeployedRelease, 'managed' | 'labels' | 'revision' | 'description' | 'status'>): string | undefined {
  if (!d.managed || d.status !== 'deployed') return undefined;
  const marker = d.labels[GATE_PASSED_LABEL];
  const run = runIdOf(d.description);
  if (run !== undefined) return marker === String(d.revision) ? undefined : `run ${run}`;
  const rolledBackTo = /^Rollback to (\d+)$/.exec(d.description ?? '')?.[1];
  if (rolledBackTo !== undefined) return marker === rolledBackTo ? undefined : `helm rollback to revision ${rolledBackTo}`;
  return undefined;
}
