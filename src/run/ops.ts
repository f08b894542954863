// The real cluster side of a run: helm for changes and undo, the health gate
// after each change, a Lease per unit while it is changed and gated. Every
// API call goes through the cluster's KubeClient.
import type { Helm } from '../helm/helm.ts';
import { prepareGate, runGate } from '../health/gate.ts';
import type { GatePreparation, GateResult } from '../health/gate.ts';
import type { ClusterReader } from '../health/poller.ts';
import type { KubeClient } from '../kube/client.ts';
import { COMMAND_ANNOTATION, leaseName, RUN_ANNOTATION } from '../kube/lease.ts';
import { labelReleaseRevision, readReleaseRevision } from '../kube/release-records.ts';
import { unitId } from '../model/identity.ts';
import { GATE_PASSED_LABEL, INPUTS_LABEL, markerLabels, runDescription } from '../model/release.ts';
import type { ObjectRef } from '../model/objects.ts';
import type { PlannedUnit, RenderedUnit } from '../plan/types.ts';
import type { GateOutcome, LockHandle, UnitOps } from './execute.ts';
import { acquireReleaseLock } from './run-lock.ts';

import { undoRelease } from './undo.ts';

export interface OpsOptions {
  helm: Helm;
  client: (cluster: string) => KubeClient;
  /** The live-state reader of a cluster, shared by every gate there. */
  reader: (cluster: string) => ClusterReader;
  runId: string;
  repo: string; // clusters.yaml name: the cascade-repo label
  holder: string;
  /** Gate results by unit id, for the report (failing pods, events, logs). */
  gateResults: Map<string, GateResult>;
  /** Units whose every object the API server validated before the run (plan/validate-on-server.ts): helm skips its own OpenAPI validation. */
  validated?: ReadonlySet<string>;
  /** --lock-timeout: how long a release's lock held by another run is waited for (0: refuse at once). */
  lockTimeoutMs?: number;
  /** Gate poll interval (default 2s: one batched read per namespace serves every gate there, and CPU stays with helm). */
  pollIntervalMs?: number;
}

/**
 * The release's lock: a Lease `helm-cascade.<release>` in its namespace (created with it on a first install),
 * waited for as long as --lock-timeout says, or until a dead run of this repository's lock expired (run-lock.ts).
 */
function lockUnit(o: OpsOptions, u: PlannedUnit): Promise<LockHandle> {
  const annotations = { [RUN_ANNOTATION]: o.runId, [COMMAND_ANNOTATION]: 'apply' };
  return acquireReleaseLock({ client: o.client(u.cluster), namespace: u.namespace, name: leaseName(u.helmName), what: unitId(u), holder: o.holder, createNamespace: true, annotations, repo: o.repo, timeoutMs: o.lockTimeoutMs ?? 0 });
}

/** The manifest of the revision the plan saw deployed, from helm's record. */
async function deployedManifest(o: OpsOptions, u: PlannedUnit): Promise<string | undefined> {
  if (u.deployedRevision === undefined) return undefined;
  const rev = await readReleaseRevision(o.client(u.cluster), u.namespace, u.helmName, u.deployedRevision).catch(() => undefined);
  return rev?.manifest;
}

async function changeUnit(o: OpsOptions, u: PlannedUnit, dryRun: boolean): Promise<{ revision?: number }> {
  const target = o.client(u.cluster).target;
  const release = { ...target, releaseName: u.helmName, namespace: u.namespace };
  if (u.action === 'uninstall') {
    await o.helm.uninstall({ ...release, ...(dryRun ? { dryRun: true } : {}) });
    return {};
  }
  if (u.kind !== 'rendered') throw new Error(`${unitId(u)}: the plan has no rendered chart for it`);
  await o.helm.upgradeInstall({
    ...release,
    chart: u.chart.path,
    values: u.values,
    labels: { ...markerLabels(u, o.repo), [INPUTS_LABEL]: u.inputs },
    description: runDescription(o.runId, u.wave),
    timeoutMs: u.health.timeoutMs,
    // Helm 4 server-side apply: the repository wins over hand edits (kubectl scale/edit own fields
    // then). A Helm 3 (client-side) release keeps its method: helm refuses the flag there.
    forceConflicts: u.deployedApplyMethod === 'ssa' || u.deployedRevision === undefined,
    disableOpenApiValidation: o.validated?.has(unitId(u)) === true,
    ...(dryRun ? { dryRun: 'server' as const } : {}),
  });
  // helm numbers revisions one past the newest record (which the plan read): no extra helm call
  return dryRun ? {} : { revision: (u.deployedRevision ?? 0) + 1 };
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
async function markGatePassed(o: OpsOptions, u: PlannedUnit, revision: number | undefined, progress: (message: string) => void): Promise<void> {
  if (revision === undefined) return;
  try {
    await labelReleaseRevision(o.client(u.cluster), u.namespace, u.helmName, revision, { [GATE_PASSED_LABEL]: String(revision) });
  } catch (err) {
    progress(`gate passed, but its marker could not be written on revision ${revision} (the next run gates it again): ${(err as Error).message}`);
  }
}

export function createUnitOps(o: OpsOptions): UnitOps<GatePreparation | undefined> {
  const revisions = new Map<string, number>();
  return {
    lock: (u) => lockUnit(o, u),
    async prepare(u) {
      if (u.kind !== 'rendered') return undefined;
      const old = u.action === 'upgrade' ? await deployedManifest(o, u) : undefined;
      return prepareGate(o.reader(u.cluster), u.namespace, u.manifest, old, remainingHookJobs(u));
    },
    async change(u, dryRun) {
      const out = await changeUnit(o, u, dryRun);
      if (out.revision !== undefined) revisions.set(unitId(u), out.revision);
      return out;
    },
    async gate(u, prep, signal, progress): Promise<GateOutcome> {
      const p = prep ?? { owned: [], specChanged: new Set<string>(), baseline: {} };
      const r = await runGate({ unit: unitId(u), reader: o.reader(u.cluster), owned: p.owned, baseline: p.baseline, specChanged: p.specChanged, health: u.health, signal, pollIntervalMs: o.pollIntervalMs ?? 2_000, onProgress: throttled(progress) });
      o.gateResults.set(unitId(u), r);
      if (r.passed) await markGatePassed(o, u, revisions.get(unitId(u)), progress);
      return r.passed ? { passed: true } : { passed: false, reason: gateReason(r) };
    },
    undo: (u, how) => undoRelease(o.helm, { target: o.client(u.cluster).target, namespace: u.namespace, helmName: u.helmName, applyMethod: u.deployedApplyMethod, timeoutMs: u.health.timeoutMs }, how),
  };
}

/** One line: the gate's reason plus the first failing pod's reason. */
function gateReason(r: GateResult): string {
  const pod = r.failingPods[0];
  if (!pod || r.reason.includes(pod.name)) return r.reason;
  return `${r.reason} (pod ${pod.name}: ${pod.reason})`;
}
