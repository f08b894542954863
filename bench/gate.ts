// Benchmark: gate reaction, the time from the event that decides a gate to
// its verdict: the last pod of a rollout turning Ready (soak 0: the gate
// passes), and a pod entering CrashLoopBackOff during the soak (it fails).
// An observer in the same process watches the pods on its own and stamps the
// decisive event; the gate's result says when it decided. Watch-based gates
// (WatchReader, what apply uses) against polling ones (LivePoller, every 2 s
// as apply polled before); median of N rounds each (goal: watch <= 0.5 s).
// On the shared fleet's dc-paris, in namespaces of its own.
//   npm run bench -- gate [--rounds N]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
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
import type { LiveObject } from '../src/model/objects.ts';
import { builtinResource } from '../src/model/resources.ts';
import { argOf, median, ROOT } from './repo.ts';

const CONTEXT = 'dc-paris';
const CHART = join(ROOT, 'charts/cascade-demo');
type Mode = 'watch' | 'poll';
type Scenario = 'ready' | 'crashloop';

const isReady = (p: LiveObject) => (p.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True');
const crashing = (p: LiveObject) => (p.status?.containerStatuses ?? []).some((c: { state?: { waiting?: { reason?: string } } }) => c.state?.waiting?.reason === 'CrashLoopBackOff');

/** Watches the namespace's pods on its own: when the last of `want` pods turned Ready, when the first one crash-looped. */
function observe(client: KubeClient, ns: string, want: number, signal: AbortSignal): { readyAt: () => number | undefined; crashAt: () => number | undefined } {
  const ready = new Map<string, boolean>();
  let readyAt: number | undefined;
  let crashAt: number | undefined;
  const pods = builtinResource('Pod')!;
  void (async () => {
    const l = await client.listVersioned(pods, ns);
    await client.watch(pods, ns, l.resourceVersion, (e) => {
      if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
      const now = Date.now();
      ready.set(e.object.metadata.name, isReady(e.object));
      if (readyAt === undefined && [...ready.values()].filter(Boolean).length >= want) readyAt = now;
      if (crashAt === undefined && crashing(e.object)) crashAt = now;
    }, signal);
  })().catch(() => undefined);
  return { readyAt: () => readyAt, crashAt: () => crashAt };
}

async function oneRound(client: KubeClient, kubeconfig: string, mode: Mode, scenario: Scenario, namespaces: string[]): Promise<number> {
  const ns = `i15-gate-${mode}-${scenario}-${Math.random().toString(36).slice(2, 7)}`;
  namespaces.push(ns);
  const values = join(mkdtempSync(join(tmpdir(), 'hc-gate-')), 'values.json');
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
    return Date.parse(r.finishedAt) - at;
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
  const out: Record<string, number> = {};
  log(`load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  try {
    for (const mode of ['watch', 'poll'] as const) {
      for (const scenario of ['ready', 'crashloop'] as const) {
        const ms: number[] = [];
        for (let i = 0; i < rounds; i++) {
          ms.push(await oneRound(client, fleet.kubeconfig, mode, scenario, namespaces));
          log(`${mode} ${scenario} round ${i + 1}: ${ms[i]} ms; load ${loadavg()[0]!.toFixed(1)}`);
        }
        out[`${mode} ${scenario}`] = median(ms);
      }
    }
  } finally {
    await clients.close();
    for (const ns of namespaces) await execa(kubectlBin(), ['--kubeconfig', fleet.kubeconfig, '--context', CONTEXT, 'delete', 'namespace', ns, '--wait=false'], { reject: false });
  }
  for (const [k, v] of Object.entries(out)) process.stdout.write(`gate reaction, ${k === 'watch ready' || k === 'poll ready' ? 'last pod Ready -> passed' : 'CrashLoopBackOff -> failed'} (${k.split(' ')[0]}): median ${(v / 1000).toFixed(3)}s of ${rounds}\n`);
  process.stdout.write(`load at the end ${loadavg()[0]!.toFixed(1)}\n`);
  return Math.max(out['watch ready']!, out['watch crashloop']!) <= 500 ? 0 : 1;
}
