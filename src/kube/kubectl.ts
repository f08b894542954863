// The plan side's kubectl: the runner of live.ts, with the reads' own failure
// mapping: an unknown context or an unreachable API server is a PreflightError
// naming the cluster (exit 5), anything else a ToolError with argv, exit
// status and stderr. kubectl handles every kubeconfig auth (tokens, certs,
// exec plugins such as gke-gcloud-auth-plugin).
import { PreflightError, ToolError } from '../errors.ts';
import { kubectlArgv, kubectlRaw } from './live.ts';

export interface KubeTargetRef {
  cluster: string; // clusters.yaml name, for messages
  context: string;
  kubeconfig: string;
}

export interface KubectlOptions {
  bin?: string; // default: $KUBECTL_BIN, then kubectl on PATH
  requestTimeout?: string; // default 20s
  log?: (line: string) => void;
}

const UNREACHABLE = /Unable to connect to the server|was refused|connection refused|no such host|i\/o timeout|context deadline exceeded|TLS handshake timeout|dial tcp|EOF$|the server has asked for the client to provide credentials|Client\.Timeout/;
const NO_CONTEXT = /context "([^"]*)" does not exist|context was not found for specified context/;

export function kubectlBin(opts: KubectlOptions = {}): string {
  return opts.bin ?? process.env.KUBECTL_BIN ?? 'kubectl';
}

/** Runs kubectl against one cluster; unreachable or unknown contexts become PreflightError naming the cluster. */
export async function kubectl(t: KubeTargetRef, args: string[], opts: KubectlOptions = {}): Promise<string> {
  const bin = kubectlBin(opts);
  const target = { kubeconfig: t.kubeconfig, context: t.context };
  const full = [`--request-timeout=${opts.requestTimeout ?? '20s'}`, ...args];
  opts.log?.(`${bin} ${kubectlArgv(target, full).join(' ')}`);
  // no overall timeout: --request-timeout bounds each request; records of a big cluster can be large
  const r = await kubectlRaw(target, full, { kubectl: bin, timeoutMs: 0, maxBuffer: 1024 * 1024 * 1024 });
  if (r.exitCode === 0) return r.stdout;
  const stderr = r.stderr.trim();
  if (NO_CONTEXT.test(stderr)) {
    throw new PreflightError(`cluster "${t.cluster}": context "${t.context}" is not in the kubeconfig (${t.kubeconfig})`);
  }
  if (UNREACHABLE.test(stderr)) {
    throw new PreflightError(`cluster "${t.cluster}" (context "${t.context}") is unreachable: ${lastLine(stderr)}`);
  }
  throw new ToolError(`${bin} ${kubectlArgv(target, full).join(' ')}\n  exit status ${r.exitCode}\n  ${stderr.replace(/\n/g, '\n  ')}`, r.exitCode, stderr);
}

function lastLine(s: string): string {
  const lines = s.split('\n').filter((l) => l.trim());
  return lines[lines.length - 1] ?? '';
}

/** The API server's version (gitVersion, e.g. v1.34.8): helm template's --kube-version. */
export async function serverVersion(t: KubeTargetRef, opts: KubectlOptions = {}): Promise<string> {
  const out = await kubectl(t, ['get', '--raw', '/version'], opts);
  const v = JSON.parse(out) as { gitVersion?: string; major?: string; minor?: string };
  if (v.gitVersion && /^v?\d+\.\d+/.test(v.gitVersion) && !v.gitVersion.startsWith('v0.0.0')) return v.gitVersion.replace(/^v?/, 'v').replace(/[-+].*$/, '');
  return `v${v.major ?? '1'}.${(v.minor ?? '0').replace(/\D/g, '')}.0`;
}

/** The cluster's served group/versions (`kubectl api-versions`): helm template's --api-versions. */
export async function apiVersions(t: KubeTargetRef, opts: KubectlOptions = {}): Promise<string[]> {
  const out = await kubectl(t, ['api-versions'], opts);
  return out.split('\n').map((l) => l.trim()).filter(Boolean).sort();
}
