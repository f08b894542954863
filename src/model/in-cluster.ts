// Which clusters of the repository are reached with the pod's own service
// account (pure): those clusters.yaml marks `inCluster: true`, and the one
// $HELM_CASCADE_IN_CLUSTER names (the drift CronJob's own cluster). Their
// context becomes IN_CLUSTER_CONTEXT; kube/in-cluster.ts writes the
// kubeconfig that holds it.
import { UsageError } from '../errors.ts';
import { IN_CLUSTER_CONTEXT } from './identity.ts';
import type { ClusterSpec } from './spec.ts';

/** Names of the clusters reached in-cluster: `inCluster: true` ones, and the one HELM_CASCADE_IN_CLUSTER names. */
export function inClusterNames(clusters: readonly Pick<ClusterSpec, 'name' | 'context'>[], env: NodeJS.ProcessEnv = process.env): Set<string> {
  const names = new Set(clusters.filter((c) => c.context === IN_CLUSTER_CONTEXT).map((c) => c.name));
  const named = env.HELM_CASCADE_IN_CLUSTER?.trim();
  if (named) {
    if (!clusters.some((c) => c.name === named)) throw new UsageError(`HELM_CASCADE_IN_CLUSTER=${named}: no such cluster in clusters.yaml (clusters: ${clusters.map((c) => c.name).join(', ')})`);
    names.add(named);
  }
  return names;
}

/** The clusters with those reached in-cluster pointed at IN_CLUSTER_CONTEXT (the others unchanged). */
export function withInClusterContexts<C extends Pick<ClusterSpec, 'name' | 'context'>>(clusters: readonly C[], env: NodeJS.ProcessEnv = process.env): C[] {
  const names = inClusterNames(clusters, env);
  return clusters.map((c) => (names.has(c.name) && c.context !== IN_CLUSTER_CONTEXT ? { ...c, context: IN_CLUSTER_CONTEXT } : c));
}
