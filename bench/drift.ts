// Benchmark: `helm-cascade drift` over 20 releases x 3 clusters already
// applied (nothing drifted), against a baseline measured in the same run,
// interleaved with the order flipping each round: the helm floor (`helm
// template` + `helm get manifest` per release, one process per core, as the
// plan benchmark's) plus the live reads drift does (every deployed object,
// in process). The ratio of the medians is printed against the published goal
// (bench/goals.ts). It also prints, without a goal, drift against a no-op
// `plan --ignore-live-drift` plus the live reads, from the same rounds.
//   npm run bench -- drift [--releases N] [--helm PATH] [--rounds N]
import { join } from 'node:path';
import { KubeClients } from '../src/kube/client.ts';
import { readDeployedReleases } from '../src/kube/release-records.ts';
import { compareLive } from '../src/live/read.ts';
import { goalText, GOALS } from './goals.ts';
import { interleaved } from './installed.ts';
import { argOf, BENCH_CONTEXTS, helmFloor, median, prepareAppliedRepo, ROOT, run } from './repo.ts';

export async function main(args: string[]): Promise<number> {
  const releases = Number(argOf(args, '--releases', '20'));
  const helmBin = argOf(args, '--helm', process.env.HELM_BIN ?? join(ROOT, 'node_modules/.helm-cascade/helm-v3/helm'));
  const rounds = Number(argOf(args, '--rounds', '3'));
  const ns = 'bench-drift';
  const log = (l: string) => process.stderr.write(`[bench drift] ${l}\n`);
  const applied = await prepareAppliedRepo({ releases, ns, helmBin, log });
  const { dir, kubeconfig, repo, units } = applied;
  const node = join(ROOT, 'node_modules/.bin/node');
  const cli = join(ROOT, 'bin/helm-cascade.js');
  const common = ['--clusters', join(dir, 'clusters.yaml'), '--kubeconfig', kubeconfig, '--helm', helmBin, '--no-color', '-l', `namespace=${ns}`];

  const time = async (what: string, fn: () => Promise<void>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const plan = () =>
    time('plan', async () => {
      const r = await run(node, [cli, 'plan', '--detailed-exitcode', '--ignore-live-drift', ...common]);
      if (r.code !== 0) throw new Error(`plan exited ${r.code}:\n${r.stdout.slice(-2000)}${r.stderr}`);
    });
  const liveReads = () =>
    time('live', async () => {
      const clients = new KubeClients({ kubeconfig });
      try {
        await Promise.all(
          repo.config.clusters.map(async (c) => {
            const client = clients.for(c);
            const deployed = (await readDeployedReleases(client, { namespaces: [ns] })).filter((d) => d.namespace === ns);
            await compareLive(client, deployed);
          }),
        );
      } finally {
        await clients.close();
      }
    });
  const drift = () =>
    time('drift', async () => {
      const r = await run(node, [cli, 'drift', '--format', 'json', ...common]);
      if (r.code !== 0) throw new Error(`drift exited ${r.code} (expected 0: nothing drifted):\n${r.stdout.slice(-2000)}${r.stderr}`);
    });

  await drift(); // warm-up
  await helmFloor(applied, helmBin);
  // baseline: the helm floor + the live reads, against drift, interleaved in flipped order
  const floor: number[] = [];
  const live: number[] = [];
  const baseline = async () => {
    const f = await helmFloor(applied, helmBin);
    const l = await liveReads();
    floor.push(f);
    live.push(l);
    return f + l;
  };
  const { a: d, b: base } = await interleaved(rounds, drift, baseline, (i, x, y) => log(`round ${i + 1}: drift ${(x / 1000).toFixed(2)}s, helm floor + live reads ${(y / 1000).toFixed(2)}s`));
  const p: number[] = [];
  for (let i = 0; i < rounds; i++) p.push(await plan());
  const [md, mb, mf, ml, mp] = [median(d), median(base), median(floor), median(live), median(p)];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
  process.stdout.write(
    `drift (${units.length} helm releases, ${BENCH_CONTEXTS.length} clusters, nothing drifted): ${s(md)}   baseline (helm template + helm get manifest per release, one process per core, + live reads): ${s(mb)} (${s(mf)} + ${s(ml)})   ratio ${(md / mb).toFixed(2)}x ${goalText(md / mb, GOALS.drift)}\n` +
      `no goal: drift against a no-op plan --ignore-live-drift (${s(mp)}) + live reads (${s(ml)}): ratio ${(md / (mp + ml)).toFixed(2)}x\n`,
  );
  return md / mb <= GOALS.drift ? 0 : 1;
}
