// Benchmark: `helm-cascade apply` of 20 releases x 3 clusters (60 helm
// releases), all new, against raw `helm upgrade --install --wait` of the same
// units with the same values, in parallel. After a warm-up pair (not counted),
// the two are interleaved over --rounds rounds (default 3; the order flips
// every round so neither always runs second), each run in a fresh namespace
// that is deleted (and waited for) before the next run starts. Prints the
// median and the spread (min..max) of each, and the ratio of the medians
// against the published goal (bench/goals.ts); then a no-op apply of the last
// round's repository, counting helm write calls (goal: zero). bench.ts prints the commit first.
//   npm run bench -- apply [--releases N] [--rounds N] [--helm PATH] [--concurrency N]
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { ensureFleet } from '../fleet/fleet-api.ts';
import { kubectlBin } from '../fleet/tools.ts';
import { loadDeployRepoOrThrow } from '../src/config/load.ts';
import { createHelm } from '../src/helm/helm.ts';
import { markerLabels } from '../src/model/release.ts';
import { planOnce, renderedUnits } from '../test/e2e/support/deploy.ts';
import { goalText, GOALS } from './goals.ts';
import { spread } from './provenance.ts';
import { argOf, BENCH_CONTEXTS, generateRepo, ROOT, run } from './repo.ts';
import { tempDir } from '../test/support/tmp.ts';

type Kind = 'baseline' | 'helm-cascade';

interface Setup {
  releases: number;
  helmBin: string;
  concurrency: number;
  kubeconfig: string;
  health: string;
}

/** Raw helm upgrade --install --wait of every unit helm-cascade would install (values from its own plan, not timed). */
async function baselineRun(s: Setup, ns: string): Promise<{ ms: number; units: number }> {
  const dir = tempDir('hc-bench-apply-base-');
  generateRepo(dir, { releases: s.releases, ns, health: s.health });
  const helm = createHelm({ bin: s.helmBin });
  const repo = loadDeployRepoOrThrow({ clustersFile: join(dir, 'clusters.yaml') });
  const ctx = new Map(repo.config.clusters.map((c) => [c.name, c.context]));
  const units = renderedUnits(await planOnce(repo, { kubeconfig: s.kubeconfig, concurrency: availableParallelism() }, helm)).filter((u) => u.action === 'install');
  const pool = pLimit(s.concurrency);
  const t0 = performance.now();
  await Promise.all(
    units.map((u) =>
      pool(async () => {
        const labels = Object.entries(markerLabels(u, repo.config.repoName)).map(([k, v]) => `${k}=${v}`).join(',');
        const args = ['upgrade', '--install', u.helmName, u.chart.path, '-n', u.namespace, '--create-namespace', '--kube-context', ctx.get(u.cluster)!, '--kubeconfig', s.kubeconfig, '--wait', '--timeout', '5m', '--labels', labels, '-f', '-'];
        const r = await run(s.helmBin, args, JSON.stringify(u.values));
        if (r.code !== 0) throw new Error(`baseline helm failed: ${r.stderr}`);
      }),
    ),
  );
  return { ms: performance.now() - t0, units: units.length };
}

const cli = (s: Setup, dir: string, verbose: boolean) =>
  run(
    join(ROOT, 'node_modules/.bin/node'),
    [join(ROOT, 'bin/helm-cascade.js'), 'apply', '--yes', '--clusters', join(dir, 'clusters.yaml'), '--kubeconfig', s.kubeconfig, '--helm', s.helmBin, '--concurrency', String(s.concurrency), ...(verbose ? ['--verbose'] : [])],
    undefined,
    { CI: 'true' },
  );

/** `helm-cascade apply --yes` of the same repository, all new. */
async function cascadeRun(s: Setup, ns: string): Promise<{ ms: number; dir: string }> {
  const dir = tempDir('hc-bench-apply-');
  generateRepo(dir, { releases: s.releases, ns, health: s.health });
  const t0 = performance.now();
  const r = await cli(s, dir, false);
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`apply exited ${r.code}:\n${r.stdout.slice(-3000)}\n${r.stderr}`);
  return { ms, dir };
}

/** Deletes the namespace everywhere and waits: the next run must not share the CPU with this one's garbage collection. */
async function cleanup(s: Setup, ns: string): Promise<void> {
  for (const c of BENCH_CONTEXTS) {
    const r = await run(kubectlBin(), ['--kubeconfig', s.kubeconfig, '--context', c, 'delete', 'namespace', ns, '--wait=true', '--timeout=180s', '--ignore-not-found']);
    if (r.code !== 0) throw new Error(`cleanup of ${ns} in ${c}: ${r.stderr}`);
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

export async function main(args: string[]): Promise<number> {
  const rounds = Number(argOf(args, '--rounds', '3'));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${argOf(args, '--rounds', '')}: a whole number >= 1`);
  const releases = Number(argOf(args, '--releases', '20'));
  const helmBin = argOf(args, '--helm', process.env.HELM_BIN ?? join(ROOT, 'node_modules/.helm-cascade/helm-v3/helm'));
  const concurrency = Number(argOf(args, '--concurrency', String(availableParallelism() * 4)));
  const stamp = Date.now().toString(36);
  const log = (l: string) => process.stderr.write(`[bench apply] ${l}\n`);
  const health = '{ timeout: 5m, soak: 0s, minReadyEndpoints: 1, maxRestarts: 0 }';

  const probe = tempDir('hc-bench-apply-fleet-');
  generateRepo(probe, { releases: 1, ns: 'unused' });
  const fleet = await ensureFleet({ clustersFile: join(probe, 'clusters.yaml'), name: process.env.HELM_CASCADE_FLEET ?? 'bench', log: () => undefined });
  const s: Setup = { releases, helmBin, concurrency, kubeconfig: fleet.kubeconfig, health };
  log(`${releases} releases x ${BENCH_CONTEXTS.length} clusters; helm ${helmBin}; concurrency ${concurrency}; warm-up + ${rounds} rounds`);

  const once = async (kind: Kind, label: string): Promise<{ ms: number; dir?: string; units?: number; ns: string }> => {
    const ns = `bench-apply-${kind === 'baseline' ? 'raw' : 'hc'}-${stamp}-${label}`;
    const r = kind === 'baseline' ? await baselineRun(s, ns) : await cascadeRun(s, ns);
    log(`${label} ${kind}: ${secs(r.ms)}`);
    return { ...r, ns };
  };

  // warm-up: one of each, not counted (caches, connections, the apiservers' first writes)
  for (const kind of ['baseline', 'helm-cascade'] as const) await cleanup(s, (await once(kind, 'warmup')).ns);

  const times: Record<Kind, number[]> = { baseline: [], 'helm-cascade': [] };
  let units = 0;
  let last: { dir: string; ns: string } | undefined;
  for (let i = 0; i < rounds; i++) {
    const order: Kind[] = i % 2 === 0 ? ['baseline', 'helm-cascade'] : ['helm-cascade', 'baseline'];
    for (const kind of order) {
      const r = await once(kind, `round${i + 1}`);
      times[kind].push(r.ms);
      if (r.units !== undefined) units = r.units;
      if (kind === 'helm-cascade' && i === rounds - 1) last = { dir: r.dir!, ns: r.ns };
      else await cleanup(s, r.ns);
    }
  }

  // the last round's repository, applied again: nothing to do
  const noop = await cli(s, last!.dir, true);
  if (noop.code !== 0) throw new Error(`no-op apply exited ${noop.code}`);
  const writes = noop.stderr.split('\n').filter((l) => /^» \S*helm (upgrade|install|rollback|uninstall)\b/.test(l)).length;
  await cleanup(s, last!.ns);

  const b = spread(times.baseline);
  const c = spread(times['helm-cascade']);
  const ratio = c.median / b.median;
  const show = (x: ReturnType<typeof spread>) => `median ${secs(x.median)} (${secs(x.min)}..${secs(x.max)} over ${x.n})`;
  process.stdout.write(
    `apply (${units} helm releases, ${BENCH_CONTEXTS.length} clusters, all new, gates with 0s soak): ${show(c)}\n` +
      `baseline (helm upgrade --install --wait, ${concurrency} in parallel): ${show(b)}\n` +
      `ratio of medians ${ratio.toFixed(2)}x ${goalText(ratio, GOALS.apply)}\n` +
      `no-op apply: helm write calls ${writes} (goal 0: ${writes === 0 ? 'met' : 'MISSED'})\n`,
  );
  return ratio <= GOALS.apply && writes === 0 ? 0 : 1;
}
