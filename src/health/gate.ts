// The gate loop (I/O): after a unit's upgrade, poll its namespaces about once
// a second (one shared, batched kubectl read per context+namespace, see
// poller.ts), hand each snapshot to the pure evaluator, run the http and
// prometheus checks during the soak, and stop at passed, failed (fast or at
// the timeout) or an interrupt. A failure report carries the failing pods'
// recent events and last log lines where the cluster has them.
import { setTimeout as sleep } from 'node:timers/promises';
import { getBaseline, listEvents, podLogs } from '../kube/live.ts';
import type { KubeTarget, ListFn } from '../kube/live.ts';
import type { Baseline, LiveObject, ObjectRef } from '../model/objects.ts';
import type { HealthSpec } from '../model/spec.ts';
import { evaluateGate } from './evaluate.ts';
import type { FailingPod, GateEvaluation, GatePhase, LiveSnapshot, ObjectHealth, ProbeResult } from './evaluate.ts';
import { ownedRefs, specChangedRefs } from './owned.ts';
import { podRestarts } from './pod.ts';
import { sharedPoller } from './poller.ts';
import type { LivePoller } from './poller.ts';
import { checkHttp, checkPrometheus } from './probes.ts';
import type { FetchFn } from './probes.ts';

/** Kinds whose uid/generation the baseline records. */
export const BASELINE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
/** Kinds the gate reads at all; a unit owning none of them only soaks (and runs its http/prometheus checks). */
const GATED_KINDS = new Set([...BASELINE_KINDS, 'Service', 'Pod']);

export interface FailingPodReport extends FailingPod {
  /** Last log lines (kubectl logs --tail=20), or "no logs" when the cluster has none. */
  logs: string;
}

export interface GateResult {
  unit: string;
  passed: boolean;
  phase: GatePhase | 'interrupted';
  reason: string;
  startedAt: string; // ISO
  finishedAt: string; // ISO
  durationMs: number;
  failingPods: FailingPodReport[];
  /** Health of each owned Deployment/StatefulSet/DaemonSet/Job/Service/Pod at the end. */
  objects: ObjectHealth[];
  /** Last http/prometheus results ([] when none ran). */
  probes: ProbeResult[];
  restarts: number;
}

/** What to record BEFORE the upgrade (see prepareGate). */
export interface GatePreparation {
  owned: ObjectRef[];
  specChanged: Set<string>;
  baseline: Baseline;
}

export interface GateOptions {
  /** unitId(): cluster/namespace/helmName. */
  unit: string;
  target: KubeTarget;
  owned: readonly ObjectRef[];
  baseline: Baseline;
  /** refKeys the upgrade changed the spec of; 'all' when unknown (strictest). */
  specChanged: ReadonlySet<string> | 'all';
  health: HealthSpec;
  signal?: AbortSignal | undefined;
  /** Default 1000. */
  pollIntervalMs?: number;
  /** Default 5000: how often the http/prometheus checks run during the soak. */
  probeIntervalMs?: number;
  /** Default: the process-wide poller, shared by concurrent gates. */
  poller?: LivePoller;
  /** Called after every evaluation (progress display). */
  onProgress?: (e: GateEvaluation, elapsedMs: number) => void;
  /** Give up after this long without a successful read (default 15s; the timeout still applies). */
  maxReadErrorMs?: number;
  fetch?: FetchFn;
  kubectl?: string;
  now?: () => number;
}

/**
 * Call BEFORE `helm upgrade`: what the release will own (from the new
 * manifest), which of those the upgrade changes (old vs new manifest), and
 * their {uid, generation} now. `oldManifest` is undefined for an install.
 */
export async function prepareGate(
  target: KubeTarget,
  namespace: string,
  newManifest: string | undefined,
  oldManifest: string | undefined,
  opts?: { kubectl?: string; signal?: AbortSignal; list?: ListFn },
): Promise<GatePreparation> {
  const owned = ownedRefs(newManifest, namespace);
  const specChanged = specChangedRefs(oldManifest, newManifest, namespace);
  // An install has nothing to compare with: every object it makes is new.
  const workloads = oldManifest === undefined ? [] : owned.filter((r) => BASELINE_KINDS.has(r.kind));
  const kopts = { ...(opts?.kubectl ? { kubectl: opts.kubectl } : {}), ...(opts?.signal ? { signal: opts.signal } : {}) };
  const baseline = workloads.length === 0 ? {} : await getBaseline(target, workloads, kopts, opts?.list);
  return { owned, specChanged, baseline };
}

class Interrupted extends Error {}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Gates one unit after its upgrade. Never throws for a gate failure: read `passed`. */
export async function runGate(opts: GateOptions): Promise<GateResult> {
  const now = opts.now ?? Date.now;
  const poller = opts.poller ?? sharedPoller;
  const interval = opts.pollIntervalMs ?? 1_000;
  const probeInterval = opts.probeIntervalMs ?? 5_000;
  const maxReadErrorMs = opts.maxReadErrorMs ?? 15_000;
  const { health, signal } = opts;
  const start = now();
  const namespaces = [...new Set(opts.owned.filter((r) => GATED_KINDS.has(r.kind)).map((r) => r.namespace))].sort();

  let soakStartedMs: number | undefined;
  let restartBaseline: Record<string, number> | undefined;
  let probes: ProbeResult[] | undefined;
  let lastProbeAt = -Infinity;
  let last: GateEvaluation | undefined;
  let snapshot: LiveSnapshot = { objects: [], fetchedAt: start };
  let readErrorSince: number | undefined;

  const finish = (phase: GateResult['phase'], reason: string, failingPods: FailingPodReport[] = []): GateResult => {
    const end = now();
    return {
      unit: opts.unit,
      passed: phase === 'passed',
      phase,
      reason,
      startedAt: new Date(start).toISOString(),
      finishedAt: new Date(end).toISOString(),
      durationMs: end - start,
      failingPods,
      objects: last?.objects ?? [],
      probes: probes ?? [],
      restarts: last?.restarts ?? 0,
    };
  };
  const interrupted = () => finish('interrupted', `interrupted while ${last?.phase ?? 'rolling-out'}${last ? `: ${last.reason}` : ''}`);

  const runProbes = async (): Promise<ProbeResult[]> => {
    const p = { signal, ...(opts.fetch ? { fetch: opts.fetch } : {}) };
    return Promise.all([...health.http.map((h) => checkHttp(h, p)), ...(health.prometheus ? [checkPrometheus(health.prometheus, p)] : [])]);
  };

  const evaluate = (elapsedMs: number) =>
    evaluateGate({ owned: opts.owned, snapshot, baseline: opts.baseline, specChanged: opts.specChanged, health, elapsedMs, soakStartedMs, restartBaseline: restartBaseline ?? {}, probes });

  try {
    for (;;) {
      if (signal?.aborted) return interrupted();
      const readStart = now();
      try {
        const parts = await untilAborted(Promise.all(namespaces.map((ns) => poller.get(opts.target, ns, start))), signal);
        snapshot = { objects: parts.flatMap((p) => p.objects), fetchedAt: Math.min(readStart, ...parts.map((p) => p.readAt)) };
        readErrorSince = undefined;
      } catch (err) {
        if (err instanceof Interrupted) throw err;
        const elapsed = now() - start;
        readErrorSince ??= elapsed;
        const why = `cannot read the live state of ${namespaces.join(', ')}: ${errText(err)}`;
        if (elapsed - readErrorSince >= maxReadErrorMs || (soakStartedMs === undefined && elapsed >= health.timeoutMs)) return finish('failed', why);
        await sleep(interval, undefined, { signal });
        continue;
      }
      restartBaseline ??= Object.fromEntries(snapshot.objects.filter((o) => o.kind === 'Pod' && o.metadata.uid).map((p) => [p.metadata.uid!, podRestarts(p)]));

      let elapsed = now() - start;
      let e = evaluate(elapsed);
      if (e.phase === 'failed' && e.failingPods.some((p) => p.reason === 'Unschedulable')) {
        // the cluster autoscaler may be adding a node for it: its events on the pod decide
        snapshot = { ...snapshot, events: await untilAborted(readEvents(opts, e.failingPods), signal) };
        e = evaluate(elapsed);
      }
      if (e.phase === 'soaking') {
        if (soakStartedMs === undefined) soakStartedMs = elapsed;
        if (elapsed - lastProbeAt >= probeInterval && (health.http.length > 0 || health.prometheus)) {
          probes = await untilAborted(runProbes(), signal);
          lastProbeAt = elapsed;
        }
        elapsed = now() - start;
        e = evaluate(elapsed);
      }
      last = e;
      opts.onProgress?.(e, elapsed);
      if (e.phase === 'passed') return finish('passed', e.reason);
      if (e.phase === 'failed') return finish('failed', e.reason, await untilAborted(explainFailure(opts, e, elapsed), signal));
      await sleep(Math.max(0, interval - (now() - readStart)), undefined, { signal });
    }
  } catch (err) {
    if (err instanceof Interrupted || (err instanceof Error && err.name === 'AbortError')) return interrupted();
    throw err;
  }

  // Events and logs of the failing pods (first 5), fetched once, when the gate fails.
  async function explainFailure(o: GateOptions, e: GateEvaluation, elapsedMs: number): Promise<FailingPodReport[]> {
    if (e.failingPods.length === 0) return [];
    snapshot = { ...snapshot, events: snapshot.events ?? (await readEvents(o, e.failingPods)) };
    const again = evaluate(elapsedMs);
    const pods = (again.phase === 'failed' ? again.failingPods : e.failingPods).slice(0, 5);
    return Promise.all(
      pods.map(async (p) => {
        const k = o.kubectl ? { kubectl: o.kubectl } : {};
        const crashed = p.reason === 'CrashLoopBackOff' || p.reason === 'Restarts';
        let logs = crashed ? await podLogs(o.target, p.namespace, p.name, { tail: 20, previous: true }, { timeoutMs: 8_000, ...k }) : undefined;
        logs ??= await podLogs(o.target, p.namespace, p.name, { tail: 20 }, { timeoutMs: 8_000, ...k });
        return { ...p, logs: logs ?? 'no logs' };
      }),
    );
  }
}

/** The events of the failing pods' namespaces; none when they cannot be read (events are a courtesy). */
async function readEvents(o: GateOptions, pods: readonly { namespace: string }[]): Promise<LiveObject[]> {
  const events: LiveObject[] = [];
  await Promise.all(
    [...new Set(pods.map((p) => p.namespace))].map(async (ns) => {
      try {
        events.push(...(await listEvents(o.target, ns, { timeoutMs: 10_000, ...(o.kubectl ? { kubectl: o.kubectl } : {}) })));
      } catch {
        // the failure stands without them
      }
    }),
  );
  return events;
}

/** One line per failing pod plus its events and logs, for text reports. */
export function formatGateFailure(r: GateResult): string {
  const lines = [`${r.unit}: health gate ${r.phase}: ${r.reason}`];
  for (const p of r.failingPods) {
    lines.push(`  pod ${p.namespace}/${p.name}: ${p.reason}: ${p.message} (${p.restarts} restarts)`);
    if (p.events.length > 0) {
      lines.push('    events:');
      for (const ev of p.events) lines.push(`      ${ev}`);
    } else lines.push('    events: none');
    if (p.logs === 'no logs') lines.push('    logs: no logs');
    else {
      lines.push('    last log lines:');
      for (const l of p.logs.split('\n')) lines.push(`      ${l}`);
    }
  }
  return lines.join('\n');
}
