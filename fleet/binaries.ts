// The control-plane binaries: fleet/build-binaries.sh builds them once into
// a cache outside git and prints their paths. We run it under an flock, so two
// `fleet up`s (or test files) never build the same thing at the same time.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Binaries } from './components.ts';
import { repoRoot } from './tools.ts';

const script = join(repoRoot, 'fleet', 'build-binaries.sh');

/** Same rule as build-binaries.sh. */
export function cacheDir(): string {
  return process.env.HELM_CASCADE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'helm-cascade');
}

export function parseBinaryPaths(stdout: string): Binaries {
  const vars = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m && m[1] && m[2] !== undefined) vars.set(m[1], m[2]);
  }
  const kubeDir = vars.get('KUBE_BIN_DIR');
  const etcd = vars.get('ETCD_BIN');
  const kwok = vars.get('KWOK_BIN');
  if (!kubeDir || !etcd || !kwok) throw new Error(`${script} printed no KUBE_BIN_DIR/ETCD_BIN/KWOK_BIN:\n${stdout}`);
  return { kubeDir, etcd, kwok };
}

export function binaryFiles(b: Binaries): string[] {
  return [b.etcd, b.kwok, ...['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((n) => join(b.kubeDir, n))];
}

/** Where the binaries are (or will be), without building anything. */
export function binaryPaths(): Binaries {
  const r = spawnSync('bash', [script, 'paths'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} paths failed: ${r.stderr}`);
  return parseBinaryPaths(r.stdout);
}

/**
 * Builds whatever binary is missing (a no-op when all are cached) and returns
 * their paths. The script's progress lines go to `log`.
 */
export async function ensureBinaries(log: (line: string) => void): Promise<Binaries> {
  const known = binaryPaths();
  if (binaryFiles(known).every((f) => existsSync(f))) return known;

  log('control-plane binaries missing: building them from the Go module proxy (cold: 15-30 minutes on 2 cores)');
  const started = Date.now();
  const stdout = await runBuildScript(script, 'all', log);
  const built = parseBinaryPaths(stdout);
  const missing = binaryFiles(built).filter((f) => !existsSync(f));
  if (missing.length > 0) throw new Error(`${script} finished but ${missing.join(', ')} is missing`);
  log(`binaries ready after ${Math.round((Date.now() - started) / 1000)}s`);
  return built;
}

/**
 * Runs a build script of fleet/ (`bash SCRIPT TARGET`) under the cache's
 * flock, so two builds never run at once (the fleet's binaries and the secret
 * tools share it); returns its stdout (the paths it prints). Progress goes to
 * `log`, Go's download lines as a count.
 */
export async function runBuildScript(file: string, target: string, log: (line: string) => void): Promise<string> {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) throw new Error('building the fleet binaries needs Go on PATH (https://go.dev/dl/), and access to the Go module proxy');
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  const hasFlock = spawnSync('flock', ['--version']).status === 0;
  const [cmd, args] = hasFlock ? ['flock', [join(cache, '.build.lock'), 'bash', file, target]] : ['bash', [file, target]];
  const started = Date.now();
  return new Promise<string>((resolve, reject) => {
    const child = spawn(cmd as string, args as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const lines = createInterface({ input: child.stderr });
    const recent: string[] = [];
    let downloads = 0;
    lines.on('line', (line) => {
      recent.push(line);
      if (recent.length > 30) recent.shift();
      // `go: downloading` is hundreds of lines; show a count now and then instead.
      if (line.startsWith('go: downloading')) {
        if (++downloads % 50 === 0) log(`  ... ${downloads} Go modules downloaded`);
        return;
      }
      log(`  ${line}`);
    });
    const timer = setInterval(() => log(`  ... still building (${Math.round((Date.now() - started) / 60_000)} min)`), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${file} failed (exit ${code}):\n${recent.join('\n')}`));
    });
  });
}
