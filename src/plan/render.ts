// units -> desired units: each unit's values merged with provenance, its chart
// resolved, and its manifest rendered as `helm upgrade` would render it (the
// cluster's kube version and API versions, IsUpgrade when the release
// exists). Each distinct (chart, values, name, namespace, capabilities) is
// rendered once, through a bounded pool.
import { isAbsolute, join } from 'node:path';
import pLimit from 'p-limit';
import { parseDocument } from 'yaml';
import { checkBoundary, makeBoundary, outsideMessage } from '../config/boundary.ts';
import { DEFAULT_LIMITS, formatBytes, LIMIT_ENV } from '../config/limits.ts';
import { HELM_VALUES_YAML } from '../config/helm-scalars.ts';
import { readValuesFile } from '../config/values-file.ts';
import { BadInputError, PreflightError, ToolError } from '../errors.ts';
import { createChartResolver } from '../helm/charts.ts';
import type { ChartResolver } from '../helm/charts.ts';
import { crdsRenderedApart, valueFlagList } from '../helm/argv.ts';
import type { TemplateArgs, ValueFlags } from '../helm/argv.ts';
import type { Helm } from '../helm/helm.ts';
import { isPlainObject } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import { unitId } from '../model/identity.ts';
import type { KubeTarget } from '../model/identity.ts';
import type { ResolvedChart } from '../model/release.ts';
import type { ClustersFileSpec, HealthSpec } from '../model/spec.ts';
import type { UnitSpec } from '../model/units.ts';
import { redactor } from '../redact.ts';
import { SecretResolver } from '../secrets/resolver.ts';
import { resolveUnitSecrets } from '../secrets/unit-values.ts';
import { sha256 } from './assemble.ts';
import type { GatheredUnit } from './assemble.ts';
import { cascadeDecision } from './cascade-values.ts';
import { inputDigests } from './inputs.ts';
import type { RenderInputs } from './inputs.ts';
import { renderCacheKey } from './render-cache.ts';
import type { RenderCache } from './render-cache.ts';
import { describeDecision, renderDecision } from './render-skip.ts';
import type { DeployedInputs, RenderDecision } from './render-skip.ts';
import type { ValueOrigin } from './types.ts';
import { crdDocuments, splitRendered } from './rendered.ts';
import { withCommandLine } from './command-line-values.ts';
import { volatileFields } from './volatile.ts';
import { mergeValues, withChartDefaults } from './values.ts';
import type { MergedValues, ValueSource } from './values.ts';

/** What a render needs to know about the unit's cluster and what is deployed there. */
export interface RenderTarget {
  kubeVersion: string | undefined;
  apiVersions: string[];
  /** The release exists there: render with IsUpgrade. */
  isUpgrade: boolean;
  /** The cluster, for charts that call `lookup` (rendered with its answers, `--dry-run=server`). */
  server: KubeTarget | undefined;
  /** The deployed revision: its input digest label and manifest (to skip the render, or tell a nondeterministic chart from a change). */
  deployed: (DeployedInputs & { manifest: string }) | undefined;
  /** Whether the deployed revision's live objects were changed by hand (asked only when the render could be skipped). */
  liveDrift: () => Promise<boolean>;
  /** The deployed revision's user values: what it holds where a secret reference is now is a secret too. */
  deployedValues?: Values | undefined;
}

/** The value sources of a unit, lowest precedence first (files then `set` of each layer, cascade.* when passed); helm adds the command line's (command-line-values.ts). */
function unitValueSources(u: UnitSpec, readValuesFile: (path: string) => Values, cascade: boolean, weights: Record<string, number> = {}): ValueSource[] {
  const sources: ValueSource[] = [];
  for (const l of u.layers) {
    for (const f of l.layer.values) sources.push({ source: f, values: readValuesFile(f) });
    if (Object.keys(l.layer.set).length) {
      sources.push({ source: `${l.file} ${l.source === 'release' ? 'set' : `${l.source}.set`}`, values: l.layer.set, fromSet: true });
    }
  }
  if (cascade) sources.push({ source: 'helm-cascade', values: { cascade: { cluster: u.cluster, region: u.clusterSpec.region, provider: u.clusterSpec.provider, track: u.track ?? '' } } });
  // a router release holds the final weights at rest: a re-plan after a rollout is unchanged (docs/traffic.md)
  if (Object.keys(weights).length) sources.push({ source: 'helm-cascade (traffic weights)', values: weights, fromSet: true });
  return sources;
}

/**
 * Reads values files relative to the repository root, each once, with the
 * boundary and limits `validate` checks (config/values-file.ts); load has
 * already refused any problem, this is the same check where the file is read.
 */
function makeValuesReader(config: ClustersFileSpec): (path: string) => Values {
  const cache = new Map<string, Values>();
  const boundary = makeBoundary(config.root, config.allowedRoots?.slice(1) ?? []);
  const limits = config.limits ?? DEFAULT_LIMITS;
  return (p) => {
    const abs = isAbsolute(p) ? p : join(config.root, p);
    let v = cache.get(abs);
    if (!v) {
      const where = checkBoundary(p, config.root, boundary);
      if (!where.inside) throw new BadInputError(outsideMessage('values file', p, where.via, boundary));
      const read = readValuesFile(abs, p, limits);
      if (!read.values) throw new BadInputError(read.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
      v = read.values;
      cache.set(abs, v);
    }
    return v;
  };
}

/** A unit's rendered output over the limit is refused (a chart or values that make helm print without end). */
function checkRenderSize(out: string, limits: ClustersFileSpec['limits']): string {
  const max = (limits ?? DEFAULT_LIMITS).maxRenderBytes;
  const size = Buffer.byteLength(out);
  if (size > max) throw new BadInputError(`rendered output is ${formatBytes(size)}, over the limit of ${formatBytes(max)} per release (${LIMIT_ENV.maxRenderBytes})`);
  return out;
}

/** The error text a unit shows: helm's own message (it names the template file and line). */
function renderErrorText(err: unknown): string {
  if (err instanceof ToolError) return err.stderr.trim() || err.message;
  return err instanceof Error ? err.message : String(err);
}

export interface RendererOptions {
  config: ClustersFileSpec;
  helm: Helm;
  charts?: ChartResolver;
  /** -f, --set, --set-string, --set-file, --set-json, --set-literal: merged over each unit's values by helm itself. */
  valueFlags?: ValueFlags;
  concurrency: number;
  /** `--explain`: list the chart's own defaults among the value origins (one `helm show values` per chart). */
  explain: boolean;
  /** The helm that renders: its major is an input of every render, its exact version part of the render cache's key. */
  helmVersion: { version: string; major: number };
  /** Renders kept between runs (none: every render runs helm); a render holding a secret is never kept. */
  cache?: RenderCache;
  /** Resolves the units' secret references (default: one for this repository, from the process environment). */
  secrets?: SecretResolver;
  /** `--render-all`: render every unit, digests and render cache ignored. */
  renderAll?: boolean;
  /** A router release's final traffic weights by values path (model/traffic.ts finalRouterValues); none for other releases. */
  routerWeights?: (release: string) => Record<string, number>;
  log?: (line: string) => void;
}

/** A unit's chart, values and input digest: everything before the render. */
interface Prepared {
  chart: ResolvedChart;
  values: Values;
  origins: ValueOrigin[];
  inputs: string;
  /** Every form of `inputs` a revision made from the same inputs may carry (plain, keyed). */
  sameInputs: string[];
  args: TemplateArgs;
  notes: string[];
}

/** helm's output for one render, and whether it came from the render cache. */
interface Output {
  text: string;
  cached: boolean;
}

export class Renderer {
  readonly #o: RendererOptions;
  readonly #charts: ChartResolver;
  readonly #readValues: (path: string) => Values;
  readonly #secrets: SecretResolver;
  readonly #pool: ReturnType<typeof pLimit>;
  readonly #renders = new Map<string, Promise<Output>>();
  readonly #defaults = new Map<string, Promise<Values>>();
  /** The charts (by path) with a crds/ folder, in themselves or a subchart. */
  readonly #crdCharts = new Set<string>();

  constructor(o: RendererOptions) {
    this.#o = o;
    this.#charts = o.charts ?? createChartResolver({ root: o.config.root, ...(o.config.allowedRoots ? { allowedRoots: o.config.allowedRoots } : {}), repositories: o.config.repositories, helm: o.helm, ...(o.log ? { log: o.log } : {}) });
    this.#readValues = makeValuesReader(o.config);
    this.#secrets = o.secrets ?? new SecretResolver({ root: o.config.root, ...(o.config.allowedRoots ? { allowedRoots: o.config.allowedRoots } : {}) });
    this.#pool = pLimit(Math.max(1, o.concurrency));
  }

  /** The chart's values.yaml (`helm show values`, folder or package), once per chart. */
  #chartDefaults(path: string): Promise<Values> {
    let v = this.#defaults.get(path);
    if (!v) {
      v = this.#o.helm.show({ chart: path, what: 'values' }).then((text) => {
        const doc: unknown = parseDocument(text, HELM_VALUES_YAML as Parameters<typeof parseDocument>[1]).toJS();
        return isPlainObject(doc) ? doc : {};
      });
      this.#defaults.set(path, v);
    }
    return v;
  }

  /** One helm template through the pool; from the render cache when it holds it (never for renders against the cluster). */
  async #run(args: TemplateArgs, inputs: string, fresh: boolean): Promise<Output> {
    const cache = fresh || args.server || this.#o.renderAll ? undefined : this.#o.cache;
    const key = renderCacheKey(inputs, args.isUpgrade === true, this.#o.helmVersion.version);
    const hit = cache?.get(key);
    if (hit !== undefined) return { text: hit, cached: true };
    const text = checkRenderSize(await this.#helmTemplate(args, inputs), this.#o.config.limits);
    if (!redactor.has(text)) cache?.set(key, text);
    return { text, cached: false };
  }

  /**
   * helm's output for one render. A Helm 4 render against the cluster has no
   * crds/ documents (helm/argv.ts templateCommand): they are taken from the
   * client render of the same chart and values (static files, the same output;
   * render cache allowed) and put first, where `--include-crds` prints them.
   */
  async #helmTemplate(args: TemplateArgs, inputs: string): Promise<string> {
    const rendered = await this.#pool(() => this.#o.helm.template(args));
    if (!crdsRenderedApart(this.#o.helmVersion.major === 4 ? 4 : 3, args) || !this.#crdCharts.has(args.chart)) return rendered;
    const { server: _server, ...client } = args;
    const crds = crdDocuments((await this.#run(client, inputs, false)).text);
    return `${crds}${rendered}`;
  }

  #template(args: TemplateArgs, inputs: string, fresh = false): Promise<Output> {
    const key = sha256([inputs, args.server ? `server ${args.server.context}` : '', String(args.isUpgrade)].join('\0'));
    let r = fresh ? undefined : this.#renders.get(key);
    if (!r) {
      r = this.#run(args, inputs, fresh);
      if (!fresh) this.#renders.set(key, r);
    }
    return r;
  }

  /**
   * Inputs unchanged since the deployed revision, yet another manifest: render
   * once more (against the cluster too, for charts that call lookup). Another
   * output again means the chart's own templates change it on every render
   * (random or time values): nondeterministic, with the fields that change
   * (plan/volatile.ts). Empty: the two renders agree.
   */
  async #volatile(p: Prepared, first: string, t: RenderTarget): Promise<string[]> {
    if (!t.deployed?.inputs || !p.sameInputs.includes(t.deployed.inputs) || t.deployed.manifest.trim() === first.trim()) return [];
    const again = splitRendered((await this.#template(p.args, p.inputs, true)).text, p.args.namespace).manifest;
    return again.trim() === first.trim() ? [] : volatileFields(first, again, p.args.namespace);
  }

  /** The unit's values: the repository's layers, then the command line's merged in by helm (through the pool: one helm call). */
  async #values(u: UnitSpec, cascade: boolean): Promise<MergedValues> {
    const merged = mergeValues(unitValueSources(u, this.#readValues, cascade, this.#o.routerWeights?.(u.release)));
    const flags = this.#o.valueFlags;
    if (!flags || valueFlagList(flags).length === 0) return merged;
    return withCommandLine(merged, (base) => this.#pool(() => this.#o.helm.mergeValueFlags(base, flags)));
  }

  /** Chart resolved, values merged, input digest computed; `got` keeps what was reached when this throws. */
  async #prepare(u: UnitSpec, t: RenderTarget, got: { chart?: ResolvedChart; values?: Values; origins?: ValueOrigin[] }): Promise<Prepared> {
    const chart = (got.chart = await this.#charts.resolve(u.releaseSpec.chart, u.releaseSpec.repositories));
    if (chart.features.crdsDir) this.#crdCharts.add(chart.path);
    const cascade = cascadeDecision(u.releaseSpec.cascadeValues ?? this.#o.config.cascadeValues, chart.features.schema);
    const merged = await this.#values(u, cascade.pass);
    got.values = merged.values;
    got.origins = merged.origins;
    // secret references resolved for this unit's cluster (and registered in the redactor); origins keep the references
    const { values } = await resolveUnitSecrets(this.#secrets, { unit: u, values: merged.values, deployed: t.deployedValues, root: this.#o.config.root });
    got.values = values;
    const origins = this.#o.explain ? withChartDefaults(merged.origins, await this.#chartDefaults(chart.path)) : merged.origins;
    const digestOf: RenderInputs = { chart: chart.digest, values, releaseName: u.helmName, namespace: u.namespace, kubeVersion: t.kubeVersion, apiVersions: t.apiVersions, apiQueries: chart.features.apiQueries, helmMajor: this.#o.helmVersion.major };
    const { digest: inputs, forms: sameInputs } = inputDigests(digestOf);
    const server = chart.features.lookup ? t.server : undefined;
    const args: TemplateArgs = { releaseName: u.helmName, namespace: u.namespace, chart: chart.path, values, apiVersions: t.apiVersions, isUpgrade: t.isUpgrade, ...(t.kubeVersion ? { kubeVersion: t.kubeVersion } : {}), ...(server ? { server } : {}) };
    const notes = [...(cascade.note ? [cascade.note] : []), ...(server ? ['rendered against the cluster (its templates call lookup)'] : [])];
    return { chart, values, origins, inputs, sameInputs, args, notes };
  }

  /** Render or skip (render-skip.ts); live drift is only waited for when the render could be skipped. */
  async #decide(p: Prepared, t: RenderTarget): Promise<RenderDecision> {
    if (this.#o.renderAll) return { render: true, why: 'render-all', revision: t.deployed?.revision };
    const q = { inputs: p.inputs, sameInputs: p.sameInputs, deployed: t.deployed, lookup: p.chart.features.lookup, liveDrift: false };
    const first = renderDecision(q);
    return first.render ? first : renderDecision({ ...q, liveDrift: await t.liveDrift() });
  }

  async #rendered(p: Prepared, t: RenderTarget, u: UnitSpec) {
    const out = await this.#template(p.args, p.inputs);
    const split = splitRendered(out.text, u.namespace);
    const volatile = await this.#volatile(p, split.manifest, t);
    return { out, unit: { state: 'rendered' as const, chart: p.chart, values: p.values, origins: p.origins, ...split, inputs: p.inputs, nondeterministic: volatile.length > 0, volatile, notes: p.notes } };
  }

  /** One unit gathered: rendered (or skipped: the deployed manifest), or failed with helm's message; disabled units are not rendered. */
  async render(u: UnitSpec, wave: string, step: number, health: HealthSpec, t: RenderTarget): Promise<GatheredUnit> {
    const base = { unit: u, wave, step, health };
    if (!u.enabled) return { ...base, state: 'disabled' };
    const got: { chart?: ResolvedChart; values?: Values; origins?: ValueOrigin[] } = {};
    try {
      const p = await this.#prepare(u, t, got);
      const decision = await this.#decide(p, t);
      if (!decision.render && t.deployed) {
        this.#o.log?.(`render ${unitId(u)}: ${describeDecision(decision)}`);
        return { ...base, state: 'rendered', chart: p.chart, values: p.values, origins: p.origins, manifest: t.deployed.manifest, hooks: [], crds: [], extra: '', inputs: p.inputs, nondeterministic: false, notes: p.notes };
      }
      const r = await this.#rendered(p, t, u);
      this.#o.log?.(`render ${unitId(u)}: ${describeDecision(decision, r.out.cached)}`);
      return { ...base, ...r.unit };
    } catch (err) {
      // a Vault that cannot be asked stops the command (exit 5); it says nothing about this unit
      if (err instanceof PreflightError) throw err;
      return { ...base, state: 'failed', error: renderErrorText(err), ...(got.chart ? { chart: got.chart } : {}), ...(got.values ? { values: got.values, origins: got.origins ?? [] } : {}) };
    }
  }
}
