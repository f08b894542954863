// Helpers for the fleet's integration tests: real helm and kubectl against
// the fleet's kubeconfig, and bounded polling.
import { execa } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HelmMajor } from '../../fleet/tools.ts';
import { helmBin, kubectlBin } from '../../fleet/tools.ts';

export interface Target {
  kubeconfig: string;
  context: string;
}

export async function helm(major: HelmMajor, t: Target, args: string[]): Promise<string> {
  const r = await execa(helmBin(major), [...args, '--kube-context', t.context], {
    env: { KUBECONFIG: t.kubeconfig },
    reject: false,
    timeout: 120_000,
  });
  if (r.exitCode !== 0) throw new Error(`helm ${major}: ${args.join(' ')} -> exit ${r.exitCode}\n${r.stderr}`);
  return r.stdout;
}

export async function kubectl(t: Target, args: string[]): Promise<string> {
  const r = await execa(kubectlBin(), ['--context', t.context, ...args], {
    env: { KUBECONFIG: t.kubeconfig },
    reject: false,
    timeout: 30_000,
  });
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} -> exit ${r.exitCode}\n${r.stderr}`);
  return r.stdout;
}

export async function kubectlJson<T = unknown>(t: Target, args: string[]): Promise<T> {
  return JSON.parse(await kubectl(t, [...args, '-o', 'json'])) as T;
}

/**
 * Polls `probe` until it returns a value (not undefined) or `timeoutMs`
 * passes; then fails with what it last saw.
 */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 300): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? `: ${String((last as Error).message ?? last)}` : ''}`);
    }
    await sleep(intervalMs);
  }
}

// ---- the bits of Kubernetes objects the tests read -------------------------

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  lastTransitionTime?: string;
}

export interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { exitCode?: number; reason?: string };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state: ContainerState;
  lastState?: ContainerState;
}

export interface PodSpec {
  nodeName?: string;
  containers: Array<{ name: string; image: string }>;
}

export interface Pod {
  metadata: { name: string; annotations?: Record<string, string> };
  spec: PodSpec;
  status: {
    phase: string;
    podIP?: string;
    hostIP?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
  };
}

export interface Deployment {
  metadata: { name: string; generation: number };
  spec: { replicas: number; template: { spec: PodSpec } };
  status: { observedGeneration?: number; availableReplicas?: number; readyReplicas?: number; updatedReplicas?: number; conditions?: Condition[] };
}

export interface ReplicaSet {
  metadata: { name: string };
  spec: { replicas: number; template: { spec: PodSpec } };
  status: { replicas?: number };
}

export interface EndpointSlice {
  endpoints?: Array<{ addresses: string[]; conditions?: { ready?: boolean } }>;
}

export interface Endpoints {
  subsets?: Array<{ addresses?: Array<{ ip: string }>; notReadyAddresses?: Array<{ ip: string }> }>;
}

export interface List<T> {
  items: T[];
}

export const condition = (obj: { status: { conditions?: Condition[] } }, type: string): string | undefined =>
  obj.status.conditions?.find((c) => c.type === type)?.status;

/** Pods matching a label selector. */
export async function podsOf(t: Target, ns: string, selector: string): Promise<Pod[]> {
  const list = await kubectlJson<List<Pod>>(t, ['-n', ns, 'get', 'pods', '-l', selector]);
  return list.items;
}

/** Selects the pods of a release of the tiny fixture chart. */
export const tinyPods = (release: string) => `app.kubernetes.io/instance=${release}`;
/** Selects the pods of a podinfo release (the chart labels them with its full name only). */
export const podinfoPods = (fullname: string) => `app.kubernetes.io/name=${fullname}`;

/** Waits until the Deployment is Available with all replicas, and its Service has that many ready endpoints. */
export async function waitRolledOut(t: Target, ns: string, deployment: string, service: string, timeoutMs = 90_000): Promise<void> {
  await until(`${t.context}/${ns}/${deployment} Available`, timeoutMs, async () => {
    const d = await kubectlJson<Deployment>(t, ['-n', ns, 'get', 'deployment', deployment]);
    const want = d.spec.replicas;
    return condition(d, 'Available') === 'True' && d.status.availableReplicas === want && d.status.updatedReplicas === want ? true : undefined;
  });
  const d = await kubectlJson<Deployment>(t, ['-n', ns, 'get', 'deployment', deployment]);
  await until(`${t.context}/${ns}/${service} endpoints`, timeoutMs, async () => {
    const slices = await kubectlJson<List<EndpointSlice>>(t, ['-n', ns, 'get', 'endpointslices', '-l', `kubernetes.io/service-name=${service}`]);
    const ready = slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready === true);
    const ep = await kubectlJson<Endpoints>(t, ['-n', ns, 'get', 'endpoints', service]);
    const addresses = (ep.subsets ?? []).flatMap((s) => s.addresses ?? []);
    return ready.length === d.spec.replicas && addresses.length === d.spec.replicas ? true : undefined;
  });
}
