// What every cluster-facing command starts from: the loaded repository (bad
// input is a ConfigError, exit 4, before any cluster call), the kubeconfig,
// helm, and the run's KubeClients (one per cluster, closed at the end).
import { homedir } from 'node:os';
import { delimiter, isAbsolute, resolve } from 'node:path';
import { loadDeployRepoOrThrow } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { createHelm } from '../helm/helm.ts';
import type { Helm } from '../helm/helm.ts';
import { KubeClients } from '../kube/client.ts';
import type { KubeClient } from '../kube/client.ts';
import { inClusterKubeconfig, withInClusterContexts } from '../kube/in-cluster.ts';
import { IN_CLUSTER_CONTEXT } from '../model/identity.ts';
import type { ClustersFileSpec, DeployRepo } from '../model/spec.ts';
import { effectiveWaves } from '../model/waves.ts';
import { note } from './io.ts';
import type { ClusterOptions, RepoOptions } from './options.ts';
import { checkSelection } from './selection.ts';

/**
 * The kubeconfig of a run, as kubectl's users expect it: --kubeconfig, then
 * $KUBECONFIG (a list of files joined by `:` is kept as such and merged as
 * kubectl merges it), then clusters.yaml `kubeconfig:` (relative to the
 * repository), then ~/.kube/config. When a cluster is reached in-cluster (the
 * pod's service account), the in-cluster kubeconfig is put first.
 */
export function resolveKubeconfig(flag: string | undefined, config: ClustersFileSpec, env: NodeJS.ProcessEnv = process.env): string {
  const expand = (p: string) => (p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : p);
  const user = (() => {
    if (flag) return resolve(expand(flag));
    if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean).map((p) => resolve(expand(p))).join(delimiter);
    if (config.kubeconfig) return config.kubeconfig.split(delimiter).filter(Boolean).map((p) => (isAbsolute(expand(p)) ? expand(p) : resolve(config.root, p))).join(delimiter);
    return resolve(homedir(), '.kube', 'config');
  })();
  const inCluster = config.clusters.some((c) => c.context === IN_CLUSTER_CONTEXT) ? inClusterKubeconfig() : undefined;
  return inCluster ? `${inCluster}${delimiter}${user}` : user;
}

/** --verbose: every helm call and API request on stderr (redacted, as every note). */
function verboseLog(o: RepoOptions): ((line: string) => void) | undefined {
  return o.verbose ? (l: string) => note(`» ${l}`) : undefined;
}

/** The repository, with the cluster HELM_CASCADE_IN_CLUSTER names (if any) reached with the pod's service account. */
function loadRepo(o: RepoOptions): DeployRepo {
  const repo = loadDeployRepoOrThrow({ clustersFile: o.clustersFile, allowRoots: o.allowRoots, ...(o.releasesDir ? { releasesDir: o.releasesDir } : {}) });
  return { ...repo, config: { ...repo.config, clusters: withInClusterContexts(repo.config.clusters) } };
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
  const clients = new KubeClients({ kubeconfig, ...(log ? { log } : {}), ...(repo.config.api ? { limits: repo.config.api } : {}) });
  const byName = new Map(repo.config.clusters.map((c) => [c.name, c]));
  return {
    repo,
    kubeconfig,
    log,
    // helm reads the same kubeconfig: a list through $KUBECONFIG (helm/argv.ts passes --kubeconfig for a single file only)
    helm: createHelm({ bin: o.helmBin ?? process.env.HELM_BIN ?? 'helm', env: { KUBECONFIG: kubeconfig }, ...(log ? { log } : {}) }),
    clients,
    client: (cluster) => clients.for(byName.get(cluster) ?? { name: cluster, context: cluster }),
  };
}

/** Runs `f` with a command context, closing its clients (and their connections) on every exit path. */
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
