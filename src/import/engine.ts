// The helmfile engine: helmfile's loading rules and Go template language
// (text/template, sprig, helmfile's functions) in Go, compiled to WebAssembly
// (src/import/engine/*.go; scripts/build-engine.mjs builds it). No JavaScript
// implementation of Go templates is faithful to Go's (printf, comparisons,
// sprig, YAML encoding), so the import runs Go's own. The engine reads files,
// runs `exec` commands and looks up environment variables only through the
// host callbacks below.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BadInputError, CascadeError } from '../errors.ts';
import type { EngineResult } from './engine-types.ts';

type Answer = { result: EngineResult } | { error: string };
type EngineCall = (request: string, host: EngineHost) => string;

interface EngineHost {
  readFile(path: string): { data?: string; error?: string };
  stat(path: string): { exists: boolean; dir: boolean };
  readDir(path: string): { entries?: { name: string; dir: boolean }[]; error?: string };
  exec(command: string, args: string[], dir: string, input: string, env: Record<string, string>): { stdout?: string; error?: string };
  lookupEnv(name: string): string | null;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

const host: EngineHost = {
  readFile: (p) => {
    try {
      return { data: readFileSync(p, 'utf8') };
    } catch (e) {
      return { error: message(e) };
    }
  },
  stat: (p) => {
    try {
      return { exists: true, dir: statSync(p).isDirectory() };
    } catch {
      return { exists: false, dir: false };
    }
  },
  readDir: (p) => {
    try {
      return { entries: readdirSync(p, { withFileTypes: true }).map((e) => ({ name: e.name, dir: e.isDirectory() || (e.isSymbolicLink() && statSync(join(p, e.name)).isDirectory()) })) };
    } catch (e) {
      return { error: message(e) };
    }
  },
  exec: (command, args, dir, input, env) => {
    try {
      const stdout = execFileSync(command, args, { cwd: dir, input, env: Object.keys(env).length ? { ...process.env, ...env } : process.env, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
      return { stdout };
    } catch (e) {
      const stderr = (e as { stderr?: string }).stderr ?? '';
      return { error: `command "${[command, ...args].join(' ')}" failed: ${message(e)}${stderr ? `\n${stderr}` : ''}` };
    }
  },
  lookupEnv: (name) => process.env[name] ?? null,
};

/** The folder holding engine.wasm and wasm_exec.js: $HELM_CASCADE_ENGINE, the package's, or (in a checkout) built on first use. */
function engineDir(): string {
  const given = process.env.HELM_CASCADE_ENGINE;
  if (given) return given;
  const here = dirname(fileURLToPath(import.meta.url));
  const shipped = join(here, 'engine');
  if (existsSync(join(shipped, 'engine.wasm'))) return shipped;
  const script = join(here, '..', '..', 'scripts', 'build-engine.mjs');
  if (existsSync(join(shipped, 'go.mod')) && existsSync(script)) {
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const dir = r.stdout.trim().split('\n').pop();
    if (r.status === 0 && dir) return dir;
    throw new CascadeError(`could not build the helmfile engine (${script} exited ${r.status})`, { hint: 'building it in a checkout needs Go on PATH and the Go module proxy' });
  }
  throw new CascadeError(`the helmfile engine is missing (${join(shipped, 'engine.wasm')}): this copy of the package is incomplete`, { hint: 'reinstall helm-cascade' });
}

let loaded: Promise<EngineCall> | undefined;

async function instantiate(): Promise<EngineCall> {
  const dir = engineDir();
  await import(pathToFileURL(join(dir, 'wasm_exec.js')).href);
  const g = globalThis as unknown as {
    Go: new () => { importObject: object; env: Record<string, string>; run(instance: object): Promise<void> };
    WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: object }> };
    helmCascadeHelmfileEngine?: EngineCall;
  };
  const go = new g.Go();
  go.env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const { instance } = await g.WebAssembly.instantiate(readFileSync(join(dir, 'engine.wasm')), go.importObject);
  void go.run(instance);
  const call = g.helmCascadeHelmfileEngine;
  delete g.helmCascadeHelmfileEngine;
  if (!call) throw new CascadeError(`the helmfile engine in ${dir} did not start`);
  return call;
}

/**
 * Loads a helmfile (file or folder, absolute path) for one environment, as
 * helmfile would: every state, release and values file it would use. A
 * helmfile helmfile itself refuses (or a template that fails) is bad input.
 */
export async function loadHelmfile(file: string, env: string): Promise<EngineResult> {
  loaded ??= instantiate();
  const call = await loaded;
  const answer = JSON.parse(call(JSON.stringify({ file, env }), host)) as Answer;
  if ('error' in answer) throw new BadInputError(`helmfile ${file} (environment ${env}): ${answer.error}`);
  return answer.result;
}
