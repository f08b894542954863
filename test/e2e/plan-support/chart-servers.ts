// Real chart sources on 127.0.0.1 for tests: a chart repository (helm package
// + helm repo index, served by a tiny node http server) and an OCI registry
// (Debian's docker-registry). Install the registry with:
//   apt-get update && apt-get install -y docker-registry
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { testHelmMajors } from '../../support/helm-majors.ts';
import { tempDir } from '../../support/tmp.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const HELM3 = join(REPO_ROOT, 'node_modules/.helm-cascade/helm-v3/helm');
export const HELM4 = join(REPO_ROOT, 'node_modules/.helm-cascade/helm-v4/helm');

/** The helms to run against: both majors, unless HELM_CASCADE_TEST_HELM narrows them (HELM_BIN does not). */
export function helmBins(): { label: string; bin: string }[] {
  return testHelmMajors().map((m) => ({ label: `helm ${m}`, bin: m === 3 ? HELM3 : HELM4 }));
}

export function sh(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): string {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.error ? r.error.message : ''}`);
  return r.stdout;
}

/** Packages chart `name` at each version (a ConfigMap saying its version) into `dir`. */
export function packageCharts(dir: string, name: string, versions: string[], helm = HELM3): string[] {
  mkdirSync(dir, { recursive: true });
  const src = tempDir('hc-chart-src-');
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

export const REGISTRY_BIN = process.env.DOCKER_REGISTRY_BIN ?? '/usr/bin/docker-registry';

/** Fails, saying how to get it, when docker-registry is missing (pretest installs it: scripts/system-deps.mjs). */
export function assertRegistryBinary(): void {
  assert.ok(existsSync(REGISTRY_BIN), `${REGISTRY_BIN} is missing: run \`node scripts/system-deps.mjs\` (apt-get install -y docker-registry), as \`npm test\` does first`);
}

export interface Registry {
  host: string; // 127.0.0.1:PORT
  stop(): Promise<void>;
}

/**
 * A real OCI registry on 127.0.0.1, filesystem storage in a temp dir. It binds
 * port 0 itself and we read the port back from its "listening on" log line
 * (no pick-then-bind race with other processes).
 */
export async function startRegistry(): Promise<Registry> {
  assertRegistryBinary();
  const dir = tempDir('hc-registry-');
  const config = join(dir, 'config.yml');
  writeFileSync(config, `version: 0.1\nlog: { level: info }\nstorage:\n  filesystem: { rootdirectory: ${join(dir, 'data')} }\n  delete: { enabled: true }\nhttp:\n  addr: 127.0.0.1:0\n`);
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const host = await new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      log += b.toString();
      const m = /listening on (127\.0\.0\.1:\d+)/.exec(log);
      if (m) resolve(m[1]!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`docker-registry exited (${code}) before listening: ${log}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  for (;;) {
    const r = await fetch(`http://${host}/v2/`).catch(() => undefined);
    if (r?.ok) break;
    if (child.exitCode !== null) throw new Error(`docker-registry stopped: ${log}`);
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
