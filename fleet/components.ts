// Command lines of the fleet's processes: pure functions from state to argv,
// so they can be read (and tested) in one place. Every server binds
// 127.0.0.1 (the apiserver merely *advertises* a fake address, see
// clusterNetwork); every argv names a path inside the fleet's directory,
// which is how `down` recognises the fleet's own processes.
import type { ClusterPaths, ClusterState, ComponentName, FleetPaths } from './layout.ts';
import { clusterNetwork } from './layout.ts';
import { FAKE_NODE_SELECTOR } from './kwok-stages.ts';

export interface Binaries {
  etcd: string;
  kwok: string;
  kubeDir: string;
}

export interface Command {
  bin: string;
  args: string[];
}

const LOOPBACK = '127.0.0.1';

export function etcdCommand(bins: Binaries, fleet: FleetPaths, clientPort: number, peerPort: number): Command {
  const client = `http://${LOOPBACK}:${clientPort}`;
  const peer = `http://${LOOPBACK}:${peerPort}`;
  return {
    bin: bins.etcd,
    args: [
      '--name=fleet',
      `--data-dir=${fleet.etcdData}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=fleet=${peer}`,
      '--initial-cluster-state=new',
      // A throwaway test bed: speed over durability.
      '--unsafe-no-fsync=true',
      '--auto-compaction-mode=periodic',
      '--auto-compaction-retention=10m',
      '--snapshot-count=10000',
      '--quota-backend-bytes=4294967296',
      '--log-level=warn',
    ],
  };
}

export function etcdPrefix(fleetName: string, context: string): string {
  return `/helm-cascade/${fleetName}/${context}`;
}

export function apiserverCommand(
  bins: Binaries,
  fleetName: string,
  cluster: ClusterState,
  paths: ClusterPaths,
  etcdClientPort: number,
): Command {
  return {
    bin: `${bins.kubeDir}/kube-apiserver`,
    args: [
      `--bind-address=${LOOPBACK}`,
      `--advertise-address=${clusterNetwork(cluster.index).advertiseIP}`,
      `--secure-port=${cluster.ports.apiserver}`,
      `--cert-dir=${paths.certs}`,
      `--etcd-servers=http://${LOOPBACK}:${etcdClientPort}`,
      `--etcd-prefix=${etcdPrefix(fleetName, cluster.context)}`,
      `--token-auth-file=${paths.tokens}`,
      `--client-ca-file=${paths.clientCaCert}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${paths.saPub}`,
      `--service-account-signing-key-file=${paths.saKey}`,
      `--service-cluster-ip-range=${clusterNetwork(cluster.index).serviceCIDR}`,
      '--allow-privileged=true',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--v=0',
      ...(cluster.apiserverArgs ?? []),
    ],
  };
}

/** Flags kube-controller-manager and kube-scheduler share: API access and their own health endpoint. */
function controlPlaneClientFlags(paths: ClusterPaths, port: number): string[] {
  return [
    `--kubeconfig=${paths.kubeconfig}`,
    `--authentication-kubeconfig=${paths.kubeconfig}`,
    `--authorization-kubeconfig=${paths.kubeconfig}`,
    '--authorization-always-allow-paths=/healthz,/readyz,/livez',
    `--bind-address=${LOOPBACK}`,
    `--secure-port=${port}`,
    '--leader-elect=false',
    '--profiling=false',
    '--v=0',
  ];
}

export function controllerManagerCommand(bins: Binaries, cluster: ClusterState, paths: ClusterPaths): Command {
  return {
    bin: `${bins.kubeDir}/kube-controller-manager`,
    args: [
      ...controlPlaneClientFlags(paths, cluster.ports.controllerManager),
      `--cluster-name=${cluster.context}`,
      `--root-ca-file=${paths.servingCert}`,
      `--service-account-private-key-file=${paths.saKey}`,
      '--kube-api-qps=200',
      '--kube-api-burst=400',
    ],
  };
}

export function schedulerCommand(bins: Binaries, cluster: ClusterState, paths: ClusterPaths): Command {
  return {
    bin: `${bins.kubeDir}/kube-scheduler`,
    args: controlPlaneClientFlags(paths, cluster.ports.scheduler),
  };
}

export function kwokCommand(bins: Binaries, fleet: FleetPaths, cluster: ClusterState, paths: ClusterPaths): Command {
  return {
    bin: bins.kwok,
    args: [
      `--kubeconfig=${paths.kubeconfig}`,
      `--config=${fleet.stages}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${FAKE_NODE_SELECTOR}`,
      '--node-lease-duration-seconds=40',
      `--cidr=10.${cluster.index + 1}.0.0/16`,
      `--node-ip=${clusterNetwork(cluster.index).nodeIP(0)}`,
    ],
  };
}

export function componentCommand(
  component: ComponentName,
  bins: Binaries,
  fleet: FleetPaths,
  fleetName: string,
  cluster: ClusterState,
  paths: ClusterPaths,
  etcdClientPort: number,
): Command {
  switch (component) {
    case 'kube-apiserver':
      return apiserverCommand(bins, fleetName, cluster, paths, etcdClientPort);
    case 'kube-controller-manager':
      return controllerManagerCommand(bins, cluster, paths);
    case 'kube-scheduler':
      return schedulerCommand(bins, cluster, paths);
    case 'kwok':
      return kwokCommand(bins, fleet, cluster, paths);
  }
}
