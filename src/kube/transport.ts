// The transport under a KubeClient: one interface (a request, a streamed GET
// for watches, counters), and its native implementation, which talks to the
// API server itself over one connection per cluster (connection.ts) with the
// kubeconfig's credentials (auth.ts). It keeps to what client-go does for
// kubectl:
// - client-side rate limiting, a token bucket per cluster: 5 requests/s with
//   bursts of 10 (client-go's rest.Config defaults, which kubectl keeps), and
//   50/s, bursts of 300 for discovery (kubectl's ConfigFlags);
// - at most `concurrency` requests in flight per cluster (watches aside);
// - retries: 429 and 5xx answers carrying Retry-After are retried after that
//   long (any method: the server did not act), other 5xx of reads with
//   backoff, and dropped connections with backoff (reads always; writes only
//   when the server cannot have seen them). A 401 asks the credentials to
//   forget what they cached (an expired exec credential) and retries once.
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { TokenBucket } from 'limiter';
import pLimit from 'p-limit';
import { PreflightError, ToolError } from '../errors.ts';
import type { Credentials } from './auth.ts';
import { Connection, ConnectionError } from './connection.ts';
import type { Exchange } from './connection.ts';

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiResponse {
  status: number;
  body: string;
}

export interface RequestOptions {
  /** Default 20s (an idle timeout: no answer, or a body stalled, that long). */
  timeoutMs?: number;
  /** Default application/json. */
  accept?: string;
  /** The body as given (a string), e.g. application/yaml; default: `body` is JSON-encoded. */
  contentType?: string;
}

export interface ApiRequest extends RequestOptions {
  method: ApiMethod;
  path: string;
  body?: string;
  /** Discovery (/api, /apis, a group version's resources): kubectl's discovery rate limit. */
  discovery?: boolean;
}

/** What one cluster's transport did (for --verbose and the benchmarks). */
export interface TransportStats {
  requests: number;
  retries: number;
  /** Milliseconds requests waited for the client-side rate limiter. */
  throttledMs: number;
  connections: number;
}

export interface Transport {
  /** One request; resolves with any HTTP status. An unreachable server: PreflightError. */
  request(r: ApiRequest): Promise<ApiResponse>;
  /** A streamed GET (a watch): each line of the body to `onLine` until the server ends it (resolves) or `signal` aborts. Rejects on a non-2xx answer. */
  stream(r: ApiRequest, onLine: (line: string) => void, signal: AbortSignal): Promise<void>;
  stats(): TransportStats;
  close(): void;
}

/** Per-cluster limits (clusters.yaml `api:`). */
export interface ApiLimits {
  qps: number;
  burst: number;
  concurrency: number;
}

/** kubectl's: client-go's rest.Config defaults for requests (5/s, burst 10); a bound of our own on requests in flight. */
export const DEFAULT_API_LIMITS: ApiLimits = { qps: 5, burst: 10, concurrency: 16 };
/** kubectl's discovery limits (genericclioptions ConfigFlags WithDiscoveryQPS(50) / WithDiscoveryBurst(300)). */
const DISCOVERY_LIMITS = { qps: 50, burst: 300 };

const READS = new Set<ApiMethod>(['GET']);
/** Retries of answers with Retry-After (client-go: 10). */
const MAX_STATUS_RETRIES = 10;
/** Retries of a dropped connection: once the cluster was reached this run; a cluster never reached fails fast. */
const MAX_CONNECTION_RETRIES = 6;
const MAX_RETRY_AFTER_MS = 30_000;

/** Exponential backoff with jitter: 200ms, 400ms, ... at most 4s. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(4_000, 200 * 2 ** attempt);
  return Math.round(base / 2 + (base / 2) * random());
}

/** Retry-After (seconds, or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const ms = /^\d+$/.test(v.trim()) ? Number(v) * 1000 : Date.parse(v) - now;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined;
}

/** Whether an answer is worth retrying, and after how long (undefined: no). */
export function retryDelay(method: ApiMethod, status: number, retryAfter: number | undefined, attempt: number): number | undefined {
  if (attempt >= MAX_STATUS_RETRIES) return undefined;
  if ((status === 429 || status >= 500) && retryAfter !== undefined) return Math.max(retryAfter, 50);
  if (status === 429 || (READS.has(method) && [500, 502, 503, 504].includes(status))) return backoffMs(attempt);
  return undefined;
}

/** A body read whole, gunzipped when the server compressed it. A body cut short is a dropped connection (a read is retried). */
function readBody(ex: Exchange): Promise<string> {
  const body: Readable = ex.headers['content-encoding'] === 'gzip' ? ex.body.pipe(createGunzip()) : ex.body;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let ended = false;
    body.on('data', (c: Buffer) => chunks.push(c));
    body.once('end', () => {
      ended = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    body.once('error', (err) => reject(new ConnectionError(`reading the answer: ${err.message}`, (err as NodeJS.ErrnoException).code ?? 'ECONNRESET', false)));
    body.once('close', () => {
      if (!ended) reject(new ConnectionError('the answer was cut short', 'ECONNRESET', false));
    });
  });
}

export interface NativeTransportOptions {
  /** Names the cluster in errors: `cluster "x" (context "y")`. */
  where: string;
  connection: Connection;
  credentials: Credentials;
  /** The server's own path prefix (a server URL with a path, e.g. behind Rancher), '' for none. */
  prefix: string;
  limits: ApiLimits;
  compression: boolean;
  userAgent: string;
  log?: (line: string) => void;
}

/** The native implementation (see the header). */
export class NativeTransport implements Transport {
  readonly #o: NativeTransportOptions;
  readonly #bucket: TokenBucket;
  readonly #discovery: TokenBucket;
  readonly #inFlight: ReturnType<typeof pLimit>;
  #reached = false;
  readonly #stats = { requests: 0, retries: 0, throttledMs: 0 };

  constructor(o: NativeTransportOptions) {
    this.#o = o;
    this.#bucket = fullBucket(o.limits.qps, o.limits.burst);
    this.#discovery = fullBucket(DISCOVERY_LIMITS.qps, DISCOVERY_LIMITS.burst);
    this.#inFlight = pLimit(o.limits.concurrency);
  }

  stats(): TransportStats {
    return { ...this.#stats, connections: this.#o.connection.connections };
  }

  async #throttle(r: ApiRequest): Promise<void> {
    const bucket = r.discovery ? this.#discovery : this.#bucket;
    if (bucket.tryRemoveTokens(1)) return;
    const t = performance.now();
    await bucket.removeTokens(1);
    const waited = performance.now() - t;
    this.#stats.throttledMs += waited;
    if (waited >= 1000) this.#o.log?.(`waited ${(waited / 1000).toFixed(1)}s for the client-side rate limit (${this.#o.limits.qps}/s, burst ${this.#o.limits.burst}) of ${this.#o.where}`);
  }

  /** One exchange with the credentials of the moment. */
  async #exchange(r: ApiRequest): Promise<Exchange> {
    const creds = await this.#o.credentials.apply();
    const headers: Record<string, string | string[]> = { ...creds.headers, accept: r.accept ?? 'application/json', 'user-agent': this.#o.userAgent };
    if (this.#o.compression) headers['accept-encoding'] = 'gzip';
    const body = r.body === undefined ? undefined : Buffer.from(r.body);
    if (body) headers['content-type'] = r.contentType ?? 'application/json';
    this.#stats.requests++;
    const ex = await this.#o.connection.exchange({ method: r.method, path: `${this.#o.prefix}${r.path}`, headers, ...(body ? { body } : {}), timeoutMs: r.timeoutMs ?? 20_000, ...(creds.cert ? { cert: creds.cert } : {}), ...(creds.key ? { key: creds.key } : {}) });
    this.#reached = true;
    return ex;
  }

  /** The exchange, retried as the header says, until an answer worth returning. */
  async #answer<T>(r: ApiRequest, consume: (ex: Exchange) => Promise<T>, limited: boolean): Promise<{ ex: Exchange; value: T } | { ex: Exchange; status: number; body: string }> {
    let authRetried = false;
    for (let attempt = 0, dropped = 0; ; attempt++) {
      await this.#throttle(r);
      let result: { ex: Exchange; ok: true; value: T } | { ex: Exchange; ok: false; body: string };
      try {
        const once = async () => {
          const ex = await this.#exchange(r);
          if (ex.status >= 200 && ex.status < 300) return { ex, ok: true as const, value: await consume(ex) };
          return { ex, ok: false as const, body: await readBody(ex) };
        };
        result = limited ? await this.#inFlight(once) : await once();
      } catch (err) {
        if (!(err instanceof ConnectionError)) throw err;
        const retry = (err.unsent || READS.has(r.method)) && dropped < (this.#reached ? MAX_CONNECTION_RETRIES : 1);
        if (!retry) throw this.#unreachable(err);
        this.#stats.retries++;
        this.#o.log?.(`${r.method} ${r.path}: ${err.message}; retrying (${this.#o.where})`);
        await sleep(backoffMs(dropped++));
        continue;
      }
      if (result.ok) return { ex: result.ex, value: result.value };
      const status = result.ex.status;
      if (status === 401 && !authRetried && this.#o.credentials.refused()) {
        authRetried = true;
        continue;
      }
      const delay = retryDelay(r.method, status, retryAfterMs(result.ex.headers['retry-after']), attempt);
      if (delay === undefined) return { ex: result.ex, status, body: result.body };
      this.#stats.retries++;
      this.#o.log?.(`${r.method} ${r.path}: HTTP ${status}; retrying in ${delay}ms (${this.#o.where})`);
      await sleep(delay);
    }
  }

  #unreachable(err: ConnectionError): PreflightError {
    const tls = /CERT|SSL|TLS|self.signed|altname/i.test(`${err.code} ${err.message}`);
    return new PreflightError(`${this.#o.where} is unreachable: ${err.message}${tls ? ' (TLS: check the kubeconfig\'s certificate-authority, tls-server-name or insecure-skip-tls-verify)' : ''}`);
  }

  async request(r: ApiRequest): Promise<ApiResponse> {
    const res = await this.#answer(r, readBody, true);
    return 'value' in res ? { status: res.ex.status, body: res.value } : { status: res.status, body: res.body };
  }

  async stream(r: ApiRequest, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const res = await this.#answer(r, async (ex) => ex, false);
    if (!('value' in res)) throw Object.assign(new ToolError(`${r.method} ${r.path}: HTTP ${res.status}`, res.status, res.body.slice(0, 500)), { status: res.status });
    const ex = res.value;
    const body: Readable = ex.headers['content-encoding'] === 'gzip' ? ex.body.pipe(createGunzip()) : ex.body;
    await new Promise<void>((resolve, reject) => {
      let rest = '';
      const stop = () => {
        ex.cancel();
        resolve();
      };
      signal.addEventListener('abort', stop, { once: true });
      const done = (err?: Error) => {
        signal.removeEventListener('abort', stop);
        if (err && !signal.aborted) reject(err);
        else resolve();
      };
      body.setEncoding('utf8');
      body.on('data', (chunk: string) => {
        rest += chunk;
        let nl: number;
        while ((nl = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          if (!line.trim()) continue;
          try {
            onLine(line);
          } catch (err) {
            ex.cancel();
            return done(err as Error);
          }
        }
      });
      body.once('end', () => done());
      body.once('error', (err) => done(err));
      body.once('close', () => done(body.readableEnded ? undefined : new ConnectionError(`${r.path}: the watch was cut`, 'ECONNRESET', false)));
    });
  }

  close(): void {
    this.#o.connection.close();
  }
}

/** A token bucket that starts full, as client-go's does (limiter's starts empty). */
function fullBucket(qps: number, burst: number): TokenBucket {
  const b = new TokenBucket({ bucketSize: burst, tokensPerInterval: qps, interval: 1000 });
  b.content = burst;
  return b;
}
