// Where a fleet keeps its state, and what the state file holds. Everything of
// fleet NAME lives under <repo>/.fleet/NAME/ (gitignored):
//
//   state.json             ports, pids, tokens (FleetState)
//   kubeconfig             every context of the fleet (for helm, kubectl, helm-cascade)
//   kwok-stages.yaml       the Stages the kwok controllers play
//   logs/                  one log per process: etcd.log, <context>.<component>.log
//   etcd/                  the shared etcd's data
//   clusters/<context>/    per cluster: certs/, sa.key, sa.pub, tokens.csv, kubeconfig (for its components),
//                          pki/ (a client CA the apiserver trusts, an admin client certificate)
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './tools.ts';

export type ComponentName = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok';
export const COMPONENTS: readonly ComponentName[] = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'];

export interface ProcessState {
  pid: number;
  /** Absolute path of the binary; with the fleet dir in the argv, it tells our process from a recycled pid. */
  bin: string;
}

export interface EtcdState {
  clientPort: number;
  peerPort: number;
  process?: ProcessState;
}

export interface ClusterState {
  /** kubeconfig context; the cluster's identity within the fleet. */
  context: string;
  /** The clusters.yaml key it was first started for. */
  name: string;
  /** Stable small number: picks the cluster's service and pod ranges. */
  index: number;
  token: string;
  ports: { apiserver: number; controllerManager: number; scheduler: number };
  processes: Partial<Record<ComponentName, ProcessState>>;
  /** Extra kube-apiserver flags of this cluster (the fleet file's `fleet.apiserverArgs`). */
  apiserverArgs?: string[];
}

export interface FleetState {
  version: 1;
  name: string;
  etcd?: EtcdState;
  clusters: Record<string, ClusterState>;
}

export const DEFAULT_FLEET = 'default';

/** `--name`, else `$HELM_CASCADE_FLEET`, else "default". */
export function fleetName(explicit?: string): string {
  const name = explicit || process.env.HELM_CASCADE_FLEET || DEFAULT_FLEET;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new Error(`bad fleet name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-'`);
  }
  return name;
}

/** Root of all fleets: <repo>/.fleet, or $HELM_CASCADE_FLEET_HOME. */
export function fleetsHome(): string {
  return process.env.HELM_CASCADE_FLEET_HOME || join(repoRoot, '.fleet');
}

export interface FleetPaths {
  dir: string;
  state: string;
  kubeconfig: string;
  stages: string;
  logs: string;
  etcdData: string;
  lock: string;
}

export function fleetPaths(name: string): FleetPaths {
  const dir = join(fleetsHome(), name);
  return {
    dir,
    state: join(dir, 'state.json'),
    kubeconfig: join(dir, 'kubeconfig'),
    stages: join(dir, 'kwok-stages.yaml'),
    logs: join(dir, 'logs'),
    etcdData: join(dir, 'etcd'),
    lock: join(dir, '.lock'),
  };
}

export interface ClusterPaths {
  dir: string;
  certs: string;
  /** Serving certificate the apiserver generates in --cert-dir (leaf + its CA). */
  servingCert: string;
  saKey: string;
  saPub: string;
  tokens: string;
  kubeconfig: string;
  /** The CA whose client certificates the apiserver accepts (--client-ca-file), and its key. */
  clientCaCert: string;
  clientCaKey: string;
  /** A client certificate of that CA: user fleet-cert-admin in group system:masters. */
  adminCert: string;
  adminKey: string;
  /** The CA of the apiserver's serving certificate, alone. */
  servingCa: string;
}

/** Context names may hold characters a directory name should not. */
export function safeName(context: string): string {
  return context.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export function clusterPaths(fleet: FleetPaths, context: string): ClusterPaths {
  const dir = join(fleet.dir, 'clusters', safeName(context));
  return {
    dir,
    certs: join(dir, 'certs'),
    servingCert: join(dir, 'certs', 'apiserver.crt'),
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
    tokens: join(dir, 'tokens.csv'),
    kubeconfig: join(dir, 'kubeconfig'),
    clientCaCert: join(dir, 'pki', 'client-ca.crt'),
    clientCaKey: join(dir, 'pki', 'client-ca.key'),
    adminCert: join(dir, 'pki', 'admin.crt'),
    adminKey: join(dir, 'pki', 'admin.key'),
    servingCa: join(dir, 'pki', 'serving-ca.crt'),
  };
}

export function logPath(fleet: FleetPaths, context: string | undefined, component: string): string {
  return join(fleet.logs, context === undefined ? `${component}.log` : `${safeName(context)}.${component}.log`);
}

export function readState(name: string): FleetState | undefined {
  const { state } = fleetPaths(name);
  if (!existsSync(state)) return undefined;
  return JSON.parse(readFileSync(state, 'utf8')) as FleetState;
}

export function writeState(state: FleetState): void {
  const paths = fleetPaths(state.name);
  mkdirSync(paths.dir, { recursive: true });
  writeFileSync(`${paths.state}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${paths.state}.tmp`, paths.state);
}

/** Service range, pod range and node addresses of the cluster with this index. */
export interface ClusterNetwork {
  serviceCIDR: string;
  /**
   * The address the apiserver publishes in the `kubernetes` Service's
   * endpoints. Never bound (the apiserver listens on 127.0.0.1 only), but
   * Endpoints refuse loopback addresses, so it is a fake one like the nodes'.
   */
  advertiseIP: string;
  podCIDR: (node: number) => string;
  nodeIP: (node: number) => string;
}

export function clusterNetwork(index: number): ClusterNetwork {
  if (index < 0 || index > 99) throw new Error(`cluster index ${index} out of range 0..99`);
  return {
    serviceCIDR: `10.${128 + index}.0.0/16`,
    advertiseIP: `172.20.${index}.1`,
    podCIDR: (node) => `10.${index + 1}.${node}.0/24`,
    nodeIP: (node) => `172.20.${index}.${node + 10}`,
  };
}
