// `npm run fleet -- <command>`: the local fleet of real Kubernetes control
// planes that helm-cascade's tests, demo and benchmarks run against.
//
//   up     [--clusters FILE] [--name N] [--nodes 3]   start / top up the fleet
//   down   [--name N] [--purge]                       stop every process of it
//   status [--name N] [--json]                        processes and health
//   env    [--name N]                                 export lines for `eval`
import { parseArgs } from 'node:util';
import type { FleetStatus } from './fleet-api.ts';
import { clusterHealthy, ensureFleet, fleetEnv, fleetStatus, stopFleet } from './fleet-api.ts';

const usage = `usage: npm run fleet -- <up|down|status|env> [options]

  up      start one local cluster per entry of a clusters.yaml (idempotent)
            --clusters FILE   default: clusters.yaml at the repository root
            --nodes N         fake nodes per cluster (default 3)
  down    stop every process of the fleet (and check none is left)
            --purge           also delete its state (etcd data, certs, logs)
  status  each cluster's processes, apiserver /readyz and Ready nodes
            --json            machine-readable
  env     print export lines: eval "$(npm run -s fleet -- env)"

  --name N  which fleet (default: $HELM_CASCADE_FLEET, else "default");
            state lives in .fleet/N/`;

function formatStatus(s: FleetStatus): string {
  const mib = (kib: number) => `${Math.round(kib / 1024)} MiB`;
  const lines = [`fleet ${s.name} (${s.dir})`];
  if (!s.etcd) return `${lines[0]}: not started`;
  lines.push(`  etcd            ${s.etcd.running ? `running pid ${s.etcd.pid}, port ${s.etcd.port}, ${mib(s.etcd.rssKiB)}` : 'DOWN'}`);
  for (const c of s.clusters) {
    const procs = Object.entries(c.components)
      .map(([name, p]) => `${name.replace(/^kube-/, '')}:${p.running ? 'up' : 'DOWN'}`)
      .join(' ');
    const rss = Object.values(c.components).reduce((sum, p) => sum + p.rssKiB, 0);
    const healthy = clusterHealthy(c);
    lines.push(
      `  ${healthy ? 'OK  ' : 'FAIL'} ${c.context.padEnd(28)} ${c.server}  apiserver ${c.apiserver}, nodes ${c.nodesReady}/${c.nodesTotal} Ready, ${procs}, ${mib(rss)}`,
    );
  }
  lines.push(`  memory (RSS of all processes): ${mib(s.totalRssKiB)}`);
  lines.push(`  kubeconfig: ${s.kubeconfig}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      clusters: { type: 'string' },
      name: { type: 'string' },
      nodes: { type: 'string' },
      purge: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...extra] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 2;
  }
  if (extra.length > 0) throw new Error(`unexpected argument(s): ${extra.join(' ')}\n${usage}`);
  switch (command) {
    case 'up': {
      const nodes = values.nodes === undefined ? undefined : Number(values.nodes);
      if (nodes !== undefined && (!Number.isInteger(nodes) || nodes < 1 || nodes > 50)) throw new Error('--nodes takes a number from 1 to 50');
      const info = await ensureFleet({
        ...(values.clusters ? { clustersFile: values.clusters } : {}),
        ...(values.name ? { name: values.name } : {}),
        ...(nodes ? { nodes } : {}),
      });
      const nameFlag = info.name === 'default' ? '' : ` --name ${info.name}`;
      process.stderr.write(`\nfleet ${info.name} is up: ${info.contexts.join(', ')}\n  point helm/kubectl at it: eval "$(npm run -s fleet -- env${nameFlag})"\n`);
      return 0;
    }
    case 'down':
      await stopFleet(values.name, { purge: values.purge ?? false });
      return 0;
    case 'status': {
      const status = await fleetStatus(values.name);
      console.log(values.json ? JSON.stringify(status, null, 2) : formatStatus(status));
      const healthy = status.clusters.length > 0 && status.clusters.every(clusterHealthy);
      return healthy ? 0 : 1;
    }
    case 'env':
      process.stdout.write(fleetEnv(values.name));
      return 0;
    default:
      throw new Error(`unknown command ${JSON.stringify(command)}\n${usage}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fleet: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
