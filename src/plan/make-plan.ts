// The I/O around assemblePlan: resolve charts, read what is deployed (one
// batched list per cluster), merge values, render each distinct (chart,
// values, name, namespace, kube version) once through a bounded pool. Usable
// in-process by apply and drift: makePlan(repo, opts, deps).
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { PreflightError, ToolError } from '../errors.ts';
import { unitId } from '../model/identity.ts';
import { matchesGlob, matchesSelector, matchesUnit } from '../model/selectors.ts';
import type { UnitSelector } from '../model/selectors.ts';
import type { ClusterSpec, DeployRepo } from '../model/spec.ts';
import { createChartResolver } from '../helm/charts.ts';
import type { ChartResolver } from '../helm/charts.ts';
import type { TemplateArgs } from '../helm/argv.ts';
import type { Helm } from '../helm/helm.ts';
import { readDeployedReleases } from '../kube/deployed.ts';
import type { KubeTargetRef } from '../kube/kubectl.ts';
import { apiVersions, serverVersion } from '../kube/kubectl.ts';
import { kubeconfigContexts } from '../kube/kubeconfig.ts';
import { TRACK_LABEL } from '../model/release.ts';
import { assemblePlan, sha256 } from './assemble.ts';
import type { LiveDriftInput } from './assemble.ts';
import { detectLiveDriftInCluster } from '../drift/read.ts';
import type { DesiredUnit, DesiredWave } from './assemble.ts';
import { limit } from './pool.ts';
import type { Plan } from './types.ts';
import type { DeployedRelease } from '../model/release.ts';
import { expandUnits } from '../model/units.ts';
import type { UnitSpec } from '../model/units.ts';
import { mergeValues, parseSetFlags, withChartDefaults } from './values.ts';
import type { Values } from '../model/json.ts';
import type { ValueSource } from './values.ts';
import { assignWaves, effectiveWaves, waveHealth, waveHolds } from '../model/waves.ts';

export interface MakePlanOptions {
  kubeconfig: string;
  selector?: UnitSelector;
  wave?: string;
  set?: string[]; // --set k=v, highest precedence
  prune?: boolean;
  concurrency?: number;
  log?: (line: string) => void;
  /** Also read the live objects of deployed units and plan an upgrade where they were changed by hand. */
  liveDrift?: boolean;
  /** `--explain`: list the chart's own defaults among the value origins too (one `helm show values` per chart). */
  explain?: boolean;
}

export interface PlanDeps {
  helm: Helm;
  charts?: ChartResolver;
  readDeployed?: (t: KubeTargetRef) => Promise<DeployedRelease[]>;
  serverVersion?: (t: KubeTargetRef) => Promise<string>;
  /** The cluster's group/versions, for helm template --api-versions (default: kubectl api-versions; [] when serverVersion is faked). */
  apiVersions?: (t: KubeTargetRef) => Promise<string[]>;
  /** Live drift of deployed releases of one cluster, keyed namespace/name (default: drift/read.ts, one kubectl per namespace). */
  detectLiveDrift?: (t: KubeTargetRef, releases: DeployedRelease[]) => Promise<Map<string, LiveDriftInput>>;
  now?: () => Date;
}

export interface ClusterState {
  cluster: ClusterSpec;
  kubeVersion: string;
  apiVersions: string[];
  deployed: DeployedRelease[];
}

/** Contexts missing from the kubeconfig: one PreflightError naming every one (no cluster is called). */
export function checkContexts(clusters: ClusterSpec[], kubeconfig: string): void {
  const { contexts, missingFiles } = kubeconfigContexts(kubeconfig);
  const problems: string[] = missingFiles.map((f) => `kubeconfig not found: ${f}`);
  for (const c of clusters) if (!contexts.has(c.context)) problems.push(`cluster "${c.name}": context "${c.context}" is not in the kubeconfig (${kubeconfig})`);
  if (problems.length) throw new PreflightError(problems.join('\n'));
}

/** Reads every cluster at once (version + release records); unreachable ones are reported together. */
export async function readClusters(clusters: ClusterSpec[], kubeconfig: string, deps: Pick<PlanDeps, 'readDeployed' | 'serverVersion' | 'apiVersions'>, log?: (l: string) => void): Promise<Map<string, ClusterState>> {
  const readDeployed = deps.readDeployed ?? ((t: KubeTargetRef) => readDeployedReleases(t, log ? { log } : {}));
  const version = deps.serverVersion ?? ((t: KubeTargetRef) => serverVersion(t, log ? { log } : {}));
  const apis = deps.apiVersions ?? (deps.serverVersion ? async () => [] : (t: KubeTargetRef) => apiVersions(t, log ? { log } : {}));
  const results = await Promise.allSettled(
    clusters.map(async (c) => {
      const t = { cluster: c.name, context: c.context, kubeconfig };
      const [kubeVersion, apiVersions, deployed] = await Promise.all([version(t), apis(t), readDeployed(t)]);
      return { cluster: c, kubeVersion, apiVersions, deployed };
    }),
  );
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length) {
    if (failures.every((f) => f instanceof PreflightError)) throw new PreflightError(failures.map((f) => (f as Error).message).join('\n'));
    throw failures.find((f) => !(f instanceof PreflightError));
  }
  const out = new Map<string, ClusterState>();
  for (const r of results) if (r.status === 'fulfilled') out.set(r.value.cluster.name, r.value);
  return out;
}

/** The value sources of a unit, lowest precedence first (files then `set` of each layer, cascade.*, --set). */
export function unitValueSources(u: UnitSpec, readValuesFile: (path: string) => Values, cliSet: Values): ValueSource[] {
  const sources: ValueSource[] = [];
  for (const l of u.layers) {
    for (const f of l.layer.values) sources.push({ source: f, values: readValuesFile(f) });
    if (Object.keys(l.layer.set).length) {
      sources.push({ source: `${l.file} ${l.source === 'release' ? 'set' : `${l.source}.set`}`, values: l.layer.set, fromSet: true });
    }
  }
  sources.push({
    source: 'helm-cascade',
    values: { cascade: { cluster: u.cluster, region: u.clusterSpec.region, provider: u.clusterSpec.provider, track: u.track ?? '' } },
  });
  if (Object.keys(cliSet).length) sources.push({ source: '--set', values: cliSet, fromSet: true });
  return sources;
}

export function makeValuesReader(root: string): (path: string) => Values {
  const cache = new Map<string, Values>();
  return (p) => {
    const abs = isAbsolute(p) ? p : join(root, p);
    let v = cache.get(abs);
    if (!v) {
      const doc: unknown = parse(readFileSync(abs, 'utf8'));
      v = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Values) : {};
      cache.set(abs, v);
    }
    return v;
  };
}

/** The error text a unit shows: helm's own message (it names the template file and line). */
export function renderErrorText(err: unknown): string {
  if (err instanceof ToolError) return err.stderr.trim() || err.message;
  return err instanceof Error ? err.message : String(err);
}

export async function makePlan(repo: DeployRepo, opts: MakePlanOptions, deps: PlanDeps): Promise<Plan> {
  const { config } = repo;
  const selector = opts.selector ?? {};
  const cliSet = parseSetFlags(opts.set ?? []);
  const all = expandUnits(repo);
  const listedIds = new Set(all.map((u) => unitId(u)));
  const { waves } = assignWaves(config, all);
  const selectedWaves = waves.filter((w) => opts.wave === undefined || w.name === opts.wave);
  const selected = (u: UnitSpec) => matchesUnit(u, selector);

  // clusters to read: those the selection can touch (for orphans too)
  const clusters = config.clusters.filter(
    (c) => (selector.cluster === undefined || matchesGlob(c.name, selector.cluster)) && (opts.wave === undefined || selectedWaves.some((w) => matchesSelector(c, w.spec.clusters))),
  );
  checkContexts(clusters, opts.kubeconfig);
  const [, states] = await Promise.all([deps.helm.version(), readClusters(clusters, opts.kubeconfig, deps, opts.log)]);

  const charts = deps.charts ?? createChartResolver({ root: config.root, repositories: config.repositories, helm: deps.helm, ...(opts.log ? { log: opts.log } : {}) });
  const readValues = makeValuesReader(config.root);
  const pool = limit(Math.max(1, opts.concurrency ?? 4));
  const renders = new Map<string, Promise<string>>();
  const deployedIds = new Set([...states.values()].flatMap((st) => st.deployed.map((d) => `${d.cluster}/${d.namespace}/${d.name}`)));

  // live drift of the selected, deployed units: read beside the rendering
  const selectedIds = new Set(selectedWaves.flatMap((w) => w.steps.flat().filter((u) => u.enabled && selected(u)).map((u) => unitId(u))));
  const liveDrift: Promise<Map<string, LiveDriftInput>> = opts.liveDrift
    ? Promise.all(
        [...states.values()].map(async (st) => {
          const releases = st.deployed.filter((d) => d.status === 'deployed' && selectedIds.has(`${d.cluster}/${d.namespace}/${d.name}`));
          if (releases.length === 0) return [];
          const t = { cluster: st.cluster.name, context: st.cluster.context, kubeconfig: opts.kubeconfig };
          const found = await (deps.detectLiveDrift ?? detectLiveDriftInCluster)(t, releases);
          return [...found].map(([nsName, r]) => [`${st.cluster.name}/${nsName}`, r] as const);
        }),
      ).then((parts) => new Map(parts.flat()))
    : Promise.resolve(new Map());

  const defaults = new Map<string, Promise<Values>>();
  /** The chart's values.yaml (`helm show values`, folder or package), once per chart. */
  const chartDefaults = (path: string): Promise<Values> => {
    let v = defaults.get(path);
    if (!v) {
      v = deps.helm.show({ chart: path, what: 'values' }).then((text) => {
        const doc: unknown = parse(text);
        return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Values) : {};
      });
      defaults.set(path, v);
    }
    return v;
  };

  async function gather(u: UnitSpec, wave: string, step: number, health: DesiredUnit['health']): Promise<DesiredUnit> {
    const d: DesiredUnit = { unit: u, wave, step, health };
    if (!u.enabled) return d;
    try {
      const merged = mergeValues(unitValueSources(u, readValues, cliSet));
      d.values = merged.values;
      d.origins = merged.origins;
      const chart = await charts.resolve(u.releaseSpec.chart, u.releaseSpec.repositories);
      d.chart = chart;
      if (opts.explain) d.origins = withChartDefaults(merged.origins, await chartDefaults(chart.path));
      const state = states.get(u.cluster);
      const kubeVersion = state?.kubeVersion;
      const apis = state?.apiVersions ?? [];
      // render as `helm upgrade` will: same capabilities, IsUpgrade when the release exists
      const isUpgrade = deployedIds.has(unitId(u));
      const valuesText = JSON.stringify(merged.values);
      const key = sha256([chart.digest, u.helmName, u.namespace, kubeVersion ?? '', apis.join(','), String(isUpgrade), valuesText].join('\0'));
      let r = renders.get(key);
      if (!r) {
        const args: TemplateArgs = { releaseName: u.helmName, namespace: u.namespace, chart: chart.path, values: valuesText, apiVersions: apis, isUpgrade };
        if (kubeVersion) args.kubeVersion = kubeVersion;
        r = pool(() => deps.helm.template(args));
        renders.set(key, r);
      }
      d.manifest = await r;
    } catch (err) {
      d.error = renderErrorText(err);
    }
    return d;
  }

  const desiredWaves: DesiredWave[] = await Promise.all(
    selectedWaves.map(async (w) => ({
      name: w.name,
      index: w.index,
      steps: await Promise.all(w.steps.map((step, si) => Promise.all(step.filter(selected).map((u) => gather(u, w.name, si, waveHealth(u, w.spec)))))),
    })),
  );

  const specs = effectiveWaves(config);
  const lastTrack = config.tracks[config.tracks.length - 1];
  const byCluster = new Map(config.clusters.map((c) => [c.name, c]));
  const orphanPlacement = (d: DeployedRelease) => {
    const cluster = byCluster.get(d.cluster);
    if (!cluster) return undefined;
    const track = d.labels[TRACK_LABEL] || lastTrack;
    const spec = specs.find((w) => waveHolds(w, track, cluster)) ?? specs[specs.length - 1];
    if (!spec || (opts.wave !== undefined && spec.name !== opts.wave)) return undefined;
    return { wave: spec.name, health: { ...config.health, ...(spec.health ?? {}), ...(spec.soakMs !== undefined ? { soakMs: spec.soakMs } : {}) } };
  };

  return assemblePlan({
    clustersFile: config.file,
    waves: desiredWaves,
    deployed: [...states.values()].flatMap((s) => s.deployed),
    listedIds,
    clustersRead: new Set(states.keys()),
    repo: config.repoName,
    liveDrift: await liveDrift,
    selector,
    prune: opts.prune === true,
    orphanPlacement,
    createdAt: (deps.now ?? (() => new Date()))().toISOString(),
  });
}
