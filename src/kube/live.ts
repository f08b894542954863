// Reading what the cluster says, through kubectl (one argv builder, one runner).
// The Live* types are the few fields health and leases read; everything else
// of an object is carried along untouched.
import { execa } from 'execa';
import { ToolError } from '../errors.ts';
import { refKey } from '../model/objects.ts';
import type { Baseline, LiveObject, ObjectRef } from '../model/objects.ts';

/** Where kubectl points: a kubeconfig (path list allowed) and a context. */
export interface KubeTarget {
  kubeconfig: string | undefined;
  context: string;
}

export interface KubectlOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  input?: string;
  /** Path of the kubectl binary; default $KUBECTL_BIN, then `kubectl`. */
  kubectl?: string;
  /** Largest stdout accepted (default: execa's 100 MB); a cluster's every release record can be more. */
  maxBuffer?: number;
}

/** The argv of a kubectl call against a target (no secrets ever go in argv). */
export function kubectlArgv(target: KubeTarget, args: readonly string[]): string[] {
  const out: string[] = [];
  if (target.kubeconfig) out.push('--kubeconfig', target.kubeconfig);
  out.push('--context', target.context, ...args);
  return out;
}

export function kubectlBin(opts?: KubectlOptions): string {
  return opts?.kubectl ?? process.env.KUBECTL_BIN ?? 'kubectl';
}

export interface KubectlOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs kubectl; a non-zero exit becomes a ToolError naming argv, exit status and stderr. */
export async function kubectl(target: KubeTarget, args: readonly string[], opts?: KubectlOptions): Promise<KubectlOutput> {
  const r = await kubectlRaw(target, args, opts);
  if (r.exitCode !== 0) throw kubectlError(target, args, opts, r);
  return r;
}

/** Runs kubectl and returns whatever happened (exit status included); throws only when it could not start or was aborted. */
export async function kubectlRaw(target: KubeTarget, args: readonly string[], opts?: KubectlOptions): Promise<KubectlOutput> {
  const bin = kubectlBin(opts);
  const argv = kubectlArgv(target, args);
  const r = await execa(bin, argv, {
    reject: false,
    ...(opts?.signal ? { cancelSignal: opts.signal } : {}),
    timeout: opts?.timeoutMs ?? 30_000,
    ...(opts?.maxBuffer !== undefined ? { maxBuffer: opts.maxBuffer } : {}),
    ...(opts?.input !== undefined ? { input: opts.input } : { stdin: 'ignore' as const }),
    stripFinalNewline: false,
  });
  if (r.isCanceled) throw opts?.signal?.reason ?? new Error('kubectl call aborted');
  if (r.failed && r.exitCode === undefined) {
    const why = r.timedOut ? `timed out after ${opts?.timeoutMs ?? 30_000}ms` : r.shortMessage;
    throw new ToolError(`${bin} ${argv.join(' ')}: ${why}`, undefined, String(r.stderr ?? ''));
  }
  return { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? 1 };
}

function kubectlError(target: KubeTarget, args: readonly string[], opts: KubectlOptions | undefined, r: KubectlOutput): ToolError {
  const argv = kubectlArgv(target, args);
  const stderr = r.stderr.trim();
  return new ToolError(`${kubectlBin(opts)} ${argv.join(' ')} exited with status ${r.exitCode}${stderr ? `:\n${stderr}` : ''}`, r.exitCode, r.stderr);
}

function parseList(stdout: string, what: string): LiveObject[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new ToolError(`kubectl printed something other than JSON for ${what}`, 0, stdout.slice(0, 500));
  }
  const d = doc as { kind?: string; items?: LiveObject[] };
  if (Array.isArray(d.items)) return d.items;
  return d.kind ? [doc as LiveObject] : [];
}

/**
 * Every object of the given kinds in one namespace, in ONE kubectl call
 * (`kubectl get deploy,sts,... -n NS -o json`). Kinds are anything kubectl
 * accepts: short names, plurals, `endpointslices.discovery.k8s.io`.
 */
export async function listObjects(target: KubeTarget, namespace: string, kinds: readonly string[], opts?: KubectlOptions): Promise<LiveObject[]> {
  const r = await kubectl(target, ['get', kinds.join(','), '-n', namespace, '-o', 'json'], opts);
  return parseList(r.stdout, `${kinds.join(',')} in ${namespace}`);
}

/** Kubernetes kind -> the resource name kubectl takes (fully qualified where short names clash). */
const RESOURCE_OF_KIND: Record<string, string> = {
  Deployment: 'deployments.apps',
  StatefulSet: 'statefulsets.apps',
  DaemonSet: 'daemonsets.apps',
  ReplicaSet: 'replicasets.apps',
  Job: 'jobs.batch',
  Service: 'services',
  Pod: 'pods',
};

export function resourceOfKind(kind: string): string {
  return RESOURCE_OF_KIND[kind] ?? kind.toLowerCase();
}

/**
 * uid and generation of each given ref as it is now (call before the
 * upgrade). Refs that do not exist are left out. One call per namespace.
 */
/** Lists every object of some kinds in one namespace: kubectl (listObjects) or a kubectl proxy. */
export type ListFn = (target: KubeTarget, namespace: string, kinds: readonly string[], opts?: KubectlOptions) => Promise<LiveObject[]>;

export async function getBaseline(target: KubeTarget, refs: readonly ObjectRef[], opts?: KubectlOptions, list: ListFn = listObjects): Promise<Baseline> {
  const byNs = new Map<string, ObjectRef[]>();
  for (const r of refs) byNs.set(r.namespace, [...(byNs.get(r.namespace) ?? []), r]);
  const out: Baseline = {};
  for (const [ns, nsRefs] of byNs) {
    const kinds = [...new Set(nsRefs.map((r) => resourceOfKind(r.kind)))];
    let objects: LiveObject[];
    try {
      objects = await list(target, ns, kinds, opts);
    } catch (err) {
      // A namespace that does not exist yet holds nothing: every ref is new.
      if (err instanceof ToolError && /namespaces? "[^"]*" not found/.test(err.stderr)) continue;
      throw err;
    }
    const wanted = new Set(nsRefs.map(refKey));
    for (const o of objects) {
      const key = refKey({ kind: o.kind, namespace: o.metadata.namespace ?? ns, name: o.metadata.name });
      if (wanted.has(key) && o.metadata.uid) out[key] = { uid: o.metadata.uid, generation: o.metadata.generation ?? 0 };
    }
  }
  return out;
}

/**
 * Last log lines of a pod (all containers, prefixed); `previous` asks for the
 * terminated instance (what a CrashLoopBackOff container printed before it
 * died). Undefined when the cluster has none (kwok nodes serve no logs).
 */
export async function podLogs(target: KubeTarget, namespace: string, pod: string, o: { tail?: number; previous?: boolean } = {}, opts?: KubectlOptions): Promise<string | undefined> {
  const args = ['logs', pod, '-n', namespace, '--all-containers', `--tail=${o.tail ?? 20}`, '--prefix'];
  if (o.previous) args.push('--previous');
  const r = await kubectlRaw(target, args, { timeoutMs: 10_000, ...opts });
  if (r.exitCode !== 0) return undefined;
  const text = r.stdout.trimEnd();
  return text === '' ? undefined : text;
}

/** Events of a namespace (core v1), oldest first. */
export async function listEvents(target: KubeTarget, namespace: string, opts?: KubectlOptions): Promise<LiveObject[]> {
  return listObjects(target, namespace, ['events'], opts);
}
