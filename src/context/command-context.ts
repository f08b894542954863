// What every cluster-facing command starts from, in the order it is made:
// helm (its binary only: nothing runs yet), the repository loaded and checked
// (bad input is a ConfigError, exit 4), the selection checked against it and
// its scope computed (model/selection.ts; exit 4 too, before any cluster is
// called), the kubeconfig (kubectl's precedence) and the run's KubeClients
// (one per cluster, closed at the end). A command turns its flags into a ContextRequest once
// (commands/context.ts) and gets the context in withContext.
import { loadDeployRepoOrThrow } from '../config/load.ts';
import type { LoadOptions } from '../config/load.ts';
import { createHelm } from '../helm/helm.ts';
import type { Helm } from '../helm/helm.ts';
import { KubeClients } from '../kube/client.ts';
import type { KubeClient } from '../kube/client.ts';
import { resolveKubeconfig } from '../kube/kubeconfig.ts';
import { withInClusterContexts } from '../model/in-cluster.ts';
import { selectionScope } from '../model/selection.ts';
import type { Selection, SelectionScope } from '../model/selection.ts';
import type { DeployRepo } from '../model/spec.ts';

/** What a command asks of its context: where the repository is, what it selects, how to reach the clusters. */
export interface ContextRequest {
  /** --clusters, --releases, --allow-root. */
  files: Pick<LoadOptions, 'clustersFile' | 'releasesDir' | 'allowRoots'>;
  selection: Selection;
  /** --kubeconfig. */
  kubeconfig: string | undefined;
  /** --helm (else $HELM_BIN, else helm on the PATH). */
  helmBin: string | undefined;
  /** --verbose: every helm call and API request. */
  log: ((line: string) => void) | undefined;
}

export interface CommandContext {
  repo: DeployRepo;
  /** What the selection may touch: the clusters it locks, its --shard share. */
  scope: SelectionScope;
  kubeconfig: string;
  log: ((line: string) => void) | undefined;
  helm: Helm;
  clients: KubeClients;
  /** The client of a cluster of the repository, by clusters.yaml name. */
  client(cluster: string): KubeClient;
}

/** Loads the repository and opens the run's clients; `close()` them when done (commands use withContext). */
function commandContext(r: ContextRequest): CommandContext {
  // each helm call that reaches a cluster names its context and kubeconfig (helm/argv.ts), the same the clients read
  const helm = createHelm({ bin: r.helmBin ?? process.env.HELM_BIN ?? 'helm', ...(r.log ? { log: r.log } : {}) });
  const loaded = loadDeployRepoOrThrow(r.files);
  // the cluster HELM_CASCADE_IN_CLUSTER names (if any) is reached with the pod's service account
  const repo: DeployRepo = { ...loaded, config: { ...loaded.config, clusters: withInClusterContexts(loaded.config.clusters) } };
  const scope = selectionScope(repo, r.selection); // -l, --wave, --shard that select nothing: exit 4 before any cluster is called
  const kubeconfig = resolveKubeconfig(r.kubeconfig, repo.config);
  const clients = new KubeClients({ kubeconfig, ...(r.log ? { log: r.log } : {}), ...(repo.config.api ? { limits: repo.config.api } : {}) });
  const byName = new Map(repo.config.clusters.map((c) => [c.name, c]));
  return {
    repo,
    scope,
    kubeconfig,
    log: r.log,
    helm,
    clients,
    client: (cluster) => clients.for(byName.get(cluster) ?? { name: cluster, context: cluster }),
  };
}

/** Runs `f` with a command context, closing its clients (and their connections) on every exit path. */
export async function withContext<T>(r: ContextRequest, f: (ctx: CommandContext) => Promise<T>): Promise<T> {
  const ctx = commandContext(r);
  try {
    return await f(ctx);
  } finally {
    await ctx.clients.close();
  }
}
