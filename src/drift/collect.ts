// drift's I/O, end to end: read every selected cluster at once (an unreachable
// one does not stop the others), compare the repository with what is deployed
// through plan's engine on the readable clusters (reusing the records just
// read), then judge (assess.ts, pure).
import type { Helm } from '../helm/helm.ts';
import type { KubeClients } from '../kube/client.ts';
import { kubeconfigContexts } from '../kube/kubeconfig.ts';
import { unitId, unitRefOf } from '../model/identity.ts';
import type { DeployedRelease } from '../model/release.ts';
import { matchesGlob, matchesUnit } from '../model/selectors.ts';
import type { UnitSelector } from '../model/selectors.ts';
import type { ClusterSpec, DeployRepo, HealthSpec } from '../model/spec.ts';
import { expandUnits } from '../model/units.ts';
import { ignoreRulesOf, makePlan } from '../plan/make-plan.ts';
import type { Plan } from '../plan/types.ts';
import { assessDrift } from './assess.ts';
import { collectPolicyFindings } from './policy.ts';
import type { ClusterRead, DesiredUnit } from './assess.ts';
import { readClusterForDrift } from './read.ts';
import type { DriftReport } from './types.ts';

export interface DriftContext {
  repo: DeployRepo;
  kubeconfig: string;
  helm: Helm;
  clients: KubeClients;
  log: ((line: string) => void) | undefined;
  say: (line: string) => void;
}

export interface DriftRequest {
  selector: UnitSelector;
  /** Reads in flight per cluster. */
  concurrency: number;
  renderConcurrency: number;
}

/** Each cluster read at once; one whose context is missing comes back unreadable, saying why. */
async function readAll(ctx: DriftContext, clusters: ClusterSpec[], health: Map<string, HealthSpec>, concurrency: number): Promise<ClusterRead[]> {
  const { contexts, missingFiles } = kubeconfigContexts(ctx.kubeconfig);
  return Promise.all(
    clusters.map(async (c): Promise<ClusterRead> => {
      if (!contexts.has(c.context)) {
        const why = missingFiles.length ? `kubeconfig not found: ${missingFiles.join(', ')}` : `context "${c.context}" is not in the kubeconfig (${ctx.kubeconfig})`;
        return { cluster: c.name, error: why, releases: [], live: [] };
      }
      const healthOf = (r: DeployedRelease) => health.get(`${c.name}/${r.namespace}/${r.name}`);
      return readClusterForDrift(ctx.clients.for(c), (r) => healthOf(r) !== undefined, ignoreRulesOf(ctx.repo), concurrency, healthOf);
    }),
  );
}

/** The plan on the readable clusters, with the records already read; undefined (and why) when it cannot be made. */
async function planReadable(ctx: DriftContext, req: DriftRequest, readable: ClusterSpec[], reads: ClusterRead[]): Promise<{ plan?: Plan; planError?: string }> {
  if (readable.length === 0) return {};
  const deployedBy = new Map<string, DeployedRelease[]>(reads.map((r) => [r.cluster, r.releases]));
  try {
    const plan = await makePlan(
      { ...ctx.repo, config: { ...ctx.repo.config, clusters: readable } },
      { kubeconfig: ctx.kubeconfig, selector: req.selector, concurrency: req.renderConcurrency, ...(ctx.log ? { log: ctx.log } : {}) },
      {
        helm: ctx.helm,
        clients: ctx.clients,
        readCluster: async (c) => {
          const client = ctx.clients.for(c);
          const [kubeVersion, apiVersions] = await Promise.all([client.kubeVersion(), client.capabilities()]);
          return { kubeVersion, apiVersions, deployed: deployedBy.get(c.name) ?? [] };
        },
      },
    );
    return { plan };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.say(`helm-cascade: warning: the repository could not be rendered, so pending changes were not checked: ${message}`);
    return { planError: message.split('\n')[0] ?? message };
  }
}

export async function collectDrift(ctx: DriftContext, req: DriftRequest): Promise<DriftReport> {
  const { config } = ctx.repo;
  const clusters = config.clusters.filter((c) => req.selector.cluster === undefined || matchesGlob(c.name, req.selector.cluster));
  const units = expandUnits(ctx.repo).filter((u) => clusters.some((c) => c.name === u.cluster));
  const desired: DesiredUnit[] = units.map((u) => ({ ...unitRefOf(u), enabled: u.enabled }));
  // live objects and health are read for the selected units only (the others are not reported)
  const selected = units.filter((u) => matchesUnit(u, req.selector));
  const reads = await readAll(ctx, clusters, new Map(selected.map((u) => [unitId(u), u.health] as const)), req.concurrency);
  const readable = clusters.filter((c) => reads.some((r) => r.cluster === c.name && !r.error));
  const knownIds = new Set(desired.map(unitId));
  const [{ plan, planError }, policy] = await Promise.all([planReadable(ctx, req, readable, reads), collectPolicyFindings(ctx.repo, (c) => ctx.clients.for(c), reads, (id) => knownIds.has(id))]);
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
