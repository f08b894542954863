// Benchmark: gate reaction, the time from the event that decides a gate to
// its verdict: the last pod of a rollout turning Ready (soak 0: the gate
// passes), and a pod entering CrashLoopBackOff during the soak (it fails).
// An observer in the same process watches the pods on its own and stamps the
// decisive event and every change of what the gate reads (the verdict can
// only follow the last one: after the last pod turns Ready, the Deployment
// controller and the EndpointSlice controller still have to report it); the
// gate's result says when it decided. Watch-based gates
// (WatchReader, what apply uses) against polling ones (LivePoller, every 2 s
// as apply polled before); median of N rounds each (goal: watch <= 0.5 s).
// On the shared fleet's dc-paris, in namespaces of its own.
//   npm run bench -- gate [--rounds N] [--modes watch,poll]
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureFleet } from '../fleet/fleet-api.ts';
import { helmBin, kubectlBin } from '../fleet/tools.ts';
import { prepareGate, runGate } from '../src/health/gate.ts';
import type { GateResult } from '../src/health/gate.ts';
import { LivePoller } from '../src/health/poller.ts';
import { WatchReader } from '../src/health/watcher.ts';
import { KubeClients } from '../src/kube/client.ts';
import type { KubeClient } from '../src/kube/client.ts';
import { asPod } from '../src/model/live-views.ts';
import type { LiveObject } from '../src/model/objects.ts';
import { builtinResource } from '../src/model/resources.ts';
import { argOf, median, ROOT } from './repo.ts';
import { tempDir } from '../test/support/tmp.ts';

const CONTEXT = 'dc-paris';
const CHART = join(ROOT, 'charts/cascade-demo');
type Mode = 'watch' | 'poll';
type Scenario = 'ready' | 'crashloop';

const isReady = (p: LiveObject) => asPod(p).status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
const crashing = (p: LiveObject) => asPod(p).status.containerStatuses.some((c) => c.waiting?.reason === 'CrashLoopBackOff');

/**
 * Watches the namespace on its own: when the last of `want` pods turned Ready,
 * when the first one crash-looped, and when any object the gate reads last
 * changed (the event the gate's verdict can only follow).
 */
function observe(client: KubeClient, ns: string, want: number, signal: AbortSignal): { readyAt: () => number | undefined; crashAt: () => number | undefined; lastChangeBefore: (t: number) => number } {
  const ready = new Map<string, boolean>();
  let readyAt: number | undefined;
  let crashAt: number | undefined;
  const changes: number[] = [];
  const follow = async (kind: string, onObject: (o: LiveObject, now: number) => void) => {
    const r = builtinResource(kind)!;
    const l = await client.listVersioned(r, ns);
    await client.watch(r, ns, l.resourceVersion, (e) => {
      if (e.type !== 'ADDED' && e.type !== 'MODIFIED' && e.type !== 'DELETED') return;
      const now = Date.now();
      changes.push(now);
      onObject(e.object, now);
    }, signal);
  };
  const onPod = (p: LiveObject, now: number) => {
    ready.set(p.metadata.name, isReady(p));
    if (readyAt === undefined && [...ready.values()].filter(Boolean).length >= want) readyAt = now;
    if (crashAt === undefined && crashing(p)) crashAt = now;
  };
  for (const kind of ['Pod', 'Deployment', 'ReplicaSet', 'EndpointSlice', 'Service']) void follow(kind, kind === 'Pod' ? onPod : () => undefined).catch(() => undefined);
  return { readyAt: () => readyAt, crashAt: () => crashAt, lastChangeBefore: (t) => Math.max(...changes.filter((c) => c <= t)) };
}

/** One round: from the decisive pod event, and from the last change of anything the gate reads, to the verdict (ms). */
async function oneRound(client: KubeClient, kubeconfig: string, mode: Mode, scenario: Scenario, namespaces: string[]): Promise<{ fromPod: number; fromLastChange: number; watched: boolean }> {
  const ns = `i15-gate-${mode}-${scenario}-${Math.random().toString(36).slice(2, 7)}`;
  namespaces.push(ns);
  const values = join(tempDir('hc-gate-'), 'values.json');
  writeFileSync(values, JSON.stringify({ replicaCount: 2 }));
  const manifest = (await execa(helmBin(3), ['template', 'demo', CHART, '-n', ns, '-f', values])).stdout;
  const reader = mode === 'watch' ? WatchReader.of(client) : LivePoller.of(client);
  const stop = new AbortController();
  try {
    await execa(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', CONTEXT, 'create', 'namespace', ns]);
    const seen = observe(client, ns, 2, stop.signal);
    const prep = await prepareGate(reader, ns, manifest, undefined);
    await execa(helmBin(3), ['upgrade', '--install', 'demo', CHART, '-n', ns, '-f', values, '--kubeconfig', kubeconfig, '--kube-context', CONTEXT]);
    let annotated = false;
    const health = { timeoutMs: 120_000, soakMs: scenario === 'ready' ? 0 : 120_000, minReadyEndpoints: 1, maxRestarts: 0, http: [] };
    const r: GateResult = await runGate({
      unit: `paris/${ns}/demo`,
      reader,
      ...prep,
      health,
      pollIntervalMs: 2_000,
      onProgress: (e) => {
        if (scenario !== 'crashloop' || e.phase !== 'soaking' || annotated) return;
        annotated = true;
        void execa(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', CONTEXT, '-n', ns, 'annotate', 'pods', '--all', 'fleet.helm-cascade.dev/behavior=crashloop'], { reject: false });
      },
    });
    const at = scenario === 'ready' ? seen.readyAt() : seen.crashAt();
    const expected = scenario === 'ready' ? 'passed' : 'failed';
    if (r.phase !== expected || at === undefined) throw new Error(`${mode}/${scenario}: gate ${r.phase} (${r.reason}), event seen: ${at !== undefined}`);
    const verdict = Date.parse(r.finishedAt);
    return { fromPod: verdict - at, fromLastChange: verdict - seen.lastChangeBefore(verdict), watched: reader instanceof WatchReader && reader.watched().includes(ns) };
  } finally {
    stop.abort();
    if (reader instanceof WatchReader) reader.close();
  }
}

export async function main(args: string[]): Promise<number> {
  const rounds = Number(argOf(args, '--rounds', '5'));
  const log = (l: string) => process.stderr.write(`[bench gate] ${l}\n`);
  const fleet = await ensureFleet({ clustersFile: join(ROOT, 'clusters.yaml'), log: () => undefined });
  const clients = new KubeClients({ kubeconfig: fleet.kubeconfig });
  const client = clients.for({ name: 'paris', context: CONTEXT });
  const namespaces: string[] = [];
  const out: Record<string, { fromPod: number; fromLastChange: number }> = {};
  log(`load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  try {
    const modes = argOf(args, '--modes', 'watch,poll').split(',') as Mode[];
    for (const mode of modes) {
      for (const scenario of ['ready', 'crashloop'] as const) {
        const rs: { fromPod: number; fromLastChange: number; watched: boolean }[] = [];
        for (let i = 0; i < rounds; i++) {
          rs.push(await oneRound(client, fleet.kubeconfig, mode, scenario, namespaces));
          log(`${mode} ${scenario} round ${i + 1}: ${rs[i]!.fromPod} ms from the pod event, ${rs[i]!.fromLastChange} ms from the last change${mode === 'watch' ? (rs[i]!.watched ? ', from the watch' : ', WATCH FELL BACK TO POLLING') : ''}; load ${loadavg()[0]!.toFixed(1)}`);
        }
        out[`${mode} ${scenario}`] = { fromPod: median(rs.map((r) => r.fromPod)), fromLastChange: median(rs.map((r) => r.fromLastChange)) };
      }
    }
  } finally {
    await clients.close();
    for (const ns of namespaces) await execa(kubectlBin(), ['--kubeconfig', fleet.kubeconfig, '--context', CONTEXT, 'delete', 'namespace', ns, '--wait=false'], { reject: false });
  }
  const sec = (ms: number) => `${(ms / 1000).toFixed(3)}s`;
  for (const [k, v] of Object.entries(out)) {
    const [mode, scenario] = k.split(' ');
    process.stdout.write(`gate reaction (${mode}), ${scenario === 'ready' ? 'last pod Ready -> passed' : 'CrashLoopBackOff -> failed'}: median ${sec(v.fromPod)}; from the last change the gate reads: ${sec(v.fromLastChange)} (${rounds} rounds)\n`);
  }
  process.stdout.write(`load at the end ${loadavg()[0]!.toFixed(1)}\n`);
  const watch = [out['watch ready'], out['watch crashloop']].filter((x) => x !== undefined);
  return watch.length > 0 && Math.max(...watch.map((x) => x.fromPod)) <= 500 ? 0 : 1;
}
