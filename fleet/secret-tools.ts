// The secret backends the tests resolve references against: Vault, sops and
// age, built once from the Go module proxy by fleet/build-secret-tools.sh into
// the same cache as the fleet's binaries, under the same flock. The test
// setup (test/global-setup.ts) calls ensureSecretTools, so a fresh machine
// gets them from `npm ci && npm test` alone, outside any test's timeout.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runBuildScript } from './binaries.ts';
import { repoRoot } from './tools.ts';

const script = join(repoRoot, 'fleet', 'build-secret-tools.sh');

export interface SecretTools {
  vault: string;
  sops: string;
  age: string;
  ageKeygen: string;
}

function parsePaths(stdout: string): SecretTools {
  const vars = new Map(stdout.split('\n').flatMap((l) => {
    const m = /^([A-Z_]+)=(.+)$/.exec(l.trim());
    return m ? [[m[1]!, m[2]!] as const] : [];
  }));
  const get = (k: string) => {
    const v = vars.get(k);
    if (!v) throw new Error(`${script} printed no ${k}:\n${stdout}`);
    return v;
  };
  return { vault: get('VAULT_BIN'), sops: get('SOPS_BIN'), age: get('AGE_BIN'), ageKeygen: get('AGE_KEYGEN_BIN') };
}

/** Where the tools are (or will be), without building anything. */
export function secretToolPaths(): SecretTools {
  const r = spawnSync('bash', [script, 'paths'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script} paths failed: ${r.stderr}`);
  return parsePaths(r.stdout);
}

/** Builds whichever tool is missing (a no-op when all are cached) and returns their paths. */
export async function ensureSecretTools(log: (line: string) => void): Promise<SecretTools> {
  const known = secretToolPaths();
  if (Object.values(known).every((f) => existsSync(f))) return known;
  log('Vault, sops or age missing: building them from the Go module proxy (cold Vault build: about 10 minutes on 2 cores)');
  const started = Date.now();
  const built = parsePaths(await runBuildScript(script, 'all', log));
  const missing = Object.values(built).filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`${script} finished but ${missing.join(', ')} is missing`);
  log(`secret tools ready after ${Math.round((Date.now() - started) / 1000)}s`);
  return built;
}
