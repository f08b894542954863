// helm-cascade as a user runs it: the npm tarball (`npm pack`, which compiles
// dist/) installed globally into a fresh prefix, its `helm-cascade` bin run
// with Node 24 first on PATH. Not the checkout's TypeScript, not npx.
import { join } from 'node:path';
import { npmInstallGlobal, npmPack, userPath } from '../test/ship/support/ship.ts';

export interface InstalledCli {
  /** The installed bin (a shebang script: run it directly). */
  bin: string;
  /** PATH with Node 24 first, as a user's machine has it. */
  env: Record<string, string>;
}

let installed: InstalledCli | undefined;

export function installedCli(log: (line: string) => void): InstalledCli {
  if (installed) return installed;
  log('npm pack + npm install -g into a fresh prefix (the package as a user installs it)');
  const t = performance.now();
  const { prefix, bin } = npmInstallGlobal(npmPack().tgz);
  log(`installed in ${((performance.now() - t) / 1000).toFixed(0)}s: ${bin}`);
  installed = { bin, env: { PATH: userPath(join(prefix, 'bin')) } };
  return installed;
}

/**
 * `rounds` measurements of `a` and `b`, interleaved and in flipped order each
 * round (a b, b a, a b, ...), so drifting machine load weighs on both alike.
 */
export async function interleaved(rounds: number, a: () => Promise<number>, b: () => Promise<number>, onRound?: (i: number, a: number, b: number) => void): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    let x: number;
    let y: number;
    if (i % 2 === 0) {
      x = await a();
      y = await b();
    } else {
      y = await b();
      x = await a();
    }
    out.a.push(x);
    out.b.push(y);
    onRound?.(i, x, y);
  }
  return out;
}
