// `kubectl proxy` on a private unix socket, private to kube/ (client.ts is its
// only user): one long-lived kubectl per context does the authentication, and
// each API call is an HTTP request from this process instead of a new kubectl
// process. The socket lives in a 0700 folder, so no other user can use it, and
// the proxy never outlives the process that started it.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolError } from '../errors.ts';
import type { KubeTarget } from '../model/identity.ts';
import { kubectlArgv, kubectlBin } from './kubectl.ts';

/**
 * `sh -c WATCHDOG kubectl args...`: runs kubectl until either it exits (its
 * status is the sh's) or stdin closes (then it is stopped). fd 3 keeps the
 * pipe: a background job's stdin is /dev/null in sh.
 */
const WATCHDOG = 'exec 3<&0; "$0" "$@" & k=$!; (while read -r _ <&3; do :; done; kill "$k" 2>/dev/null) & w=$!; wait "$k"; s=$?; kill "$w" 2>/dev/null; exit "$s"';

export type ApiMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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

export class KubeProxy {
  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly socket: string;

  private constructor(child: ChildProcess, dir: string, socket: string) {
    this.#child = child;
    this.#dir = dir;
    this.socket = socket;
  }

  /** Starts `kubectl proxy --unix-socket` for the target; resolves once it serves. */
  static start(target: KubeTarget, timeoutMs = 15_000): Promise<KubeProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'helm-cascade-proxy-'));
    const socket = join(dir, 'kube.sock');
    // kubectl runs under a small sh that holds a pipe from this process: when this process ends,
    // however it ends (SIGKILL included), the pipe closes and the sh stops kubectl, so no proxy
    // outlives its run. stop() closes the pipe the same way. Its own process group (detached):
    // a Ctrl-C in the terminal must not take the proxy away while the run rolls back and
    // releases its locks through it.
    const child = spawn('/bin/sh', ['-c', WATCHDOG, kubectlBin(), ...kubectlArgv(target, ['proxy', `--unix-socket=${socket}`])], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
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
      child.on('exit', (code) => fail(`exited with status ${code}${/not found|ENOENT/.test(out) ? ` (is ${kubectlBin()} installed? set KUBECTL_BIN)` : ''}: ${out.trim().split('\n').at(-1) ?? ''}`));
    });
  }

  #open(method: ApiMethod, path: string, body: unknown, opts: RequestOptions, onResponse: (res: IncomingMessage) => void, onError: (err: Error) => void): () => void {
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const payload = body === undefined ? undefined : opts.contentType ? String(body) : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const req = request({ socketPath: this.socket, path, method, headers, timeout: timeoutMs }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs}ms`)));
    req.on('error', (err) => onError(new ToolError(`${method} ${path} through kubectl proxy: ${err.message}`, undefined, '')));
    req.end(payload);
    return () => req.destroy();
  }

  /**
   * One API request; resolves with any HTTP status (the caller decides what a
   * 404 or 409 means), rejects when the proxy cannot be reached or does not
   * answer in time.
   */
  request(method: ApiMethod, path: string, body?: unknown, opts: RequestOptions = {}): Promise<ApiResponse> {
    return new Promise((resolve, reject) => {
      this.#open(method, path, body, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', (err) => reject(new ToolError(`${method} ${path} through kubectl proxy: ${err.message}`, undefined, '')));
      }, reject);
    });
  }

  /**
   * A streaming GET (a watch): `onLine` gets each line of the body as it
   * arrives. Resolves when the server ends the stream or `signal` aborts;
   * rejects on a non-2xx answer (with the status) or a broken connection.
   */
  stream(path: string, onLine: (line: string) => void, signal: AbortSignal, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const close = this.#open('GET', path, undefined, { timeoutMs }, (res) => {
        if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => reject(Object.assign(new ToolError(`GET ${path}: HTTP ${res.statusCode}`, res.statusCode, Buffer.concat(chunks).toString().slice(0, 500)), { status: res.statusCode })));
          return;
        }
        let rest = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          rest += c;
          let nl: number;
          while ((nl = rest.indexOf('\n')) >= 0) {
            const line = rest.slice(0, nl);
            rest = rest.slice(nl + 1);
            if (line.trim()) onLine(line);
          }
        });
        res.on('end', () => resolve());
        res.on('error', (err) => (signal.aborted ? resolve() : reject(err)));
      }, (err) => (signal.aborted ? resolve() : reject(err)));
      signal.addEventListener('abort', () => {
        close();
        resolve();
      }, { once: true });
    });
  }

  stop(): void {
    this.#child.stdin?.end(); // the watchdog stops kubectl and exits
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
