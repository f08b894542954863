// desired x deployed -> Plan (pure). Everything the plan says is decided
// here; the I/O around it (make-plan.ts) only gathers charts, values,
// renders and release records.
import { createHash } from 'node:crypto';
import { unitId } from '../model/identity.ts';
import { matchesUnit } from '../model/selectors.ts';
import type { UnitSelector } from '../model/selectors.ts';
import type { HealthSpec } from '../model/spec.ts';
import { RELEASE_LABEL, REPO_LABEL, TRACK_LABEL } from '../model/release.ts';
import { diffManifests, diffValues } from './diff.ts';
import { parseManifest } from '../model/manifest.ts';
import type { ObjectDiff, Plan, PlanAction, PlannedUnit, PlanReason, UnitDigest, ValueOrigin } from './types.ts';
import type { DeployedRelease, ResolvedChart } from '../model/release.ts';
import type { UnitSpec } from '../model/units.ts';
import { canonicalJson } from '../model/json.ts';
import { secretStrings } from './values.ts';
import type { Values } from '../model/json.ts';

/** One unit as gathered: rendered (or failed), not yet compared. */
export interface DesiredUnit {
  unit: UnitSpec;
  wave: string;
  step: number;
  health: HealthSpec;
  chart?: ResolvedChart;
  values?: Values;
  origins?: ValueOrigin[];
  manifest?: string;
  error?: string;
}

export interface DesiredWave {
  name: string;
  index: number;
  steps: DesiredUnit[][];
}

/** Live drift of a deployed release (drift/live.ts computes it): objects changed by hand. */
export interface LiveDriftInput {
  drifted: boolean;
  objects: { kind: string; namespace: string | undefined; name: string; change: 'missing' | 'changed'; fields: { message: string }[] }[];
}

export interface AssembleInput {
  clustersFile: string;
  waves: DesiredWave[];
  /** Latest release records of every cluster that was read. */
  deployed: DeployedRelease[];
  /** Ids (cluster/namespace/helmName) of every unit the repository lists, selected or not. */
  listedIds: Set<string>;
  /** Clusters whose records were read: orphans are only looked for there. */
  clustersRead: Set<string>;
  /** This repository's name: only releases it made (label cascade-repo) can be orphans. */
  repo: string;
  /** Live drift by unit id (cluster/namespace/helmName); a drifted unchanged unit is upgraded to repair it. */
  liveDrift?: Map<string, LiveDriftInput>;
  selector: UnitSelector;
  prune: boolean;
  /** Wave and health an orphan's uninstall belongs to; undefined: not in the selected waves. */
  orphanPlacement: (d: DeployedRelease) => { wave: string; health: HealthSpec } | undefined;
  createdAt: string;
}

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

export function digestOf(chart: ResolvedChart | undefined, values: Values | undefined, manifest: string | undefined, deployedRevision: number): UnitDigest {
  return {
    chart: chart?.digest ?? '',
    values: values ? sha256(canonicalJson(values)) : '',
    manifest: manifest !== undefined ? sha256(manifest) : '',
    deployedRevision,
  };
}

const releaseKey = (cluster: string, namespace: string, name: string) => `${cluster}/${namespace}/${name}`;

/** Objects of a manifest listed as removed (an uninstall shows what goes, not every field). */
function removedObjects(manifest: string, namespace: string): ObjectDiff[] {
  try {
    return parseManifest(manifest, namespace).map((o) => ({ kind: o.kind, namespace: o.namespace, name: o.name, change: 'removed' as const, diff: '' }));
  } catch {
    return [];
  }
}

export function planUnit(d: DesiredUnit, deployed: DeployedRelease | undefined, live?: LiveDriftInput): PlannedUnit | undefined {
  const u = d.unit;
  const base = {
    release: u.release,
    track: u.track,
    cluster: u.cluster,
    namespace: u.namespace,
    helmName: u.helmName,
    wave: d.wave,
    step: d.step,
    health: d.health,
  };
  const deployedInfo: Partial<PlannedUnit> = deployed
    ? { fromVersion: deployed.chartVersion, deployedRevision: deployed.revision, deployedStatus: deployed.status, ...(deployed.applyMethod ? { deployedApplyMethod: deployed.applyMethod } : {}) }
    : {};
  if (!u.enabled) {
    if (!deployed) return undefined; // disabled and absent: nothing to do, nothing to show
    return {
      ...base,
      ...deployedInfo,
      action: 'uninstall',
      reasons: ['disabled'],
      diffs: removedObjects(deployed.manifest, u.namespace),
      digest: digestOf(undefined, undefined, undefined, deployed.revision),
    };
  }
  const common: PlannedUnit = {
    ...base,
    ...deployedInfo,
    action: deployed ? 'unchanged' : 'install',
    reasons: [],
    diffs: [],
    digest: digestOf(d.chart, d.values, d.manifest, deployed?.revision ?? 0),
  };
  if (d.chart) {
    common.chart = d.chart;
    common.toVersion = d.chart.version;
  }
  if (d.values) common.values = d.values;
  if (d.origins) common.origins = d.origins;
  if (d.manifest !== undefined) common.manifest = d.manifest;
  if (d.error !== undefined || d.manifest === undefined) {
    common.error = d.error ?? 'not rendered';
    common.action = deployed ? 'unchanged' : 'install';
    return common;
  }
  const secrets = [...secretStrings(d.values ?? {}), ...secretStrings(deployed?.config ?? {})];
  common.diffs = diffManifests(deployed?.manifest, d.manifest, u.namespace, { secrets });
  if (!deployed) {
    common.reasons = ['new'];
    return common;
  }
  const reasons: PlanReason[] = [];
  if (common.diffs.length) reasons.push('manifest-changed');
  if (d.chart && (deployed.chartName !== d.chart.name || deployed.chartVersion !== d.chart.version)) reasons.push('chart-changed');
  if (canonicalJson(deployed.config ?? {}) !== canonicalJson(d.values ?? {})) {
    reasons.push('values-changed');
    common.valuesDiff = diffValues(deployed.config, d.values, secrets);
  }
  if (deployed.status !== 'deployed') reasons.push('failed-release');
  if (live?.drifted) {
    // changed by hand in the cluster: an upgrade with the same manifest puts it back
    reasons.push('live-drift');
    for (const o of live.objects) {
      common.diffs.push({
        kind: o.kind,
        namespace: o.namespace ?? '',
        name: o.name,
        change: 'changed',
        diff: `live (changed by hand): ${o.change === 'missing' ? 'object missing' : o.fields.map((f) => f.message).join('; ')}`,
      });
    }
  }
  common.reasons = reasons;
  common.action = reasons.length ? 'upgrade' : 'unchanged';
  return common;
}

function planOrphan(d: DeployedRelease, prune: boolean, wave: string, health: HealthSpec): PlannedUnit {
  const track = d.labels[TRACK_LABEL] || undefined;
  return {
    release: d.labels[RELEASE_LABEL] ?? d.name,
    track,
    cluster: d.cluster,
    namespace: d.namespace,
    helmName: d.name,
    wave,
    step: 0,
    action: prune ? 'uninstall' : 'unchanged',
    reasons: ['orphaned'],
    fromVersion: d.chartVersion,
    deployedRevision: d.revision,
    deployedStatus: d.status,
    health,
    diffs: prune ? removedObjects(d.manifest, d.namespace) : [],
    digest: digestOf(undefined, undefined, undefined, d.revision),
  };
}

export function assemblePlan(input: AssembleInput): Plan {
  const byId = new Map(input.deployed.map((d) => [releaseKey(d.cluster, d.namespace, d.name), d]));
  const waves = input.waves.map((w) => ({
    name: w.name,
    index: w.index,
    steps: w.steps
      .map((step) => step.map((d) => planUnit(d, byId.get(unitId(d.unit)), input.liveDrift?.get(unitId(d.unit)))).filter((p): p is PlannedUnit => p !== undefined))
      .filter((s) => s.length > 0),
  }));
  const orphans: PlannedUnit[] = [];
  for (const d of input.deployed) {
    if (!d.managed || !input.clustersRead.has(d.cluster) || d.labels[REPO_LABEL] !== input.repo) continue;
    if (input.listedIds.has(releaseKey(d.cluster, d.namespace, d.name))) continue;
    const ref = { release: d.labels[RELEASE_LABEL] ?? d.name, track: d.labels[TRACK_LABEL] || undefined, cluster: d.cluster, namespace: d.namespace };
    if (!matchesUnit(ref, input.selector)) continue;
    const place = input.orphanPlacement(d);
    if (!place) continue;
    orphans.push(planOrphan(d, input.prune, place.wave, place.health));
  }
  orphans.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.namespace.localeCompare(b.namespace) || a.helmName.localeCompare(b.helmName));
  return { version: 1, createdAt: input.createdAt, clustersFile: input.clustersFile, waves, orphans, summary: summarise(waves.flatMap((w) => w.steps.flat()), orphans) };
}

export function summarise(units: PlannedUnit[], orphans: PlannedUnit[]): Plan['summary'] {
  const s = { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 };
  for (const u of units) {
    if (u.error !== undefined) s.errors++;
    else s[u.action]++;
  }
  for (const o of orphans) if (o.action === 'uninstall') s.uninstall++;
  return s;
}

/** Every unit of the plan in order (waves, steps), then the orphans. */
export function planUnits(plan: Plan): PlannedUnit[] {
  return [...plan.waves.flatMap((w) => w.steps.flat()), ...plan.orphans];
}

export function hasChanges(plan: Plan): boolean {
  const s = plan.summary;
  return s.install + s.upgrade + s.uninstall > 0;
}

/**
 * The plan with the objects the API server refused (plan/validate-on-server.ts) as unit
 * errors, one line per object, like a render error: the unit is not applied.
 */
export function withRefusedObjects(plan: Plan, refused: ReadonlyMap<string, readonly string[]>): Plan {
  if (refused.size === 0) return plan;
  const mark = (u: PlannedUnit): PlannedUnit => {
    const lines = refused.get(unitId(u));
    return lines ? { ...u, error: [...(u.error ? [u.error] : []), ...lines].join('\n') } : u;
  };
  const waves = plan.waves.map((w) => ({ ...w, steps: w.steps.map((step) => step.map(mark)) }));
  const orphans = plan.orphans.map(mark);
  return { ...plan, waves, orphans, summary: summarise(waves.flatMap((w) => w.steps.flat()), orphans) };
}

/** `plan` exit code: 1 when a unit failed to render; with --detailed-exitcode 2 when changes are pending; else 0. */
export function planExitCode(plan: Plan, detailed: boolean): number {
  if (plan.summary.errors > 0) return 1;
  return detailed && hasChanges(plan) ? 2 : 0;
}

export function summaryLine(s: Plan['summary']): string {
  return `Plan: ${s.install} to install, ${s.upgrade} to upgrade, ${s.unchanged} unchanged, ${s.uninstall} to uninstall.`;
}

export type { PlanAction };
