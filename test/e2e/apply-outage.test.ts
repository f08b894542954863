// A cluster's API server dies in the middle of an apply: the run must halt
// cleanly (no later wave, exit 3, the report says what was left where), and
// the fleet comes back for the next tests.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { ensureFleet } from '../../fleet/fleet-api.ts';
import { readState } from '../../fleet/layout.ts';
import { repoRoot } from '../../fleet/tools.ts';
import { cascadeProcess, CONTEXTS, helmReleases, kubectl, scratchRepo, sharedFleet, suffix } from './support/cascade.ts';

describe('apply when a cluster goes away mid-run', { timeout: 600_000 }, () => {
  const ns = `outage-${suffix()}`;
  let kubeconfig = '';
  after(async () => {
    await ensureFleet({ clustersFile: join(repoRoot, 'clusters.yaml'), log: () => undefined }); // restarts the killed apiserver
    // the node controller tainted the nodes while their heartbeats stopped: wait until they are
    // Ready and untainted again, so later tests can schedule pods there
    for (let i = 0; i < 240; i++) {
      const nodes = JSON.parse(await kubectl(kubeconfig, CONTEXTS.us, ['get', 'nodes', '-o', 'json']).catch(() => '{"items":[]}')) as {
        items: { spec?: { taints?: { key: string }[] }; status?: { conditions?: { type: string; status: string }[] } }[];
      };
      const ok =
        nodes.items.length > 0 &&
        nodes.items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !(n.spec?.taints ?? []).some((x) => x.key.startsWith('node.kubernetes.io/')));
      if (ok) break;
      await sleep(500);
    }
    // and the controllers work again: a Deployment there rolls out
    await kubectl(kubeconfig, CONTEXTS.us, ['create', 'namespace', `${ns}-check`]).catch(() => undefined);
    await kubectl(kubeconfig, CONTEXTS.us, ['-n', `${ns}-check`, 'create', 'deployment', 'check', '--image=example/check:1']).catch(() => undefined);
    await kubectl(kubeconfig, CONTEXTS.us, ['-n', `${ns}-check`, 'rollout', 'status', 'deployment/check', '--timeout=180s']);
    await kubectl(kubeconfig, CONTEXTS.us, ['delete', 'namespace', `${ns}-check`, '--wait=false']);
    for (const ctx of [CONTEXTS.paris, CONTEXTS.us]) await kubectl(kubeconfig, ctx, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  it('halts with exit 3, starts no later wave, and reports what it could not undo', async () => {
    kubeconfig = await sharedFleet();
    const dir = scratchRepo({
      'clusters.yaml': `clusters:
  paris: { context: ${CONTEXTS.paris}, provider: onprem }
  us: { context: ${CONTEXTS.us}, provider: gke }
tracks: [canary, production]
health: { timeout: 90s, soak: 20s }
`,
      'releases/web.yaml': `name: web\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\ntracks: { canary: {}, production: {} }\n`,
    });
    const p = cascadeProcess(dir, ['apply', '--yes', '-o', 'json'], { kubeconfig, helm: 3 });
    // wait until the run says both canary units soak (its own output), then kill the us cluster's apiserver
    let err = '';
    await new Promise<void>((resolve) => {
      p.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if ((err.match(/soaking/g) ?? []).length >= 2) resolve();
      });
      void p.then(() => resolve());
    });
    const pid = readState('default')?.clusters[CONTEXTS.us]?.processes['kube-apiserver']?.pid;
    assert.ok(pid, 'the us apiserver pid');
    process.kill(pid, 'SIGKILL');
    const r = await p;
    assert.equal(r.exitCode, 3, `${String(r.stdout)}\n${err}`);
    const report = JSON.parse(String(r.stdout)) as { failedWave: string; units: { cluster: string; track: string; outcome: string; reason?: string; rollback?: string }[] };
    assert.equal(report.failedWave, 'canary');
    const us = report.units.find((u) => u.cluster === 'us' && u.track === 'canary')!;
    assert.match(`${us.reason} ${us.rollback}`, /could not read|unable to connect|connection refused|rollback FAILED/i);
    // both production units (paris, us) are in the report, and neither was started
    const production = report.units.filter((u) => u.track === 'production').map((u) => [u.cluster, u.outcome]).sort();
    assert.deepEqual(production, [['paris', 'not-started'], ['us', 'not-started']], 'no later wave');
    // the reachable cluster was put back: installed by this run -> uninstalled
    const paris = report.units.find((u) => u.cluster === 'paris' && u.track === 'canary')!;
    assert.equal(paris.outcome, 'rolled-back');
    const list = await helmReleases(3, kubeconfig, CONTEXTS.paris, ns);
    assert.deepEqual(list, []);
  });
});
