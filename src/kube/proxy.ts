// The Kubernetes API through `kubectl proxy` on a private unix socket: one
// long-lived kubectl per context does the authentication (tokens, client
// certificates, exec plugins such as gke-gcloud-auth-plugin), and each call is
// an HTTP request from this process instead of a new kubectl process. The
// gates' reads, the leases, release records and the server-side validation go
// through it; the socket lives in a 0700 folder, so no other user can use it,
// and the proxy never outlives the process that started it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolError } from '../errors.ts';
import { kubectlArgv, kubectlBin } from './live.ts';
import type { KubectlOptions, KubeTarget } from './live.ts';
import type { LiveObject } from '../model/objects.ts';

/** API path and kind of each resource the gates list (kubectl's resource.group names). */
const RESOURCES: Record<string, { prefix: string; plural: string; kind: string; apiVersion: string }> = {
  'deployments.apps': { prefix: '/apis/apps/v1', plural: 'deployments', kind: 'Deployment', apiVersion: 'apps/v1' },
  'statefulsets.apps': { prefix: '/apis/apps/v1', plural: 'statefulsets', kind: 'StatefulSet', apiVersion: 'apps/v1' },
  'daemonsets.apps': { prefix: '/apis/apps/v1', plural: 'daemonsets', kind: 'DaemonSet', apiVersion: 'apps/v1' },
  'replicasets.apps': { prefix: '/apis/apps/v1', plural: 'replicasets', kind: 'ReplicaSet', apiVersion: 'apps/v1' },
  'jobs.batch': { prefix: '/apis/batch/v1', plural: 'jobs', kind: 'Job', apiVersion: 'batch/v1' },
  services: { prefix: '/api/v1', plural: 'services', kind: 'Service', apiVersion: 'v1' },
  'endpointslices.discovery.k8s.io': { prefix: '/apis/discovery.k8s.io/v1', plural: 'endpointslices', kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1' },
  endpoints: { prefix: '/api/v1', plural: 'endpoints', kind: 'Endpoints', apiVersion: 'v1' },
  pods: { prefix: '/api/v1', plural: 'pods', kind: 'Pod', apiVersion: 'v1' },
  events: { prefix: '/api/v1', plural: 'events', kind: 'Event', apiVersion: 'v1' },
};

/**
 * `sh -c WATCHDOG kubectl args...`: runs kubectl until either it exits (its
 * status is the sh's) or stdin closes (then it is stopped). fd 3 keeps the
 * pipe: a background job's stdin is /dev/null in sh.
 */
const WATCHDOG = 'exec 3<&0; "$0" "$@" & k=$!; (while read -r _ <&3; do :; done; kill "$k" 2>/dev/null) & w=$!; wait "$k"; s=$?; kill "$w" 2>/dev/null; exit "$s"';

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ApiResponse {
  status: number;
  body: string;
}

export interface RequestOptions {
  /** Default 20s. */
  timeoutMs?: number;
  /** Default application/json. */
  accept?: string;
  /** The body as given (a string), e.g. application/yaml; default: `body` is JSON-encoded. */
  contentType?: string;
}

/** The Kubernetes API as raw HTTP (leases, release records, server-side validation), served by a KubeProxy. */
export interface KubeApi {
  request(method: ApiMethod, path: string, body?: unknown, opts?: RequestOptions): Promise<ApiResponse>;
}

/** The `message` of a Kubernetes Status body; else the body's own text (trimmed, at most 500 characters). */
export function statusMessage(body: string): string {
  try {
    const s = JSON.parse(body) as { kind?: string; message?: string };
    if (s.kind === 'Status' && s.message) return s.message;
  } catch {
    // not a Status: the text itself
  }
  return body.trim().slice(0, 500);
}

/** An answer of the API server other than 2xx: `status` (also the exit code) and the server's message. */
export class ApiStatusError extends ToolError {
  override name = 'ApiStatusError';
  readonly status: number;
  constructor(method: ApiMethod, path: string, res: ApiResponse) {
    const message = statusMessage(res.body);
    super(`${method} ${path}: HTTP ${res.status}${message ? `: ${message}` : ''}`, res.status, res.body.slice(0, 500));
    this.status = res.status;
  }
}

/** One request whose answer is JSON: the parsed body on 2xx, an ApiStatusError otherwise (a ToolError when it is not JSON). */
export async function apiJson<T = unknown>(api: KubeApi, method: ApiMethod, path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
  const res = await api.request(method, path, body, opts);
  if (res.status < 200 || res.status > 299) throw new ApiStatusError(method, path, res);
  try {
    return JSON.parse(res.body) as T;
  } catch {
    throw new ToolError(`${method} ${path}: not JSON`, res.status, res.body.slice(0, 500));
  }
}

export class KubeProxy implements KubeApi {
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly socket: string;

  private constructor(child: ChildProcess, dir: string, socket: string) {
    this.#child = child;
    this.#dir = dir;
    this.socket = socket;
  }

  /** Starts `kubectl proxy --unix-socket` for the target; resolves once it serves. */
  static start(target: KubeTarget, opts: KubectlOptions = {}, timeoutMs = 15_000): Promise<KubeProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'helm-cascade-proxy-'));
    const socket = join(dir, 'kube.sock');
    // kubectl runs under a small sh that holds a pipe from this process: when this process ends,
    // however it ends (SIGKILL included), the pipe closes and the sh stops kubectl, so no proxy
    // outlives its run. stop() closes the pipe the same way. Its own process group (detached):
    // a Ctrl-C in the terminal must not take the proxy away while the run rolls back and
    // releases its locks through it.
    const child = spawn('/bin/sh', ['-c', WATCHDOG, kubectlBin(opts), ...kubectlArgv(target, ['proxy', `--unix-socket=${socket}`])], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    return new Promise((resolve, reject) => {
      let out = '';
      const fail = (why: string) => {
        clearTimeout(timer);
        child.stdin?.end();
        rmSync(dir, { recursive: true, force: true });
        reject(new ToolError(`kubectl proxy for context ${target.context}: ${why}`, undefined, out));
      };
      const timer = setTimeout(() => fail(`not serving after ${timeoutMs}ms`), timeoutMs);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (out.includes('Starting to serve on')) {
          clearTimeout(timer);
          child.stdout?.off('data', onData);
          resolve(new KubeProxy(child, dir, socket));
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', (err) => fail(err.message));
      child.on('exit', (code) => fail(`exited with status ${code}`));
    });
  }

  /**
   * One API request through the proxy; resolves with any HTTP status (the
   * caller decides what a 404 or 409 means), rejects when the proxy cannot be
   * reached or does not answer in time.
   */
  request(method: ApiMethod, path: string, body?: unknown, opts: RequestOptions = {}): Promise<ApiResponse> {
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const payload = body === undefined ? undefined : opts.contentType ? String(body) : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socket, path, method, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', (err) => reject(new ToolError(`${method} ${path} through kubectl proxy: ${err.message}`, undefined, '')));
      });
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs}ms`)));
      req.on('error', (err) => reject(new ToolError(`${method} ${path} through kubectl proxy: ${err.message}`, undefined, '')));
      req.end(payload);
    });
  }

  /** GET a path of the API; JSON body, or an ApiStatusError naming the status. */
  get(path: string, timeoutMs = 20_000): Promise<unknown> {
    return apiJson(this, 'GET', path, undefined, { timeoutMs });
  }

  /** Every object of the given kinds in a namespace (kubectl's names, e.g. deployments.apps), one GET per kind. */
  async list(namespace: string, kinds: readonly string[]): Promise<LiveObject[]> {
    const lists = await Promise.all(
      kinds.map(async (k) => {
        const r = RESOURCES[k];
        if (!r) throw new ToolError(`kubectl proxy reads do not know the resource "${k}"`, undefined, '');
        try {
          const list = (await this.get(`${r.prefix}/namespaces/${encodeURIComponent(namespace)}/${r.plural}`)) as { items?: LiveObject[] };
          return (list.items ?? []).map((o) => ({ ...o, kind: r.kind, apiVersion: r.apiVersion }));
        } catch (err) {
          // what kubectl says for a resource the server does not serve (the poller falls back from EndpointSlices)
          if (err instanceof ToolError && err.exitCode === 404) throw new ToolError(`${k}: not served`, 1, `error: the server doesn't have a resource type "${r.plural}"`);
          throw err;
        }
      }),
    );
    return lists.flat();
  }

  stop(): void {
    this.#child.stdin?.end(); // the watchdog stops kubectl and exits
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** One proxy per (kubeconfig, context), started on first use, all stopped together. */
export class KubeProxies {
  readonly #proxies = new Map<string, Promise<KubeProxy>>();
  readonly #opts: KubectlOptions;

  constructor(opts: KubectlOptions = {}) {
    this.#opts = opts;
  }

  for(target: KubeTarget): Promise<KubeProxy> {
    const key = `${target.kubeconfig ?? ''}\u0000${target.context}`;
    let p = this.#proxies.get(key);
    if (!p) {
      p = KubeProxy.start(target, this.#opts);
      p.catch(() => this.#proxies.delete(key));
      this.#proxies.set(key, p);
    }
    return p;
  }

  async stopAll(): Promise<void> {
    const all = [...this.#proxies.values()];
    this.#proxies.clear();
    for (const p of all) (await p.catch(() => undefined))?.stop();
  }
}
