// The I/O around assemblePlan: read what each cluster runs (live/read.ts: one
// batched list of release records per cluster, its version and API
// versions), render every selected unit (render.ts), read the live objects of
// deployed units (live drift), then assemble (which registers every unit's
// sensitive strings with the redactor). plan-repo.ts runs it for every command that plans.
import { PreflightError, UsageError } from '../errors.ts';
import { join } from 'node:path';
import { createChartResolver, defaultCacheRoot } from '../helm/charts.ts';
import type { ChartResolver } from '../helm/charts.ts';
import type { Helm } from '../helm/helm.ts';
import type { KubeClient, KubeClients } from '../kube/client.ts';
import { checkContexts } from '../kube/kubeconfig.ts';
import { compareLive, ignoreRulesOf, readClusterState } from '../live/read.ts';
import type { ClusterState, IgnoreOf } from '../live/read.ts';
import { unitId } from '../model/identity.ts';
import { INPUTS_LABEL, releaseId, TRACK_LABEL } from '../model/release.ts';
import type { DeployedRelease } from '../model/release.ts';
import { matchesGlob, matchesSelector, matchesUnit, nearestNames, selectorText, shortText } from '../model/selectors.ts';
import type { UnitSelector } from '../model/selectors.ts';
import type { ClusterSpec, ClustersFileSpec, DeployRepo, HealthSpec } from '../model/spec.ts';
import { finalRouterValues } from '../model/traffic.ts';
import { expandUnits } from '../model/units.ts';
import { assignWaves, effectiveWaves, waveHealth, waveHealthOf, waveHolds } from '../model/waves.ts';
import type { WavePlan } from '../model/waves.ts';
import { redactor as processRedactor } from '../redact.ts';
import type { Redactor } from '../redact.ts';
import { assemblePlan } from './assemble.ts';
import type { GatheredWave, LiveDriftInput } from './assemble.ts';
import { diskRenderCache } from './render-cache.ts';
import { keepDigestKeyIn } from '../secrets/digest.ts';
import { Renderer } from './render.ts';
import type { RenderTarget } from './render.ts';
import type { UnitSpec } from '../model/units.ts';
import type { Plan } from './types.ts';
import type { ValueFlags } from '../helm/argv.ts';

export interface MakePlanOptions {
  kubeconfig: string;
  selector?: UnitSelector;
  wave?: string;
  /** Command-line values (-f, --set, ...), merged over each unit's by helm itself; highest precedence. */
  valueFlags?: ValueFlags;
  prune?: boolean;
  concurrency?: number;
  log?: (line: string) => void;
  /** Also read the live objects of deployed units and plan an upgrade where they were changed by hand. */
  liveDrift?: boolean;
  /** `--explain`: list the chart's own defaults among the value origins too (one `helm show values` per chart). */
  explain?: boolean;
  /** helm-cascade's cache folder (renders/ and charts/ below it); default: defaultCacheRoot(). */
  cacheDir?: string;
  /** `--render-all`: render every unit, ignoring input digests and the render cache. */
  renderAll?: boolean;
  /** `--force-nondeterministic`: upgrade nondeterministic units whose inputs are those of the deployed revision. */
  forceNondeterministic?: boolean;
}

export interface PlanDeps {
  helm: Helm;
  /** The run's clients (the default reads go through them). */
  clients?: KubeClients;
  charts?: ChartResolver;
  /** Default: version, capabilities and release records through the cluster's KubeClient. */
  readCluster?: (c: ClusterSpec) => Promise<ClusterState>;
  /** Live drift of deployed releases of one cluster, keyed cluster/namespace/name (default: live/read.ts compareLive). */
  detectLiveDrift?: (c: ClusterSpec, releases: DeployedRelease[]) => Promise<Map<string, LiveDriftInput>>;
  /** Where every unit's sensitive strings are registered (default: the process's redactor). */
  redactor?: Redactor;
  now?: () => Date;
}

/** Live drift of these releases of one cluster through its client (live/read.ts). Throws when a namespace cannot be read. */
async function readLiveDrift(client: KubeClient, releases: readonly DeployedRelease[], ignoreOf: IgnoreOf): Promise<Map<string, LiveDriftInput>> {
  const { drift, errors } = await compareLive(client, releases, { ignoreOf });
  const failed = Object.entries(errors);
  if (failed.length) throw new Error(`cluster "${client.cluster}": live objects could not be read: ${failed.map(([ns, e]) => `${ns}: ${e}`).join('; ')}`);
  return drift;
}

/** Reads every cluster at once; unreachable ones are reported together (PreflightError). */
async function readClusters(clusters: ClusterSpec[], read: (c: ClusterSpec) => Promise<ClusterState>): Promise<Map<string, ClusterState>> {
  const results = await Promise.allSettled(clusters.map(async (c) => [c.name, await read(c)] as const));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length) {
    if (failures.every((f) => f instanceof PreflightError)) throw new PreflightError(failures.map((f) => (f as Error).message).join('\n'));
    throw failures.find((f) => !(f instanceof PreflightError));
  }
  return new Map(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
}

function clientsOf(deps: PlanDeps): KubeClients {
  if (!deps.clients) throw new Error('makePlan needs the run\'s KubeClients (or readCluster and detectLiveDrift)');
  return deps.clients;
}

/** The selected waves and the clusters the selection can touch (for orphans too). */
function scope(config: ClustersFileSpec, waves: WavePlan[], opts: MakePlanOptions): { waves: WavePlan[]; clusters: ClusterSpec[] } {
  const selectedWaves = waves.filter((w) => opts.wave === undefined || w.name === opts.wave);
  const cluster = opts.selector?.cluster;
  const clusters = config.clusters.filter((c) => (cluster === undefined || matchesGlob(c.name, cluster)) && (opts.wave === undefined || selectedWaves.some((w) => matchesSelector(c, w.spec.clusters))));
  return { waves: selectedWaves, clusters };
}

/** Where an orphan's uninstall goes: the wave of its track (its label, else the last track) on its cluster. */
function orphanPlacement(config: ClustersFileSpec, wave: string | undefined): (d: DeployedRelease) => { wave: string; health: HealthSpec } | undefined {
  const specs = effectiveWaves(config);
  const lastTrack = config.tracks[config.tracks.length - 1];
  const byCluster = new Map(config.clusters.map((c) => [c.name, c]));
  return (d) => {
    const cluster = byCluster.get(d.cluster);
    if (!cluster) return undefined;
    const track = d.labels[TRACK_LABEL] || lastTrack;
    const spec = specs.find((w) => waveHolds(w, track, cluster)) ?? specs[specs.length - 1];
    if (!spec || (wave !== undefined && spec.name !== wave)) return undefined;
    return { wave: spec.name, health: waveHealthOf(config.health, spec) };
  };
}

/** Live drift of the selected, deployed units, cluster by cluster. */
async function liveDriftOf(clusters: ClusterSpec[], states: Map<string, ClusterState>, selectedIds: Set<string>, detect: NonNullable<PlanDeps['detectLiveDrift']>): Promise<Map<string, LiveDriftInput>> {
  const parts = await Promise.all(
    clusters.map(async (c) => {
      const releases = (states.get(c.name)?.deployed ?? []).filter((d) => d.status === 'deployed' && selectedIds.has(releaseId(d)));
      return releases.length ? [...(await detect(c, releases))] : [];
    }),
  );
  return new Map(parts.flat());
}

/** The plan's renderer: the run's helm, charts and render cache under the cache folder. */
function rendererFor(repo: DeployRepo, opts: MakePlanOptions, deps: PlanDeps, helmVersion: { version: string; major: number }): Renderer {
  const cacheDir = opts.cacheDir ?? defaultCacheRoot();
  keepDigestKeyIn(cacheDir);
  const charts = deps.charts ?? createChartResolver({ root: repo.config.root, repositories: repo.config.repositories, helm: deps.helm, cacheDir: join(cacheDir, 'charts'), ...(opts.log ? { log: opts.log } : {}) });
  return new Renderer({
    config: repo.config,
    helm: deps.helm,
    charts,
    ...(opts.valueFlags ? { valueFlags: opts.valueFlags } : {}),
    concurrency: opts.concurrency ?? 4,
    explain: opts.explain === true,
    helmVersion,
    cache: diskRenderCache(cacheDir),
    // --force-nondeterministic must render what the input digests would skip: a nondeterministic chart is found by rendering it
    renderAll: opts.renderAll === true || opts.forceNondeterministic === true,
    routerWeights: (release) => finalRouterValues(repo.releases, release),
    ...(opts.log ? { log: opts.log } : {}),
  });
}

export async function makePlan(repo: DeployRepo, opts: MakePlanOptions, deps: PlanDeps): Promise<Plan> {
  const { config } = repo;
  const selector = opts.selector ?? {};
  const all = expandUnits(repo);
  const { waves, clusters } = scope(config, assignWaves(config, all).waves, opts);
  checkContexts(clusters, opts.kubeconfig);
  const read = deps.readCluster ?? ((c: ClusterSpec) => readClusterState(clientsOf(deps).for(c)));
  const [helmVersion, states] = await Promise.all([deps.helm.version(), readClusters(clusters, read)]);
  const deployedById = new Map([...states.values()].flatMap((st) => st.deployed.map((d) => [releaseId(d), d] as const)));

  const selectedIds = new Set(waves.flatMap((w) => w.steps.flat().filter((u) => u.enabled && matchesUnit(u, selector)).map((u) => unitId(u))));
  const ignoreOf = ignoreRulesOf(repo);
  const detect = deps.detectLiveDrift ?? ((c: ClusterSpec, releases: DeployedRelease[]) => readLiveDrift(clientsOf(deps).for(c), releases, ignoreOf));
  const liveDrift = opts.liveDrift ? liveDriftOf(clusters, states, selectedIds, detect) : Promise.resolve(new Map<string, LiveDriftInput>());

  const renderer = rendererFor(repo, opts, deps, helmVersion);
  const targetOf = (u: UnitSpec): RenderTarget => {
    const st = states.get(u.cluster);
    const d = deployedById.get(unitId(u));
    return {
      kubeVersion: st?.kubeVersion,
      apiVersions: st?.apiVersions ?? [],
      isUpgrade: d !== undefined,
      server: deps.clients?.for(u.clusterSpec).target,
      deployed: d && { revision: d.revision, status: d.status, inputs: d.labels[INPUTS_LABEL], manifest: d.manifest },
      liveDrift: async () => (await liveDrift).get(unitId(u))?.drifted === true,
      deployedValues: d?.config,
    };
  };
  const gathered: GatheredWave[] = await Promise.all(
    waves.map(async (w) => ({
      name: w.name,
      index: w.index,
      steps: await Promise.all(
        w.steps.map((step, si) =>
          Promise.all(
            step.filter((u) => matchesUnit(u, selector)).map((u) => renderer.render(u, w.name, si, waveHealth(u, w.spec), targetOf(u))),
          ),
        ),
      ),
    })),
  );

  const plan = assemblePlan({
    clustersFile: config.file,
    waves: gathered,
    deployed: [...states.values()].flatMap((s) => s.deployed),
    listedIds: new Set(all.map((u) => unitId(u))),
    clustersRead: new Set(states.keys()),
    repo: config.repoName,
    liveDrift: await liveDrift,
    forceNondeterministic: opts.forceNondeterministic === true,
    selector,
    prune: opts.prune === true,
    orphanPlacement: orphanPlacement(config, opts.wave),
    createdAt: (deps.now ?? (() => new Date()))().toISOString(),
    redactor: deps.redactor ?? processRedactor,
  });
  if (opts.prune) checkPruneSelection(selector, all, plan);
  return plan;
}

/**
 * With --prune a selector may name a release the repository no longer lists
 * (model/selection.ts leaves name=, track= and namespace= to this): one
 * that matches neither a listed unit nor a deployed orphan is bad input.
 */
function checkPruneSelection(selector: UnitSelector, all: UnitSpec[], plan: Plan): void {
  if (Object.keys(selector).length === 0 || all.some((u) => matchesUnit(u, selector)) || plan.orphans.length > 0) return;
  const names = all.map((u) => u.release);
  const nearest = selector.name !== undefined ? nearestNames(selector.name, names) : '';
  throw new UsageError(`-l ${shortText(selectorText(selector), 200)} matches no release of the repository and no deployed release it no longer lists${nearest}`);
}
