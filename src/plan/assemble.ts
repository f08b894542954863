// desired x deployed -> Plan (pure, but for registering each unit's secrets
// with the redactor it is given). Everything the plan says is decided here;
// the I/O around it (make-plan.ts) only gathers charts, values, renders and
// release records.
import { createHash } from 'node:crypto';
import { unitId, unitRefOf } from '../model/identity.ts';
import { canonicalJson } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import { parseManifest } from '../model/manifest.ts';
import { deployedUnitRef, INPUTS_LABEL, ownedByRepo, releaseId, ungatedRevision } from '../model/release.ts';
import type { DeployedRelease, ResolvedChart } from '../model/release.ts';
import { needEdges } from '../model/needs.ts';
import { matchesUnit } from '../model/selectors.ts';
import { registerSensitive } from '../model/sensitive.ts';
import { secretSafeDigest } from '../secrets/digest.ts';
import type { UnitSelector } from '../model/selectors.ts';
import type { HealthSpec } from '../model/spec.ts';
import type { UnitSpec } from '../model/units.ts';
import { redactor as processRedactor } from '../redact.ts';
import type { Redactor } from '../redact.ts';
import { diffManifests, diffValues } from './diff.ts';
import { maskOrigins, redactQuotedValues, SECRET_MASK, valuesScrubber } from './masking.ts';
import type { FailedUnit, ObjectDiff, OrphanUnit, Plan, PlannedUnit, PlanReason, RenderedUnit, UnitDigest, ValueOrigin } from './types.ts';
import type { SplitRender } from './rendered.ts';
import { volatileNote } from './volatile.ts';

/** One unit as gathered: rendered, failed, or disabled for its cluster; not yet compared. */
export type GatheredUnit = { unit: UnitSpec; wave: string; step: number; health: HealthSpec } & (
  | ({ state: 'rendered'; chart: ResolvedChart; values: Values; origins: ValueOrigin[]; inputs: string; nondeterministic: boolean; volatile?: string[]; notes: string[] } & SplitRender)
  | { state: 'failed'; error: string; chart?: ResolvedChart; values?: Values; origins?: ValueOrigin[] }
  | { state: 'disabled' }
);

export interface GatheredWave {
  name: string;
  index: number;
  steps: GatheredUnit[][];
}

/** What the plan reads of a deployed release's live drift (live/types.ts LiveDriftResult): objects changed by hand. */
export interface LiveDriftInput {
  drifted: boolean;
  objects: { kind: string; namespace: string | undefined; name: string; change: 'missing' | 'changed'; fields: { message: string }[] }[];
}

export interface AssembleInput {
  clustersFile: string;
  waves: GatheredWave[];
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
  /** `--force-nondeterministic`: upgrade a nondeterministic unit whose inputs are those of its deployed revision. */
  forceNondeterministic?: boolean;
  selector: UnitSelector;
  prune: boolean;
  /** Wave and health an orphan's uninstall belongs to; undefined: not in the selected waves. */
  orphanPlacement: (d: DeployedRelease) => { wave: string; health: HealthSpec } | undefined;
  createdAt: string;
  /** Where every unit's sensitive strings are registered, and what is secret is read from (default: the process's redactor). */
  redactor?: Redactor;
}

export function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function digestOf(chart: ResolvedChart | undefined, values: Values | undefined, manifest: string | undefined, deployedRevision: number): UnitDigest {
  return {
    chart: chart?.digest ?? '',
    // keyed when they hold a secret (secrets/digest.ts): a saved plan must not let anyone test guesses of it
    values: values ? secretSafeDigest(canonicalJson(values)) : '',
    manifest: manifest !== undefined ? secretSafeDigest(manifest) : '',
    deployedRevision,
  };
}

/** Objects of a manifest listed as removed (an uninstall shows what goes, not every field). */
function removedObjects(manifest: string, namespace: string): ObjectDiff[] {
  try {
    return parseManifest(manifest, namespace).map((o) => ({ kind: o.kind, namespace: o.namespace ?? '', name: o.name, change: 'removed' as const, diff: '' }));
  } catch {
    return [];
  }
}

/** What a planned unit says about the deployed release. */
function deployedInfo(deployed: DeployedRelease | undefined) {
  if (!deployed) return {};
  return { fromVersion: deployed.chartVersion, deployedRevision: deployed.revision, deployedStatus: deployed.status, ...(deployed.applyMethod ? { deployedApplyMethod: deployed.applyMethod } : {}) };
}

/** The upgrade reasons of a rendered unit against what is deployed. */
function upgradeReasons(d: Extract<GatheredUnit, { state: 'rendered' }>, deployed: DeployedRelease, diffs: ObjectDiff[], live: LiveDriftInput | undefined): PlanReason[] {
  const reasons: PlanReason[] = [];
  if (diffs.length) reasons.push('manifest-changed');
  if (deployed.chartName !== d.chart.name || deployed.chartVersion !== d.chart.version) reasons.push('chart-changed');
  if (canonicalJson(deployed.config ?? {}) !== canonicalJson(d.values)) reasons.push('values-changed');
  if (deployed.status !== 'deployed') reasons.push('failed-release');
  // another run's change whose gate has not passed is not done: upgrade (and gate) it again
  if (ungatedRevision(deployed) !== undefined) reasons.push('ungated');
  // changed by hand in the cluster: an upgrade with the same manifest puts it back
  if (live?.drifted) reasons.push('live-drift');
  return reasons;
}

/** The objects changed by hand, as diff entries of the unit. */
function liveDiffs(live: LiveDriftInput): ObjectDiff[] {
  return live.objects.map((o) => ({
    kind: o.kind,
    namespace: o.namespace ?? '',
    name: o.name,
    change: 'changed' as const,
    diff: `live (changed by hand): ${o.change === 'missing' ? 'object missing' : o.fields.map((f) => f.message).join('; ')}`,
  }));
}

/**
 * Why a unit whose inputs (plan/inputs.ts) are those of the deployed revision
 * is not upgraded although its render differs: the repository did not change;
 * the chart's own output did, from randomness or time (nondeterministic: two
 * renders differ) or from what `lookup` read in the cluster. helm-cascade
 * applies the repository, so it leaves it; objects changed in the cluster are
 * still found as live drift and repaired.
 */
function settledNote(d: Extract<GatheredUnit, { state: 'rendered' }>, revision: number): string {
  const why = d.nondeterministic
    ? `${d.volatile?.length ? volatileNote(d.volatile) : 'nondeterministic: its templates change their output on every render (random or time values)'} (--force-nondeterministic upgrades it anyway)`
    : d.chart.features.lookup
      ? 'its output depends on what its templates read in the cluster (lookup)'
      : 'its output changed although nothing it is rendered from did';
  return `${why}; the inputs are those of revision ${revision}, so it is not upgraded`;
}

/**
 * A failed unit's error and --explain lines: no manifest says where its
 * values go, so no value of it is shown: helm's message is scrubbed of every
 * value (and of every registered secret), strings are not listed.
 */
function failedOutput(d: Extract<GatheredUnit, { state: 'failed' }>, redactor: Redactor): { error: string; origins?: ValueOrigin[] } {
  const scrub = valuesScrubber(d.values, redactor);
  const origins = d.origins?.map((o) => (typeof o.value === 'string' || Array.isArray(o.value) ? { ...o, value: SECRET_MASK } : o));
  return { error: redactQuotedValues(scrub(d.error)), ...(origins ? { origins } : {}) };
}

/** Why an unchanged release is upgraded again: its revision's gate never passed (model/release.ts ungatedRevision). */
function ungatedNote(revision: number, by: string): string {
  return `revision ${revision} was made by ${by} and its health gate has not passed (still gating, halted, or the run died): upgraded and gated again, never taken for done`;
}

interface RenderedContext {
  deployed: DeployedRelease | undefined;
  live: LiveDriftInput | undefined;
  redactor: Redactor;
  forceNondeterministic: boolean;
}

function planRendered(d: Extract<GatheredUnit, { state: 'rendered' }>, c: RenderedContext): RenderedUnit {
  const { deployed, live, redactor } = c;
  const u = d.unit;
  const found = diffManifests(deployed?.manifest, d.manifest, u.namespace, { redactor });
  // the inputs of the deployed revision, another output: not a change of the repository (see settledNote)
  const same = deployed !== undefined && found.length > 0 && deployed.labels[INPUTS_LABEL] === d.inputs;
  // --force-nondeterministic: such a unit of a nondeterministic chart is upgraded anyway, its diff shown
  const forced = same && d.nondeterministic && c.forceNondeterministic;
  const settled = same && !forced;
  const diffs = settled ? [] : found;
  const ungatedBy = deployed && ungatedRevision(deployed);
  const forcedNote = forced && d.volatile?.length ? [`${volatileNote(d.volatile)}; upgraded: --force-nondeterministic`] : [];
  const notes = [...d.notes, ...(settled ? [settledNote(d, deployed.revision)] : []), ...forcedNote, ...(ungatedBy ? [ungatedNote(deployed!.revision, ungatedBy)] : [])];
  const base: RenderedUnit = {
    kind: 'rendered',
    ...refOf(d),
    ...deployedInfo(deployed),
    action: deployed ? 'unchanged' : 'install',
    reasons: deployed ? [] : ['new'],
    chart: d.chart,
    toVersion: d.chart.version,
    values: d.values,
    origins: maskOrigins(d.origins, redactor),
    manifest: d.manifest,
    hooks: d.hooks,
    crds: d.crds,
    extra: d.extra,
    inputs: d.inputs,
    notes,
    diffs,
    digest: digestOf(d.chart, d.values, d.manifest, deployed?.revision ?? 0),
    ...(d.volatile?.length ? { nondeterministic: d.volatile } : {}),
  };
  if (!deployed) return base;
  const reasons = [...upgradeReasons(d, deployed, diffs, live), ...(forced ? ['nondeterministic' as const] : [])];
  if (reasons.includes('values-changed')) base.valuesDiff = diffValues(deployed.config, d.values, redactor);
  if (live?.drifted) base.diffs = [...diffs, ...liveDiffs(live)];
  return { ...base, reasons, action: reasons.length ? 'upgrade' : 'unchanged' };
}

function refOf(d: GatheredUnit) {
  const u = d.unit;
  return { ...unitRefOf(u), wave: d.wave, step: d.step, health: d.health };
}

function planUnit(d: GatheredUnit, c: RenderedContext): PlannedUnit | undefined {
  const { deployed, redactor } = c;
  if (d.state === 'disabled') {
    if (!deployed) return undefined; // disabled and absent: nothing to do, nothing to show
    return { kind: 'orphan', ...refOf(d), ...deployedInfo(deployed), action: 'uninstall', reasons: ['disabled'], diffs: removedObjects(deployed.manifest, d.unit.namespace), digest: digestOf(undefined, undefined, undefined, deployed.revision) };
  }
  if (d.state === 'failed') {
    const { chart, values } = d;
    const { error, origins } = failedOutput(d, redactor);
    const f: FailedUnit = { kind: 'failed', ...refOf(d), ...deployedInfo(deployed), action: deployed ? 'unchanged' : 'install', reasons: [], diffs: [], error, digest: digestOf(chart, values, undefined, deployed?.revision ?? 0) };
    return { ...f, ...(chart ? { chart, toVersion: chart.version } : {}), ...(values ? { values } : {}), ...(origins ? { origins } : {}) };
  }
  return planRendered(d, c);
}

function planOrphan(d: DeployedRelease, prune: boolean, wave: string, health: HealthSpec): OrphanUnit {
  const ref = deployedUnitRef(d);
  return {
    kind: 'orphan',
    ...ref,
    wave,
    step: 0,
    action: prune ? 'uninstall' : 'unchanged',
    reasons: ['orphaned'],
    ...deployedInfo(d),
    health,
    diffs: prune ? removedObjects(d.manifest, d.namespace) : [],
    digest: digestOf(undefined, undefined, undefined, d.revision),
  };
}

function orphansOf(input: AssembleInput): OrphanUnit[] {
  const orphans: OrphanUnit[] = [];
  for (const d of input.deployed) {
    if (!input.clustersRead.has(d.cluster) || !ownedByRepo(d, input.repo) || input.listedIds.has(releaseId(d))) continue;
    if (!matchesUnit(deployedUnitRef(d), input.selector)) continue;
    const place = input.orphanPlacement(d);
    if (place) orphans.push(planOrphan(d, input.prune, place.wave, place.health));
  }
  return orphans.sort((a, b) => a.cluster.localeCompare(b.cluster) || a.namespace.localeCompare(b.namespace) || a.helmName.localeCompare(b.helmName));
}

/**
 * Every unit's sensitive strings (model/sensitive.ts), registered with the
 * redactor before anything of the plan is shown: those of its render (hooks
 * and crds/ included) and of its deployed revision. The one side effect of
 * assembling: what is secret is known from here on, at every edge.
 */
function registerSecrets(waves: readonly GatheredWave[], byId: ReadonlyMap<string, DeployedRelease>, redactor: Redactor): void {
  for (const d of waves.flatMap((w) => w.steps.flat())) {
    const deployed = byId.get(unitId(d.unit));
    const planned = d.state === 'rendered' ? [{ values: d.values, manifest: `${d.extra}${d.manifest}` }] : [];
    registerSensitive(redactor, [...planned, ...(deployed ? [{ values: deployed.config, manifest: deployed.manifest }] : [])], d.unit.namespace);
  }
}

/**
 * Each planned unit's `after`: the units of its step (same wave, same cluster)
 * it waits for. Installs and upgrades wait for the units they need; an
 * uninstall waits for the uninstalls of the units that need it.
 */
function withNeeds(planned: PlannedUnit[], step: readonly GatheredUnit[]): PlannedUnit[] {
  const edges = needEdges(step.map((d) => d.unit));
  if (!edges.length) return planned;
  const removing = new Set(planned.filter((p) => p.action === 'uninstall').map((p) => unitId(p)));
  return planned.map((p) => {
    const id = unitId(p);
    const after = removing.has(id) ? edges.filter((e) => e.to === id && removing.has(e.from)).map((e) => e.from) : edges.filter((e) => e.from === id && !removing.has(e.to)).map((e) => e.to);
    return after.length ? { ...p, after } : p;
  });
}

export function assemblePlan(input: AssembleInput): Plan {
  const byId = new Map(input.deployed.map((d) => [releaseId(d), d]));
  const redactor = input.redactor ?? processRedactor;
  registerSecrets(input.waves, byId, redactor);
  const waves = input.waves.map((w) => ({
    name: w.name,
    index: w.index,
    steps: w.steps
      .map((step) => withNeeds(step.map((d) => planUnit(d, { deployed: byId.get(unitId(d.unit)), live: input.liveDrift?.get(unitId(d.unit)), redactor, forceNondeterministic: input.forceNondeterministic === true })).filter((p): p is PlannedUnit => p !== undefined), step))
      .filter((s) => s.length > 0),
  }));
  const orphans = orphansOf(input);
  return { version: 1, createdAt: input.createdAt, clustersFile: input.clustersFile, waves, orphans, summary: summarise(waves.flatMap((w) => w.steps.flat()), orphans) };
}

export function summarise(units: readonly PlannedUnit[], orphans: readonly PlannedUnit[]): Plan['summary'] {
  const s = { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 };
  for (const u of units) {
    if (u.kind === 'failed') s.errors++;
    else s[u.action]++;
  }
  for (const o of orphans) if (o.action === 'uninstall') s.uninstall++;
  return s;
}

/**
 * The plan as apply executes it: each orphan to uninstall (--prune) joins its
 * wave as a last step, after the wave's gated units; an orphan whose wave is
 * not in the plan (cut by --from-wave) is left out. The summary is unchanged.
 */
export function withPrunedOrphansInWaves(plan: Plan): Plan {
  const pruned = plan.orphans.filter((o) => o.action === 'uninstall');
  if (pruned.length === 0) return plan;
  const waves = plan.waves.map((w) => {
    const mine = pruned.filter((o) => o.wave === w.name).map((o) => ({ ...o, step: w.steps.length }));
    return mine.length ? { ...w, steps: [...w.steps, mine] } : w;
  });
  return { ...plan, waves, orphans: plan.orphans.filter((o) => o.action !== 'uninstall') };
}

/** Every unit of the plan in order (waves, steps), then the orphans. */
export function planUnits(plan: Plan): PlannedUnit[] {
  return [...plan.waves.flatMap((w) => w.steps.flat()), ...plan.orphans];
}

function hasChanges(plan: Plan): boolean {
  const s = plan.summary;
  return s.install + s.upgrade + s.uninstall > 0;
}

/**
 * What a message about a unit may say: an API server or helm may quote a
 * field's value (a Secret's among them). "Kind/name (template): message"
 * keeps the object's identity; in the message, quoted values become their
 * size, and every registered secret and every value of the unit is scrubbed.
 */
export function unitTextScrubber(u: PlannedUnit, redactor: Redactor = processRedactor): (text: string) => string {
  const scrub = valuesScrubber(u.kind === 'orphan' ? undefined : u.values, redactor);
  return (l) => {
    const cut = l.indexOf(': ');
    return cut < 0 ? scrub(redactQuotedValues(l)) : `${l.slice(0, cut + 2)}${scrub(redactQuotedValues(l.slice(cut + 2)))}`;
  };
}

/**
 * The plan with the objects the API server refused (plan/validate-on-server.ts) as unit
 * errors, one line per object, like a render error: the unit is not applied.
 */
export function withRefusedObjects(plan: Plan, refused: ReadonlyMap<string, readonly string[]>): Plan {
  if (refused.size === 0) return plan;
  const mark = <U extends PlannedUnit>(u: U): U | FailedUnit => {
    const said = refused.get(unitId(u));
    if (!said) return u;
    const clean = unitTextScrubber(u);
    const lines = said.map(clean);
    if (u.kind === 'failed') return { ...u, error: [u.error, ...lines].join('\n') };
    if (u.kind === 'orphan') return u; // uninstalls send no object
    const { manifest: _m, valuesDiff: _v, ...rest } = u;
    return { ...rest, kind: 'failed', action: u.deployedRevision !== undefined ? 'unchanged' : 'install', error: lines.join('\n') };
  };
  const waves = plan.waves.map((w) => ({ ...w, steps: w.steps.map((step) => step.map(mark)) }));
  return { ...plan, waves, summary: summarise(waves.flatMap((w) => w.steps.flat()), plan.orphans) };
}

/** What `plan` found, for the exit code (errors.ts maps it): a unit failed, changes pending, or nothing to do. */
export function planOutcome(plan: Plan): 'bad-input' | 'changes' | 'success' {
  if (plan.summary.errors > 0) return 'bad-input';
  return hasChanges(plan) ? 'changes' : 'success';
}

/** What `plan` exits with: pending changes are exit 2 only with --detailed-exitcode. */
export function planCommandOutcome(plan: Plan, detailedExitcode: boolean): 'bad-input' | 'changes' | 'success' {
  const found = planOutcome(plan);
  return found === 'changes' && !detailedExitcode ? 'success' : found;
}

export function summaryLine(s: Plan['summary']): string {
  return `Plan: ${s.install} to install, ${s.upgrade} to upgrade, ${s.unchanged} unchanged, ${s.uninstall} to uninstall.`;
}

