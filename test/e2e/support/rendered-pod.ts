// Runs a container of a rendered chart as a local process, the way the kubelet
// would start it, for the containers the fleet cannot run (kwok pods run no
// process): the command and args of the manifest, its env (values, Secrets'
// keys, the pod's labels through fieldRef, what Kubernetes adds such as
// JOB_COMPLETION_INDEX), $(VAR) references expanded as Kubernetes does, and
// every in-pod path (volume mounts, image paths) mapped to a local folder.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';

export interface RenderedContainer {
  name: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
}

export interface LocalPod {
  /** In-pod path -> local folder (the longest prefix wins). */
  paths: Record<string, string>;
  /** `secret/key` -> value, for secretKeyRef. */
  secrets: Record<string, string>;
  /** The pod's labels, for fieldRef metadata.labels['...']. */
  labels: Record<string, string>;
  /** What the kubelet and the image add to the env (PATH, JOB_COMPLETION_INDEX of an Indexed Job). */
  env: Record<string, string>;
}

/** Writes a ConfigMap's (or Secret's string) data as the files a volume would hold; returns the folder. */
export function volumeOf(dir: string, data: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(data)) writeFileSync(join(dir, k), v);
  return dir;
}

function mapper(paths: Record<string, string>): (s: string) => string {
  const prefixes = Object.keys(paths).sort((a, b) => b.length - a.length);
  return (s) => {
    for (const p of prefixes) {
      const re = new RegExp(`(^|=)${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?=/|$)`, 'g');
      if (re.test(s)) return s.replace(re, (_m, lead: string) => `${lead}${paths[p]}`);
    }
    return s;
  };
}

function envOf(c: RenderedContainer, pod: LocalPod, map: (s: string) => string): Record<string, string> {
  const env: Record<string, string> = { ...pod.env };
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = map(expand(e.value, env));
    else if (e.valueFrom?.secretKeyRef) {
      const { name, key } = e.valueFrom.secretKeyRef;
      const v = pod.secrets[`${name}/${key}`];
      assert.ok(v !== undefined, `${c.name}: env ${e.name} reads Secret ${name} key ${key}, which the test did not give`);
      env[e.name] = v;
    } else if (e.valueFrom?.fieldRef) {
      const m = /^metadata\.labels\['([^']+)'\]$/.exec(e.valueFrom.fieldRef.fieldPath);
      assert.ok(m, `${c.name}: fieldRef ${e.valueFrom.fieldRef.fieldPath} is not a pod label`);
      env[e.name] = pod.labels[m[1]!] ?? '';
    }
  }
  return env;
}

/** $(VAR) -> the variable's value, $$(VAR) -> $(VAR), as Kubernetes expands command and args. */
function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : (env[name!] ?? m)));
}

/** The process the container would be: tini dropped (it only reaps and forwards signals). */
export function processOf(c: RenderedContainer, pod: LocalPod): { file: string; args: string[]; env: Record<string, string>; cwd: string | undefined } {
  const map = mapper(pod.paths);
  const env = envOf(c, pod, map);
  let argv = [...(c.command ?? []), ...(c.args ?? [])].map((a) => map(expand(a, env)));
  if (argv[0] === '/usr/bin/tini' && argv[1] === '--') argv = argv.slice(2);
  if (argv[0] === '/bin/sh') argv[0] = 'sh';
  assert.ok(argv[0], `${c.name}: no command`);
  return { file: argv[0], args: argv.slice(1), env, cwd: c.workingDir === undefined ? undefined : map(c.workingDir) };
}

export async function runContainer(c: RenderedContainer, pod: LocalPod): Promise<{ code: number; out: string; err: string }> {
  const p = processOf(c, pod);
  const r = await execa(p.file, p.args, { env: p.env, extendEnv: false, cwd: p.cwd, reject: false, timeout: 300_000 });
  return { code: r.exitCode ?? -1, out: String(r.stdout), err: String(r.stderr) };
}
