// The cluster side of apply, one runner per step kind: the release's Lease
// (and the state its gate compares against), the helm change and its undo, the
// health gate, the uninstall. Each gets its step and what earlier steps wrote
// on the run log, and returns what happened; none schedules anything.
import { PreflightError } from '../errors.ts';
import type { Helm } from '../helm/helm.ts';
import { prepareGate, runGate } from '../health/gate.ts';
import type { GatePreparation, GateResult } from '../health/gate.ts';
import type { ClusterReader } from '../health/poller.ts';
import type { KubeClient } from '../kube/client.ts';
import { COMMAND_ANNOTATION, leaseName, RUN_ANNOTATION } from '../kube/lease.ts';
import type { LeaseHandle } from '../kube/lease.ts';
import { labelReleaseRevision, readReleaseRevision } from '../kube/release-records.ts';
import type { ObjectRef } from '../model/objects.ts';
import { GATE_PASSED_LABEL, INPUTS_LABEL, markerLabels, runDescription } from '../model/release.ts';
import { unitTextScrubber } from '../plan/assemble.ts';
import type { PlannedUnit, RenderedUnit } from '../plan/types.ts';
import type { Runners, StepContext, StepOutcome } from './drive.ts';
import { acquireReleaseLock } from './run-lock.ts';
import type { Step } from './steps.ts';
import { undoRelease } from './undo.ts';

export interface ApplyRunnersOptions {
  helm: Helm;
  client: (cluster: string) => KubeClient;
  /** The live-state reader of a cluster, shared by every gate there. */
  reader: (cluster: string) => ClusterReader;
  /** The plan's units by id (values and manifests stay here, never on the log). */
  units: ReadonlyMap<string, PlannedUnit>;
  runId: string;
  /** clusters.yaml name: the cascade-repo label, and the Leases' repository. */
  repo: string;
  holder: string;
  /** Gate poll interval (default 2s: one batched read per namespace serves every gate there, and CPU stays with helm). */
  pollIntervalMs?: number;
}

const failed = (err: unknown, failure?: StepOutcome['failure']): StepOutcome => ({ result: 'failed', reason: (err as Error).message, ...(failure ? { failure } : {}) });

/** The Leases this run holds, by unit: taken by a lock step, given back by its undo. */
class Leases {
  readonly #held = new Map<string, LeaseHandle>();

  async take(o: ApplyRunnersOptions, u: PlannedUnit, step: Extract<Step, { kind: 'lock' }>): Promise<void> {
    const annotations = { [RUN_ANNOTATION]: o.runId, [COMMAND_ANNOTATION]: 'apply' };
    const lease = await acquireReleaseLock({ client: o.client(u.cluster), namespace: u.namespace, name: leaseName(u.helmName), what: step.unit, holder: o.holder, createNamespace: true, annotations, repo: o.repo, timeoutMs: step.waitMs });
    this.#held.set(step.unit, lease);
  }

  async give(id: string): Promise<void> {
    await this.#held.get(id)?.release();
    this.#held.delete(id);
  }
}

/** The manifest of the revision the plan saw deployed, from helm's record. */
async function deployedManifest(o: ApplyRunnersOptions, u: PlannedUnit): Promise<string | undefined> {
  if (u.deployedRevision === undefined) return undefined;
  const rev = await readReleaseRevision(o.client(u.cluster), u.namespace, u.helmName, u.deployedRevision).catch(() => undefined);
  return rev?.manifest;
}

/**
 * Hook Jobs helm leaves in place after they ran (no hook-succeeded delete
 * policy): the gate checks them with the release's own objects. helm itself
 * waited for every hook; one that failed failed the upgrade.
 */
function remainingHookJobs(u: RenderedUnit): ObjectRef[] {
  const events = u.action === 'install' ? /^(pre|post)-install$/ : /^(pre|post)-upgrade$/;
  return u.hooks
    .filter((h) => h.kind === 'Job' && !h.deletePolicies.includes('hook-succeeded') && h.events.some((e) => events.test(e)))
    .map((h) => ({ kind: 'Job', namespace: h.namespace ?? u.namespace, name: h.name }));
}

/** What the gate compares against, recorded before the change (object uids and generations), as the log carries it. */
async function before(o: ApplyRunnersOptions, u: PlannedUnit): Promise<Record<string, unknown> | undefined> {
  if (u.kind !== 'rendered' || u.action === 'unchanged') return undefined;
  const old = u.action === 'upgrade' ? await deployedManifest(o, u) : undefined;
  const p = await prepareGate(o.reader(u.cluster), u.namespace, u.manifest, old, remainingHookJobs(u));
  return { owned: p.owned, specChanged: [...p.specChanged], baseline: p.baseline };
}

function preparationOf(details: Record<string, unknown> | undefined): GatePreparation {
  const b = details?.before as { owned: ObjectRef[]; specChanged: string[]; baseline: GatePreparation['baseline'] } | undefined;
  return b ? { owned: b.owned, specChanged: new Set(b.specChanged), baseline: b.baseline } : { owned: [], specChanged: new Set(), baseline: {} };
}

async function change(o: ApplyRunnersOptions, u: PlannedUnit, step: Extract<Step, { kind: 'change' }>): Promise<StepOutcome> {
  if (u.kind !== 'rendered') return { result: 'failed', reason: 'the plan has no rendered chart for it' };
  const target = o.client(u.cluster).target;
  await o.helm.upgradeInstall({
    ...target,
    releaseName: u.helmName,
    namespace: u.namespace,
    chart: u.chart.path,
    values: u.values,
    labels: { ...markerLabels(u, o.repo), [INPUTS_LABEL]: u.inputs },
    description: runDescription(o.runId, u.wave),
    timeoutMs: u.health.timeoutMs,
    // Helm 4 server-side apply: the repository wins over hand edits (kubectl scale/edit own fields
    // then). A Helm 3 (client-side) release keeps its method: helm refuses the flag there.
    forceConflicts: u.deployedApplyMethod === 'ssa' || u.deployedRevision === undefined,
    disableOpenApiValidation: step.skipOpenApi,
    ...(step.dryRun ? { dryRun: 'server' as const } : {}),
  });
  // helm numbers revisions one past the newest record (which the plan read): no extra helm call
  return { result: 'passed', ...(step.dryRun ? {} : { details: { revision: (u.deployedRevision ?? 0) + 1 } }) };
}

/** Progress lines: one when the phase changes, then at most one every 10s (Jenkins logs stay readable). */
function throttled(progress: (message: string) => void): (e: { phase: string; reason: string }) => void {
  let lastPhase = '';
  let lastAt = 0;
  return (e) => {
    const t = Date.now();
    if (e.phase === lastPhase && t - lastAt < 10_000) return;
    lastPhase = e.phase;
    lastAt = t;
    progress(e.reason.startsWith(e.phase) ? e.reason : `${e.phase}: ${e.reason}`);
  };
}

/**
 * The gate-passed marker on helm's record of the revision this run made
 * (model/release.ts GATE_PASSED_LABEL): until it is there, no other run takes
 * the revision for done. A marker that cannot be written only costs a re-gate
 * on the next run, so it warns instead of failing a passed unit.
 */
async function markGatePassed(o: ApplyRunnersOptions, u: PlannedUnit, revision: unknown, progress: (message: string) => void): Promise<void> {
  if (typeof revision !== 'number') return;
  try {
    await labelReleaseRevision(o.client(u.cluster), u.namespace, u.helmName, revision, { [GATE_PASSED_LABEL]: String(revision) });
  } catch (err) {
    progress(`gate passed, but its marker could not be written on revision ${revision} (the next run gates it again): ${(err as Error).message}`);
  }
}

/** One line: the gate's reason plus the first failing pod's reason. */
function gateReason(r: GateResult): string {
  const pod = r.failingPods[0];
  if (!pod || r.reason.includes(pod.name)) return r.reason;
  return `${r.reason} (pod ${pod.name}: ${pod.reason})`;
}

async function gate(o: ApplyRunnersOptions, u: PlannedUnit, step: Step, ctx: StepContext): Promise<StepOutcome> {
  const p = preparationOf(ctx.detailsOf(`${step.unit}#lock`));
  let r: GateResult;
  try {
    r = await runGate({ unit: step.unit, reader: o.reader(u.cluster), owned: p.owned, baseline: p.baseline, specChanged: p.specChanged, health: u.health, signal: ctx.signal, pollIntervalMs: o.pollIntervalMs ?? 2_000, onProgress: throttled(ctx.progress) });
  } catch (err) {
    return { result: 'failed', reason: `gate could not read the cluster: ${(err as Error).message}` };
  }
  const { unit: _u, passed: _p, ...details } = r;
  if (!r.passed) return { result: 'failed', reason: gateReason(r), details };
  await markGatePassed(o, u, ctx.detailsOf(`${step.unit}#change`)?.revision, ctx.progress);
  return { result: 'passed', details };
}

/** apply's runners: lock, change, gate, uninstall. */
export function applyRunners(o: ApplyRunnersOptions): Runners {
  const leases = new Leases();
  const unit = (s: Step): PlannedUnit => {
    const u = o.units.get(s.unit);
    if (!u) throw new Error(`${s.unit}: not in the plan`);
    return u;
  };
  const undoTarget = (u: PlannedUnit) => ({ target: o.client(u.cluster).target, namespace: u.namespace, helmName: u.helmName, applyMethod: u.deployedApplyMethod, timeoutMs: u.health.timeoutMs });
  return {
    lock: {
      async run(step) {
        const u = unit(step);
        try {
          await leases.take(o, u, step);
        } catch (err) {
          return failed(err, err instanceof PreflightError ? 'lock-refused' : undefined);
        }
        try {
          const b = await before(o, u);
          return { result: 'passed', ...(b ? { details: { before: b } } : {}) };
        } catch (err) {
          await leases.give(step.unit);
          return failed(err);
        }
      },
      async undo(step) {
        await leases.give(step.unit);
        return { result: 'passed' };
      },
    },
    change: {
      async run(step) {
        const u = unit(step);
        // helm's stderr may quote a value the API server refused (a Secret's among them)
        return change(o, u, step).catch((err: unknown) => ({ result: 'failed' as const, reason: unitTextScrubber(u)((err as Error).message) }));
      },
      async undo(step) {
        if (!step.undo) return { result: 'passed' };
        return undoRelease(o.helm, undoTarget(unit(step)), step.undo).then(
          (): StepOutcome => ({ result: 'passed' }),
          (err: unknown) => failed(err),
        );
      },
    },
    gate: { run: (step, ctx) => gate(o, unit(step), step, ctx) },
    uninstall: {
      async run(step) {
        const u = unit(step);
        return o.helm.uninstall({ ...o.client(u.cluster).target, releaseName: u.helmName, namespace: u.namespace, ...(step.dryRun ? { dryRun: true } : {}) }).then(
          (): StepOutcome => ({ result: 'passed' }),
          (err: unknown) => ({ result: 'failed', reason: unitTextScrubber(u)((err as Error).message) }),
        );
      },
    },
  };
}
