// Benchmark: a no-op `helm-cascade plan` over 20 releases x 3 clusters already
// applied, against a baseline measured in the same run: for each release, in
// parallel one process per core, `helm template` + `helm get manifest` (what
// a helm-diff style loop does). Prints both times and the ratio (goal <= 1.0x).
//   npm run bench -- plan [--releases N] [--helm PATH]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureFleet } from '../fleet/fleet-api.ts';
import { loadDeployRepoOrThrow } from '../src/config/load.ts';
import { createHelm } from '../src/helm/helm.ts';
import { markerLabels } from '../src/kube/release-records.ts';
import { planUnits } from '../src/plan/assemble.ts';
import { makePlan } from '../src/plan/make-plan.ts';
import { limit } from '../src/plan/pool.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CONTEXTS = ['dc-paris', 'dc-amsterdam', 'gke_demo_europe-west1_main'];

function run(bin: string, args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

function generateRepo(dir: string, releases: number, ns: string): void {
  mkdirSync(join(dir, 'releases'), { recursive: true });
  cpSync(join(ROOT, 'charts/cascade-demo'), join(dir, 'charts/cascade-demo'), { recursive: true });
  const clusters = CONTEXTS.map((ctx, i) => `  c${i}:\n    context: ${ctx}\n    provider: ${i < 2 ? 'onprem' : 'gke'}\n    region: europe\n`).join('');
  writeFileSync(join(dir, 'clusters.yaml'), `clusters:\n${clusters}`);
  for (let i = 0; i < releases; i++) {
    const name = `svc-${String(i).padStart(2, '0')}`;
    writeFileSync(
      join(dir, 'releases', `${name}.yaml`),
      `name: ${name}\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\nset: { image.tag: "1.${i}.0", replicaCount: 1, config.logLevel: info, secrets.TOKEN: "t-${i}" }\n`,
    );
  }
}

export async function main(args: string[]): Promise<number> {
  const arg = (k: string, d: string) => {
    const i = args.indexOf(k);
    return i >= 0 && args[i + 1] ? args[i + 1]! : d;
  };
  const releases = Number(arg('--releases', '20'));
  const helmBin = arg('--helm', process.env.HELM_BIN ?? join(ROOT, 'node_modules/.helm-cascade/helm-v3/helm'));
  const cores = availableParallelism();
  const ns = 'bench-plan';
  const dir = mkdtempSync(join(tmpdir(), 'hc-bench-plan-'));
  generateRepo(dir, releases, ns);
  const log = (l: string) => process.stderr.write(`[bench plan] ${l}\n`);
  log(`repo: ${releases} releases x ${CONTEXTS.length} clusters in ${dir}; helm ${helmBin}; ${cores} cores`);
  const fleet = await ensureFleet({ clustersFile: join(dir, 'clusters.yaml'), name: process.env.HELM_CASCADE_FLEET ?? 'bench', log: () => undefined });
  const kubeconfig = fleet.kubeconfig;
  const repo = loadDeployRepoOrThrow({ clustersFile: join(dir, 'clusters.yaml') });
  const helm = createHelm({ bin: helmBin });
  const ctx = new Map(repo.config.clusters.map((c) => [c.name, c.context]));

  // apply whatever is not deployed yet (idempotent across runs); the fleet may be
  // shared with other benchmarks, so everything is narrowed to our namespace
  const first = await makePlan(repo, { kubeconfig, concurrency: cores, selector: { namespace: ns } }, { helm });
  const todo = planUnits(first).filter((u) => u.action === 'install' || u.action === 'upgrade');
  log(`applying ${todo.length} releases`);
  const pool = limit(cores * 2);
  await Promise.all(todo.map((u) => pool(() => helm.upgradeInstall({ releaseName: u.helmName, namespace: u.namespace, chart: u.chart!.path, values: JSON.stringify(u.values), kubeContext: ctx.get(u.cluster)!, kubeconfig, labels: markerLabels(u, repo.config.repoName) }))));

  // the units as helm sees them, for the baseline
  const units = planUnits(await makePlan(repo, { kubeconfig, concurrency: cores, selector: { namespace: ns } }, { helm })).filter((u) => u.chart !== undefined);

  const node = join(ROOT, 'node_modules/.bin/node');
  const cli = join(ROOT, 'bin/helm-cascade.js');
  const timePlan = async () => {
    const t = performance.now();
    const r = await run(node, [cli, 'plan', '--clusters', join(dir, 'clusters.yaml'), '--kubeconfig', kubeconfig, '--helm', helmBin, '--detailed-exitcode', '--no-color', '-l', `namespace=${ns}`]);
    const ms = performance.now() - t;
    if (r.code !== 0) throw new Error(`plan exited ${r.code} (expected 0, nothing to change):\n${r.stdout.slice(-2000)}\n${r.stderr}`);
    return ms;
  };
  const timeBaseline = async () => {
    const t = performance.now();
    const p = limit(cores);
    await Promise.all(
      units.map((u) =>
        p(async () => {
          const a = await run(helmBin, ['template', u.helmName, u.chart!.path, '--namespace', u.namespace, '-f', '-'], JSON.stringify(u.values));
          const b = await run(helmBin, ['get', 'manifest', u.helmName, '--namespace', u.namespace, '--kube-context', ctx.get(u.cluster)!, '--kubeconfig', kubeconfig]);
          if (a.code !== 0 || b.code !== 0) throw new Error(`baseline helm failed: ${a.stderr}${b.stderr}`);
        }),
      ),
    );
    return performance.now() - t;
  };

  await timePlan(); // warm-up (chart cache, page cache)
  await timeBaseline();
  const rounds = Number(arg('--rounds', '3'));
  const planMs: number[] = [];
  const baseMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    planMs.push(await timePlan());
    baseMs.push(await timeBaseline());
    log(`round ${i + 1}: plan ${(planMs[i]! / 1000).toFixed(2)}s, baseline ${(baseMs[i]! / 1000).toFixed(2)}s`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p = median(planMs);
  const b = median(baseMs);
  process.stdout.write(
    `plan (no-op, ${units.length} helm releases, ${CONTEXTS.length} clusters): ${(p / 1000).toFixed(2)}s   baseline (helm template + helm get manifest per release, ${cores} in parallel): ${(b / 1000).toFixed(2)}s   ratio ${(p / b).toFixed(2)}x (goal <= 1.0x)\n`,
  );
  return p <= b ? 0 : 1;
}
