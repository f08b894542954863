// Runs once before the whole suite (node --test --test-global-setup): builds
// the local fleet's control-plane binaries, the secret tools (Vault, sops,
// age) and helmfile when they are not cached yet (cold: docs/ci-budget.md; it
// must not count against any single test's timeout) and brings up the shared
// fleet of the example clusters.yaml. After the suite, stops that fleet if this run started it, so
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
  // Cold, the builds are most of CI's first run (docs/ci-budget.md). They run side by side where
  // they can: the fleet's binaries, then Vault, sops and age (one flock: they share Go's module
  // downloads), beside helmfile (the import tests' reference, its own lock); the fleet comes up
  // as soon as its binaries are there. One Go build alone leaves a core idle while it downloads
  // modules and links; two fill it. Everything is built before any test starts, so no single
  // test's timeout pays for a build.
  const fleetAndSecrets = ensureBinaries(log).then(async () => {
    const up = bringUpFleet(log);
    await Promise.all([up, ensureSecretTools(log)]);
  });
  // helmfile, then the import engine (WebAssembly, about a minute): one after the other beside the fleet's chain
  const importTools = ensureHelmfile(log).then(() => ensureEngine(log));
  const results = await Promise.allSettled([fleetAndSecrets, importTools]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function bringUpFleet(log: (l: string) => void): Promise<void> {
  const before = await fleetStatus().catch(() => undefined);
  startedHere = !before || !before.clusters.some((c) => c.apiserver === 'ready');
  await ensureFleet({ clustersFile: join(repoRoot, 'clusters.yaml'), log });
}

export async function globalTeardown(): Promise<void> {
  if (startedHere && process.env.HELM_CASCADE_KEEP_FLEET !== '1') await stopFleet();
}
