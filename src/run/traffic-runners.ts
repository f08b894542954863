// The runners of the traffic steps (traffic-steps.ts): a weight set on the
// track's router (an HTTPRoute by server-side apply, or a helm upgrade of the
// router release) and read back; an analysis held for a step's pause. What a
// failed analysis says (the step, the query, its value, the limit) goes on
// the step's end event, so every report names it.
import { join } from 'node:path';
import { createChartResolver, defaultCacheRoot } from '../helm/charts.ts';
import type { ChartResolver } from '../helm/charts.ts';
import type { Helm } from '../helm/helm.ts';
import type { KubeClient } from '../kube/client.ts';
import { markerLabels } from '../model/release.ts';
import type { DeployRepo } from '../model/spec.ts';
import { describeFailure, holdAnalysis } from '../traffic/analysis.ts';
import { gatewayApiRouter } from '../traffic/gateway-api.ts';
import { helmValuesRouter } from '../traffic/helm-values.ts';
import type { RouterRef } from '../traffic/plan.ts';
import type { Router } from '../traffic/router.ts';
import type { Runners, StepContext, StepOutcome } from './drive.ts';
import type { AnalysisStep, WeightStep } from './traffic-steps.ts';

export interface TrafficRunnersOptions {
  helm: Helm;
  client: (cluster: string) => KubeClient;
  repo: DeployRepo;
  runId: string;
  /** The charts of helm-values router releases (default: the repository's resolver under the cache folder). */
  charts?: ChartResolver;
}

/** The routers of a run, made once per router and cluster (a helm-values router's chart resolved once). */
class Routers {
  readonly #made = new Map<string, Promise<Router>>();
  readonly #charts: ChartResolver;
  readonly #o: TrafficRunnersOptions;

  constructor(o: TrafficRunnersOptions) {
    this.#o = o;
    const { config } = o.repo;
    this.#charts = o.charts ?? createChartResolver({ root: config.root, repositories: config.repositories, helm: o.helm, cacheDir: join(defaultCacheRoot(), 'charts'), ...(config.allowedRoots ? { allowedRoots: config.allowedRoots } : {}) });
  }

  of(ref: RouterRef): Promise<Router> {
    const key = JSON.stringify(ref);
    const made = this.#made.get(key) ?? this.#make(ref);
    this.#made.set(key, made);
    return made;
  }

  async #make(ref: RouterRef): Promise<Router> {
    const client = this.#o.client(ref.cluster);
    if (ref.kind === 'gateway-api') return gatewayApiRouter(client, ref);
    const rel = this.#o.repo.releases.find((r) => r.name === ref.release);
    if (!rel) throw new Error(`router release ${ref.release}: not in the repository`);
    const chart = await this.#charts.resolve(rel.chart, rel.repositories);
    const labels = markerLabels({ release: rel.name, track: undefined, cluster: ref.cluster }, this.#o.repo.config.repoName);
    return helmValuesRouter({ helm: this.#o.helm, client, ref, chart: chart.path, labels, description: `helm-cascade traffic, run ${this.#o.runId}` });
  }
}

/** The weight a router read back for a track ("not set" when it does not say). */
function readBack(readings: readonly { track: string; weight: number | undefined }[], track: string): string {
  const mine = readings.filter((r) => r.track === track).map((r) => r.weight ?? 'not set');
  return [...new Set(mine)].join(', ');
}

async function setWeight(routers: Routers, step: WeightStep, weight: number, ctx: StepContext): Promise<StepOutcome> {
  try {
    const router = await routers.of(step.router);
    const got = await router.set({ [step.track]: weight });
    ctx.progress(`${router.name}: ${step.track} reads ${readBack(got, step.track)}`);
    return { result: 'passed', details: { weight, router: router.name, readBack: got } };
  } catch (err) {
    return { result: 'failed', reason: `weight ${step.track} -> ${weight}: ${(err as Error).message}` };
  }
}

/** The weight back to 0, unless the router already reads 0 (a later step's undo came first). */
async function restore(routers: Routers, step: WeightStep, ctx: StepContext): Promise<StepOutcome> {
  try {
    const router = await routers.of(step.router);
    const now = (await router.read()).filter((r) => r.track === step.track);
    if (now.length && now.every((r) => r.weight === 0)) return { result: 'passed', details: { weight: 0, router: router.name, readBack: now } };
  } catch {
    // read failed: set it anyway
  }
  return setWeight(routers, step, 0, ctx);
}

async function hold(step: AnalysisStep, ctx: StepContext): Promise<StepOutcome> {
  const at = { index: step.step.index, of: step.step.of, weight: step.weight };
  let said = 0;
  const r = await holdAnalysis({
    analysis: step.analysis,
    pauseMs: step.pauseMs,
    signal: ctx.signal,
    onRound: (checks) => {
      // the first round, a failing one, then at most one line every 10s (the run log stays readable)
      if (Date.now() - said < 10_000 && checks.every((c) => c.ok)) return;
      said = Date.now();
      ctx.progress(checks.map((c) => `${c.name}: ${c.message}`).join('; '));
    },
  });
  const { failed } = r;
  const details = { step: step.step.index, of: step.step.of, weight: step.weight, rounds: r.rounds, elapsedMs: r.elapsedMs, ...(failed ? { check: failed.name, message: failed.message, ...(failed.query !== undefined ? { query: failed.query, value: failed.value, max: failed.max } : {}) } : {}) };
  if (r.passed) return { result: 'passed', details };
  return { result: 'failed', reason: `analysis of ${step.track} failed at ${describeFailure(at, r)}`, details };
}

/** The runners of weight and analysis steps. */
export function trafficRunners(o: TrafficRunnersOptions): Runners {
  const routers = new Routers(o);
  return {
    weight: {
      run: (step, ctx) => setWeight(routers, step, step.weight, ctx),
      undo: (step, ctx) => restore(routers, step, ctx),
    },
    analysis: {
      async run(step, ctx) {
        try {
          return await hold(step, ctx);
        } catch (err) {
          return { result: 'failed', reason: `analysis of ${step.track}: ${(err as Error).message}` };
        }
      },
    },
  };
}
