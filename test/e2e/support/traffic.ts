// The traffic tests' real parts besides the fleet: a copy of the example
// repository (examples/bitmovin) made to run on the test's namespaces and
// clusters, local HTTP backends standing for the track Services, a real
// HAProxy (Debian's package, scripts/system-deps.mjs) started with the
// haproxy.cfg the router release rendered on the cluster, and the split of
// real requests through it.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before } from 'node:test';
import { execa } from 'execa';
import { parseDocument } from 'yaml';
import { repoRoot } from '../../../fleet/tools.ts';
import { KubeClients } from '../../../src/kube/client.ts';
import type { RunEvent } from '../../../src/run/events.ts';
import { CONTEXTS, kubectl, sharedFleet } from './cascade.ts';
import { namespaces } from './fleet-state.ts';
import { background } from './process.ts';
import { listenLocal } from './prometheus.ts';
import { tempDir } from '../../support/tmp.ts';

export const EXAMPLE = join(repoRoot, 'examples', 'bitmovin');
export const TRACKS = ['internal', 'free', 'paid', 'production'] as const;

export interface ExampleCluster {
  name: string;
  context: string;
  failoverFor?: string;
}

export interface ExampleOptions {
  /** The namespace of account-service and its route (the example's `accounts`). */
  ns: string;
  /** The namespace of the HAProxy router (the example's `edge`). */
  edgeNs: string;
  clusters: ExampleCluster[];
  /** Edits of releases' traffic blocks: pause and interval (durations), the Prometheus URL. */
  pause?: string;
  /** Pauses of single tracks, over `pause`. */
  pauses?: Record<string, string>;
  interval?: string;
  prometheusUrl?: string;
  /** Replaces the analysis query (placeholders and all). */
  query?: string;
}

/** Sets `traffic.*` fields of a release file, keeping its comments. */
function editTraffic(file: string, o: ExampleOptions): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (!doc.has('traffic')) return;
  for (const t of ['internal', 'free', 'paid']) {
    const pause = o.pauses?.[t] ?? o.pause;
    if (pause) doc.setIn(['traffic', 'tracks', t, 'pause'], pause);
  }
  if (o.interval) doc.setIn(['traffic', 'analysis', 'interval'], o.interval);
  if (o.prometheusUrl) doc.setIn(['traffic', 'analysis', 'prometheus', 'url'], o.prometheusUrl);
  if (o.query) doc.setIn(['traffic', 'analysis', 'prometheus', 'query'], o.query);
  writeFileSync(file, doc.toString());
}

/** Sets fields of a track's traffic in a release file of a copy of the example (a longer pause, other steps). */
export function setTrack(file: string, track: string, fields: { pause?: string; steps?: number[] }): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  for (const [k, v] of Object.entries(fields)) doc.setIn(['traffic', 'tracks', track, k], k === 'steps' ? doc.createNode(v, { flow: true }) : v);
  writeFileSync(file, doc.toString());
}

/** A copy of the example repository on the test's namespaces and clusters, with short gates. */
export function exampleRepo(o: ExampleOptions): string {
  const dir = tempDir('hc-traffic-');
  cpSync(EXAMPLE, dir, { recursive: true });
  const clusters = o.clusters.map((c) => `  ${c.name}:\n    context: ${c.context}\n    provider: onprem\n${c.failoverFor ? `    failoverFor: ${c.failoverFor}\n` : ''}`).join('');
  writeFileSync(join(dir, 'clusters.yaml'), `name: bitmovin-e2e\nclusters:\n${clusters}tracks: [internal, free, paid, production]\nhealth: { timeout: 90s, soak: 1s, minReadyEndpoints: 1, maxRestarts: 0 }\nonFailure: rollback\n`);
  const rewrite = (p: string) => {
    const text = readFileSync(join(dir, p), 'utf8').replaceAll('namespace: accounts', `namespace: ${o.ns}`).replaceAll('.accounts.svc', `.${o.ns}.svc`).replaceAll('namespace: edge', `namespace: ${o.edgeNs}`);
    writeFileSync(join(dir, p), text);
    if (p.includes('account-service.yaml')) editTraffic(join(dir, p), o);
  };
  for (const p of ['releases/account-service.yaml', 'releases/account-route.yaml', 'releases-haproxy/account-service.yaml', 'releases-haproxy/haproxy.yaml', 'values/haproxy/base.yaml']) rewrite(p);
  return dir;
}

/** Points the example's HAProxy router values at the local backends, listening on a unix socket. */
export function localRouterValues(dir: string, socket: string, backends: Backends): void {
  const file = join(dir, 'values', 'haproxy', 'base.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.set('bind', `unix@${socket}`);
  for (const [track, url] of Object.entries(backends.urls)) doc.setIn(['backends', track, 'address'], new URL(url).host);
  writeFileSync(file, doc.toString());
}

/** Local HTTP servers standing for the track Services: each answers with its track's name. */
export interface Backends {
  urls: Record<string, string>;
  close(): Promise<void>;
}

export async function startBackends(tracks: readonly string[] = TRACKS): Promise<Backends> {
  const servers: Server[] = [];
  const urls: Record<string, string> = {};
  for (const track of tracks) {
    const { server, url } = await listenLocal((_req, res) => void res.writeHead(200, { 'content-type': 'text/plain' }).end(track));
    servers.push(server);
    urls[track] = url;
  }
  return { urls, close: async () => void (await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))) };
}

/** The haproxy.cfg the router release rendered into its ConfigMap on the cluster. */
export async function renderedHaproxyCfg(kubeconfig: string, context: string, ns: string, name = 'haproxy'): Promise<string> {
  const cm = JSON.parse(await kubectl(kubeconfig, context, ['-n', ns, 'get', 'configmap', name, '-o', 'json'])) as { data?: Record<string, string> };
  const cfg = cm.data?.['haproxy.cfg'];
  if (cfg === undefined) throw new Error(`ConfigMap ${ns}/${name} has no haproxy.cfg`);
  return cfg;
}

export function haproxyBin(): string {
  const bin = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';
  if (!existsSync(bin)) throw new Error(`no HAProxy at ${bin}: run \`node scripts/system-deps.mjs\` (installs Debian's haproxy) or set HAPROXY_BIN`);
  return bin;
}

export interface Haproxy {
  /** The unix socket HAProxy listens on (the `bind` the test gave the router release). */
  socket: string;
  stop(): Promise<void>;
}

/** Starts HAProxy in the foreground with a config (checked first with -c), until it accepts connections on `socket`. */
export async function startHaproxy(cfg: string, socket: string): Promise<Haproxy> {
  const dir = tempDir('hc-haproxy-');
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  const check = await execa(haproxyBin(), ['-c', '-f', file], { reject: false, all: true });
  if (check.exitCode !== 0) throw new Error(`haproxy -c refused the rendered haproxy.cfg:\n${String(check.all)}\n---\n${cfg}`);
  rmSync(socket, { force: true });
  const proc = background(haproxyBin(), ['-db', '-f', file], () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(socket, { force: true });
  });
  for (let i = 0; i < 100 && !proc.exited(); i++) {
    if (existsSync(socket) && (await get(socket, {}, new Agent()).then(() => true, () => false))) return { socket, stop: async () => void (await proc.stop()) };
    await sleep(50);
  }
  throw new Error(`HAProxy did not start listening on ${socket}: ${await proc.stop()}`);
}

function get(socket: string, headers: Record<string, string>, agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: '/', headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends `n` real requests through HAProxy (16 at a time, keep-alive) and counts which backend answered each. */
export async function measureSplit(socket: string, o: { header?: string; n: number }): Promise<Record<string, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const counts: Record<string, number> = {};
  const headers: Record<string, string> = o.header ? { 'X-Traffic-Group': o.header } : {};
  let sent = 0;
  const worker = async () => {
    while (sent < o.n) {
      sent++;
      const track = await get(socket, headers, agent);
      counts[track] = (counts[track] ?? 0) + 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: 16 }, worker));
  } finally {
    agent.destroy();
  }
  return counts;
}

/** The percent of `n` requests a backend answered. */
export const share = (counts: Record<string, number>, track: string, n: number): number => (100 * (counts[track] ?? 0)) / n;

/** What a HAProxy test of one describe block shares: the fleet, its clients, the local backends, one HAProxy at a time, namespaces cleaned up after. */
export interface HaproxySuite {
  kubeconfig: string;
  clients: KubeClients;
  backends: Backends;
  nss: ReturnType<typeof namespaces>;
  /** A fresh unix socket path for HAProxy's bind. */
  socketPath(): string;
  /** (Re)starts HAProxy with a config. */
  restartHaproxy(cfg: string, socket: string): Promise<Haproxy>;
}

/** Registers the describe block's before/after hooks and returns what they set up. */
export function haproxySuite(prefix: string): HaproxySuite {
  let haproxy: Haproxy | undefined;
  const suite: HaproxySuite = {
    kubeconfig: '',
    clients: undefined as unknown as KubeClients,
    backends: undefined as unknown as Backends,
    nss: namespaces(prefix, [CONTEXTS.paris], () => suite.kubeconfig),
    socketPath: () => join(tempDir('hc-haproxy-sock-'), 'haproxy.sock'),
    restartHaproxy: async (cfg, socket) => {
      await haproxy?.stop();
      haproxy = await startHaproxy(cfg, socket);
      return haproxy;
    },
  };
  before(async () => {
    suite.kubeconfig = await sharedFleet();
    suite.clients = new KubeClients({ kubeconfig: suite.kubeconfig });
    suite.backends = await startBackends();
  });
  after(async () => {
    await haproxy?.stop();
    await suite.backends?.close();
    await suite.clients?.close();
    const failures = await suite.nss.cleanup();
    if (failures.length) throw new Error(`namespaces not deleted: ${failures.join('; ')}`);
  });
  return suite;
}

/** A run log followed as `apply` writes it: each new event handed to `on`, one after the other (a handler may take its time). */
export function followRunLog(file: string, on: (e: RunEvent) => Promise<void> | void): { stop(): Promise<void> } {
  let seen = 0;
  let stopped = false;
  const loop = (async () => {
    for (;;) {
      const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
      // the last line may be half written: only whole lines
      const whole = lines.slice(0, -1);
      for (const line of whole.slice(seen)) await on(JSON.parse(line) as RunEvent);
      seen = Math.max(seen, whole.length);
      if (stopped) return;
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** The image tag a Deployment of the fleet runs (from `kubectl get -o json` text). */
export function imageTag(deploymentJson: string): string {
  const d = JSON.parse(deploymentJson) as { spec: { template: { spec: { containers: { image: string }[] } } } };
  return d.spec.template.spec.containers[0]!.image.split(':').at(-1)!;
}

/** Sets `image.tag` in a release file of the repository (the new version to roll out). */
export function setVersion(dir: string, file: string, tag: string): void {
  const p = join(dir, file);
  writeFileSync(p, readFileSync(p, 'utf8').replace(/image\.tag: "[^"]*"/, `image.tag: "${tag}"`));
}
