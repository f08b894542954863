// The benchmarks' deploy repository: N releases of charts/cascade-demo over
// three clusters of the local fleet, and small process helpers.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const BENCH_CONTEXTS = ['dc-paris', 'dc-amsterdam', 'gke_demo_europe-west1_main'];

export function generateRepo(dir: string, o: { releases: number; ns: string; tag?: string; health?: string }): void {
  mkdirSync(join(dir, 'releases'), { recursive: true });
  cpSync(join(ROOT, 'charts/cascade-demo'), join(dir, 'charts/cascade-demo'), { recursive: true });
  const clusters = BENCH_CONTEXTS.map((ctx, i) => `  c${i}:\n    context: ${ctx}\n    provider: ${i < 2 ? 'onprem' : 'gke'}\n    region: europe\n`).join('');
  writeFileSync(join(dir, 'clusters.yaml'), `clusters:\n${clusters}${o.health ? `health: ${o.health}\n` : ''}`);
  for (let i = 0; i < o.releases; i++) {
    const name = `svc-${String(i).padStart(2, '0')}`;
    writeFileSync(
      join(dir, 'releases', `${name}.yaml`),
      `name: ${name}\nnamespace: ${o.ns}\nchart: { ref: charts/cascade-demo }\nset: { image.tag: "${o.tag ?? `1.${i}.0`}", replicaCount: 1, config.logLevel: info, secrets.TOKEN: "t-${i}" }\n`,
    );
  }
}

export function run(bin: string, args: string[], input?: string, env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
    p.stdin.end(input ?? '');
  });
}

export function argOf(args: string[], k: string, d: string): string {
  const i = args.indexOf(k);
  return i >= 0 && args[i + 1] ? args[i + 1]! : d;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
