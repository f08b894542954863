// What was read from the clusters (+ the plan, when there is one) -> the drift
// report. Pure: every test of drift's logic lives here, on fixtures.
import semver from 'semver';
import { unitId, unitRefOf } from '../model/identity.ts';
import type { UnitRef } from '../model/identity.ts';
import type { KubeObject } from '../model/objects.ts';
import { deployedUnitRef, MANAGED_BY_LABEL, MANAGED_BY_VALUE, ownedByRepo, releaseId, REPO_LABEL } from '../model/release.ts';
import type { DeployedRelease } from '../model/release.ts';
import { matchesUnit } from '../model/selectors.ts';
import type { UnitSelector } from '../model/selectors.ts';
import { detectLiveDrift, LiveObjects, objectDriftLines } from '../live/drift.ts';
import type { LiveDriftResult } from '../live/types.ts';
import type { Plan, PlannedUnit } from '../plan/types.ts';
import type { HealthRead } from './health-read.ts';
import { driftOutcome } from './outcome.ts';
import { unhealthyFinding } from './unhealthy.ts';
import type { DeployedSummary, DriftFinding, DriftReport, DriftSummary, DriftUnit, SkewGroup } from './types.ts';
import { DRIFT_SEVERITY, worstState } from './types.ts';

/** A unit the repository lists. */
export interface ListedUnit extends UnitRef {
  /** false: `enabled: false` for this cluster (should not be installed). */
  enabled: boolean;
}

/** Everything read from one cluster. */
export interface ClusterRead {
  cluster: string;
  /** The cluster could not be read at all (unreachable, forbidden): its units are `unreadable`. */
  error?: string;
  /** helm's latest record of each release (live/read.ts; uninstalled ones with kept history left out). */
  releases: DeployedRelease[];
  /** Live objects of the namespaces and kinds the releases' manifests use. */
  live: LiveObjects | readonly KubeObject[];
  /** Namespaces whose live objects could not be read -> the error. */
  liveErrors?: Record<string, string>;
  /** Each compared release's live drift, already confirmed by the server (by id); without it, judged from `live` alone. */
  liveDrift?: ReadonlyMap<string, LiveDriftResult>;
  /** Each compared release's health now (by id), see health-read.ts; without it, health is not judged. */
  health?: ReadonlyMap<string, HealthRead>;
}

export interface DriftInput {
  clustersFile: string;
  createdAt: string;
  /** Cluster names in clusters.yaml order. */
  clusters: string[];
  units: ListedUnit[];
  reads: ClusterRead[];
  /** The plan of the same repository against the same clusters; without it only install/uninstall are seen as pending. */
  plan?: Plan;
  /** Why there is no plan (shown as a note). */
  planError?: string;
  selector?: UnitSelector;
  /** Label that marks helm-cascade's releases (for messages). */
  marker?: string;
  /** This repository's name (clusters.yaml `name:`): releases labelled with another cascade-repo belong to another repository. */
  repo: string;
  /** House-rule findings of deployed releases' live pods (drift/policy.ts), by release id. */
  policy?: ReadonlyMap<string, DriftFinding>;
}

const BROKEN_EXPLAINED: Record<string, string> = {
  failed: 'the last helm operation failed',
  'pending-install': 'an install never finished (helm lock held; `apply --recover` rolls it back)',
  'pending-upgrade': 'an upgrade never finished (helm lock held; `apply --recover` rolls it back)',
  'pending-rollback': 'a rollback never finished (helm lock held)',
  uninstalling: 'an uninstall never finished',
  unknown: 'helm does not know its state',
};

function summaryOf(r: DeployedRelease): DeployedSummary {
  const s: DeployedSummary = { revision: r.revision, status: r.status, chartName: r.chartName, chartVersion: r.chartVersion, managed: r.managed };
  if (r.appVersion !== undefined) s.appVersion = r.appVersion;
  if (r.updated !== undefined) s.updated = r.updated;
  return s;
}

function plannedUnits(plan: Plan | undefined): Map<string, PlannedUnit> {
  const m = new Map<string, PlannedUnit>();
  if (!plan) return m;
  for (const w of plan.waves) for (const step of w.steps) for (const u of step) m.set(unitId(u), u);
  for (const u of plan.orphans) m.set(unitId(u), u);
  return m;
}

/** Reasons that make a unit pending: the repository moved, not the cluster. */
const PENDING_REASONS = new Set(['new', 'manifest-changed', 'chart-changed', 'values-changed', 'disabled', 'orphaned']);

function pendingFinding(p: PlannedUnit): DriftFinding | undefined {
  if (p.kind === 'failed') return { kind: 'pending', summary: `cannot be applied as the repository says: ${firstLine(p.error)}`, details: p.error.split('\n').slice(1, 6) };
  if (p.action === 'unchanged') return undefined;
  const reasons = p.reasons.filter((r) => PENDING_REASONS.has(r));
  if (p.action === 'upgrade' && reasons.length === 0) return undefined; // only live drift / failed: reported as such
  const to = p.kind === 'rendered' ? p.toVersion : undefined;
  const versions = p.fromVersion && to && p.fromVersion !== to ? ` ${p.fromVersion} -> ${to}` : to && p.action === 'install' ? ` ${to}` : '';
  const why = reasons.length ? ` (${reasons.join(', ')})` : '';
  const summary =
    p.action === 'install'
      ? `not deployed: plan installs chart${versions}`
      : p.action === 'uninstall'
        ? `plan uninstalls it${why}`
        : `repository differs from what is deployed: plan upgrades${versions}${why}`;
  const diffs = p.diffs.map((d) => ({
    kind: d.kind,
    namespace: d.namespace,
    name: d.name,
    change: d.change,
    // Secrets: the plan shows key names only; drift shows not even a diff body.
    diff: d.kind === 'Secret' ? '' : d.diff,
  }));
  return { kind: 'pending', summary, details: diffs.map((d) => `${d.kind} ${d.namespace}/${d.name} ${d.change}`), diffs };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** Reference version of a skew group: the desired one, else the most common (ties: highest). */
function referenceVersion(versions: Record<string, string[]>, desired: string | undefined): string {
  if (desired && versions[desired]) return desired;
  const entries = Object.entries(versions).sort((a, b) => b[1].length - a[1].length || compareVersions(b[0], a[0]));
  return entries[0]?.[0] ?? '';
}

function compareVersions(a: string, b: string): number {
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (va && vb) return semver.compare(va, vb);
  return a.localeCompare(b);
}

/** A `live` finding when the deployed revision's objects differ from what runs. */
function liveFinding(dep: DeployedRelease, read: ClusterRead, live: () => LiveObjects): DriftFinding | undefined {
  const r = read.liveDrift?.get(releaseId(dep)) ?? detectLiveDrift(dep, live());
  if (!r.drifted) return undefined;
  const missing = r.objects.filter((o) => o.change === 'missing').length;
  const changedN = r.objects.length - missing;
  const parts = [changedN ? `${changedN} object${changedN === 1 ? '' : 's'} changed` : '', missing ? `${missing} missing` : ''].filter(Boolean);
  return { kind: 'live', summary: `live objects differ from revision ${dep.revision}: ${parts.join(', ')}`, details: r.objects.flatMap(objectDriftLines), objects: r.objects };
}

/** What the cluster says about a deployed release: broken status, not ours, changed live. */
function deployedFindings(dep: DeployedRelease, read: ClusterRead, live: () => LiveObjects, marker: string): DriftFinding[] {
  const findings: DriftFinding[] = [];
  if (dep.status !== 'deployed') {
    const note = BROKEN_EXPLAINED[dep.status];
    // live: against a deployed revision only; a failed or pending one was never fully applied
    findings.push({ kind: 'broken', summary: `status ${dep.status} (revision ${dep.revision})${note ? `: ${note}` : ''}`, details: [`live objects not compared: revision ${dep.revision} was never fully applied`] });
  }
  if (!dep.managed) findings.push({ kind: 'unmanaged', summary: `installed without helm-cascade's marker (${marker}): someone deployed it by hand`, details: [] });
  if (dep.status !== 'deployed') return findings;
  const liveErr = read.liveErrors?.[dep.namespace];
  if (liveErr) findings.push({ kind: 'unreadable', summary: `live objects in namespace ${dep.namespace} could not be read: ${firstLine(liveErr)}`, details: [] });
  else {
    const f = liveFinding(dep, read, live);
    if (f) findings.push(f);
  }
  const health = healthFinding(read.health?.get(releaseId(dep)));
  if (health) findings.push(health);
  return findings;
}

/** The `unhealthy` finding of a deployed release (or why its health could not be read). */
function healthFinding(h: HealthRead | undefined): DriftFinding | undefined {
  if (!h) return undefined;
  if ('error' in h) return { kind: 'unreadable', summary: h.error, details: [] };
  return unhealthyFinding(h.pods, h.now.objects);
}

/** The `pending` finding of a unit: from the plan when there is one, else what the records alone tell. */
function pendingOf(u: ListedUnit, dep: DeployedRelease | undefined, p: PlannedUnit | undefined): DriftFinding | undefined {
  if (p) return pendingFinding(p);
  if (!dep && u.enabled) return { kind: 'pending', summary: 'not deployed: the repository lists it, the cluster has no such helm release', details: [] };
  if (dep && !u.enabled) return { kind: 'pending', summary: 'enabled: false in the repository, but still installed', details: [] };
  return undefined;
}

interface AssessContext {
  planned: Map<string, PlannedUnit>;
  reads: Map<string, ClusterRead>;
  deployed: Map<string, DeployedRelease>;
  liveOf: (read: ClusterRead) => LiveObjects;
  marker: string;
  policy: ReadonlyMap<string, DriftFinding>;
}

/** One unit the repository lists; undefined when it is disabled and absent, as wanted. */
function knownUnit(u: ListedUnit, c: AssessContext): DriftUnit | undefined {
  const id = unitId(u);
  const read = c.reads.get(u.cluster);
  const base = { ...unitRefOf(u), id, known: true, wanted: u.enabled };
  if (!read || read.error) {
    return { ...base, state: 'unreadable', findings: [{ kind: 'unreadable', summary: `cluster ${u.cluster} could not be read${read?.error ? `: ${firstLine(read.error)}` : ''}`, details: [] }] };
  }
  const dep = c.deployed.get(id);
  const p = c.planned.get(id);
  if (!dep && !u.enabled && (!p || p.action === 'unchanged')) return undefined;
  const pending = pendingOf(u, dep, p);
  const policy = dep?.status === 'deployed' ? c.policy.get(id) : undefined;
  const findings = [...(pending ? [pending] : []), ...(dep ? deployedFindings(dep, read, () => c.liveOf(read), c.marker) : []), ...(policy ? [policy] : [])];
  const unit: DriftUnit = { ...base, state: 'clean', findings };
  if (dep) unit.deployed = summaryOf(dep);
  if (p && p.kind !== 'orphan' && p.toVersion) unit.desiredVersion = p.toVersion;
  return unit;
}

/** Releases the repository does not know, or another repository made, in the namespaces it uses (and its own orphans anywhere). */
function unknownReleases(input: DriftInput, knownIds: Set<string>, sel: UnitSelector): DriftUnit[] {
  const repoNamespaces = new Set(input.units.map((u) => u.namespace));
  const out: DriftUnit[] = [];
  for (const read of input.reads) {
    if (read.error) continue;
    for (const r of read.releases) {
      const id = releaseId(r);
      if (knownIds.has(id)) continue;
      const ours = ownedByRepo(r, input.repo);
      // another deploy repository's release (its cascade-repo label is not ours, as plan judges orphans)
      const otherRepo = r.managed && !ours;
      if (!ours && !repoNamespaces.has(r.namespace)) continue;
      const ref = deployedUnitRef(r);
      if (!matchesUnit(ref, sel)) continue;
      const madeBy = r.labels[REPO_LABEL];
      const summary = otherRepo
        ? `made by helm-cascade from ${madeBy ? `deploy repository "${madeBy}"` : 'another deploy repository'}, not this one`
        : r.managed
          ? `managed by helm-cascade but no longer in the repository (orphaned; \`apply --prune\` uninstalls it)`
          : `helm release ${r.name} (chart ${r.chartName}-${r.chartVersion}) is not managed by helm-cascade and not in the repository`;
      const findings: DriftFinding[] = [{ kind: 'unmanaged', summary, details: [] }];
      if (r.status !== 'deployed') findings.push({ kind: 'broken', summary: `status ${r.status} (revision ${r.revision})`, details: [] });
      out.push({ ...ref, id, known: false, wanted: false, deployed: summaryOf(r), state: 'clean', findings });
    }
  }
  return out;
}

/** Version skew: the same release and track on different chart versions across clusters; adds a finding to each outlier. */
export function skewGroups(units: DriftUnit[]): SkewGroup[] {
  const groups = new Map<string, DriftUnit[]>();
  for (const u of units) {
    if (!u.known || !u.deployed) continue;
    const key = `${u.release}\u0000${u.track ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), u]);
  }
  const skew: SkewGroup[] = [];
  for (const g of groups.values()) {
    const versions: Record<string, string[]> = {};
    for (const u of g) (versions[`${u.deployed?.chartVersion}`] ??= []).push(u.cluster);
    if (Object.keys(versions).length < 2) continue;
    const first = g[0]!;
    const desired = g.find((u) => u.desiredVersion)?.desiredVersion;
    skew.push({ release: first.release, track: first.track, helmName: first.helmName, versions, ...(desired ? { desiredVersion: desired } : {}) });
    const ref = referenceVersion(versions, desired);
    const spread = Object.entries(versions).map(([v, cs]) => `${v} on ${cs.join(', ')}`).join('; ');
    for (const u of g) {
      const v = u.deployed?.chartVersion ?? '';
      if (v !== ref) u.findings.push({ kind: 'skew', summary: `chart ${v} here, ${ref} on ${(versions[ref] ?? []).join(', ')}`, details: [`${u.helmName}: ${spread}`] });
    }
  }
  return skew;
}

export function driftSummary(units: readonly DriftUnit[]): DriftSummary {
  const summary: DriftSummary = { units: units.length, clean: 0, drifted: 0, unreadable: 0, broken: 0, unhealthy: 0, live: 0, pending: 0, skew: 0, unmanaged: 0, policy: 0 };
  for (const u of units) {
    // a release on a cluster that could not be read is not known to have drifted: it counts as unreadable only
    if (u.state === 'clean') summary.clean++;
    else if (u.state !== 'unreadable') summary.drifted++;
    for (const k of new Set(u.findings.map((f) => f.kind))) summary[k]++;
  }
  return summary;
}

function contextOf(input: DriftInput): AssessContext {
  const liveIndex = new Map<string, LiveObjects>();
  const deployed = new Map<string, DeployedRelease>();
  for (const read of input.reads) if (!read.error) for (const r of read.releases) deployed.set(releaseId(r), r);
  return {
    planned: plannedUnits(input.plan),
    reads: new Map(input.reads.map((r) => [r.cluster, r] as const)),
    deployed,
    marker: input.marker ?? `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
    policy: input.policy ?? new Map(),
    liveOf: (read) => {
      let idx = liveIndex.get(read.cluster);
      if (!idx) liveIndex.set(read.cluster, (idx = read.live instanceof LiveObjects ? read.live : new LiveObjects(read.live)));
      return idx;
    },
  };
}

export function assessDrift(input: DriftInput): DriftReport {
  const sel = input.selector ?? {};
  const c = contextOf(input);
  const notes: string[] = [];
  if (!input.plan) {
    notes.push(`the repository was not rendered and compared${input.planError ? ` (${input.planError})` : ''}: "pending" covers only releases not yet installed or disabled but still installed`);
  }
  const known = input.units.filter((u) => matchesUnit(u, sel)).map((u) => knownUnit(u, c)).filter((u): u is DriftUnit => u !== undefined);
  const units = [...known, ...unknownReleases(input, new Set(input.units.map(unitId)), sel)];
  const skew = skewGroups(units);
  for (const u of units) u.state = worstState(u.findings.map((f) => f.kind));
  const clusters = input.clusters.map((name) => {
    const read = c.reads.get(name);
    return read && !read.error ? { name, readable: true } : { name, readable: false, error: read?.error ?? 'not read' };
  });
  const found = { version: 1 as const, createdAt: input.createdAt, clustersFile: input.clustersFile, clusters, units, skew, summary: driftSummary(units), pendingChecked: input.plan !== undefined, notes };
  return { ...found, deliveries: [], outcome: driftOutcome(found) };
}

/** The worst units first (for notifications and summaries). */
export function worstUnits(report: DriftReport, n: number): DriftUnit[] {
  const order = DRIFT_SEVERITY;
  return report.units
    .filter((u) => u.state !== 'clean')
    .map((u, i) => ({ u, i }))
    .sort((a, b) => order.indexOf(a.u.state) - order.indexOf(b.u.state) || a.i - b.i)
    .slice(0, n)
    .map((x) => x.u);
}
