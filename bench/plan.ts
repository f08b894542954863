// Benchmark: a no-op `helm-cascade plan` over 20 releases x 3 clusters already
// applied, against a baseline measured in the same run: for each release, in
// parallel one process per core, `helm template` + `helm get manifest` (what
// a helm-diff style loop does). Prints both times and the ratio (goal <= 1.0x).
//   npm run bench -- plan [--releases N] [--helm PATH]
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { limit } from '../src/plan/pool.ts';
import { argOf, BENCH_CONTEXTS, median, prepareAppliedRepo, ROOT, run } from './repo.ts';

export async function main(args: string[]): Promise<number> {
  const releases = Number(argOf(args, '--releases', '20'));
  const helmBin = argOf(args, '--helm', process.env.HELM_BIN ?? join(ROOT, 'node_modules/.helm-cascade/helm-v3/helm'));
  const cores = availableParallelism();
  const ns = 'bench-plan';
  const log = (l: string) => process.stderr.write(`[bench plan] ${l}\n`);
  const { dir, kubeconfig, ctx, units } = await prepareAppliedRepo({ releases, ns, helmBin, log });

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
  const rounds = Number(argOf(args, '--rounds', '3'));
  const planMs: number[] = [];
  const baseMs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    planMs.push(await timePlan());
    baseMs.push(await timeBaseline());
    log(`round ${i + 1}: plan ${(planMs[i]! / 1000).toFixed(2)}s, baseline ${(baseMs[i]! / 1000).toFixed(2)}s`);
  }
  const p = median(planMs);
  const b = median(baseMs);
  process.stdout.write(
    `plan (no-op, ${units.length} helm releases, ${BENCH_CONTEXTS.length} clusters): ${(p / 1000).toFixed(2)}s   baseline (helm template + helm get manifest per release, ${cores} in parallel): ${(b / 1000).toFixed(2)}s   ratio ${(p / b).toFixed(2)}x (goal <= 1.0x)\n`,
  );
  return p <= b ? 0 : 1;
}
