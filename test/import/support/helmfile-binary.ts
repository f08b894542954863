// The reference the import tests compare with: helmfile itself, built from
// the Go module proxy by build-helmfile.sh into the shared cache (keyed by
// version, under an flock, like the fleet's binaries; cold: 10-30 minutes on
// 2 cores, then instant).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../../fleet/binaries.ts';

export const HELMFILE_VERSION = 'v1.8.0';
const script = join(import.meta.dirname, '..', 'build-helmfile.sh');

export async function ensureHelmfile(log: (line: string) => void = () => undefined): Promise<string> {
  if (spawnSync('go', ['version']).status !== 0) throw new Error('building helmfile (the import tests\' reference) needs Go on PATH and the Go module proxy');
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  const hasFlock = spawnSync('flock', ['--version']).status === 0;
  const [cmd, args] = hasFlock ? ['flock', [join(cache, '.helmfile-build.lock'), 'bash', script]] : ['bash', [script]];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(cmd as string, args as string[], { env: { ...process.env, HELMFILE_VERSION }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      for (const line of b.toString().split('\n')) if (line.startsWith('[helmfile build]')) log(line);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${script} exited ${code}:\n${stderr.slice(-3000)}`))));
  });
  const bin = /^HELMFILE_BIN=(.+)$/m.exec(out)?.[1];
  if (!bin) throw new Error(`${script} printed no HELMFILE_BIN:\n${out}`);
  return bin;
}
