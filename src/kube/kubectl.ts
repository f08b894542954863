// The one kubectl runner, private to kube/: it starts each context's
// `kubectl proxy` (proxy.ts) and is the client's fallback when no proxy can
// run (raw requests through `kubectl get|create|replace|delete --raw`).
// kubectl does the kubeconfig authentication (tokens, certificates, exec
// plugins such as gke-gcloud-auth-plugin), so helm-cascade never handles a credential.
import { execa } from 'execa';
import { ToolError } from '../errors.ts';
import type { KubeTarget } from '../model/identity.ts';

/** $KUBECTL_BIN, then kubectl on PATH. */
export function kubectlBin(): string {
  return process.env.KUBECTL_BIN ?? 'kubectl';
}

/** The argv of a kubectl call against a target (no secret ever goes in argv). */
export function kubectlArgv(target: Pick<KubeTarget, 'kubeconfig' | 'context'>, args: readonly string[]): string[] {
  return ['--kubeconfig', target.kubeconfig, '--context', target.context, ...args];
}

interface KubectlResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs kubectl and returns whatever happened; throws (ToolError) only when it could not start or timed out. */
async function runKubectl(target: Pick<KubeTarget, 'kubeconfig' | 'context'>, args: readonly string[], o: { input?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  const bin = kubectlBin();
  const argv = kubectlArgv(target, args);
  const r = await execa(bin, argv, {
    reject: false,
    timeout: o.timeoutMs ?? 60_000,
    maxBuffer: 1024 * 1024 * 1024,
    ...(o.input !== undefined ? { input: o.input } : { stdin: 'ignore' as const }),
    stripFinalNewline: false,
  });
  if (r.failed && r.exitCode === undefined) {
    const why = r.timedOut ? `timed out after ${o.timeoutMs ?? 60_000}ms` : r.code === 'ENOENT' ? `not found (set KUBECTL_BIN or put kubectl on PATH)` : r.shortMessage;
    throw new ToolError(`${bin} ${argv.join(' ')}: ${why}`, undefined, String(r.stderr ?? ''));
  }
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? 1 };
}

/** kubectl's "Error from server (Reason)" as the HTTP status the API server sent. */
const REASON_STATUS: Record<string, number> = {
  BadRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, MethodNotAllowed: 405, AlreadyExists: 409, Conflict: 409,
  Gone: 410, Invalid: 422, TooManyRequests: 429, InternalError: 500, ServiceUnavailable: 503, Timeout: 504,
};

const RAW_VERB: Record<'GET' | 'POST' | 'PUT' | 'DELETE', string> = { GET: 'get', POST: 'create', PUT: 'replace', DELETE: 'delete' };

/**
 * One API request through kubectl's --raw (the fallback when no proxy can
 * run): the status is read back from kubectl's "Error from server (Reason)".
 */
export async function kubectlRaw(target: KubeTarget, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body: string | undefined, timeoutMs: number): Promise<{ status: number; body: string }> {
  const args = [RAW_VERB[method], '--raw', path, `--request-timeout=${Math.ceil(timeoutMs / 1000)}s`];
  if (body !== undefined && method !== 'GET') args.push('-f', '-');
  const r = await runKubectl(target, args, { ...(body !== undefined ? { input: body } : {}), timeoutMs: timeoutMs + 5_000 });
  if (r.exitCode === 0) return { status: 200, body: r.stdout };
  const reason = /Error from server \((\w+)\)/.exec(r.stderr)?.[1];
  const status = reason ? (REASON_STATUS[reason] ?? 500) : 502;
  return { status, body: JSON.stringify({ kind: 'Status', message: r.stderr.trim().split('\n').at(-1) ?? '' }) };
}
