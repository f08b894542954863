// Benchmark: what a run costs as the fleet grows (issue 27). The same total of
// units spread over 3, 6, 12, 24 light clusters (fleet/: apiserver and
// controller-manager only; charts with replicaCount 0), for a no-op `plan`,
// a `drift` (nothing drifted) and an `apply` of one changed release on every
// cluster. Per size and command: wall time, peak resident memory of the whole
// process tree (helm-cascade and its helm processes, sampled every 50 ms) and
// without helm's processes (the per-cluster goal: 2 MiB, a constant count),
// peak number of processes, and API requests per cluster (the apiservers'
// own apiserver_request_total over the command, which includes the
// controller-manager's background: its rate, measured just before over 5 s
// of quiet, is printed beside).
// Runs on a fleet of its own (bench-clusters; HELM_CASCADE_FLEET to
// override), stopped at the end unless HELM_CASCADE_KEEP_FLEET=1.
//   npm run bench -- clusters [--sizes 3,6,12,24] [--units 48] [--helm PATH]
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { ensureFleet, stopFleet } from '../fleet/fleet-api.ts';
import type { FleetInfo } from '../fleet/fleet-api.ts';
import { loadDeployRepoOrThrow } from '../src/config/load.ts';
import { createHelm } from '../src/helm/helm.ts';
import { deployPlanned, planOnce } from '../test/e2e/support/deploy.ts';
import { argOf, ROOT } from './repo.ts';
import { tempDir } from '../test/support/tmp.ts';

type Cluster = FleetInfo['clusters'][number];

const contextOf = (i: number) => `bc-${String(i).padStart(3, '0')}`;

/** `releases` releases of charts/cascade-demo (no pods), each on every one of `clusters` clusters. */
function spreadRepo(clusters: number, releases: number, ns: string, tag: string): string {
  const dir = tempDir(`hc-${ns}-`);
  mkdirSync(join(dir, 'releases'), { recursive: true });
  cpSync(join(ROOT, 'charts/cascade-demo'), join(dir, 'charts/cascade-demo'), { recursive: true });
  const list = Array.from({ length: clusters }, (_, i) => `  c${i}: { context: ${contextOf(i)}, provider: onprem, region: europe }\n`).join('');
  writeFileSync(join(dir, 'clusters.yaml'), `name: ${ns}\nclusters:\n${list}health: { timeout: 120s, soak: 0s, minReadyEndpoints: 0, maxRestarts: 0 }\n`);
  writeReleases(dir, releases, ns, tag);
  return dir;
}

function writeReleases(dir: string, releases: number, ns: string, firstTag: string): void {
  for (let i = 0; i < releases; i++) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    const tag = i === 0 ? firstTag : `1.${i}.0`;
    writeFileSync(join(dir, 'releases', `${name}.yaml`), `name: ${name}\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\nset: { image.tag: "${tag}", replicaCount: 0, config.logLevel: info }\n`);
  }
}

/** The sum of apiserver_request_total of one apiserver (its /metrics, as the fleet's admin). */
function requestsServed(c: Cluster): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${c.server}/metrics`, { ca: readFileSync(c.pki.servingCa), headers: { authorization: `Bearer ${c.token}` } }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => (body += b.toString()));
      res.on('end', () => resolve(body.split('\n').filter((l) => l.startsWith('apiserver_request_total{')).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0)));
    });
    req.on('error', reject);
    req.end();
  });
}

const served = (cs: readonly Cluster[]) => Promise.all(cs.map(requestsServed));

/**
 * Resident memory (KiB) and count of the process tree under `root`, from one
 * `ps`; and the same without helm's processes (`own`: helm-cascade itself and
 * anything else it runs), what the per-cluster goal is about.
 */
function treeUsage(root: number): { rssKiB: number; processes: number; ownRssKiB: number; ownProcesses: number } {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,rss=,comm='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => {
      const [pid, ppid, rss, comm] = l.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), rss: Number(rss), helm: comm === 'helm' };
    });
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const { pid, ppid } of rows) {
      if (tree.has(ppid) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  const mine = rows.filter((r) => tree.has(r.pid));
  const own = mine.filter((r) => !r.helm);
  const sum = (rs: typeof rows) => rs.reduce((s, r) => s + r.rss, 0);
  return { rssKiB: sum(mine), processes: mine.length, ownRssKiB: sum(own), ownProcesses: own.length };
}

interface Measured {
  ms: number;
  peakRssKiB: number;
  peakProcesses: number;
  /** The peaks without helm's processes. */
  peakOwnRssKiB: number;
  peakOwnProcesses: number;
  requestsPerCluster: number;
}

/** One helm-cascade command: wall time, the peaks of its process tree, its API requests per cluster. */
async function measure(args: string[], expect: number, clusters: readonly Cluster[]): Promise<Measured> {
  const before = await served(clusters);
  const t = performance.now();
  const child = spawn(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'bin/helm-cascade.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const peak = { rssKiB: 0, processes: 0, ownRssKiB: 0, ownProcesses: 0 };
  const sample = setInterval(() => {
    const u = treeUsage(child.pid!);
    for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], u[k]);
  }, 50);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  clearInterval(sample);
  const ms = performance.now() - t;
  if (code !== expect) throw new Error(`helm-cascade ${args[0]} exited ${code} (expected ${expect}):\n${out.slice(-3000)}`);
  const after = await served(clusters);
  const total = after.reduce((s, n, i) => s + n - before[i]!, 0);
  return { ms, peakRssKiB: peak.rssKiB, peakProcesses: peak.processes, peakOwnRssKiB: peak.ownRssKiB, peakOwnProcesses: peak.ownProcesses, requestsPerCluster: total / clusters.length };
}

interface SizeResult {
  clusters: number;
  units: number;
  /** The controller-manager's own requests per second per cluster, while nothing else runs. */
  backgroundPerSec: number;
  plan: Measured;
  drift: Measured;
  apply: Measured;
}

async function measureSize(n: number, units: number, o: { fleetName: string; helmBin: string; log: (l: string) => void }): Promise<SizeResult> {
  const releases = Math.max(1, Math.round(units / n));
  const ns = `clusters-${n}`;
  const fleetFile = join(tempDir('hc-bench-clusters-'), 'clusters.yaml');
  writeFileSync(fleetFile, `clusters:\n${Array.from({ length: n }, (_, i) => `  c${i}: { context: ${contextOf(i)}, fleet: { light: true } }\n`).join('')}`);
  const t = performance.now();
  const fleet = await ensureFleet({ clustersFile: fleetFile, name: o.fleetName, log: () => undefined });
  o.log(`${n} light clusters up in ${((performance.now() - t) / 1000).toFixed(0)}s; load ${loadavg()[0]!.toFixed(1)}`);
  const dir = spreadRepo(n, releases, ns, '2.0.0');
  const repo = loadDeployRepoOrThrow({ clustersFile: join(dir, 'clusters.yaml') });
  const helm = createHelm({ bin: o.helmBin });
  const first = await planOnce(repo, { kubeconfig: fleet.kubeconfig, concurrency: availableParallelism(), selector: { namespace: ns } }, helm);
  o.log(`${ns}: installing ${first.summary.install + first.summary.upgrade} of ${releases * n} units`);
  await deployPlanned(repo, first, fleet.kubeconfig, helm, availableParallelism() * 2);

  const clusters = fleet.clusters;
  const idle0 = await served(clusters);
  await new Promise((r) => setTimeout(r, 5_000));
  const idle1 = await served(clusters);
  const backgroundPerSec = idle1.reduce((s, x, i) => s + x - idle0[i]!, 0) / clusters.length / 5;
  const common = ['--clusters', join(dir, 'clusters.yaml'), '--kubeconfig', fleet.kubeconfig, '--helm', o.helmBin, '--no-color', '-l', `namespace=${ns}`];
  // no --cache-dir: the default cache folder, whose digest key (secrets/digest.ts) the in-process install used for the
  // releases' cascade-inputs labels; another key would make every unit whose values go into a Secret render again
  await measure(['plan', '--detailed-exitcode', ...common], 0, clusters); // warm-up
  const plan = await measure(['plan', '--detailed-exitcode', ...common], 0, clusters);
  const drift = await measure(['drift', '--format', 'json', ...common], 0, clusters);
  writeReleases(dir, 1, ns, '2.0.1'); // svc-000 changes on every cluster
  const apply = await measure(['apply', '--yes', ...common], 0, clusters);
  o.log(`${n} clusters: plan ${(plan.ms / 1000).toFixed(2)}s, drift ${(drift.ms / 1000).toFixed(2)}s, apply ${(apply.ms / 1000).toFixed(2)}s; load ${loadavg()[0]!.toFixed(1)}`);
  return { clusters: n, units: releases * n, backgroundPerSec, plan, drift, apply };
}

const line = (what: string, m: Measured) =>
  `  ${what.padEnd(6)} ${(m.ms / 1000).toFixed(2).padStart(6)}s  peak RSS ${String(Math.round(m.peakRssKiB / 1024)).padStart(5)} MiB (without helm ${String(Math.round(m.peakOwnRssKiB / 1024)).padStart(4)} MiB)  processes ${String(m.peakProcesses).padStart(3)} (without helm ${m.peakOwnProcesses})  API requests/cluster ${m.requestsPerCluster.toFixed(0).padStart(5)}`;

export async function main(args: string[]): Promise<number> {
  const sizes = argOf(args, '--sizes', '3,6,12,24').split(',').map(Number);
  const units = Number(argOf(args, '--units', '48'));
  const helmBin = argOf(args, '--helm', process.env.HELM_BIN ?? join(ROOT, 'node_modules/.helm-cascade/helm-v3/helm'));
  const fleetName = process.env.HELM_CASCADE_FLEET ?? 'bench-clusters';
  const log = (l: string) => process.stderr.write(`[bench clusters] ${l}\n`);
  log(`fleet ${fleetName}; ${availableParallelism()} cores; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const results: SizeResult[] = [];
  try {
    for (const n of sizes) {
      try {
        results.push(await measureSize(n, units, { fleetName, helmBin, log }));
      } catch (err) {
        log(`${n} clusters: stopped here: ${(err as Error).message.slice(0, 500)}`);
        break;
      }
    }
  } finally {
    if (process.env.HELM_CASCADE_KEEP_FLEET !== '1') await stopFleet(fleetName, { log: () => undefined });
  }
  for (const r of results) process.stdout.write(`${r.clusters} clusters, ${r.units} units (background ${r.backgroundPerSec.toFixed(1)} requests/s per cluster):\n${line('plan', r.plan)}\n${line('drift', r.drift)}\n${line('apply', r.apply)}\n`);
  const [small, large] = [results[0], results.at(-1)];
  if (!small || !large || small === large) return 1;
  const extra = large.clusters - small.clusters;
  const perCluster = (k: 'plan' | 'drift' | 'apply', own = false) => ((own ? large[k].peakOwnRssKiB - small[k].peakOwnRssKiB : large[k].peakRssKiB - small[k].peakRssKiB) / 1024) / extra;
  const processes = (k: 'plan' | 'drift' | 'apply') => `${k} ${small[k].peakOwnProcesses} -> ${large[k].peakOwnProcesses}`;
  process.stdout.write(
    `per additional cluster (${small.clusters} -> ${large.clusters}): plan ${perCluster('plan').toFixed(2)} MiB, drift ${perCluster('drift').toFixed(2)} MiB, apply ${perCluster('apply').toFixed(2)} MiB with its helm processes, ${perCluster('apply', true).toFixed(2)} MiB without (goal <= 2 MiB); ` +
      `processes without helm's: ${processes('plan')}, ${processes('drift')}, ${processes('apply')} (goal: constant); load at the end ${loadavg()[0]!.toFixed(1)}\n`,
  );
  const constant = (['plan', 'drift', 'apply'] as const).every((k) => small[k].peakOwnProcesses === large[k].peakOwnProcesses);
  return Math.max(perCluster('plan'), perCluster('drift'), perCluster('apply', true)) <= 2 && constant ? 0 : 1;
}
