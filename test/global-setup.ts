// Runs once before the whole suite (node --test --test-global-setup): builds
// the local fleet's control-plane binaries and the secret tools (Vault, sops,
// age) when they are not cached yet (a cold build takes 10-25 minutes on 2
// cores, so it must not count against any single test's timeout) and brings
// up the shared fleet of the example clusters.yaml. After the suite, stops that fleet if this run started it, so
// CI leaves no process behind.
import { join } from 'node:path';
import { ensureBinaries } from '../fleet/binaries.ts';
import { ensureFleet, fleetStatus, stopFleet } from '../fleet/fleet-api.ts';
import { ensureSecretTools } from '../fleet/secret-tools.ts';
import { repoRoot } from '../fleet/tools.ts';
import { ensureEngine } from './import/support/engine-build.ts';
import { ensureHelmfile } from './import/support/helmfile-binary.ts';

let startedHere = false;

export async function globalSetup(): Promise<void> {
  const log = (l: string) => process.stderr.write(`[test setup] ${l}\n`);
  // the import tests' reference (helmfile) and the import engine (WebAssembly), started beside the fleet's
  // build: their module downloads and links overlap its compiles (figures in docs/ci-budget.md)
  const importTools = Promise.all([ensureHelmfile(log), ensureEngine(log)]);
  importTools.catch(() => undefined); // awaited below; a failure of the fleet's build must not leave it unhandled
  await ensureBinaries(log);
  // Vault, sops and age for the secret-reference tests (a cold Vault build takes about 10 minutes)
  await ensureSecretTools(log);
  const before = await fleetStatus().catch(() => undefined);
  startedHere = !before || !before.clusters.some((c) => c.apiserver === 'ready');
  await ensureFleet({ clustersFile: join(repoRoot, 'clusters.yaml'), log });
  // built here so no single test's timeout pays for them
  await importTools;
}

export async function globalTeardown(): Promise<void> {
  if (startedHere && process.env.HELM_CASCADE_KEEP_FLEET !== '1') await stopFleet();
}
