// The one read of what a cluster runs, for plan and drift alike (I/O, through
// the cluster's KubeClient): its version, its API versions and helm's latest
// record of every release in one batched list; then the live objects the
// deployed manifests of some releases name, in one list per (kind,
// namespace), never one GET per object, compared with those manifests and
// every changed object confirmed by the API server (confirm.ts).
import type { KubeClient } from '../kube/client.ts';
import { readLiveObjects } from '../kube/live-objects.ts';
import { readDeployedReleases } from '../kube/release-records.ts';
import { deployedUnitRef, releaseId } from '../model/release.ts';
import type { DeployedRelease } from '../model/release.ts';
import { registerSensitive } from '../model/sensitive.ts';
import type { DeployRepo, IgnoreRule } from '../model/spec.ts';
import { redactor } from '../redact.ts';
import { confirmLiveDrift } from './confirm.ts';
import { detectLiveDrift, liveReadRequests, LiveObjects } from './drift.ts';
import type { LiveDriftResult } from './types.ts';

/** What one cluster says, as plan and drift need it: its version, its API versions, and helm's latest record of each release (kube/release-records.ts). */
export interface ClusterState {
  kubeVersion: string;
  apiVersions: string[];
  deployed: DeployedRelease[];
}

/** Version, API versions and release records of one cluster, all at once. An unreachable cluster throws (PreflightError). */
export async function readClusterState(client: KubeClient): Promise<ClusterState> {
  const [kubeVersion, apiVersions, deployed] = await Promise.all([client.kubeVersion(), client.capabilities(), readDeployedReleases(client)]);
  return { kubeVersion, apiVersions, deployed };
}

/** Each release's ignoreDifferences, by the release a deployed one was made from. */
export type IgnoreOf = (d: DeployedRelease) => readonly IgnoreRule[];

export function ignoreRulesOf(repo: DeployRepo): IgnoreOf {
  const byName = new Map(repo.releases.map((r) => [r.name, r.ignoreDifferences]));
  return (d) => byName.get(deployedUnitRef(d).release) ?? [];
}

/** The live objects of some deployed releases and, per release, how they differ from its deployed manifest. */
export interface LiveComparison {
  live: LiveObjects;
  /** Namespace ("(cluster-scoped)" for those) -> why its live objects could not be read. */
  errors: Record<string, string>;
  /** By release id: the live drift, every changed object confirmed by the server; releases whose namespace could not be read are absent. */
  drift: Map<string, LiveDriftResult>;
}

/**
 * Reads the live objects of these deployed releases and compares them with
 * their manifests. The values the releases keep in Secrets are registered
 * with the redactor first: a chart that copies one into a ConfigMap or an env
 * var would otherwise show it as a changed field's value.
 */
export async function compareLive(client: KubeClient, releases: readonly DeployedRelease[], opts: { ignoreOf?: IgnoreOf; concurrency?: number } = {}): Promise<LiveComparison> {
  const ignoreOf = opts.ignoreOf ?? (() => []);
  for (const r of releases) registerSensitive(redactor, [{ values: r.config, manifest: r.manifest }], r.namespace);
  const { objects, errors } = await readLiveObjects(client, liveReadRequests(releases), opts.concurrency);
  const live = new LiveObjects(objects);
  const readable = releases.filter((r) => !errors[r.namespace]);
  const drift = new Map(await Promise.all(readable.map(async (r) => [releaseId(r), await confirmLiveDrift(client, r, detectLiveDrift(r, live, ignoreOf(r)), live, ignoreOf(r))] as const)));
  return { live, errors, drift };
}
