// The engine of `import helmfile` (Go -> WebAssembly), built into the shared
// cache by scripts/build-engine.mjs (keyed by its sources, under an flock;
// cold: see docs/ci-budget.md). Asynchronous, so that global setup can build
// it beside the fleet's binaries.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../../fleet/tools.ts';

export async function ensureEngine(log: (line: string) => void = () => undefined): Promise<string> {
  const script = join(repoRoot, 'scripts', 'build-engine.mjs');
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      for (const line of b.toString().split('\n')) if (line.startsWith('building the helmfile engine')) log(line);
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout.trim().split('\n').pop() ?? '') : reject(new Error(`${script} exited ${code}:\n${stderr.slice(-3000)}`))));
  });
}
