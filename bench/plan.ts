// Benchmark: a no-op `helm-cascade plan` over 20 releases x 3 clusters already
// applied, run as an installed user runs it (the npm package's bin, see
// installed.ts), against a baseline measured in the same run, interleaved with
// the order flipping each round: for each release, in parallel one process
// per core, `helm template` + `helm get manifest` (the helm floor of a
// helm-diff style loop). Prints both times and the ratio (goal <= 0.15x).
//   npm run bench -- plan [--releases N] [--helm PATH] [--rounds N]
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cacheDir } from '../fleet/binaries.ts';
import pLimit from 'p-limit';
import { installedCli, interleaved } from './installed.ts';
import { argOf, BENCH_CONTEXTS, median, prepareAppliedRepo, ROOT, run } from './repo.ts';

/** The published goal (docs/scale.md): a no-op plan at most this fraction of the helm floor. */
const GOAL = 0.15;

export async function main(args: string[]): Promise<number> {
  const releases = Number(argOf(args, '--releases', '20'));
  const helmBin = argOf(args, '--helm', process.env.HELM_BIN ?? join(ROOT, 'node_modules/.helm-cascade/helm-v3/helm'));
  const cores = availableParallelism();
  const ns = 'bench-plan';
  const log = (l: string) => process.stderr.write(`[bench plan] ${l}\n`);
  const { dir, kubeconfig, ctx, units } = await prepareAppliedRepo({ releases, ns, helmBin, log });

  const cli = installedCli(log);
  const timePlan = async () => {
    const t = performance.now();
    const r = await run(cli.bin, ['plan', '--clusters', join(dir, 'clusters.yaml'), '--kubeconfig', kubeconfig, '--helm', helmBin, '--detailed-exitcode', '--no-color', '-l', `namespace=${ns}`], undefined, cli.env);
    const ms = performance.now() - t;
    if (r.code !== 0) throw new Error(`plan exited ${r.code} (expected 0, nothing to change):\n${r.stdout.slice(-2000)}\n${r.stderr}`);
    return ms;
  };
  const timeBaseline = async () => {
    const t = performance.now();
    const p = pLimit(cores);
    await Promise.all(
      units.map((u) =>
        p(async () => {
          const a = await run(helmBin, ['template', u.helmName, u.chart.path, '--namespace', u.namespace, '-f', '-'], JSON.stringify(u.values));
          const b = await run(helmBin, ['get', 'manifest', u.helmName, '--namespace', u.namespace, '--kube-context', ctx.get(u.cluster)!, '--kubeconfig', kubeconfig]);
          if (a.code !== 0 || b.code !== 0) throw new Error(`baseline helm failed: ${a.stderr}${b.stderr}`);
        }),
      ),
    );
    return performance.now() - t;
  };

  await timePlan(); // warm-up (chart cache, page cache, V8's compile cache)
  await timeBaseline();
  const rounds = Number(argOf(args, '--rounds', '5'));
  const { a: planMs, b: baseMs } = await interleaved(rounds, timePlan, timeBaseline, (i, p, b) => log(`round ${i + 1}: plan ${(p / 1000).toFixed(2)}s, baseline ${(b / 1000).toFixed(2)}s`));
  const p = median(planMs);
  const b = median(baseMs);
  process.stdout.write(
    `plan (no-op, ${units.length} helm releases, ${BENCH_CONTEXTS.length} clusters, installed package): ${(p / 1000).toFixed(2)}s   baseline (helm template + helm get manifest per release, ${cores} in parallel): ${(b / 1000).toFixed(2)}s   ratio ${(p / b).toFixed(2)}x (goal <= ${GOAL}x)\n`,
  );

  // helmfile + helm-diff on the same 60 releases, same values, when they can be built
  const tools = await helmfileTools(log);
  if (!tools) {
    process.stdout.write('helmfile diff: not measured (helmfile v1.4.4 / helm-diff v3.15.11 could not be built from the Go module proxy)\n');
    return p <= GOAL * b ? 0 : 1;
  }
  const hfDir = join(dir, 'helmfile');
  mkdirSync(hfDir, { recursive: true });
  const releasesYaml = units.map((u) => {
    const values = join(hfDir, `${u.cluster}-${u.helmName}.json`);
    writeFileSync(values, JSON.stringify(u.values));
    return { name: u.helmName, namespace: u.namespace, chart: u.chart.path, kubeContext: ctx.get(u.cluster)!, values: [values] };
  });
  writeFileSync(join(hfDir, 'helmfile.yaml'), stringify({ releases: releasesYaml }));
  const timeHelmfile = async () => {
    const t = performance.now();
    const r = await run(tools.helmfile, ['--helm-binary', helmBin, '-f', join(hfDir, 'helmfile.yaml'), 'diff', '--skip-deps', '--concurrency', String(cores), '--detailed-exitcode'], undefined, { KUBECONFIG: kubeconfig, HELM_PLUGINS: tools.plugins });
    const ms = performance.now() - t;
    if (r.code !== 0) throw new Error(`helmfile diff exited ${r.code} (expected 0, nothing to change):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    return ms;
  };
  await timeHelmfile(); // warm-up
  const hf: number[] = [];
  for (let i = 0; i < rounds; i++) hf.push(await timeHelmfile());
  const h = median(hf);
  process.stdout.write(`helmfile diff (helm-diff, same releases and values, --concurrency ${cores}): ${(h / 1000).toFixed(2)}s   plan is ${(h / p).toFixed(1)}x faster (goal >= 4x)\n`);
  return p <= GOAL * b && h / p >= 4 ? 0 : 1;
}

/** helmfile v1.4.4 and helm-diff v3.15.11 (as a helm plugin), built once into the cache with `go install`; undefined without Go. */
async function helmfileTools(log: (l: string) => void): Promise<{ helmfile: string; plugins: string } | undefined> {
  const bin = join(cacheDir(), 'baseline');
  const helmfile = join(bin, 'helmfile');
  const diff = join(bin, 'helm-diff');
  const build = async (pkg: string, file: string) => {
    if (existsSync(file)) return true;
    log(`building ${pkg} (baseline only; once)`);
    const r = await run('go', ['install', pkg], undefined, { GOBIN: bin });
    if (r.code !== 0) log(`go install ${pkg} failed: ${r.stderr.slice(-500)}`);
    return r.code === 0;
  };
  if (!(await build('github.com/helmfile/helmfile@v1.4.4', helmfile)) || !(await build('github.com/databus23/helm-diff/v3@v3.15.11', diff))) return undefined;
  const plugins = join(bin, 'plugins');
  mkdirSync(join(plugins, 'diff', 'bin'), { recursive: true });
  copyFileSync(diff, join(plugins, 'diff', 'bin', 'diff'));
  chmodSync(join(plugins, 'diff', 'bin', 'diff'), 0o755);
  writeFileSync(join(plugins, 'diff', 'plugin.yaml'), 'name: diff\nversion: 3.15.11\nusage: Preview helm upgrade changes as a diff\ndescription: helm-diff, for the benchmark baseline\ncommand: "$HELM_PLUGIN_DIR/bin/diff"\n');
  return { helmfile, plugins };
}
