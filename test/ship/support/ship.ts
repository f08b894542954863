// What a user gets: the npm tarball (`npm pack`) installed globally into a
// fresh prefix, the Helm plugin archive (scripts/plugin-archive.mjs) installed
// into fresh helm homes, both run from outside the checkout with only Node 24
// (the checkout's node_modules/.bin/node) first on PATH.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { tempDir } from '../../support/tmp.ts';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const NODE24 = join(ROOT, 'node_modules', '.bin', 'node');
export const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
export const HELM = { 3: join(ROOT, 'node_modules', '.helm-cascade', 'helm-v3', 'helm'), 4: join(ROOT, 'node_modules', '.helm-cascade', 'helm-v4', 'helm') } as const;

export interface Ran {
  code: number;
  out: string;
  err: string;
}

export function run(bin: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Ran {
  const r: SpawnSyncReturns<string> = spawnSync(bin, args, { encoding: 'utf8', cwd: opts.cwd ?? tmpdir(), env: opts.env ?? process.env, timeout: opts.timeout ?? 240_000, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** As run(), without blocking this process (needed while serveFiles answers the child). */
export async function runAsync(bin: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Ran> {
  const r = await execa(bin, args, { cwd: opts.cwd ?? tmpdir(), env: opts.env ?? process.env, extendEnv: false, reject: false, timeout: 240_000 });
  return { code: r.exitCode ?? -1, out: String(r.stdout), err: String(r.stderr) };
}

export function scratch(prefix: string): string {
  return tempDir(`hc-ship-${prefix}-`);
}

/** A folder holding only a `node` (Node 24): with /usr/bin after it, the machine of a user with Node 24 installed. */
export function node24Bin(): string {
  const dir = scratch('node24');
  symlinkSync(NODE24, join(dir, 'node'));
  return dir;
}

/** PATH for a user: Node 24 first, then the system (which has no helm-cascade). */
export function userPath(...first: string[]): string {
  return [...first, node24Bin(), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
}

/** `npm pack` of the checkout (prepack compiles dist/): the tarball and its file list. */
export function npmPack(): { tgz: string; files: string[]; packageJson: Record<string, unknown> } {
  const dest = scratch('pack');
  const r = run('npm', ['pack', '--json', '--pack-destination', dest], { cwd: ROOT, env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` } });
  assert.equal(r.code, 0, `npm pack failed:\n${r.err}`);
  const [info] = JSON.parse(r.out) as { filename: string; files: { path: string }[] }[];
  assert.ok(info);
  const tgz = join(dest, info.filename);
  const unpacked = join(dest, 'unpacked');
  mkdirSync(unpacked);
  assert.equal(run('tar', ['-xzf', tgz, '-C', unpacked]).code, 0);
  return { tgz, files: info.files.map((f) => f.path).sort(), packageJson: JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8')) as Record<string, unknown> };
}

/**
 * What this machine's npm needs to reach its registry, for an npm run in a bare
 * environment: the machine's global npmrc (its CA file, proxy, registry), which
 * `--prefix` would otherwise replace with <prefix>/etc/npmrc, and the CA and
 * proxy variables. A user's machine has its own; without these the install
 * retries TLS errors until it times out.
 */
function registryEnv(): NodeJS.ProcessEnv {
  const globalconfig = run('npm', ['config', 'get', 'globalconfig'], { env: { PATH: userPath(), HOME: process.env.HOME ?? tmpdir() } }).out.trim();
  const passed = ['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'].filter((k) => process.env[k]);
  return { ...(globalconfig && existsSync(globalconfig) ? { npm_config_globalconfig: globalconfig } : {}), ...Object.fromEntries(passed.map((k) => [k, process.env[k]])) };
}

/** `npm install -g --prefix <fresh> <tgz>` with Node 24 first on PATH; returns the prefix. */
export function npmInstallGlobal(tgz: string): { prefix: string; bin: string; log: string } {
  const prefix = scratch('prefix');
  const home = scratch('home');
  const r = run('npm', ['install', '-g', '--prefix', prefix, tgz, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'], {
    env: { ...registryEnv(), PATH: userPath(), HOME: home, npm_config_cache: join(process.env.HOME ?? home, '.npm') },
  });
  assert.equal(r.code, 0, `npm install -g failed:\n${r.out}\n${r.err}`);
  return { prefix, bin: join(prefix, 'bin', 'helm-cascade'), log: r.out + r.err };
}

/** scripts/plugin-archive.mjs into a fresh folder; optionally signed with a throwaway gpg key. */
export function pluginArchive(opts: { sign?: { key: string; homedir: string } } = {}): string {
  const out = scratch('plugin');
  const args = [join(ROOT, 'scripts', 'plugin-archive.mjs'), '--out-dir', out];
  if (opts.sign) args.push('--sign', opts.sign.key, '--gpg-homedir', opts.sign.homedir);
  const r = run(NODE24, args, { cwd: ROOT, env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` } });
  assert.equal(r.code, 0, `plugin-archive failed:\n${r.out}\n${r.err}`);
  const tgz = join(out, `helm-cascade-plugin-${PKG.version}.tgz`);
  return tgz;
}

/** A deploy repository outside the checkout: the example one (4 clusters, 2 releases, the local chart). */
export function exampleRepo(o: { namespaceSuffix?: string } = {}): string {
  const dir = scratch('repo');
  for (const p of ['clusters.yaml', 'releases', 'values', 'charts']) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  if (o.namespaceSuffix) ownNamespaces(dir, o.namespaceSuffix);
  return dir;
}

/**
 * Puts a copy of the example repository's releases in namespaces of their own
 * (`edge` -> `edge-<suffix>`), as the demo does: a test on the shared fleet then
 * never sees what another test deployed from the same files.
 */
export function ownNamespaces(repo: string, suffix: string): void {
  for (const f of readdirSync(join(repo, 'releases'))) {
    const file = join(repo, 'releases', f);
    const text = readFileSync(file, 'utf8');
    const owned = text.replace(/^namespace: (\S+)$/m, `namespace: $1-${suffix}`);
    if (owned === text) throw new Error(`${file}: no top-level namespace: line to make the test's own`);
    writeFileSync(file, owned);
  }
}

/** Fresh helm homes (data, config, cache; HELM_PLUGINS inside data, where both majors install). */
export function helmHome(): NodeJS.ProcessEnv {
  const home = scratch('helm-home');
  return {
    HOME: home,
    HELM_DATA_HOME: join(home, 'data'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_PLUGINS: join(home, 'data', 'plugins'),
  };
}

/** Serves files over HTTP as a release server would, with the Content-Type Helm 3 needs for an archive URL. */
export async function serveFiles(files: string[]): Promise<{ url: (f: string) => string; close: () => void }> {
  const byName = new Map(files.map((f) => [`/${basename(f)}`, f]));
  const server = createServer((req, res) => {
    const file = byName.get(req.url ?? '');
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': file.endsWith('.prov') ? 'text/plain' : 'application/gzip', 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: (f) => `http://127.0.0.1:${port}/${basename(f)}`, close: () => server.close() };
}
