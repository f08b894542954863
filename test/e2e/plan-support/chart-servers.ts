// Real chart sources on 127.0.0.1 for tests: a chart repository (helm package
// + helm repo index, served by a tiny node http server) and an OCI registry
// (Debian's docker-registry). Install the registry with:
//   apt-get update && apt-get install -y docker-registry
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const HELM3 = join(REPO_ROOT, 'node_modules/.helm-cascade/helm-v3/helm');
export const HELM4 = join(REPO_ROOT, 'node_modules/.helm-cascade/helm-v4/helm');

/** The helms to run against: $HELM_BIN alone when set, else both majors. */
export function helmBins(): { label: string; bin: string }[] {
  if (process.env.HELM_BIN) return [{ label: process.env.HELM_BIN, bin: process.env.HELM_BIN }];
  return [
    { label: 'helm 3', bin: HELM3 },
    { label: 'helm 4', bin: HELM4 },
  ].filter((h) => existsSync(h.bin));
}

export function sh(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.error ? r.error.message : ''}`);
  return r.stdout;
}

/** Packages chart `name` at each version (a ConfigMap saying its version) into `dir`. */
export function packageCharts(dir: string, name: string, versions: string[], helm = HELM3): string[] {
  mkdirSync(dir, { recursive: true });
  const src = mkdtempSync(join(tmpdir(), 'hc-chart-src-'));
  const out: string[] = [];
  for (const v of versions) {
    const c = join(src, `${name}-${v}`, name);
    mkdirSync(join(c, 'templates'), { recursive: true });
    writeFileSync(join(c, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${v}\nappVersion: "${v}"\n`);
    writeFileSync(join(c, 'values.yaml'), 'greeting: hello\n');
    writeFileSync(join(c, 'templates', 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  version: "${v}"\n  greeting: {{ .Values.greeting | quote }}\n`);
    sh(helm, ['package', c, '--destination', dir]);
    out.push(join(dir, `${name}-${v}.tgz`));
  }
  return out;
}

export interface ChartRepoServer {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** Serves `dir` (after `helm repo index`) over HTTP on 127.0.0.1, recording every request path. */
export async function serveChartRepo(dir: string, helm = HELM3): Promise<ChartRepoServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    requests.push(path);
    const file = join(dir, path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sh(helm, ['repo', 'index', dir, '--url', url]);
  return { url, requests, close: () => new Promise((r) => server.close(() => r())) };
}

export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export const REGISTRY_BIN = process.env.DOCKER_REGISTRY_BIN ?? '/usr/bin/docker-registry';

/** Installs docker-registry with apt when missing; returns why it cannot run, or undefined when it can. */
export function ensureRegistryBinary(): string | undefined {
  if (existsSync(REGISTRY_BIN)) return undefined;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' });
  if (apt.status !== 0) return 'docker-registry is not installed and apt-get is unavailable (apt-get install -y docker-registry)';
  const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry'], { encoding: 'utf8', stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(REGISTRY_BIN)) throw new Error('apt-get install -y docker-registry failed');
  return undefined;
}

export interface Registry {
  host: string; // 127.0.0.1:PORT
  stop(): Promise<void>;
}

/** A real OCI registry on 127.0.0.1, filesystem storage in a temp dir. */
export async function startRegistry(): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'hc-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(config, `version: 0.1\nlog: { level: error }\nstorage:\n  filesystem: { rootdirectory: ${join(dir, 'data')} }\n  delete: { enabled: true }\nhttp:\n  addr: 127.0.0.1:${port}\n`);
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const r = await fetch(`http://${host}/v2/`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`docker-registry did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}

export function pushCharts(tgzs: string[], host: string, path = 'charts', helm = HELM3): void {
  for (const t of tgzs) sh(helm, ['push', t, `oci://${host}/${path}`, '--plain-http']);
}

export function listTgz(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.tgz'));
}
