// Benchmark: does the cost of a no-op follow what changed, or the fleet's
// size? A no-op `plan` and a `drift` (nothing drifted) over N releases x 3
// clusters, applied, for two sizes (default 20 and 200: 60 and 600 units),
// each a fresh process, the sizes interleaved round by round (the order
// flipping): the times, the growth ratio (issue 27's goal: 600 units
// at most 2x the time of 60, for plan and for drift) and the process's peak RSS
// (goal < 1 GiB at 600).
// Runs on a fleet of its own (i15-scale; HELM_CASCADE_FLEET to override),
// stopped at the end unless HELM_CASCADE_KEEP_FLEET=1.
//   npm run bench -- scale [--releases 20,200] [--helm PATH] [--rounds N]
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureFleet, stopFleet } from '../fleet/fleet-api.ts';
import { loadDeployRepoOrThrow } from '../src/config/load.ts';
import { createHelm } from '../src/helm/helm.ts';
import { deployPlanned, planOnce } from '../test/e2e/support/deploy.ts';
import { argOf, BENCH_CONTEXTS, median, ROOT, run } from './repo.ts';
import { tempDir } from '../test/support/tmp.ts';

const SETTLE_MS = 60_000;

/** N releases of charts/cascade-demo on 3 clusters; no pods (replicaCount 0): the plan reads records and objects, the fleet stays light. */
function scaleRepo(releases: number, ns: string): string {
  const dir = tempDir(`hc-${ns}-`);
  mkdirSync(join(dir, 'releases'), { recursive: true });
  cpSync(join(ROOT, 'charts/cascade-demo'), join(dir, 'charts/cascade-demo'), { recursive: true });
  const clusters = BENCH_CONTEXTS.map((ctx, i) => `  c${i}: { context: ${ctx}, provider: ${i < 2 ? 'onprem' : 'gke'}, region: europe }\n`).join('');
  // replicaCount 0 (below): no pods, so no Service has a ready endpoint; the health rule says so, as a user of such releases would
  writeFileSync(join(dir, 'clusters.yaml'), `name: ${ns}\nclusters:\n${clusters}health: { minReadyEndpoints: 0 }\n`);
  for (let i = 0; i < releases; i++) {
    const name = `svc-${String(i).padStart(3, '0')}`;
    writeFileSync(join(dir, 'releases', `${name}.yaml`), `name: ${name}\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\nset: { image.tag: "1.${i}.0", replicaCount: 0, config.logLevel: info, secrets.TOKEN: "t-${i}" }\n`);
  }
  return dir;
}

interface Timed {
  ms: number;
  /** Peak resident set of the helm-cascade process, KiB (GNU time's %M). */
  rssKiB: number;
}

/** One helm-cascade command under /usr/bin/time: wall time and peak RSS; `expect` is its exit code. */
async function timed(args: string[], expect: number): Promise<Timed> {
  const t = performance.now();
  const r = await run('/usr/bin/time', ['-f', 'maxrss=%M', join(ROOT, 'node_modules/.bin/node'), join(ROOT, 'bin/helm-cascade.js'), ...args]);
  const ms = performance.now() - t;
  if (r.code !== expect) throw new Error(`helm-cascade ${args[0]} exited ${r.code} (expected ${expect}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  return { ms, rssKiB: Number(/maxrss=(\d+)/.exec(r.stderr)?.[1] ?? 0) };
}

/**
 * Until drift finds nothing (at most 10 minutes): on a loaded machine the
 * controller-manager can take minutes to observe hundreds of new Deployments,
 * and drift rightly calls a Deployment it has not observed yet unhealthy.
 */
async function settled(common: string[], log: (l: string) => void): Promise<void> {
  const t = performance.now();
  for (;;) {
    const r = await run(join(ROOT, 'node_modules/.bin/node'), [join(ROOT, 'bin/helm-cascade.js'), 'drift', ...common]);
    if (r.code === 0) return log(`settled: drift clean after ${((performance.now() - t) / 1000).toFixed(0)}s`);
    if (performance.now() - t > 600_000) throw new Error(`not settled after 10 minutes: drift exited ${r.code}\n${r.stdout.slice(-2000)}`);
    await sleep(10_000);
  }
}

interface SizeResult {
  units: number;
  plan: Timed;
  drift: Timed;
}

interface Prepared {
  ns: string;
  units: number;
  common: string[];
}

/** N releases on 3 clusters, installed and settled; the flags of the measured commands. */
async function prepareSize(releases: number, o: { kubeconfig: string; helmBin: string; log: (l: string) => void }): Promise<Prepared> {
  const ns = `scale-${releases}`;
  const dir = scaleRepo(releases, ns);
  const repo = loadDeployRepoOrThrow({ clustersFile: join(dir, 'clusters.yaml') });
  const helm = createHelm({ bin: o.helmBin });
  const cores = availableParallelism();
  const first = await planOnce(repo, { kubeconfig: o.kubeconfig, concurrency: cores, selector: { namespace: ns } }, helm);
  o.log(`${ns}: installing ${first.summary.install + first.summary.upgrade} of ${releases * BENCH_CONTEXTS.length} releases`);
  await deployPlanned(repo, first, o.kubeconfig, helm, cores * 2);
  // the controllers still create ReplicaSets and EndpointSlices for what was just installed: not the plan's cost
  if (first.summary.install + first.summary.upgrade > 0) await sleep(SETTLE_MS);
  const common = ['--clusters', join(dir, 'clusters.yaml'), '--kubeconfig', o.kubeconfig, '--helm', o.helmBin, '--no-color', '-l', `namespace=${ns}`];
  // no --cache-dir: the default cache folder, whose digest key (secrets/digest.ts) the in-process install used for the
  // releases' cascade-inputs labels; another key would make every unit whose values go into a Secret render again
  await settled(common, o.log);
  await timed(['plan', '--detailed-exitcode', ...common], 0); // warm-up (chart digest, page cache)
  return { ns, units: releases * BENCH_CONTEXTS.length, common };
}

/**
 * Every size measured in each round, the order flipping from round to round
 * (a machine whose load changes during the run weighs on every size alike):
 * the median wall time and the highest peak RSS per size and command.
 */
async function measureSizes(sizes: Prepared[], rounds: number, log: (l: string) => void): Promise<SizeResult[]> {
  const plans = sizes.map((): Timed[] => []);
  const drifts = sizes.map((): Timed[] => []);
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? sizes.map((_, k) => k) : sizes.map((_, k) => sizes.length - 1 - k);
    for (const k of order) {
      plans[k]!.push(await timed(['plan', '--detailed-exitcode', ...sizes[k]!.common], 0));
      drifts[k]!.push(await timed(['drift', '--format', 'json', ...sizes[k]!.common], 0));
      log(`${sizes[k]!.ns} round ${i + 1}: plan ${(plans[k]![i]!.ms / 1000).toFixed(2)}s, drift ${(drifts[k]![i]!.ms / 1000).toFixed(2)}s; load ${loadavg()[0]!.toFixed(1)}`);
    }
  }
  const best = (xs: Timed[]): Timed => ({ ms: median(xs.map((x) => x.ms)), rssKiB: Math.max(...xs.map((x) => x.rssKiB)) });
  return sizes.map((p, k) => ({ units: p.units, plan: best(plans[k]!), drift: best(drifts[k]!) }));
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;

export async function main(args: string[]): Promise<number> {
  const sizes = argOf(args, '--releases', '20,200').split(',').map(Number);
  const helmBin = argOf(args, '--helm', process.env.HELM_BIN ?? join(ROOT, 'node_modules/.helm-cascade/helm-v3/helm'));
  const rounds = Number(argOf(args, '--rounds', '3'));
  const log = (l: string) => process.stderr.write(`[bench scale] ${l}\n`);
  const fleetName = process.env.HELM_CASCADE_FLEET ?? 'i15-scale';
  const clustersFile = join(tempDir('hc-scale-fleet-'), 'clusters.yaml');
  writeFileSync(clustersFile, `clusters:\n${BENCH_CONTEXTS.map((c, i) => `  c${i}: { context: ${c} }\n`).join('')}`);
  const fleet = await ensureFleet({ clustersFile, name: fleetName, log: () => undefined });
  log(`fleet ${fleetName}; ${availableParallelism()} cores; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  try {
    const prepared: Prepared[] = [];
    for (const n of sizes) prepared.push(await prepareSize(n, { kubeconfig: fleet.kubeconfig, helmBin, log }));
    const results = await measureSizes(prepared, rounds, log);
    for (const r of results) process.stdout.write(`${r.units} units: no-op plan ${s(r.plan.ms)} (peak RSS ${mib(r.plan.rssKiB)}), drift ${s(r.drift.ms)} (peak RSS ${mib(r.drift.rssKiB)})\n`);
    const [small, large] = [results[0]!, results[results.length - 1]!];
    const growth = { plan: large.plan.ms / small.plan.ms, drift: large.drift.ms / small.drift.ms };
    process.stdout.write(`growth ${small.units} -> ${large.units} units (${(large.units / small.units).toFixed(0)}x): plan ${growth.plan.toFixed(2)}x, drift ${growth.drift.toFixed(2)}x (goal <= 2x: ${growth.plan <= 2 && growth.drift <= 2 ? 'met' : 'MISSED'}); load at the end ${loadavg()[0]!.toFixed(1)}\n`);
    return growth.plan <= 2 && growth.drift <= 2 && large.plan.rssKiB < 1024 * 1024 ? 0 : 1;
  } finally {
    if (process.env.HELM_CASCADE_KEEP_FLEET !== '1' || fleetName === 'i15-scale') await stopFleet(fleetName, { log: () => undefined });
  }
}
