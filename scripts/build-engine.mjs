// Builds the helmfile engine of `helm-cascade import helmfile` (Go's
// text/template, sprig and helmfile's loading rules, src/import/engine/) into
// WebAssembly, with the Go release's wasm_exec.js beside it.
//
//   node scripts/build-engine.mjs            build into the cache if missing, print the folder
//   node scripts/build-engine.mjs --out DIR  the same, copied into DIR (npm run build: dist/import/engine)
//
// The cache folder is keyed by a hash of the engine's sources and the Go
// version ($HELM_CASCADE_CACHE or ~/.cache/helm-cascade/helmfile-engine-HASH),
// built under an flock so that parallel test files build it once. Needs Go on
// PATH and the Go module proxy (as the fleet's binaries do).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'import', 'engine');
const FILES = ['engine.wasm', 'wasm_exec.js', 'LICENSE-go'];

function goEnv(name) {
  return execFileSync('go', ['env', name], { encoding: 'utf8' }).trim();
}

/** Hash of everything the build reads: the Go sources, go.mod/go.sum and the Go version. */
function sourceHash() {
  const h = createHash('sha256');
  for (const f of readdirSync(src).filter((f) => /\.(go|mod|sum)$/.test(f)).sort()) h.update(f).update(readFileSync(join(src, f)));
  h.update(execFileSync('go', ['version'], { encoding: 'utf8' }));
  return h.digest('hex').slice(0, 16);
}

function cacheRoot() {
  return process.env.HELM_CASCADE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'helm-cascade');
}

function build(out) {
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const env = { ...process.env, GOOS: 'js', GOARCH: 'wasm', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
  execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', join(tmp, 'engine.wasm'), '.'], { cwd: src, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const goroot = goEnv('GOROOT');
  const execJs = [join(goroot, 'lib', 'wasm', 'wasm_exec.js'), join(goroot, 'misc', 'wasm', 'wasm_exec.js')].find((p) => existsSync(p));
  if (!execJs) throw new Error(`wasm_exec.js not found under ${goroot}`);
  copyFileSync(execJs, join(tmp, 'wasm_exec.js'));
  copyFileSync(join(goroot, 'LICENSE'), join(tmp, 'LICENSE-go'));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  renameSync(tmp, out);
}

const complete = (dir) => FILES.every((f) => existsSync(join(dir, f)));

/** The cache's build of these sources (built under the cache's lock when missing). */
function cachedBuild() {
  const dir = join(cacheRoot(), `helmfile-engine-${sourceHash()}`);
  if (complete(dir)) return dir;
  mkdirSync(cacheRoot(), { recursive: true });
  if (process.env.HELM_CASCADE_ENGINE_LOCKED !== '1' && spawnSync('flock', ['--version']).status === 0) {
    // re-run under the cache's build lock; whoever holds it first builds, the others find it built
    const r = spawnSync('flock', [join(cacheRoot(), '.engine-build.lock'), process.execPath, fileURLToPath(import.meta.url)], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, HELM_CASCADE_ENGINE_LOCKED: '1' } });
    if (r.status !== 0 || !complete(dir)) process.exit(r.status || 1);
    return dir;
  }
  console.error(`building the helmfile engine (Go -> WebAssembly) into ${dir}`);
  build(dir);
  return dir;
}

/** DIR gets the cache's build (a copy: npm pack and the tests share one Go build). */
function copyInto(out, from) {
  const tmp = `${out}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of FILES) copyFileSync(join(from, f), join(tmp, f));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  renameSync(tmp, out);
}

function main() {
  if (spawnSync('go', ['version']).status !== 0) {
    console.error('building the helmfile engine needs Go on PATH (https://go.dev/dl/) and the Go module proxy');
    process.exit(1);
  }
  const i = process.argv.indexOf('--out');
  const dir = cachedBuild();
  if (i > 0) copyInto(process.argv[i + 1], dir);
  console.log(i > 0 ? process.argv[i + 1] : dir);
}

main();
