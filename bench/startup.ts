// Benchmark: start-up of the installed command (issue 27's goals: `--help`
// under 80 ms, `validate` of the example repository under 200 ms), beside
// Node's own floor (`node -e 0`) measured in the same rounds.
//
//   npm run bench -- startup [--rounds N]
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { installedCli } from './installed.ts';
import { spread } from './provenance.ts';
import { exampleRepo } from '../test/ship/support/ship.ts';

const GOALS = { help: 80, validate: 200 };

/** Wall time of one run, in ms; a failed run stops the benchmark. */
function timed(bin: string, args: string[], cwd: string, env: Record<string, string>): number {
  const t = performance.now();
  const r = spawnSync(bin, args, { cwd, env, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const show = (xs: number[]) => {
  const s = spread(xs);
  return `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}..${s.max.toFixed(0)} over ${s.n})`;
};

export async function main(args: string[]): Promise<number> {
  const i = args.indexOf('--rounds');
  const rounds = i >= 0 ? Number(args[i + 1]) : 20;
  const log = (l: string) => process.stderr.write(`${l}\n`);
  const cli = installedCli(log);
  const repo = exampleRepo();
  const node = join(cli.env.PATH!.split(':')[1]!, 'node');
  const series = { node: [] as number[], help: [] as number[], validate: [] as number[] };
  // warm-up (disk cache, compiled schemas written to the cache once)
  timed(cli.bin, ['validate'], repo, cli.env);
  for (let r = 0; r < rounds; r++) {
    series.node.push(timed(node, ['-e', '0'], repo, cli.env));
    series.help.push(timed(cli.bin, ['--help'], repo, cli.env));
    series.validate.push(timed(cli.bin, ['validate'], repo, cli.env));
  }
  const median = (xs: number[]) => spread(xs).median;
  process.stdout.write(
    `node -e 0 (the floor): ${show(series.node)}\n` +
      `helm-cascade --help: ${show(series.help)}   goal < ${GOALS.help} ms\n` +
      `helm-cascade validate (example repository): ${show(series.validate)}   goal < ${GOALS.validate} ms\n` +
      `load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`,
  );
  return median(series.help) < GOALS.help && median(series.validate) < GOALS.validate ? 0 : 1;
}
