// Benchmark: `helm-cascade drift` over 20 releases x 3 clusters already
// applied (nothing drifted), against what it must at least do, measured in the
// same run: a no-op `helm-cascade plan --ignore-live-drift` plus the live reads
// (the batched kubectl reads of every deployed object, in process). Goal:
// drift <= plan + live reads.
//   npm run bench -- drift [--releases N] [--helm PATH] [--rounds N]
import { join } from 'node:path';
import { KubeClients } from '../src/kube/client.ts';
import { readDeployedReleases } from '../src/kube/release-records.ts';
import { compareLive } from '../src/live/read.ts';
import { argOf, BENCH_CONTEXTS, median, prepareAppliedRepo, ROOT, run } from './repo.ts';

export async function main(args: string[]): Promise<number> {
  const releases = Number(argOf(args, '--releases', '20'));
  const helmBin = argOf(args, '--helm', process.env.HELM_BIN ?? join(ROOT, 'node_modules/.helm-cascade/helm-v3/helm'));
  const rounds = Number(argOf(args, '--rounds', '3'));
  const ns = 'bench-drift';
  const log = (l: string) => process.stderr.write(`[bench drift] ${l}\n`);
  const { dir, kubeconfig, repo, units } = await prepareAppliedRepo({ releases, ns, helmBin, log });
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
  const p: number[] = [];
  const l: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < rounds; i++) {
    p.push(await plan());
    l.push(await liveReads());
    d.push(await drift());
    log(`round ${i + 1}: plan ${(p[i]! / 1000).toFixed(2)}s, live reads ${(l[i]! / 1000).toFixed(2)}s, drift ${(d[i]! / 1000).toFixed(2)}s`);
  }
  const [mp, ml, md] = [median(p), median(l), median(d)];
  process.stdout.write(
    `drift (${units.length} helm releases, ${BENCH_CONTEXTS.length} clusters, nothing drifted): ${(md / 1000).toFixed(2)}s   ` +
      `no-op plan ${(mp / 1000).toFixed(2)}s + live reads ${(ml / 1000).toFixed(2)}s = ${((mp + ml) / 1000).toFixed(2)}s   ratio ${(md / (mp + ml)).toFixed(2)}x (goal <= 1.0x)\n`,
  );
  return md <= mp + ml ? 0 : 1;
}
