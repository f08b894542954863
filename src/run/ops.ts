// The real cluster side of a run: helm for changes and undo, the health gate
// after each change, a Lease per unit while it is changed and gated.
import { hostname, userInfo } from 'node:os';
import type { Helm } from '../helm/helm.ts';
import { markerLabels } from '../model/release.ts';
import { readReleaseRevision } from '../kube/deployed.ts';
import type { KubeTarget, ListFn } from '../kube/live.ts';
import type { KubeApi } from '../kube/proxy.ts';
import { prepareGate, runGate } from '../health/gate.ts';
import type { GatePreparation, GateResult } from '../health/gate.ts';
import type { LivePoller } from '../health/poller.ts';
import { unitId } from '../model/identity.ts';
import type { PlannedUnit } from '../plan/types.ts';
import type { GateOutcome, LockHandle, UnitOps } from './execute.ts';

export const RUN_DESCRIPTION_PREFIX = 'helm-cascade run ';

/** Who holds the locks: $BUILD_TAG in Jenkins, else user@host. */
export function lockHolder(): string {
  if (process.env.BUILD_TAG) return process.env.BUILD_TAG;
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep $USER
  }
  return `${user}@${hostname()}`;
}

/** A run id that sorts by time and says who ran it; stored in each helm revision's description. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}


export interface OpsOptions {
  helm: Helm;
  kubeconfig: string;
  contexts: Map<string, string>; // cluster -> context
  runId: string;
  repo: string; // clusters.yaml name: the cascade-repo label
  lock: (target: KubeTarget, u: PlannedUnit) => Promise<LockHandle>;
  kubectl?: string;
  /** Gate results by unit id, for the report (failing pods, events, logs). */
  gateResults: Map<string, GateResult>;
  /** The live-state reader the gates share (default: the process-wide kubectl poller). */
  poller?: LivePoller;
  /** How the gate's baseline is listed before a change (default: kubectl). */
  list?: ListFn;
  /** The cluster's API (its kubectl proxy): the deployed manifest is read from helm's record through it instead of `helm get manifest`. */
  api?: (target: KubeTarget) => Promise<KubeApi>;
  /** Units whose every object the API server validated before the run (plan/validate-on-server.ts): helm skips its own OpenAPI validation. */
  validated?: ReadonlySet<string>;
}

export function createUnitOps(o: OpsOptions): UnitOps {
  const target = (u: PlannedUnit): KubeTarget => ({ kubeconfig: o.kubeconfig, context: o.contexts.get(u.cluster)! });
  const helmTarget = (u: PlannedUnit) => ({ kubeContext: o.contexts.get(u.cluster)!, kubeconfig: o.kubeconfig, releaseName: u.helmName, namespace: u.namespace });
  /** The manifest of the revision the plan saw deployed: from helm's record through the API, else `helm get manifest`. */
  const deployedManifest = async (u: PlannedUnit): Promise<string | undefined> => {
    if (o.api && u.deployedRevision !== undefined) {
      const rev = await o
        .api(target(u))
        .then((api) => readReleaseRevision(api, u.cluster, u.namespace, u.helmName, u.deployedRevision!))
        .catch(() => undefined);
      if (rev) return rev.manifest;
    }
    return o.helm.getManifest(helmTarget(u)).catch(() => undefined);
  };
  return {
    lock: (u) => o.lock(target(u), u),
    async prepare(u) {
      if (u.action === 'uninstall') return undefined;
      const old = u.action === 'upgrade' ? await deployedManifest(u) : undefined;
      return prepareGate(target(u), u.namespace, u.manifest, old, { ...(o.kubectl ? { kubectl: o.kubectl } : {}), ...(o.list ? { list: o.list } : {}) });
    },
    async change(u, dryRun) {
      if (u.action === 'uninstall') {
        await o.helm.uninstall({ ...helmTarget(u), ...(dryRun ? { dryRun: true } : {}) });
        return {};
      }
      if (!u.chart || !u.values) throw new Error(`${unitId(u)}: the plan has no chart or values for it`);
      await o.helm.upgradeInstall({
        ...helmTarget(u),
        chart: u.chart.path,
        values: JSON.stringify(u.values),
        labels: markerLabels(u, o.repo),
        description: `${RUN_DESCRIPTION_PREFIX}${o.runId} wave ${u.wave}`,
        timeoutMs: u.health.timeoutMs,
        // Helm 4 server-side apply: the repository wins over hand edits (kubectl scale/edit own fields
        // then). A Helm 3 (client-side) release keeps its method: helm refuses the flag there.
        forceConflicts: u.deployedApplyMethod === 'ssa' || u.deployedRevision === undefined,
        disableOpenApiValidation: o.validated?.has(unitId(u)) === true,
        ...(dryRun ? { dryRun: 'server' as const } : {}),
      });
      // helm numbers revisions one past the newest record (which the plan read): no extra helm call
      return dryRun ? {} : { revision: (u.deployedRevision ?? 0) + 1 };
    },
    async gate(u, prep, signal, progress): Promise<GateOutcome> {
      const p = prep as GatePreparation;
      let lastPhase = '';
      let lastAt = 0;
      const r = await runGate({
        unit: unitId(u),
        target: target(u),
        owned: p.owned,
        baseline: p.baseline,
        specChanged: p.specChanged,
        health: u.health,
        signal,
        // one batched read per namespace serves every gate there; every 2s keeps CPU for helm
        pollIntervalMs: 2_000,
        ...(o.poller ? { poller: o.poller } : {}),
        ...(o.kubectl ? { kubectl: o.kubectl } : {}),
        // a line when the phase changes, then at most one every 10s (Jenkins logs stay readable)
        onProgress: (e) => {
          const t = Date.now();
          if (e.phase === lastPhase && t - lastAt < 10_000) return;
          lastPhase = e.phase;
          lastAt = t;
          progress(e.reason.startsWith(e.phase) ? e.reason : `${e.phase}: ${e.reason}`);
        },
      });
      o.gateResults.set(unitId(u), r);
      return r.passed ? { passed: true } : { passed: false, reason: gateReason(r) };
    },
    async undo(u, how) {
      if (how.kind === 'uninstall') await o.helm.uninstall({ ...helmTarget(u), wait: true, timeoutMs: u.health.timeoutMs });
      else await o.helm.rollback({ ...helmTarget(u), revision: how.revision, wait: true, timeoutMs: u.health.timeoutMs, forceConflicts: u.deployedApplyMethod === 'ssa' });
    },
  };
}

/** One line: the gate's reason plus the first failing pod's reason. */
export function gateReason(r: GateResult): string {
  const pod = r.failingPods[0];
  if (!pod || r.reason.includes(pod.name)) return r.reason;
  return `${r.reason} (pod ${pod.name}: ${pod.reason})`;
}
