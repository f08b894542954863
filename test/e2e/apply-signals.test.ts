// SIGINT (Ctrl-C, a Jenkins abort) during a health gate, end to end on the
// shared fleet with the real helm 3 and helm 4: exit 130, the wave put back
// (an upgrade rolled back, a fresh install uninstalled), no later wave
// started, every Lease released, no release left pending-*.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { cascade, cascadeProcess, CONTEXTS, helmMajors, scratchRepo, sharedFleet, writeRepoFiles } from './support/cascade.ts';
import { fleetState, namespaces } from './support/fleet-state.ts';

const PARIS = CONTEXTS.paris;

const CLUSTERS = `clusters:
  paris: { context: ${PARIS}, provider: onprem, region: europe }
tracks: [internal, production]
waves:
  - { name: internal, tracks: [internal] }
  - { name: production, tracks: [production] }
health: { timeout: 120s, soak: 1s, minReadyEndpoints: 1, maxRestarts: 0 }
`;

const release = (name: string, ns: string, values = '[]') => `name: ${name}
namespace: ${ns}
chart: { ref: charts/cascade-demo }
values: ${values}
track: internal
`;

for (const major of helmMajors()) {
  describe(`SIGINT during apply on the local fleet (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const state = fleetState(major, () => kubeconfig);
    const nss = namespaces(`sig-${major}`, [PARIS], () => kubeconfig);

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('SIGINT while gates wait: exit 130, the wave rolled back, leases released, nothing pending', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release('web', ns) });
      const first = await cascade(dir, ['apply', '--yes'], { kubeconfig, helm: major });
      assert.equal(first.exitCode, 0, first.stdout + first.stderr);

      // web is upgraded and api installed, both never Ready: their gates wait until the signal
      writeRepoFiles(dir, {
        'values/slow.yaml': 'podAnnotations:\n  fleet.helm-cascade.dev/behavior: never-ready\n',
        'releases/web.yaml': release('web', ns, '[values/slow.yaml]'),
        'releases/api.yaml': release('api', ns, '[values/slow.yaml]'),
      });
      const p = cascadeProcess(dir, ['apply', '--yes'], { kubeconfig, helm: major });
      let out = '';
      p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      const gating = (name: string) => new RegExp(`^\\S+   paris/${ns}/${name}: waiting for health$`, 'm');
      for (let i = 0; i < 600 && !(gating('web').test(out) && gating('api').test(out)); i++) await sleep(100);
      assert.match(out, gating('web'));
      assert.match(out, gating('api'));
      p.kill('SIGINT');
      const r = await p;
      const stdout = String(r.stdout);
      const stderr = String(r.stderr);
      assert.equal(r.exitCode, 130, stdout + stderr);
      assert.ok(stderr.split('\n').includes('SIGINT: starting nothing new; letting in-flight helm calls finish, then rolling back the wave and releasing locks'), stderr);
      assert.match(stdout, new RegExp(`^\\S+   paris/${ns}/web: rolled back to revision 1 — gate interrupted$`, 'm'));
      assert.match(stdout, new RegExp(`^\\S+   paris/${ns}/api: uninstalled \\(installed by this run\\) — gate interrupted$`, 'm'));
      assert.match(stdout, /^Waves: internal: interrupted, production: not-started$/m);
      assert.match(stdout, /^Apply interrupted by SIGINT in wave "internal"\. 0 applied, 0 unchanged, 2 rolled back, 0 not started\.$/m);

      // the cluster: web back on revision 1's config (as revision 3), api gone, no lock, nothing pending
      const h = await state.historyEntries(PARIS, ns, 'web');
      assert.deepEqual(h.map((x) => [x.revision, x.status]), [[1, 'superseded'], [2, 'superseded'], [3, 'deployed']]);
      assert.equal(h[2]!.description, 'Rollback to 1');
      assert.deepEqual(await state.releases(PARIS, ns), [['web', 3, 'deployed']], 'api uninstalled, nothing pending-*');
      assert.equal(await state.leases(PARIS, ns), '', 'locks released');
    });
  });
}
