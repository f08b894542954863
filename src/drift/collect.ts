// drift's I/O, end to end: read every selected cluster at once (live/read.ts,
// the read plan makes too; an unreachable one does not stop the others), with
// the live objects and the health of the repository's releases; compare the
// repository with what is deployed through the plan pipeline every command
// shares (plan/plan-repo.ts: render, house rules, server validation) on the
// readable clusters, reusing what was just read; then judge (assess.ts, pure).
import type { Helm } from '../helm/helm.ts';
import type { KubeClient, KubeClients } from '../kube/client.ts';
import { kubeconfigContexts } from '../kube/kubeconfig.ts';
import { compareLive, ignoreRulesOf, readClusterState } from '../live/read.ts';
import type { ClusterState, IgnoreOf } from '../live/read.ts';
import { unitId, unitRefOf } from '../model/identity.ts';
import type { DeployedRelease } from '../model/release.ts';
import { matchesGlob, matchesUnit } from '../model/selectors.ts';
import type { UnitSelector } from '../model/selectors.ts';
import type { ClusterSpec, DeployRepo, HealthSpec } from '../model/spec.ts';
import { expandUnits } from '../model/units.ts';
import { planRepo } from '../plan/plan-repo.ts';
import type { Plan } from '../plan/types.ts';
import { assessDrift } from './assess.ts';
import type { ClusterRead, ListedUnit } from './assess.ts';
import { readHealthNow } from './health-read.ts';
import { collectPolicyFindings } from './policy.ts';
import type { DriftReport } from './types.ts';

export interface DriftContext {
  repo: DeployRepo;
  kubeconfig: string;
  helm: Helm;
  clients: KubeClients;
  client: (cluster: string) => KubeClient;
  log: ((line: string) => void) | undefined;
  say: (line: string) => void;
}

/** One cluster as drift read it, with what it says for the plan (undefined when it could not be read). */
interface DriftRead {
  read: ClusterRead;
  state: ClusterState | undefined;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Everything drift needs from one cluster. `healthOf` gives the health
 * settings of the releases the repository lists (their live objects are
 * compared and their health judged; the others are not). Never throws: an
 * unreachable cluster comes back with `error` set.
 */
async function readCluster(client: KubeClient, ignoreOf: IgnoreOf, concurrency: number, healthOf: (r: DeployedRelease) => HealthSpec | undefined): Promise<DriftRead> {
  try {
    const state = await readClusterState(client);
    const compared = state.deployed.filter((r) => r.status === 'deployed' && healthOf(r) !== undefined);
    const { live, errors, drift } = await compareLive(client, compared, { ignoreOf, concurrency });
    // what runs now, judged by the one health judge (the "unhealthy" finding)
    const health = await readHealthNow(client, compared, healthOf);
    return { read: { cluster: client.cluster, releases: state.deployed, live, liveErrors: errors, liveDrift: drift, health }, state };
  } catch (err) {
    return { read: { cluster: client.cluster, error: message(err), releases: [], live: [] }, state: undefined };
  }
}

export interface DriftRequest {
  selector: UnitSelector;
  /** Reads in flight per cluster. */
  concurrency: number;
  renderConcurrency: number;
  /** The plan's cache folder and --render-all. */
  cache: { cacheDir?: string; renderAll: boolean };
}

/** Each cluster read at once; one whose context is missing comes back unreadable, saying why. */
async function readAll(ctx: DriftContext, clusters: ClusterSpec[], health: Map<string, HealthSpec>, concurrency: number): Promise<Map<string, DriftRead>> {
  const { contexts, missingFiles } = kubeconfigContexts(ctx.kubeconfig);
  const reads = await Promise.all(
    clusters.map(async (c): Promise<[string, DriftRead]> => {
      if (!contexts.has(c.context)) {
        const why = missingFiles.length ? `kubeconfig not found: ${missingFiles.join(', ')}` : `context "${c.context}" is not in the kubeconfig (${ctx.kubeconfig})`;
        return [c.name, { read: { cluster: c.name, error: why, releases: [], live: [] }, state: undefined }];
      }
      const healthOf = (r: DeployedRelease) => health.get(`${c.name}/${r.namespace}/${r.name}`);
      return [c.name, await readCluster(ctx.clients.for(c), ignoreRulesOf(ctx.repo), concurrency, healthOf)];
    }),
  );
  return new Map(reads);
}

/** The plan on the readable clusters, from what was just read (judged as every command's plan is); undefined (and why) when it cannot be made. */
async function planReadable(ctx: DriftContext, req: DriftRequest, readable: ClusterSpec[], reads: ReadonlyMap<string, DriftRead>): Promise<{ plan?: Plan; planError?: string }> {
  if (readable.length === 0) return {};
  try {
    const { plan } = await planRepo(
      { ...ctx.repo, config: { ...ctx.repo.config, clusters: readable } },
      { kubeconfig: ctx.kubeconfig, selector: req.selector, concurrency: req.renderConcurrency, ...req.cache, ...(ctx.log ? { log: ctx.log } : {}) },
      { helm: ctx.helm, clients: ctx.clients, client: ctx.client, readCluster: async (c) => reads.get(c.name)!.state! },
    );
    return { plan };
  } catch (err) {
    const why = message(err);
    ctx.say(`helm-cascade: warning: the repository could not be rendered, so pending changes were not checked: ${why}`);
    return { planError: why.split('\n')[0] ?? why };
  }
}

export async function collectDrift(ctx: DriftContext, req: DriftRequest): Promise<DriftReport> {
  const { config } = ctx.repo;
  const clusters = config.clusters.filter((c) => req.selector.cluster === undefined || matchesGlob(c.name, req.selector.cluster));
  const units = expandUnits(ctx.repo).filter((u) => clusters.some((c) => c.name === u.cluster));
  const desired: ListedUnit[] = units.map((u) => ({ ...unitRefOf(u), enabled: u.enabled }));
  // live objects and health are read for the selected units only (the others are not reported)
  const selected = units.filter((u) => matchesUnit(u, req.selector));
  const byCluster = await readAll(ctx, clusters, new Map(selected.map((u) => [unitId(u), u.health] as const)), req.concurrency);
  const reads = [...byCluster.values()].map((r) => r.read);
  const readable = clusters.filter((c) => byCluster.get(c.name)?.state !== undefined);
  const knownIds = new Set(desired.map(unitId));
  const [{ plan, planError }, policy] = await Promise.all([planReadable(ctx, req, readable, byCluster), collectPolicyFindings(ctx.repo, (c) => ctx.clients.for(c), reads, (id) => knownIds.has(id))]);
  return assessDrift({
    clustersFile: config.file,
    createdAt: new Date().toISOString(),
    clusters: clusters.map((c) => c.name),
    units: desired,
    reads,
    ...(plan ? { plan } : {}),
    ...(planError ? { planError } : {}),
    selector: req.selector,
    repo: config.repoName,
    policy,
  });
}
