// The gate loop (I/O): after a unit's upgrade, read its namespaces about once
// a second and on every change a watch sees (the shared watch cache of a
// cluster+namespace, watcher.ts; or one shared, batched read, poller.ts),
// hand each snapshot to the pure evaluator, run the http and prometheus
// checks during the soak, and stop at passed, failed (fast or at the timeout)
// or an interrupt. A failure report carries the failing pods' recent events
// and last log lines where the cluster has them.
import { setTimeout as sleep } from 'node:timers/promises';
import { asPod } from '../model/live-views.ts';
import type { Baseline, LiveObject, ObjectRef } from '../model/objects.ts';
import type { HealthSpec } from '../model/spec.ts';
import { baselineOf } from './baseline.ts';
import { evaluateGate } from './evaluate.ts';
import type { FailingPod, GateEvaluation, GatePhase, LiveSnapshot, ObjectHealth, ProbeResult } from './evaluate.ts';
import { ownedRefs, specChangedRefs } from './owned.ts';
import { podRestarts } from './pod.ts';
import type { ClusterReader } from './poller.ts';
import { checkHttp, checkPrometheus } from './probes.ts';
import type { FetchFn } from './probes.ts';

/** Kinds whose uid/generation the baseline records. */
const BASELINE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job']);
/** Kinds the gate reads at all; a unit owning none of them only soaks (and runs its http/prometheus checks). */
const GATED_KINDS = new Set([...BASELINE_KINDS, 'Service', 'Pod']);

interface FailingPodReport extends FailingPod {
  /** Last log lines, or "no logs" when the cluster has none. */
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
  /** The cluster's live state. */
  reader: ClusterReader;
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
  /** Called after every evaluation (progress display). */
  onProgress?: (e: GateEvaluation, elapsedMs: number) => void;
  /** Give up after this long without a successful read (default 15s; the timeout still applies). */
  maxReadErrorMs?: number;
  fetch?: FetchFn;
  now?: () => number;
}

/**
 * Call BEFORE `helm upgrade`: what the release will own (from the new
 * manifest, plus the hook Jobs that remain after they ran), which of those the
 * upgrade changes (old vs new manifest), and their {uid, generation} now.
 * `oldManifest` is undefined for an install.
 */
export async function prepareGate(reader: ClusterReader, namespace: string, newManifest: string | undefined, oldManifest: string | undefined, hookJobs: readonly ObjectRef[] = []): Promise<GatePreparation> {
  const owned = [...ownedRefs(newManifest, namespace), ...hookJobs];
  const specChanged = specChangedRefs(oldManifest, newManifest, namespace);
  // An install has nothing to compare with: every object it makes is new.
  const workloads = oldManifest === undefined ? [] : owned.filter((r) => BASELINE_KINDS.has(r.kind));
  const namespaces = [...new Set(workloads.map((r) => r.namespace))];
  const now = Date.now();
  const snapshots = await Promise.all(namespaces.map((ns) => reader.snapshot(ns, now)));
  return { owned, specChanged, baseline: baselineOf(workloads, snapshots.flatMap((s) => s.objects)) };
}

/** How often a gate whose namespaces are watched re-evaluates without an event (a soak's end, the timeout). */
const WATCHED_TICK_MS = 200;

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

/** The state of one gate between polls. */
class GateRun {
  readonly o: GateOptions;
  readonly now: () => number;
  readonly start: number;
  readonly namespaces: string[];
  soakStartedMs: number | undefined;
  restartBaseline: Record<string, number> | undefined;
  probes: ProbeResult[] | undefined;
  lastProbeAt = -Infinity;
  last: GateEvaluation | undefined;
  snapshot: LiveSnapshot;
  readErrorSince: number | undefined;
  /** Each watched namespace's change count at the last read (see ClusterReader.changed). */
  versions = new Map<string, number>();

  constructor(o: GateOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.start = this.now();
    this.namespaces = [...new Set(o.owned.filter((r) => GATED_KINDS.has(r.kind)).map((r) => r.namespace))].sort();
    this.snapshot = { objects: [], fetchedAt: this.start };
  }

  elapsed(): number {
    return this.now() - this.start;
  }

  result(phase: GateResult['phase'], reason: string, failingPods: FailingPodReport[] = []): GateResult {
    const end = this.now();
    return {
      unit: this.o.unit,
      passed: phase === 'passed',
      phase,
      reason,
      startedAt: new Date(this.start).toISOString(),
      finishedAt: new Date(end).toISOString(),
      durationMs: end - this.start,
      failingPods,
      objects: this.last?.objects ?? [],
      probes: this.probes ?? [],
      restarts: this.last?.restarts ?? 0,
    };
  }

  interrupted(): GateResult {
    return this.result('interrupted', `interrupted while ${this.last?.phase ?? 'rolling-out'}${this.last ? `: ${this.last.reason}` : ''}`);
  }

  evaluate(elapsedMs: number): GateEvaluation {
    const o = this.o;
    return evaluateGate({ owned: o.owned, snapshot: this.snapshot, baseline: o.baseline, specChanged: o.specChanged, health: o.health, elapsedMs, soakStartedMs: this.soakStartedMs, restartBaseline: this.restartBaseline ?? {}, probes: this.probes });
  }

  /** One read of every namespace; a failure is remembered, and after too long (or the timeout) ends the gate. */
  async read(): Promise<GateResult | 'read' | 'retry'> {
    const readStart = this.now();
    try {
      const parts = await untilAborted(Promise.all(this.namespaces.map((ns) => this.o.reader.snapshot(ns, this.start))), this.o.signal);
      this.snapshot = { objects: parts.flatMap((p) => p.objects), fetchedAt: Math.min(readStart, ...parts.map((p) => p.readAt)) };
      this.versions = new Map(parts.flatMap((p, i) => (p.version === undefined ? [] : [[this.namespaces[i]!, p.version] as const])));
      this.readErrorSince = undefined;
    } catch (err) {
      if (err instanceof Interrupted) throw err;
      const elapsed = this.elapsed();
      this.readErrorSince ??= elapsed;
      const why = `cannot read the live state of ${this.namespaces.join(', ')}: ${errText(err)}`;
      const tooLong = elapsed - this.readErrorSince >= (this.o.maxReadErrorMs ?? 15_000);
      return tooLong || (this.soakStartedMs === undefined && elapsed >= this.o.health.timeoutMs) ? this.result('failed', why) : 'retry';
    }
    this.restartBaseline ??= Object.fromEntries(this.snapshot.objects.filter((x) => x.kind === 'Pod' && x.metadata.uid).map((p) => [p.metadata.uid!, podRestarts(asPod(p))]));
    return 'read';
  }

  /** The evaluation of the snapshot just read: autoscaler events for Unschedulable pods, probes during the soak. */
  async step(): Promise<GateEvaluation> {
    const { health, signal } = this.o;
    let elapsed = this.elapsed();
    let e = this.evaluate(elapsed);
    if (e.phase === 'failed' && e.failingPods.some((p) => p.reason === 'Unschedulable')) {
      // the cluster autoscaler may be adding a node for it: its events on the pod decide
      this.snapshot = { ...this.snapshot, events: await untilAborted(readEvents(this.o.reader, e.failingPods), signal) };
      e = this.evaluate(elapsed);
    }
    // back to rolling out (a newer generation seen during the soak): the soak starts again once it is rolled out
    if (e.phase === 'rolling-out') this.soakStartedMs = undefined;
    if (e.phase !== 'soaking') return e;
    this.soakStartedMs ??= elapsed;
    if (elapsed - this.lastProbeAt >= (this.o.probeIntervalMs ?? 5_000) && (health.http.length > 0 || health.prometheus)) {
      const p = { signal, ...(this.o.fetch ? { fetch: this.o.fetch } : {}) };
      this.probes = await untilAborted(Promise.all([...health.http.map((h) => checkHttp(h, p)), ...(health.prometheus ? [checkPrometheus(health.prometheus, p)] : [])]), signal);
      this.lastProbeAt = elapsed;
    }
    elapsed = this.elapsed();
    return this.evaluate(elapsed);
  }

  /** Events and logs of the failing pods (first 5), fetched once, when the gate fails. */
  async explain(e: GateEvaluation): Promise<FailingPodReport[]> {
    if (e.failingPods.length === 0) return [];
    this.snapshot = { ...this.snapshot, events: this.snapshot.events ?? (await readEvents(this.o.reader, e.failingPods)) };
    const again = this.evaluate(this.elapsed());
    const pods = (again.phase === 'failed' ? again.failingPods : e.failingPods).slice(0, 5);
    return Promise.all(pods.map(async (p) => ({ ...p, logs: (await podLogs(this.o.reader, this.snapshot.objects, p)) ?? 'no logs' })));
  }
}

/** Gates one unit after its upgrade. Never throws for a gate failure: read `passed`. */
export async function runGate(opts: GateOptions): Promise<GateResult> {
  const g = new GateRun(opts);
  const interval = opts.pollIntervalMs ?? 1_000;
  try {
    for (;;) {
      if (opts.signal?.aborted) return g.interrupted();
      const readStart = g.now();
      const read = await g.read();
      if (typeof read === 'object') return read;
      if (read === 'retry') {
        await sleep(interval, undefined, { signal: opts.signal });
        continue;
      }
      const e = await g.step();
      g.last = e;
      opts.onProgress?.(e, g.elapsed());
      if (e.phase === 'passed') return g.result('passed', e.reason);
      if (e.phase === 'failed') return g.result('failed', e.reason, await untilAborted(g.explain(e), opts.signal));
      // a watched namespace costs no request to read again: its soak and timeout are checked more often
      const tick = g.versions.size > 0 ? Math.min(interval, WATCHED_TICK_MS) : interval;
      await pause(opts.reader, g.versions, Math.max(0, tick - (g.now() - readStart)), opts.signal);
    }
  } catch (err) {
    if (err instanceof Interrupted || (err instanceof Error && err.name === 'AbortError')) return g.interrupted();
    throw err;
  }
}

/**
 * Until the next read: the poll interval, cut short by the first change of a
 * watched namespace (the gate re-evaluates at once); aborts with `signal`.
 */
async function pause(reader: ClusterReader, versions: ReadonlyMap<string, number>, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (!reader.changed || versions.size === 0) return sleep(ms, undefined, { signal });
  const done = new AbortController();
  const both = signal ? AbortSignal.any([signal, done.signal]) : done.signal;
  try {
    await Promise.race([sleep(ms, undefined, { signal: both }), ...[...versions].map(([ns, v]) => reader.changed!(ns, v, both))]);
  } finally {
    done.abort();
  }
  signal?.throwIfAborted();
}

/** The events of the failing pods' namespaces; none when they cannot be read (events are a courtesy). */
async function readEvents(reader: ClusterReader, pods: readonly { namespace: string }[]): Promise<LiveObject[]> {
  const lists = await Promise.all([...new Set(pods.map((p) => p.namespace))].map((ns) => reader.events(ns).catch(() => [])));
  return lists.flat();
}

/**
 * Last log lines of a failing pod, every container prefixed as `kubectl logs
 * --prefix` does; a crashed container's previous instance (what it printed
 * before it died) first. Undefined when the cluster has none. (Gates and drift.)
 */
export async function podLogs(reader: Pick<ClusterReader, 'logs'>, objects: readonly LiveObject[], p: { namespace: string; name: string; reason: string }): Promise<string | undefined> {
  const pod = objects.find((x) => x.kind === 'Pod' && x.metadata.name === p.name && (x.metadata.namespace ?? p.namespace) === p.namespace);
  const containers = pod ? asPod(pod).spec.containers : [];
  const crashed = p.reason === 'CrashLoopBackOff' || p.reason === 'Restarts';
  const parts = await Promise.all(
    containers.map(async (c) => {
      let text = crashed ? await reader.logs(p.namespace, p.name, c, { tail: 20, previous: true }) : undefined;
      text ??= await reader.logs(p.namespace, p.name, c, { tail: 20 });
      return text?.split('\n').map((l) => `[pod/${p.name}/${c}] ${l}`).join('\n');
    }),
  );
  const text = parts.filter((x): x is string => x !== undefined).join('\n');
  return text === '' ? undefined : text;
}
