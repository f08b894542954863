// A real Prometheus server for the prometheus gate's end-to-end test,
// scraping an exporter the test controls: a tiny HTTP server on 127.0.0.1
// serving one gauge in the text exposition format, whose value the test sets.
// The Prometheus binary is Debian's package (scripts/system-deps.mjs installs
// it), or PROMETHEUS_BIN. Its port is read back from the socket it listens on
// (it binds port 0), never picked beforehand.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { background } from './process.ts';
import { tempDir } from '../../support/tmp.ts';

export function prometheusBin(): string {
  const bin = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';
  if (!existsSync(bin)) throw new Error(`no Prometheus at ${bin}: run \`node scripts/system-deps.mjs\` (installs Debian's prometheus) or set PROMETHEUS_BIN`);
  return bin;
}

/** An HTTP server on 127.0.0.1, port 0 read back. */
export async function listenLocal(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

export interface Exporter {
  url: string;
  set(value: number): void;
  scrapes(): number;
  close(): Promise<void>;
}

/** Serves `<metric> <value>` at /metrics. */
export async function startExporter(metric: string, initial: number): Promise<Exporter> {
  let value = initial;
  let scrapes = 0;
  const { server, url } = await listenLocal((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    scrapes++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`# HELP ${metric} Set by the test.\n# TYPE ${metric} gauge\n${metric} ${value}\n`);
  });
  return { url, set: (v) => void (value = v), scrapes: () => scrapes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Serves one gauge with several labelled series at /metrics; the test sets each series' value. */
export interface SeriesExporter {
  url: string;
  /** Sets the series with these labels (`{track="free",cluster="paris"}`) to a value. */
  set(labels: Record<string, string>, value: number): void;
  close(): Promise<void>;
}

export async function startSeriesExporter(metric: string): Promise<SeriesExporter> {
  const series = new Map<string, number>();
  const { server, url } = await listenLocal((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    const lines = [...series].map(([labels, v]) => `${metric}${labels} ${v}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`# HELP ${metric} Set by the test.\n# TYPE ${metric} gauge\n${lines.join('\n')}\n`);
  });
  const key = (labels: Record<string, string>) => `{${Object.entries(labels).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
  return { url, set: (labels, v) => void series.set(key(labels), v), close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface Prometheus {
  url: string;
  /** The value of an instant query with one unlabelled sample, or undefined without one. */
  query(q: string): Promise<number | undefined>;
  /** Waits until the instant query answers `value` (the exporter's new value was scraped). */
  waitFor(q: string, value: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The TCP port a process listens on, from `ss` (Prometheus prints the address it was given, :0). */
async function listeningPort(pid: number): Promise<number | undefined> {
  const r = await execa('ss', ['-Hltnp'], { reject: false });
  for (const line of String(r.stdout).split('\n')) {
    if (!line.includes(`pid=${pid},`)) continue;
    const m = /127\.0\.0\.1:(\d+)\s/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}

export async function startPrometheus(exporterUrl: string): Promise<Prometheus> {
  const dir = tempDir('hc-prometheus-');
  const target = new URL(exporterUrl).host;
  writeFileSync(join(dir, 'prometheus.yml'), `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: exporter\n    static_configs: [{ targets: ["${target}"] }]\n`);
  const proc = background(prometheusBin(), [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:0', '--log.level=warn'], () => rmSync(dir, { recursive: true, force: true }));
  const stop = async () => void (await proc.stop());
  let port: number | undefined;
  for (let i = 0; i < 150 && port === undefined && !proc.exited(); i++) {
    await sleep(200);
    port = await listeningPort(proc.pid);
  }
  if (port === undefined) throw new Error(`Prometheus did not start listening: ${await proc.stop()}`);
  const url = `http://127.0.0.1:${port}`;
  const query = async (q: string) => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => undefined);
    if (!res?.ok) return undefined;
    const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
    const v = body.data?.result?.[0]?.value[1];
    return v === undefined ? undefined : Number(v);
  };
  const waitFor = async (q: string, value: number, timeoutMs = 60_000) => {
    const until = Date.now() + timeoutMs;
    let last: number | undefined;
    while (Date.now() < until) {
      last = await query(q);
      if (last === value) return;
      await sleep(250);
    }
    throw new Error(`Prometheus at ${url}: ${q} is ${last}, not ${value}, after ${timeoutMs} ms`);
  };
  return { url, query, waitFor, stop };
}
