// The optional extra gates, checked from where the tool runs during the soak:
// http (a URL must answer with the expected status) and prometheus (an
// instant query's value must stay at or under `max`).
import type { HttpGateSpec, PrometheusGateSpec } from '../model/spec.ts';
import type { ProbeResult } from './evaluate.ts';

export type FetchFn = typeof fetch;

export interface ProbeOptions {
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
  fetch?: FetchFn;
}

function withTimeout(opts: ProbeOptions): AbortSignal {
  const t = AbortSignal.timeout(opts.timeoutMs ?? 5_000);
  return opts.signal ? AbortSignal.any([opts.signal, t]) : t;
}

const errText = (err: unknown) => (err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err));

export async function checkHttp(spec: HttpGateSpec, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const name = `http ${spec.url}`;
  try {
    const res = await (opts.fetch ?? fetch)(spec.url, { redirect: 'manual', signal: withTimeout(opts) });
    await res.body?.cancel().catch(() => undefined);
    if (res.status === spec.expectStatus) return { name, ok: true, message: `answered ${res.status}` };
    return { name, ok: false, message: `answered ${res.status}, expected ${spec.expectStatus}` };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return { name, ok: false, message: `no answer: ${errText(err)}` };
  }
}

/** The URL of an instant query against a Prometheus base URL. */
function prometheusQueryUrl(spec: Pick<PrometheusGateSpec, 'url' | 'query'>): string {
  return `${spec.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(spec.query)}`;
}

/** One sample of an instant query's answer: its labels as PromQL writes them, and its value. */
interface PrometheusSample {
  labels: string;
  value: number;
}

/** The samples of an instant query (a vector's or a scalar's), or why there are none to judge. */
export async function prometheusSamples(spec: Pick<PrometheusGateSpec, 'url' | 'query'>, opts: ProbeOptions = {}): Promise<{ ok: true; samples: PrometheusSample[] } | { ok: false; message: string }> {
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    const res = await (opts.fetch ?? fetch)(prometheusQueryUrl(spec), { signal: withTimeout(opts), headers: { accept: 'application/json' } });
    body = (await res.json()) as typeof body;
    if (!res.ok || body.status !== 'success') return { ok: false, message: `query failed (HTTP ${res.status}): ${body.error ?? 'no error given'}` };
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    return { ok: false, message: `no answer from ${spec.url}: ${errText(err)}` };
  }
  const samples: PrometheusSample[] = [];
  const d = body.data ?? {};
  if (d.resultType === 'vector' && Array.isArray(d.result)) {
    for (const s of d.result as Array<{ metric?: Record<string, string>; value?: [number, string] }>) {
      const labels = Object.entries(s.metric ?? {}).map(([k, v]) => `${k}="${v}"`).join(',');
      samples.push({ labels: labels ? `{${labels}}` : '', value: Number(s.value?.[1]) });
    }
  } else if (d.resultType === 'scalar' && Array.isArray(d.result)) {
    samples.push({ labels: '', value: Number((d.result as [number, string])[1]) });
  } else {
    return { ok: false, message: `unexpected result type ${d.resultType ?? 'none'}: use a query that returns an instant vector or a scalar` };
  }
  return { ok: true, samples };
}

/**
 * Every sample of the query's answer must be <= max. An empty answer and NaN
 * (0/0, e.g. an error ratio without traffic) count as no violation.
 */
export async function checkPrometheus(spec: PrometheusGateSpec, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const name = `prometheus ${spec.query}`;
  const answer = await prometheusSamples(spec, opts);
  if (!answer.ok) return { name, ok: false, message: answer.message };
  const { samples } = answer;
  if (samples.length === 0) return { name, ok: true, message: 'no samples' };
  const over = samples.filter((s) => s.value > spec.max);
  if (over.length > 0) return { name, ok: false, message: over.map((s) => `${s.labels}${s.value} > max ${spec.max}`).join('; ') };
  return { name, ok: true, message: samples.map((s) => `${s.labels}${Number.isNaN(s.value) ? 'NaN (no data)' : s.value}`).join('; ') + ` <= ${spec.max}` };
}
