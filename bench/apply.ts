// Benchmark: `helm-cascade apply` of 20 releases x 3 clusters (60 helm
// releases), all new, against raw `helm upgrade --install --wait` of the same
// units with the same values, in parallel, measured in the same run (each in
// its own namespace). Prints both times and the overhead (goal <= 10%); then a
// no-op apply of the same repo, counting helm write calls (goal: zero).
//   npm run bench -- apply [--releases N] [--helm PATH] [--concurrency N]
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureFleet } from '../fleet/fleet-api.ts';
import { loadDeployRepoOrThrow } from '../src/config/load.ts';
import { createHelm } from '../src/helm/helm.ts';
import pLimit from 'p-limit';
import { planOnce, renderedUnits } from '../test/e2e/support/deploy.ts';
import { markerLabels } from '../src/model/release.ts';
import { kubectlBin } from '../fleet/tools.ts';
import { argOf, BENCH_CONTEXTS, generateRepo, ROOT, run } from './repo.ts';

export async function main(args: string[]): Promise<number> {
  const releases = Number(argOf(args, '--releases', '20'));
  const helmBin = argOf(args, '--helm', process.env.HELM_BIN ?? join(ROOT, 'node_modules/.helm-cascade/helm-v3/helm'));
  const concurrency = Number(argOf(args, '--concurrency', String(availableParallelism() * 4)));
  const stamp = Date.now().toString(36);
  const log = (l: string) => process.stderr.write(`[bench apply] ${l}\n`);
  const health = '{ timeout: 5m, soak: 0s, minReadyEndpoints: 1, maxRestarts: 0 }';

  const cascadeDir = mkdtempSync(join(tmpdir(), 'hc-bench-apply-'));
  generateRepo(cascadeDir, { releases, ns: `bench-apply-hc-${stamp}`, health });
  const baseDir = mkdtempSync(join(tmpdir(), 'hc-bench-apply-base-'));
  generateRepo(baseDir, { releases, ns: `bench-apply-raw-${stamp}`, health });
  const fleet = await ensureFleet({ clustersFile: join(cascadeDir, 'clusters.yaml'), name: process.env.HELM_CASCADE_FLEET ?? 'bench', log: () => undefined });
  const kubeconfig = fleet.kubeconfig;
  log(`${releases} releases x ${BENCH_CONTEXTS.length} clusters; helm ${helmBin}; concurrency ${concurrency}`);

  // baseline: the same units (values from helm-cascade's own plan), raw helm upgrade --install --wait
  const helm = createHelm({ bin: helmBin });
  const baseRepo = loadDeployRepoOrThrow({ clustersFile: join(baseDir, 'clusters.yaml') });
  const ctx = new Map(baseRepo.config.clusters.map((c) => [c.name, c.context]));
  const units = renderedUnits(await planOnce(baseRepo, { kubeconfig, concurrency: availableParallelism() }, helm)).filter((u) => u.action === 'install');
  const t0 = performance.now();
  const pool = pLimit(concurrency);
  await Promise.all(
    units.map((u) =>
      pool(async () => {
        const r = await run(
          helmBin,
          ['upgrade', '--install', u.helmName, u.chart.path, '-n', u.namespace, '--create-namespace', '--kube-context', ctx.get(u.cluster)!, '--kubeconfig', kubeconfig, '--wait', '--timeout', '5m', '--labels', Object.entries(markerLabels(u, baseRepo.config.repoName)).map(([k, v]) => `${k}=${v}`).join(','), '-f', '-'],
          JSON.stringify(u.values),
        );
        if (r.code !== 0) throw new Error(`baseline helm failed: ${r.stderr}`);
      }),
    ),
  );
  const baseMs = performance.now() - t0;

  const node = join(ROOT, 'node_modules/.bin/node');
  const cli = join(ROOT, 'bin/helm-cascade.js');
  const cascade = (verbose: boolean) =>
    run(node, [cli, 'apply', '--yes', '--clusters', join(cascadeDir, 'clusters.yaml'), '--kubeconfig', kubeconfig, '--helm', helmBin, '--concurrency', String(concurrency), ...(verbose ? ['--verbose'] : [])], undefined, { CI: 'true' });
  const t1 = performance.now();
  const first = await cascade(false);
  const applyMs = performance.now() - t1;
  if (first.code !== 0) throw new Error(`apply exited ${first.code}:\n${first.stdout.slice(-3000)}\n${first.stderr}`);

  const noop = await cascade(true);
  if (noop.code !== 0) throw new Error(`no-op apply exited ${noop.code}`);
  const writes = noop.stderr.split('\n').filter((l) => /^» \S*helm (upgrade|install|rollback|uninstall)\b/.test(l)).length;

  const overhead = applyMs / baseMs - 1;
  process.stdout.write(
    `apply (${units.length} helm releases, ${BENCH_CONTEXTS.length} clusters, all new, gates with 0s soak): ${(applyMs / 1000).toFixed(2)}s   ` +
      `baseline (helm upgrade --install --wait, ${concurrency} in parallel): ${(baseMs / 1000).toFixed(2)}s   ratio ${(applyMs / baseMs).toFixed(2)}x, overhead ${(overhead * 100).toFixed(0)}% (goal <= 10%)\n` +
      `no-op apply: helm write calls ${writes} (goal 0)\n`,
  );
  for (const ns of [`bench-apply-hc-${stamp}`, `bench-apply-raw-${stamp}`]) {
    // wait for the deletion: the next run must not share the CPU with this one's garbage collection
    for (const c of BENCH_CONTEXTS) await run(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', c, 'delete', 'namespace', ns, '--wait=true', '--timeout=180s']);
  }
  return overhead <= 0.1 && writes === 0 ? 0 : 1;
}
