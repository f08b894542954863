// Runs once before the whole suite (node --test --test-global-setup): builds
// the local fleet's control-plane binaries when they are not cached yet and
// brings up the shared fleet of the example clusters.yaml; starts the builds
// of the secret tools (Vault, sops, age), helmfile and the import engine in
// the background (cold: docs/ci-budget.md). After the suite, stops that fleet if this run started it, so
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
  // Cold, the builds are most of a fresh machine's run (docs/ci-budget.md). The suite waits only
  // for the fleet (its binaries, then its clusters). Vault, sops and age (after the fleet's binaries:
  // one flock, shared module downloads) and helmfile then the import engine (their own locks) build
  // in the background while the first tests run; the few files that use them wait for them on
  // first use (ensureSecretTools in test/e2e/support/vault.ts and sops.ts, ensureHelmfile in the
  // import tests, the engine's build on first use), long before those files come up in file order.
  const fleet = ensureBinaries(log).then(() => bringUpFleet(log));
  background = Promise.allSettled([ensureSecretTools(log), ensureHelmfile(log).then(() => ensureEngine(log))]).then((results) => {
    // a failed build is not the suite's end: the files that need the tool build it again on first use, and fail there, named
    for (const r of results) if (r.status === 'rejected') log(`a background build failed (the tests that need it will try again): ${(r.reason as Error).message}`);
  });
  await fleet;
}

let background: Promise<void> | undefined;

async function bringUpFleet(log: (l: string) => void): Promise<void> {
  const before = await fleetStatus().catch(() => undefined);
  startedHere = !before || !before.clusters.some((c) => c.apiserver === 'ready');
  await ensureFleet({ clustersFile: join(repoRoot, 'clusters.yaml'), log });
}

export async function globalTeardown(): Promise<void> {
  await background; // no build left running behind the suite
  if (startedHere && process.env.HELM_CASCADE_KEEP_FLEET !== '1') await stopFleet();
}
