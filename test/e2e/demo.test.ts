// `npm run demo` end to end (demo/demo.ts as the script runs it), once per
// helm major, in namespaces of its own on the shared fleet: every step exits
// as the demo expects (it stops with exit 1 otherwise), the bad canary is
// rolled back, and production never sees its 1.5.0. About 3 minutes a major
// on a quiet machine: the demo's own soaks (5 s a wave) and four waves.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin, kubectlBin, repoRoot } from '../../fleet/tools.ts';
import { CONTEXTS, helmMajors, kubectl, sharedFleet, suffix } from './support/cascade.ts';
import { fleetState } from './support/fleet-state.ts';

/** The example clusters.yaml: account-service runs on every cluster but Amsterdam. */
const ACCOUNT_CLUSTERS = [CONTEXTS.paris, CONTEXTS.europe, CONTEXTS.us];
const ALL = [CONTEXTS.paris, CONTEXTS.amsterdam, CONTEXTS.europe, CONTEXTS.us];

for (const major of helmMajors()) {
  describe(`npm run demo (helm ${major})`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    const state = fleetState(major, () => kubeconfig);
    const sfx = `d${major}${suffix()}`;
    const accounts = `accounts-${sfx}`;
    const edge = `edge-${sfx}`;

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      const failures: string[] = [];
      for (const ctx of ALL) for (const ns of [accounts, edge]) await kubectl(kubeconfig, ctx, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch((e: Error) => failures.push(e.message));
      assert.deepEqual(failures, []);
    });

    it('runs every step; the crashing canary is rolled back and production keeps 1.4.2', async () => {
      const r = await execa(process.execPath, [join(repoRoot, 'demo', 'demo.ts')], {
        cwd: repoRoot,
        reject: false,
        all: true,
        env: { HELM_BIN: helmBin(major), KUBECTL_BIN: kubectlBin(), HELM_CASCADE_DEMO_NAMESPACE_SUFFIX: sfx, NO_COLOR: '1' },
      });
      const out = String(r.all);
      assert.equal(r.exitCode, 0, out);
      const steps = out.split('\n').filter((l) => l.startsWith('== ')).map((l) => l.replace(/:.*$/, ''));
      assert.deepEqual(steps, ['== 1. validate the example deploy repository', '== 2. plan', '== 3. apply', '== 4. status', '== 5. apply again', '== 6. a bad canary', '== apply exited 3', '== demo done. The fleet keeps running'], out);
      assert.ok(out.includes('== apply exited 3: the canary wave was rolled back, production never saw 1.5.0'), out);
      // the first apply installed everything; the second changed nothing
      assert.match(out, /^Plan: 16 to install, 0 to upgrade, 0 unchanged, 0 to uninstall\.$/m);
      assert.match(out, /^Plan: 0 to install, 0 to upgrade, 16 unchanged, 0 to uninstall\.$/m);
      assert.match(out, /^Apply halted: wave "canary" failed; later waves were not started\. /m);

      // the cluster, read with helm and kubectl: production never changed, every canary back on 1.4.2
      const image = async (ctx: string, name: string) => (await kubectl(kubeconfig, ctx, ['-n', accounts, 'get', 'deployment', name, '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).trim();
      for (const ctx of ACCOUNT_CLUSTERS) {
        assert.deepEqual(await state.history(ctx, accounts, 'account-service-production'), [[1, 'deployed']], `${ctx}: production untouched`);
        assert.match(await image(ctx, 'account-service-production'), /:1\.4\.2$/);
        for (const track of ['free', 'paid']) {
          const h = await state.historyEntries(ctx, accounts, `account-service-${track}`);
          const last = h.at(-1)!;
          assert.equal(last.status, 'deployed', `${ctx} ${track}`);
          assert.ok(h.length === 1 || last.description === 'Rollback to 1', `${ctx} ${track}: ${JSON.stringify(h)}`);
          assert.match(await image(ctx, `account-service-${track}`), /:1\.4\.2$/, `${ctx} ${track}`);
        }
      }
      // the canary that crashed (free on the primaries) was upgraded, then rolled back
      const free = await state.historyEntries(CONTEXTS.paris, accounts, 'account-service-free');
      assert.deepEqual(free.map((h) => [h.revision, h.status, h.description.startsWith('Rollback') ? h.description : 'apply']), [[1, 'superseded', 'apply'], [2, 'superseded', 'apply'], [3, 'deployed', 'Rollback to 1']]);
    });
  });
}
