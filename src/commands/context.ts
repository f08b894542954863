// What every cluster-facing command starts from: the loaded repository (bad
// input is a ConfigError, exit 4, before any cluster call), the kubeconfig,
// helm, and the run's KubeClients (one per cluster, closed at the end).
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { loadDeployRepoOrThrow } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { createHelm } from '../helm/helm.ts';
import type { Helm } from '../helm/helm.ts';
import { KubeClients } from '../kube/client.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ClustersFileSpec, DeployRepo } from '../model/spec.ts';
import { effectiveWaves } from '../model/waves.ts';
import { note } from './io.ts';
import type { ClusterOptions, RepoOptions } from './options.ts';
import { checkSelection } from './selection.ts';

/** --kubeconfig, then clusters.yaml `kubeconfig:`, then $KUBECONFIG, then ~/.kube/config. */
export function resolveKubeconfig(flag: string | undefined, config: ClustersFileSpec): string {
  const expand = (p: string) => (p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : p);
  if (flag) return resolve(expand(flag));
  if (config.kubeconfig) {
    const p = expand(config.kubeconfig);
    return isAbsolute(p) ? p : resolve(config.root, p);
  }
  if (process.env.KUBECONFIG) return process.env.KUBECONFIG;
  return resolve(homedir(), '.kube', 'config');
}

/** --verbose: every helm call and API request on stderr (redacted, as every note). */
function verboseLog(o: RepoOptions): ((line: string) => void) | undefined {
  return o.verbose ? (l: string) => note(`» ${l}`) : undefined;
}

function loadRepo(o: RepoOptions): DeployRepo {
  return loadDeployRepoOrThrow({ clustersFile: o.clustersFile, allowRoots: o.allowRoots, ...(o.releasesDir ? { releasesDir: o.releasesDir } : {}) });
}

export interface CommandContext {
  repo: DeployRepo;
  kubeconfig: string;
  log: ((line: string) => void) | undefined;
  helm: Helm;
  clients: KubeClients;
  /** The client of a cluster of the repository, by clusters.yaml name. */
  client(cluster: string): KubeClient;
}

/** Loads the repository and opens the run's clients; `close()` them when done (commands use withContext). */
function commandContext(o: ClusterOptions): CommandContext {
  const repo = loadRepo(o);
  checkSelection(repo, o); // -l, --wave, --shard that select nothing: exit 4 before any cluster is called
  const log = verboseLog(o);
  const kubeconfig = resolveKubeconfig(o.kubeconfig, repo.config);
  const clients = new KubeClients({ kubeconfig, ...(log ? { log } : {}) });
  const byName = new Map(repo.config.clusters.map((c) => [c.name, c]));
  return {
    repo,
    kubeconfig,
    log,
    helm: createHelm({ bin: o.helmBin ?? process.env.HELM_BIN ?? 'helm', ...(log ? { log } : {}) }),
    clients,
    client: (cluster) => clients.for(byName.get(cluster) ?? { name: cluster, context: cluster }),
  };
}

/** Runs `f` with a command context, closing its clients (and their proxies) on every exit path. */
export async function withContext<T>(o: ClusterOptions, f: (ctx: CommandContext) => Promise<T>): Promise<T> {
  const ctx = commandContext(o);
  try {
    return await f(ctx);
  } finally {
    await ctx.clients.close();
  }
}

/** --wave / --from-wave must name a wave of the repository. */
export function checkWaveFlag(repo: DeployRepo, flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const names = effectiveWaves(repo.config).map((w) => w.name);
  if (!names.includes(value)) throw new UsageError(`--${flag} "${value}": no such wave (waves: ${names.join(', ')})`);
  return value;
}
