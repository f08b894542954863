// The local fleet, in-process: ensureFleet() brings up (or tops up) one real
// control plane per cluster of a clusters.yaml, stopFleet() takes it all
// down. One shared etcd per fleet; per cluster a kube-apiserver (own etcd
// prefix, static admin token), kube-controller-manager, kube-scheduler and a
// kwok controller running a few fake nodes. `npm run fleet` is a thin CLI
// over these functions; tests and the demo call them directly.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { binaryFiles, binaryPaths, ensureBinaries } from './binaries.ts';
import type { FleetClusterSpec } from './cluster-list.ts';
import { readClusterList } from './cluster-list.ts';
import type { Binaries } from './components.ts';
import { componentCommand, etcdCommand } from './components.ts';
import type { ApiTarget } from './kube-client.ts';
import { isReady, items, kubeRequest, probe, waitFor } from './kube-client.ts';
import type { KubeconfigEntry } from './kubeconfig.ts';
import { caFromServingCert, renderKubeconfig } from './kubeconfig.ts';
import { FAKE_NODE_ANNOTATION, fleetStagesYaml } from './kwok-stages.ts';
import type { ClusterPaths, ClusterState, ComponentName, FleetPaths, FleetState, ProcessState } from './layout.ts';
import { COMPONENTS, clusterNetwork, clusterPaths, componentsOf, fleetName, fleetPaths, logPath, readState, writeState } from './layout.ts';
import { findOurs, freePorts, isOurs, portFree, rssKiB, runsCommand, startProcess, stopProcess, tail } from './processes.ts';
import { helmBin, kubectlBin, repoRoot } from './tools.ts';

export type Log = (line: string) => void;

export interface EnsureFleetOptions {
  /** clusters.yaml whose `clusters:` to run; default <repo>/clusters.yaml. */
  clustersFile?: string;
  /** Fleet name; default $HELM_CASCADE_FLEET, else "default". */
  name?: string;
  /** Fake nodes per cluster (default 3). */
  nodes?: number;
  /** Progress lines; default: stderr. */
  log?: Log;
}

export interface FleetClusterInfo {
  name: string;
  context: string;
  server: string;
  /** The cluster's admin token (group system:masters). */
  token: string;
  /** Files for kubeconfigs other than the fleet's (client certificates, the serving CA alone). */
  pki: { servingCa: string; clientCert: string; clientKey: string; clientCaCert: string; clientCaKey: string };
}

export interface FleetInfo {
  name: string;
  dir: string;
  kubeconfig: string;
  /** The contexts of the clusters asked for, in clusters.yaml order. */
  contexts: string[];
  clusters: FleetClusterInfo[];
}

const DEFAULT_NODES = 3;
const APISERVER_READY_MS = 180_000;
const CLUSTER_READY_MS = 90_000;

function stderrLog(name: string): Log {
  return (line) => process.stderr.write(`[fleet ${name}] ${line}\n`);
}

const server = (c: ClusterState) => `https://127.0.0.1:${c.ports.apiserver}`;
const target = (c: ClusterState): ApiTarget => ({ server: server(c), token: c.token });

// ---- locking: one `up`/`down` per fleet at a time -------------------------

const inProcess = new Map<string, Promise<unknown>>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function withFleetLock<T>(name: string, log: Log, fn: () => Promise<T>): Promise<T> {
  const previous = inProcess.get(name) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(async () => {
    const paths = fleetPaths(name);
    mkdirSync(paths.dir, { recursive: true });
    let told = false;
    for (;;) {
      try {
        writeFileSync(paths.lock, String(process.pid), { flag: 'wx' });
        break;
      } catch {
        const holder = Number(readFileSync(paths.lock, 'utf8').trim());
        if (!holder || holder === process.pid || !pidAlive(holder)) {
          rmSync(paths.lock, { force: true }); // stale
          continue;
        }
        if (!told) log(`waiting for process ${holder}, which holds ${paths.lock}`);
        told = true;
        await sleep(500);
      }
    }
    try {
      return await fn();
    } finally {
      rmSync(paths.lock, { force: true });
    }
  });
  inProcess.set(name, run);
  return run;
}

// ---- files of a cluster -------------------------------------------------

function writeIfChanged(file: string, content: string): boolean {
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return false;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content, { mode: 0o600 });
  return true;
}

/**
 * A client CA the apiserver trusts (--client-ca-file) and an admin client
 * certificate it signed (CN fleet-cert-admin, O system:masters), made once
 * with openssl (scripts/system-deps.mjs installs it).
 */
function ensureClientPki(cp: ClusterPaths): void {
  if (existsSync(cp.adminCert) && existsSync(cp.clientCaCert)) return;
  mkdirSync(dirname(cp.clientCaCert), { recursive: true, mode: 0o700 });
  const ssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(['req', '-x509', ...ec, '-keyout', cp.clientCaKey, '-out', cp.clientCaCert, '-days', '3650', '-subj', '/CN=fleet-client-ca']);
  const csr = `${cp.adminKey}.csr`;
  ssl(['req', ...ec, '-keyout', cp.adminKey, '-out', csr, '-subj', '/O=system:masters/CN=fleet-cert-admin']);
  const ext = `${cp.adminKey}.ext`;
  writeFileSync(ext, 'extendedKeyUsage=clientAuth\n');
  ssl(['x509', '-req', '-in', csr, '-CA', cp.clientCaCert, '-CAkey', cp.clientCaKey, '-CAcreateserial', '-out', cp.adminCert, '-days', '3650', '-extfile', ext]);
  rmSync(csr, { force: true });
  rmSync(ext, { force: true });
}

function prepareClusterFiles(cluster: ClusterState, cp: ClusterPaths): void {
  mkdirSync(cp.certs, { recursive: true });
  ensureClientPki(cp);
  if (!existsSync(cp.saKey) || !existsSync(cp.saPub)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    });
    writeFileSync(cp.saKey, privateKey, { mode: 0o600 });
    writeFileSync(cp.saPub, publicKey);
  }
  writeIfChanged(cp.tokens, `${cluster.token},fleet-admin,fleet-admin,"system:masters"\n`);
  writeIfChanged(cp.kubeconfig, renderKubeconfig([{ context: cluster.context, server: server(cluster), token: cluster.token }]));
}

function kubeconfigEntries(state: FleetState, fp: FleetPaths): KubeconfigEntry[] {
  return Object.values(state.clusters).map((c) => {
    const cp = clusterPaths(fp, c.context);
    const caPem = existsSync(cp.servingCert) ? caFromServingCert(readFileSync(cp.servingCert, 'utf8')) : undefined;
    if (caPem) writeIfChanged(cp.servingCa, caPem);
    return { context: c.context, server: server(c), token: c.token, ...(caPem ? { caPem } : {}) };
  });
}

function writeFleetKubeconfig(state: FleetState, fp: FleetPaths, current?: string): void {
  writeIfChanged(fp.kubeconfig, renderKubeconfig(kubeconfigEntries(state, fp), current));
}

// ---- starting things ------------------------------------------------------

async function ensureEtcd(state: FleetState, fp: FleetPaths, bins: Binaries, log: Log): Promise<{ restartedOnNewPort: boolean }> {
  const marker = `${fp.dir}/`;
  if (state.etcd && isOurs(state.etcd.process, marker)) {
    if (runsCommand(state.etcd.process, etcdCommand(bins, fp, state.etcd.clientPort, state.etcd.peerPort))) {
      log(`etcd running (pid ${state.etcd.process.pid}, port ${state.etcd.clientPort})`);
      return { restartedOnNewPort: false };
    }
    log('etcd: its command line changed (new binary or flags); restarting it');
    await stopProcess(state.etcd.process, marker);
  }
  let clientPort = state.etcd?.clientPort;
  let peerPort = state.etcd?.peerPort;
  const reuse = clientPort !== undefined && peerPort !== undefined && (await portFree(clientPort)) && (await portFree(peerPort));
  if (!reuse || clientPort === undefined || peerPort === undefined) {
    [clientPort, peerPort] = (await freePorts(2)) as [number, number];
  }
  const restartedOnNewPort = state.etcd !== undefined && state.etcd.clientPort !== clientPort;
  const log_ = logPath(fp, undefined, 'etcd');
  const proc = startProcess(etcdCommand(bins, fp, clientPort, peerPort), log_, fp.dir);
  state.etcd = { clientPort, peerPort, process: proc };
  writeState(state);
  log(`etcd started (pid ${proc.pid}, port ${clientPort})`);
  await waitFor(
    'etcd to become healthy',
    30_000,
    async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${clientPort}/health`);
        const body = (await res.json()) as { health?: string };
        return body.health === 'true' ? true : `health ${JSON.stringify(body)}`;
      } catch (err) {
        return String((err as Error).message);
      }
    },
    () => (isOurs(proc, marker) ? undefined : `etcd exited; last lines of ${log_}:\n${tail(log_)}`),
  );
  return { restartedOnNewPort };
}

function newCluster(spec: FleetClusterSpec, state: FleetState, ports: number[]): ClusterState {
  const used = new Set(Object.values(state.clusters).map((c) => c.index));
  let index = 0;
  while (used.has(index)) index++;
  const [apiserver, controllerManager, scheduler] = ports as [number, number, number];
  return {
    context: spec.context,
    name: spec.name,
    index,
    token: randomBytes(24).toString('hex'),
    ports: { apiserver, controllerManager, scheduler },
    processes: {},
  };
}

/** Keeps the cluster's ports unless someone else took them meanwhile. Returns true when the apiserver port moved. */
async function portFreeSoon(port: number, withinMs: number): Promise<boolean> {
  const until = Date.now() + withinMs;
  for (;;) {
    if (await portFree(port)) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function refreshPorts(cluster: ClusterState, running: (c: ComponentName) => boolean, avoid: Set<number>): Promise<boolean> {
  const want: Array<[keyof ClusterState['ports'], ComponentName]> = [
    ['apiserver', 'kube-apiserver'],
    ['controllerManager', 'kube-controller-manager'],
    ['scheduler', 'kube-scheduler'],
  ];
  let apiserverMoved = false;
  for (const [key, component] of want) {
    if (running(component)) continue;
    // a component killed a moment ago may not have released its port yet: a moved
    // apiserver breaks every client of the cluster, so its old port is awaited a little
    if (await portFreeSoon(cluster.ports[key], 3000)) continue;
    const [port] = (await freePorts(1, avoid)) as [number];
    avoid.add(port);
    cluster.ports[key] = port;
    if (key === 'apiserver') apiserverMoved = true;
  }
  return apiserverMoved;
}

async function createFakeNodes(cluster: ClusterState, count: number): Promise<number> {
  const net = clusterNetwork(cluster.index);
  let created = 0;
  for (let i = 0; i < count; i++) {
    const name = `fleet-node-${i}`;
    const existing = await kubeRequest(target(cluster), 'GET', `/api/v1/nodes/${name}`);
    if (existing.status === 200) continue;
    const resources = { cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '1Ti' };
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { [FAKE_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'node-role.kubernetes.io/worker': '',
          'topology.kubernetes.io/zone': `zone-${'abc'[i % 3]}`,
          type: 'kwok',
        },
      },
      spec: { podCIDR: net.podCIDR(i), podCIDRs: [net.podCIDR(i)] },
      status: {
        capacity: resources,
        allocatable: resources,
        addresses: [
          { type: 'InternalIP', address: net.nodeIP(i) },
          { type: 'Hostname', address: name },
        ],
      },
    };
    const res = await kubeRequest(target(cluster), 'POST', '/api/v1/nodes', node);
    if (res.status !== 201 && res.status !== 409) throw new Error(`${cluster.context}: creating node ${name}: HTTP ${res.status} ${res.text}`);
    created++;
  }
  return created;
}

async function clusterReady(cluster: ClusterState, nodes: number): Promise<true | string> {
  const t = target(cluster);
  const ready = await probe(t, '/readyz');
  if (ready.status !== 200) return `apiserver /readyz: ${ready.status} ${ready.text.slice(0, 200)}`;
  const list = await probe(t, '/api/v1/nodes');
  const readyNodes = items(list.body).filter(isReady).length;
  if (readyNodes < nodes) return `${readyNodes}/${nodes} nodes Ready`;
  const sa = await probe(t, '/api/v1/namespaces/default/serviceaccounts/default');
  if (sa.status !== 200) return 'no default ServiceAccount yet (kube-controller-manager)';
  return true;
}

async function bringUpCluster(
  cluster: ClusterState,
  state: FleetState,
  fp: FleetPaths,
  bins: Binaries,
  log: Log,
  forceRestart: Set<ComponentName>,
  nodes: number,
): Promise<void> {
  const marker = `${fp.dir}/`;
  const cp = clusterPaths(fp, cluster.context);
  const say = (line: string) => log(`${cluster.context}: ${line}`);
  const command = (component: ComponentName) =>
    componentCommand(component, bins, fp, state.name, cluster, cp, state.etcd?.clientPort ?? 0);
  const running = (component: ComponentName) => {
    const proc = cluster.processes[component];
    if (forceRestart.has(component) || !isOurs(proc, marker)) return false;
    if (runsCommand(proc, command(component))) return true;
    say(`${component}: its command line changed (new binary or flags); restarting it`);
    return false;
  };

  const start = async (component: ComponentName) => {
    const old = cluster.processes[component];
    if (old && isOurs(old, marker)) await stopProcess(old, marker);
    const file = logPath(fp, cluster.context, component);
    const proc = startProcess(command(component), file, cp.dir);
    cluster.processes[component] = proc;
    writeState(state);
    say(`${component} started (pid ${proc.pid}${component === 'kube-apiserver' ? `, ${server(cluster)}` : ''})`);
  };
  const diedMessage = (component: ComponentName) => {
    const proc = cluster.processes[component];
    if (isOurs(proc, marker)) return undefined;
    const file = logPath(fp, cluster.context, component);
    return `${component} exited; last lines of ${file}:\n${tail(file)}`;
  };

  // A restarted apiserver needs no restart of its clients: they reconnect.
  if (running('kube-apiserver')) {
    say(`kube-apiserver running (pid ${cluster.processes['kube-apiserver']?.pid})`);
  } else {
    await start('kube-apiserver');
  }
  const t0 = Date.now();
  await waitFor(
    `${cluster.context}: kube-apiserver /readyz`,
    APISERVER_READY_MS,
    async () => {
      const r = await probe(target(cluster), '/readyz');
      return r.status === 200 ? true : `${r.status} ${r.text.split('\n').filter((l) => l.includes('failed')).join('; ').slice(0, 200)}`;
    },
    () => diedMessage('kube-apiserver'),
    300,
  );
  if (Date.now() - t0 > 1000) say(`kube-apiserver ready after ${((Date.now() - t0) / 1000).toFixed(1)}s`);

  const components = componentsOf(cluster);
  for (const component of components.filter((c) => c !== 'kube-apiserver')) {
    if (running(component)) continue;
    await start(component);
  }
  // a cluster made light since its last start: what it no longer runs is stopped
  for (const component of COMPONENTS.filter((c) => !components.includes(c))) {
    const proc = cluster.processes[component];
    if (!proc) continue;
    await stopProcess(proc, marker);
    delete cluster.processes[component];
    writeState(state);
    say(`${component} stopped (a light cluster does not run it)`);
  }
  const wanted = cluster.light ? 0 : nodes;
  const created = await createFakeNodes(cluster, wanted);
  if (created > 0) say(`created ${created} fake node(s)`);

  await waitFor(
    `${cluster.context}: nodes Ready and controllers working`,
    CLUSTER_READY_MS,
    () => clusterReady(cluster, wanted),
    () => components.map(diedMessage).find((m) => m !== undefined),
    500,
  );
  say(`ready: ${wanted} nodes Ready`);
}

function ensureStagesFile(fp: FleetPaths): boolean {
  return writeIfChanged(fp.stages, fleetStagesYaml());
}

/**
 * Brings up every cluster of `clustersFile` (idempotent): keeps what runs,
 * starts what is missing or died, and returns where to find it.
 */
/**
 * etcd, kube-apiserver, controller-manager and scheduler must be told their
 * ports on the command line (none of them reports a port it chose itself), so
 * the fleet picks free ones (bound to port 0 and closed) before starting them.
 * Another process may take one in between: the component then exits with
 * "address already in use". One more pass heals it: a port no longer free is
 * chosen again (ensureEtcd, refreshPorts), and live components are kept.
 */
export async function ensureFleet(options: EnsureFleetOptions = {}): Promise<FleetInfo> {
  try {
    return await ensureFleetOnce(options);
  } catch (err) {
    if (!/address already in use/.test((err as Error).message)) throw err;
    (options.log ?? stderrLog(fleetName(options.name)))('a port was taken between choosing it and binding it: choosing again');
    return ensureFleetOnce(options);
  }
}

async function ensureFleetOnce(options: EnsureFleetOptions): Promise<FleetInfo> {
  const name = fleetName(options.name);
  const log = options.log ?? stderrLog(name);
  const nodes = options.nodes ?? DEFAULT_NODES;
  const clustersFile = resolve(options.clustersFile ?? join(repoRoot, 'clusters.yaml'));
  const specs = readClusterList(clustersFile);
  const bins = await ensureBinaries(log);
  const started = Date.now();

  return withFleetLock(name, log, async () => {
    const fp = fleetPaths(name);
    mkdirSync(fp.logs, { recursive: true });
    const state: FleetState = readState(name) ?? { version: 1, name, clusters: {} };
    log(`${specs.length} cluster(s) from ${clustersFile}; state in ${fp.dir}`);

    const stagesChanged = ensureStagesFile(fp);
    const etcd = await ensureEtcd(state, fp, bins, log);

    const taken = new Set<number>([state.etcd?.clientPort ?? 0, state.etcd?.peerPort ?? 0]);
    for (const c of Object.values(state.clusters)) for (const p of Object.values(c.ports)) taken.add(p);
    const work: Array<{ cluster: ClusterState; force: Set<ComponentName> }> = [];
    for (const spec of specs) {
      let cluster = state.clusters[spec.context];
      const force = new Set<ComponentName>();
      if (!cluster) {
        const ports = await freePorts(3, taken);
        ports.forEach((p) => taken.add(p));
        cluster = newCluster(spec, state, ports);
        state.clusters[spec.context] = cluster;
        log(`${spec.context}: new cluster (for ${spec.name}), services ${clusterNetwork(cluster.index).serviceCIDR}`);
      }
      const c = cluster;
      // the file's flags are the cluster's (a changed list restarts its apiserver: runsCommand sees it)
      if (spec.apiserverArgs?.length) c.apiserverArgs = spec.apiserverArgs;
      else delete c.apiserverArgs;
      if (spec.light) c.light = true;
      else delete c.light;
      const marker = `${fp.dir}/`;
      if (etcd.restartedOnNewPort) force.add('kube-apiserver');
      if (stagesChanged && isOurs(c.processes.kwok, marker)) force.add('kwok');
      const apiserverMoved = await refreshPorts(c, (comp) => !force.has(comp) && isOurs(c.processes[comp], marker), taken);
      if (apiserverMoved) for (const comp of COMPONENTS) force.add(comp);
      prepareClusterFiles(c, clusterPaths(fp, c.context));
      work.push({ cluster: c, force });
    }
    writeState(state);

    // Clusters come up side by side; each waits for its own apiserver.
    const results = await Promise.allSettled(work.map(({ cluster, force }) => bringUpCluster(cluster, state, fp, bins, log, force, nodes)));
    writeState(state);
    writeFleetKubeconfig(state, fp, specs[0]?.context);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error)?.message ?? r.reason)] : []));
    if (failures.length > 0) throw new Error(`fleet ${name}: ${failures.length} cluster(s) failed to come up:\n${failures.join('\n')}`);

    log(`up in ${((Date.now() - started) / 1000).toFixed(1)}s: ${specs.map((s) => s.context).join(', ')}; kubeconfig ${fp.kubeconfig}`);
    return {
      name,
      dir: fp.dir,
      kubeconfig: fp.kubeconfig,
      contexts: specs.map((s) => s.context),
      clusters: specs.map((s) => {
        const c = state.clusters[s.context] as ClusterState;
        const cp = clusterPaths(fp, s.context);
        return { name: s.name, context: s.context, server: server(c), token: c.token, pki: { servingCa: cp.servingCa, clientCert: cp.adminCert, clientKey: cp.adminKey, clientCaCert: cp.clientCaCert, clientCaKey: cp.clientCaKey } };
      }),
    };
  });
}

export interface StopFleetOptions {
  /** Also delete the fleet's directory (etcd data, certs, logs). */
  purge?: boolean;
  log?: Log;
}

/** Stops every process of the fleet and checks that none is left; throws if one survives. */
export async function stopFleet(name?: string, options: StopFleetOptions = {}): Promise<void> {
  const fleet = fleetName(name);
  const log = options.log ?? stderrLog(fleet);
  const fp = fleetPaths(fleet);
  if (!existsSync(fp.dir)) {
    log('not running (no state)');
    return;
  }
  await withFleetLock(fleet, log, async () => {
    const marker = `${fp.dir}/`;
    const state = readState(fleet);
    // Clients first (all at once), then the apiservers they watch (which
    // otherwise linger on the open watches), then etcd.
    const phases: ComponentName[][] = [['kwok', 'kube-scheduler', 'kube-controller-manager'], ['kube-apiserver']];
    let stopped = 0;
    for (const phase of phases) {
      const jobs = Object.values(state?.clusters ?? {}).flatMap((c) =>
        phase.map(async (component) => {
          const proc = c.processes[component];
          if (isOurs(proc, marker)) {
            await stopProcess(proc, marker);
            stopped++;
          }
          delete c.processes[component];
        }),
      );
      await Promise.all(jobs);
    }
    if (state?.etcd?.process && isOurs(state.etcd.process, marker)) {
      await stopProcess(state.etcd.process, marker);
      stopped++;
    }
    if (state?.etcd) delete state.etcd.process;

    // Safety net: anything still running one of our binaries inside this fleet's directory.
    const bins = new Set<string>();
    try {
      binaryFiles(binaryPaths()).forEach((b) => bins.add(b));
    } catch {
      // the build script is not runnable; the state's records still count
    }
    for (const c of Object.values(state?.clusters ?? {})) for (const p of Object.values(c.processes)) if (p) bins.add(p.bin);
    for (const leftover of findOurs([...bins], marker)) {
      log(`stopping leftover process ${leftover.pid} (${leftover.bin})`);
      await stopProcess(leftover, marker, 3000);
      stopped++;
    }
    const survivors = findOurs([...bins], marker);
    if (survivors.length > 0) {
      throw new Error(`fleet ${fleet}: processes still running: ${survivors.map((p) => `${p.pid} ${p.bin}`).join(', ')}`);
    }
    if (state) writeState(state);
    log(`stopped ${stopped} process(es); none left`);
  });
  if (options.purge) {
    rmSync(fp.dir, { recursive: true, force: true });
    log(`removed ${fp.dir}`);
  }
}

/** Stops one cluster of the fleet and forgets it (its etcd prefix stays): a cluster a test or benchmark added for itself. */
export async function stopFleetCluster(context: string, options: { name?: string; log?: Log } = {}): Promise<void> {
  const fleet = fleetName(options.name);
  const log = options.log ?? stderrLog(fleet);
  const fp = fleetPaths(fleet);
  await withFleetLock(fleet, log, async () => {
    const state = readState(fleet);
    const cluster = state?.clusters[context];
    if (!state || !cluster) return;
    const marker = `${fp.dir}/`;
    for (const phase of [['kwok', 'kube-scheduler', 'kube-controller-manager'], ['kube-apiserver']] as ComponentName[][]) {
      await Promise.all(phase.map(async (component) => {
        const proc = cluster.processes[component];
        if (isOurs(proc, marker)) await stopProcess(proc, marker);
      }));
    }
    delete state.clusters[context];
    writeState(state);
    writeFleetKubeconfig(state, fp);
    log(`${context}: stopped and removed from the fleet`);
  });
}

export interface ComponentStatus {
  pid?: number;
  running: boolean;
  rssKiB: number;
}

export interface ClusterStatus {
  context: string;
  name: string;
  server: string;
  apiserver: string;
  nodesReady: number;
  nodesTotal: number;
  /** `fleet.light`: no nodes expected. */
  light: boolean;
  components: Record<ComponentName, ComponentStatus>;
}

/** A cluster is healthy when its apiserver is ready, every process it should run runs, and (unless light) it has nodes, all Ready. */
export function clusterHealthy(c: ClusterStatus): boolean {
  const nodesOk = c.light ? c.nodesReady === c.nodesTotal : c.nodesTotal > 0 && c.nodesReady === c.nodesTotal;
  return c.apiserver === 'ready' && nodesOk && Object.values(c.components).every((p) => p.running);
}

export interface FleetStatus {
  name: string;
  dir: string;
  kubeconfig: string;
  etcd?: { port: number } & ComponentStatus;
  clusters: ClusterStatus[];
  totalRssKiB: number;
}

/** What runs, and how healthy it is (apiserver /readyz, nodes Ready). */
export async function fleetStatus(name?: string): Promise<FleetStatus> {
  const fleet = fleetName(name);
  const fp = fleetPaths(fleet);
  const marker = `${fp.dir}/`;
  const state = readState(fleet);
  const componentStatus = (p: ProcessState | undefined): ComponentStatus => {
    const running = isOurs(p, marker);
    return { ...(p ? { pid: p.pid } : {}), running, rssKiB: running && p ? rssKiB(p.pid) : 0 };
  };
  const clusters = await Promise.all(
    Object.values(state?.clusters ?? {}).map(async (c): Promise<ClusterStatus> => {
      const components = Object.fromEntries(componentsOf(c).map((comp) => [comp, componentStatus(c.processes[comp])])) as Record<ComponentName, ComponentStatus>;
      let apiserver = 'down';
      let nodesReady = 0;
      let nodesTotal = 0;
      if (components['kube-apiserver'].running) {
        const r = await probe(target(c), '/readyz');
        apiserver = r.status === 200 ? 'ready' : `not ready (${r.status || r.text})`;
        if (r.status === 200) {
          const list = items((await probe(target(c), '/api/v1/nodes')).body);
          nodesTotal = list.length;
          nodesReady = list.filter(isReady).length;
        }
      }
      return { context: c.context, name: c.name, server: server(c), apiserver, nodesReady, nodesTotal, light: c.light === true, components };
    }),
  );
  const etcd = state?.etcd ? { port: state.etcd.clientPort, ...componentStatus(state.etcd.process) } : undefined;
  const totalRssKiB =
    (etcd?.rssKiB ?? 0) + clusters.reduce((sum, c) => sum + Object.values(c.components).reduce((s, x) => s + x.rssKiB, 0), 0);
  return { name: fleet, dir: fp.dir, kubeconfig: fp.kubeconfig, ...(etcd ? { etcd } : {}), clusters, totalRssKiB };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `export` lines pointing a shell at the fleet: KUBECONFIG, HELM_BIN, KUBECTL_BIN, PATH with helm and kubectl. */
export function fleetEnv(name?: string): string {
  const fleet = fleetName(name);
  const helm = helmBin();
  const kubectl = kubectlBin();
  const dirs = [...new Set([dirname(helm), ...(kubectl.includes('/') ? [dirname(kubectl)] : [])])];
  const lines = [
    `export KUBECONFIG=${shellQuote(fleetPaths(fleet).kubeconfig)}`,
    `export HELM_BIN=${shellQuote(helm)}`,
    ...(kubectl.includes('/') ? [`export KUBECTL_BIN=${shellQuote(kubectl)}`] : []),
    `export PATH=${shellQuote(dirs.join(':'))}:"$PATH"`,
  ];
  if (fleet !== 'default') lines.push(`export HELM_CASCADE_FLEET=${shellQuote(fleet)}`);
  return `${lines.join('\n')}\n`;
}
