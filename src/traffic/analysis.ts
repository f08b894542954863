// The analysis held during a step's pause: the Prometheus query (its value
// compared with `max`) and the http checks (the gates' own check), one round
// at the start, then one at least every `interval` until the pause is over.
// The first failed check ends the hold at once, so the weight can go back to
// 0 within one interval of the failure showing; the result names the check,
// the query, its value and the limit.
import { setTimeout as sleep } from 'node:timers/promises';
import { fmtDuration } from '../health/evaluate.ts';
import { checkHttp, prometheusSamples } from '../health/probes.ts';
import type { FetchFn } from '../health/probes.ts';
import type { AnalysisSpec, PrometheusGateSpec } from '../model/spec.ts';

/** One check of one round. */
interface AnalysisCheck {
  /** "prometheus <query>", "http <url>". */
  name: string;
  ok: boolean;
  message: string;
  /** prometheus: the query as sent (placeholders filled in), its highest sample and the limit. */
  query?: string;
  value?: number;
  max?: number;
}

export interface AnalysisResult {
  passed: boolean;
  /** Rounds of checks run. */
  rounds: number;
  /** The last round's checks (the failing one among them). */
  checks: AnalysisCheck[];
  /** The check that failed the step. */
  failed?: AnalysisCheck;
  /** ms from the start of the hold to its end (the failure, or the end of the pause). */
  elapsedMs: number;
}

/** The Prometheus check of the analysis: every sample at or under max, the highest one reported. */
async function checkQuery(spec: PrometheusGateSpec, o: { signal?: AbortSignal; fetch?: FetchFn } = {}): Promise<AnalysisCheck> {
  const base = { name: `prometheus ${spec.query}`, query: spec.query, max: spec.max };
  const answer = await prometheusSamples(spec, { signal: o.signal, ...(o.fetch ? { fetch: o.fetch } : {}) });
  if (!answer.ok) return { ...base, ok: false, message: answer.message };
  const values = answer.samples.map((s) => s.value).filter((v) => !Number.isNaN(v));
  if (!values.length) return { ...base, ok: true, message: answer.samples.length ? 'NaN (no data)' : 'no samples' };
  const value = Math.max(...values);
  const over = answer.samples.filter((s) => s.value > spec.max);
  const message = over.length ? over.map((s) => `${s.labels}${s.value} > max ${spec.max}`).join('; ') : `${value} <= max ${spec.max}`;
  return { ...base, ok: over.length === 0, message, value };
}

async function round(a: AnalysisSpec, o: HoldOptions): Promise<AnalysisCheck[]> {
  const fetchOpt = o.fetch ? { fetch: o.fetch } : {};
  return Promise.all([
    ...(a.prometheus ? [checkQuery(a.prometheus, { ...(o.signal ? { signal: o.signal } : {}), ...fetchOpt })] : []),
    ...a.http.map((h) => checkHttp(h, { signal: o.signal, ...fetchOpt })),
  ]);
}

export interface HoldOptions {
  /** The analysis with its placeholders filled in (plan.ts resolveAnalysis); undefined: the pause only waits. */
  analysis: AnalysisSpec | undefined;
  pauseMs: number;
  signal?: AbortSignal;
  fetch?: FetchFn;
  /** Called after every round (progress lines). */
  onRound?: (checks: AnalysisCheck[], elapsedMs: number) => void;
}

/** Holds a step: checks now, then every interval until pauseMs passed; stops at the first failed check. */
export async function holdAnalysis(o: HoldOptions): Promise<AnalysisResult> {
  const start = Date.now();
  const elapsed = () => Date.now() - start;
  let rounds = 0;
  let checks: AnalysisCheck[] = [];
  for (;;) {
    if (o.analysis) {
      checks = await round(o.analysis, o);
      rounds++;
      o.onRound?.(checks, elapsed());
      const failed = checks.find((c) => !c.ok);
      if (failed) return { passed: false, rounds, checks, failed, elapsedMs: elapsed() };
    }
    const left = o.pauseMs - elapsed();
    if (left <= 0) return { passed: true, rounds, checks, elapsedMs: elapsed() };
    await sleep(o.analysis ? Math.min(o.analysis.intervalMs, left) : left, undefined, o.signal ? { signal: o.signal } : {});
  }
}

/** The report's line for a failed hold: "step 2 of 3 (weight 2): prometheus sum(...) = 0.8 > max 0.5". */
export function describeFailure(step: { index: number; of: number; weight: number }, r: AnalysisResult): string {
  const f = r.failed;
  const at = `step ${step.index} of ${step.of} (weight ${step.weight}), after ${fmtDuration(r.elapsedMs)}`;
  if (!f) return `${at}: passed`;
  if (f.query !== undefined && f.value !== undefined) return `${at}: query ${f.query} = ${f.value}, over max ${f.max}`;
  return `${at}: ${f.name}: ${f.message}`;
}
