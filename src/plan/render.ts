// units -> desired units: each unit's values merged with provenance, its chart
// resolved, and its manifest rendered as `helm upgrade` would render it (the
// cluster's kube version and API versions, IsUpgrade when the release
// exists). Each distinct (chart, values, name, namespace, capabilities) is
// rendered once, through a bounded pool.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import pLimit from 'p-limit';
import { parse } from 'yaml';
import { ToolError } from '../errors.ts';
import { createChartResolver } from '../helm/charts.ts';
import type { ChartResolver } from '../helm/charts.ts';
import type { TemplateArgs } from '../helm/argv.ts';
import type { Helm } from '../helm/helm.ts';
import { isPlainObject } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import type { ClustersFileSpec, HealthSpec } from '../model/spec.ts';
import type { UnitSpec } from '../model/units.ts';
import { sha256 } from './assemble.ts';
import type { DesiredUnit } from './assemble.ts';
import { mergeValues, withChartDefaults } from './values.ts';
import type { ValueSource } from './values.ts';

/** What a render needs to know about the unit's cluster. */
export interface RenderTarget {
  kubeVersion: string | undefined;
  apiVersions: string[];
  /** The release exists there: render with IsUpgrade. */
  isUpgrade: boolean;
}

/** The value sources of a unit, lowest precedence first (files then `set` of each layer, cascade.*, --set). */
function unitValueSources(u: UnitSpec, readValuesFile: (path: string) => Values, cliSet: Values): ValueSource[] {
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
  if (Object.keys(cliSet).length) sources.push({ source: 'command line (-f/--set)', values: cliSet });
  return sources;
}

/** Reads values files relative to the repository root, each once. */
function makeValuesReader(root: string): (path: string) => Values {
  const cache = new Map<string, Values>();
  return (p) => {
    const abs = isAbsolute(p) ? p : join(root, p);
    let v = cache.get(abs);
    if (!v) {
      const doc: unknown = parse(readFileSync(abs, 'utf8'));
      v = isPlainObject(doc) ? doc : {};
      cache.set(abs, v);
    }
    return v;
  };
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
  cliSet: Values;
  concurrency: number;
  /** `--explain`: list the chart's own defaults among the value origins (one `helm show values` per chart). */
  explain: boolean;
  log?: (line: string) => void;
}

export class Renderer {
  readonly #o: RendererOptions;
  readonly #charts: ChartResolver;
  readonly #readValues: (path: string) => Values;
  readonly #pool: ReturnType<typeof pLimit>;
  readonly #renders = new Map<string, Promise<string>>();
  readonly #defaults = new Map<string, Promise<Values>>();

  constructor(o: RendererOptions) {
    this.#o = o;
    this.#charts = o.charts ?? createChartResolver({ root: o.config.root, repositories: o.config.repositories, helm: o.helm, ...(o.log ? { log: o.log } : {}) });
    this.#readValues = makeValuesReader(o.config.root);
    this.#pool = pLimit(Math.max(1, o.concurrency));
  }

  /** The chart's values.yaml (`helm show values`, folder or package), once per chart. */
  #chartDefaults(path: string): Promise<Values> {
    let v = this.#defaults.get(path);
    if (!v) {
      v = this.#o.helm.show({ chart: path, what: 'values' }).then((text) => {
        const doc: unknown = parse(text);
        return isPlainObject(doc) ? doc : {};
      });
      this.#defaults.set(path, v);
    }
    return v;
  }

  #template(args: TemplateArgs, digest: string): Promise<string> {
    const key = sha256([digest, args.releaseName, args.namespace, args.kubeVersion ?? '', (args.apiVersions ?? []).join(','), String(args.isUpgrade), args.values].join('\0'));
    let r = this.#renders.get(key);
    if (!r) {
      r = this.#pool(() => this.#o.helm.template(args));
      this.#renders.set(key, r);
    }
    return r;
  }

  /** One unit gathered: rendered, or failed with helm's message; disabled units are not rendered. */
  async render(u: UnitSpec, wave: string, step: number, health: HealthSpec, t: RenderTarget): Promise<DesiredUnit> {
    const base = { unit: u, wave, step, health };
    if (!u.enabled) return { ...base, state: 'disabled' };
    let merged: ReturnType<typeof mergeValues> | undefined;
    let chart;
    try {
      merged = mergeValues(unitValueSources(u, this.#readValues, this.#o.cliSet));
      chart = await this.#charts.resolve(u.releaseSpec.chart, u.releaseSpec.repositories);
      const origins = this.#o.explain ? withChartDefaults(merged.origins, await this.#chartDefaults(chart.path)) : merged.origins;
      const values = JSON.stringify(merged.values);
      const args: TemplateArgs = { releaseName: u.helmName, namespace: u.namespace, chart: chart.path, values, apiVersions: t.apiVersions, isUpgrade: t.isUpgrade, ...(t.kubeVersion ? { kubeVersion: t.kubeVersion } : {}) };
      const manifest = await this.#template(args, chart.digest);
      return { ...base, state: 'rendered', chart, values: merged.values, origins, manifest };
    } catch (err) {
      return { ...base, state: 'failed', error: renderErrorText(err), ...(chart ? { chart } : {}), ...(merged ? { values: merged.values, origins: merged.origins } : {}) };
    }
  }
}
