// A minimal Kubernetes API client for the fleet's own needs (readiness,
// creating fake nodes). Loopback only, bearer token, the apiserver's
// self-signed certificate is not verified here.
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ApiTarget {
  server: string;
  token: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  text: string;
}

export function kubeRequest(target: ApiTarget, method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<ApiResponse> {
  const url = new URL(path, target.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        rejectUnauthorized: false,
        timeout: timeoutMs,
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // /readyz and friends answer plain text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.href}: timed out after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** GET that never throws: a connection error reads as status 0. */
export async function probe(target: ApiTarget, path: string, timeoutMs = 3000): Promise<ApiResponse> {
  try {
    return await kubeRequest(target, 'GET', path, undefined, timeoutMs);
  } catch (err) {
    return { status: 0, body: undefined, text: String(err instanceof Error ? err.message : err) };
  }
}

/**
 * Polls `check` until it returns true, or throws after `timeoutMs` with the
 * description and the last reason `check` gave. `abort` (e.g. "the process
 * died") stops the wait early with its message.
 */
export async function waitFor(
  what: string,
  timeoutMs: number,
  check: () => Promise<true | string>,
  abort?: () => string | undefined,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await check();
    if (r === true) return;
    last = r;
    const stop = abort?.();
    if (stop) throw new Error(`${what}: ${stop}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${last ? ` (${last})` : ''}`);
    await sleep(intervalMs);
  }
}

interface Condition {
  type?: string;
  status?: string;
}

export function isReady(obj: unknown): boolean {
  const conditions = (obj as { status?: { conditions?: Condition[] } } | undefined)?.status?.conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

export function items(body: unknown): unknown[] {
  const list = (body as { items?: unknown[] } | undefined)?.items;
  return Array.isArray(list) ? list : [];
}
