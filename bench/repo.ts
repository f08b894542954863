// The benchmarks' deploy repository: N releases of charts/cascade-demo over
// three clusters of the local fleet, and small process helpers.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { ensureFleet } from '../fleet/fleet-api.ts';
import { loadDeployRepoOrThrow } from '../src/config/load.ts';
import { createHelm } from '../src/helm/helm.ts';
import type { Helm } from '../src/helm/helm.ts';
import type { DeployRepo } from '../src/model/spec.ts';
import { deployPlanned, planOnce, renderedUnits } from '../test/e2e/support/deploy.ts';
import type { RenderedUnit } from '../src/plan/types.ts';
import { tempDir } from '../test/support/tmp.ts';

export const ROOT = resolve(import.meta.dirname, '..');
export const BENCH_CONTEXTS = ['dc-paris', 'dc-amsterdam', 'gke_demo_europe-west1_main'];

export function generateRepo(dir: string, o: { releases: number; ns: string; tag?: string; health?: string }): void {
  mkdirSync(join(dir, 'releases'), { recursive: true });
  cpSync(join(ROOT, 'charts/cascade-demo'), join(dir, 'charts/cascade-demo'), { recursive: true });
  const clusters = BENCH_CONTEXTS.map((ctx, i) => `  c${i}:\n    context: ${ctx}\n    provider: ${i < 2 ? 'onprem' : 'gke'}\n    region: europe\n`).join('');
  writeFileSync(join(dir, 'clusters.yaml'), `clusters:\n${clusters}${o.health ? `health: ${o.health}\n` : ''}`);
  for (let i = 0; i < o.releases; i++) {
    const name = `svc-${String(i).padStart(2, '0')}`;
    writeFileSync(
      join(dir, 'releases', `${name}.yaml`),
      `name: ${name}\nnamespace: ${o.ns}\nchart: { ref: charts/cascade-demo }\nset: { image.tag: "${o.tag ?? `1.${i}.0`}", replicaCount: 1, config.logLevel: info, secrets.TOKEN: "t-${i}" }\n`,
    );
  }
}

export function run(bin: string, args: string[], input?: string, env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

export function argOf(args: string[], k: string, d: string): string {
  const i = args.indexOf(k);
  return i >= 0 && args[i + 1] ? args[i + 1]! : d;
}

/**
 * The helm floor of a diff over the applied units: for each release, `helm
 * template` + `helm get manifest`, one process per core (a helm-diff style
 * loop without the diff). Milliseconds.
 */
export async function helmFloor(a: Pick<AppliedRepo, 'units' | 'ctx' | 'kubeconfig'>, helmBin: string): Promise<number> {
  const t = performance.now();
  const p = pLimit(availableParallelism());
  await Promise.all(
    a.units.map((u) =>
      p(async () => {
        const x = await run(helmBin, ['template', u.helmName, u.chart.path, '--namespace', u.namespace, '-f', '-'], JSON.stringify(u.values));
        const y = await run(helmBin, ['get', 'manifest', u.helmName, '--namespace', u.namespace, '--kube-context', a.ctx.get(u.cluster)!, '--kubeconfig', a.kubeconfig]);
        if (x.code !== 0 || y.code !== 0) throw new Error(`baseline helm failed: ${x.stderr}${y.stderr}`);
      }),
    ),
  );
  return performance.now() - t;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface AppliedRepo {
  dir: string;
  kubeconfig: string;
  repo: DeployRepo;
  helm: Helm;
  /** cluster name -> kubeconfig context */
  ctx: Map<string, string>;
  /** The deployed units, as the plan sees them (values included). */
  units: RenderedUnit[];
}

/**
 * The benchmark repository in namespace `ns`, applied on the "bench" fleet
 * (idempotent across runs: only what is not deployed yet is installed). The
 * fleet may be shared with other benchmarks, so everything is narrowed to `ns`.
 */
export async function prepareAppliedRepo(o: { releases: number; ns: string; helmBin: string; log: (l: string) => void }): Promise<AppliedRepo> {
  const cores = availableParallelism();
  const dir = tempDir(`hc-${o.ns}-`);
  generateRepo(dir, { releases: o.releases, ns: o.ns });
  o.log(`repo: ${o.releases} releases x ${BENCH_CONTEXTS.length} clusters in ${dir}; helm ${o.helmBin}; ${cores} cores`);
  const fleet = await ensureFleet({ clustersFile: join(dir, 'clusters.yaml'), name: process.env.HELM_CASCADE_FLEET ?? 'bench', log: () => undefined });
  const kubeconfig = fleet.kubeconfig;
  const repo = loadDeployRepoOrThrow({ clustersFile: join(dir, 'clusters.yaml') });
  const helm = createHelm({ bin: o.helmBin });
  const ctx = new Map(repo.config.clusters.map((c) => [c.name, c.context]));
  const opts = { kubeconfig, concurrency: cores, selector: { namespace: o.ns } };
  const first = await planOnce(repo, opts, helm);
  o.log(`applying ${first.summary.install + first.summary.upgrade} releases`);
  await deployPlanned(repo, first, kubeconfig, helm, cores * 2);
  const units = renderedUnits(await planOnce(repo, opts, helm));
  return { dir, kubeconfig, repo, helm, ctx, units };
}
