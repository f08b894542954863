// apply's documented options, end to end on the shared fleet with the real
// helm 3 and helm 4: --wave (only that wave changes), --from-wave (earlier
// waves untouched), --prune (an orphan is uninstalled only with it),
// `enabled: false` (the release is uninstalled from that cluster), and
// onFailure: halt (a failed canary is left as is, later waves never start).
// The state afterwards is read with helm itself, not with helm-cascade.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { cascade, CONTEXTS, helmMajors, scratchRepo, sharedFleet, writeRepoFiles } from './support/cascade.ts';
import { fleetState, namespaces } from './support/fleet-state.ts';

const PARIS = CONTEXTS.paris;
const US = CONTEXTS.us;

function clustersYaml(onFailure: 'rollback' | 'halt'): string {
  return `clusters:
  paris: { context: ${PARIS}, provider: onprem, region: europe }
  us: { context: ${US}, provider: gke, region: us }
tracks: [internal, canary, production]
waves:
  - { name: internal, tracks: [internal] }
  - { name: canary, tracks: [canary] }
  - { name: production, tracks: [production] }
health: { timeout: 60s, soak: 1s, minReadyEndpoints: 1, maxRestarts: 0 }
onFailure: ${onFailure}
`;
}

/** A release on every track, paris only. */
const tracked = (ns: string, tag: string, canary = '{}') => `name: web
namespace: ${ns}
chart: { ref: charts/cascade-demo }
set: { image.tag: "${tag}" }
tracks: { internal: {}, canary: ${canary}, production: {} }
clusters: { paris: {} }
`;

/** A release without tracks (it rides with production) on the given clusters. */
const untracked = (name: string, ns: string, clusters: string) => `name: ${name}
namespace: ${ns}
chart: { ref: charts/cascade-demo }
clusters: ${clusters}
`;

for (const major of helmMajors()) {
  describe(`apply options on the local fleet (helm ${major})`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    const state = fleetState(major, () => kubeconfig);
    const nss = namespaces(`opts-${major}`, [PARIS, US], () => kubeconfig);
    const run = (dir: string, args: string[]) => cascade(dir, args, { kubeconfig, helm: major });

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('--wave changes only that wave; --from-wave leaves the earlier waves untouched', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': clustersYaml('rollback'), 'releases/web.yaml': tracked(ns, '1.0.0') });
      const first = await run(dir, ['apply', '--yes']);
      assert.equal(first.exitCode, 0, first.stdout + first.stderr);

      writeRepoFiles(dir, { 'releases/web.yaml': tracked(ns, '2.0.0') });
      const one = await run(dir, ['apply', '--yes', '--wave', 'canary']);
      assert.equal(one.exitCode, 0, one.stdout + one.stderr);
      assert.match(one.stdout, /^Plan: 0 to install, 1 to upgrade, 0 unchanged, 0 to uninstall\.$/m);
      assert.match(one.stdout, /^Waves: canary: passed$/m);
      assert.deepEqual(await state.history(PARIS, ns, 'web-internal'), [[1, 'deployed']], 'internal untouched');
      assert.deepEqual(await state.history(PARIS, ns, 'web-canary'), [[1, 'superseded'], [2, 'deployed']]);
      assert.deepEqual(await state.history(PARIS, ns, 'web-production'), [[1, 'deployed']], 'production untouched');

      writeRepoFiles(dir, { 'releases/web.yaml': tracked(ns, '3.0.0') });
      const from = await run(dir, ['apply', '--yes', '--from-wave', 'canary']);
      assert.equal(from.exitCode, 0, from.stdout + from.stderr);
      assert.match(from.stdout, /^Waves: canary: passed, production: passed$/m);
      assert.match(from.stdout, /^Apply complete: every wave passed its gates\. 2 applied, 0 unchanged, 0 rolled back, 0 not started\.$/m);
      assert.deepEqual(await state.history(PARIS, ns, 'web-internal'), [[1, 'deployed']], 'the wave before --from-wave untouched');
      assert.deepEqual(await state.history(PARIS, ns, 'web-canary'), [[1, 'superseded'], [2, 'superseded'], [3, 'deployed']]);
      assert.deepEqual(await state.history(PARIS, ns, 'web-production'), [[1, 'superseded'], [2, 'deployed']]);
      // internal still waits for its 3.0.0: the plan of the whole repository says so
      const plan = await run(dir, ['plan', '--detailed-exitcode']);
      assert.equal(plan.exitCode, 2, plan.stdout + plan.stderr);
      assert.match(plan.stdout, /^Plan: 0 to install, 1 to upgrade, 2 unchanged, 0 to uninstall\.$/m);
    });

    it('enabled: false uninstalls the release from that cluster only', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': clustersYaml('rollback'), 'releases/api.yaml': untracked('api', ns, '{ paris: {}, us: {} }') });
      const first = await run(dir, ['apply', '--yes']);
      assert.equal(first.exitCode, 0, first.stdout + first.stderr);
      assert.deepEqual(await state.releases(US, ns), [['api', 1, 'deployed']]);

      writeRepoFiles(dir, { 'releases/api.yaml': untracked('api', ns, '{ paris: {}, us: { enabled: false } }') });
      const plan = await run(dir, ['plan', '-o', 'json']);
      const units = (JSON.parse(plan.stdout) as { waves: { steps: { cluster: string; helmName: string; action: string; reasons: string[] }[][] }[] }).waves.flatMap((w) => w.steps.flat());
      assert.deepEqual(units.map((u) => `${u.cluster}/${u.helmName}:${u.action}:${u.reasons.join()}`).sort(), ['paris/api:unchanged:', 'us/api:uninstall:disabled']);
      const r = await run(dir, ['apply', '--yes']);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^Plan: 0 to install, 0 to upgrade, 1 unchanged, 1 to uninstall\.$/m);
      assert.match(r.stdout, new RegExp(`^\\S+   us/${ns}/api: uninstalled$`, 'm'));
      assert.deepEqual(await state.releases(US, ns), [], 'uninstalled from us');
      assert.deepEqual(await state.releases(PARIS, ns), [['api', 1, 'deployed']], 'paris untouched');
    });

    it('a release removed from the repository is shown orphaned and left; --prune uninstalls it', async () => {
      const ns = nss.next();
      const dir = scratchRepo({
        'clusters.yaml': clustersYaml('rollback'),
        'releases/api.yaml': untracked('api', ns, '{ paris: {}, us: {} }'),
        'releases/old.yaml': untracked('old', ns, '{ paris: {}, us: {} }'),
      });
      const first = await run(dir, ['apply', '--yes']);
      assert.equal(first.exitCode, 0, first.stdout + first.stderr);
      rmSync(`${dir}/releases/old.yaml`);

      const plan = await run(dir, ['plan']);
      assert.equal(plan.exitCode, 0, plan.stdout + plan.stderr);
      assert.match(plan.stdout, new RegExp(`paris/${ns}/old .*kept \\(uninstalled only with --prune\\)`));
      assert.match(plan.stdout, new RegExp(`us/${ns}/old .*kept \\(uninstalled only with --prune\\)`));
      const kept = await run(dir, ['apply', '--yes']);
      assert.equal(kept.exitCode, 0, kept.stdout + kept.stderr);
      assert.match(kept.stdout, /^Plan: 0 to install, 0 to upgrade, 2 unchanged, 0 to uninstall\.$/m);
      for (const ctx of [PARIS, US]) assert.deepEqual(await state.releases(ctx, ns), [['api', 1, 'deployed'], ['old', 1, 'deployed']], `${ctx}: the orphan kept without --prune`);

      const pruned = await run(dir, ['apply', '--yes', '--prune']);
      assert.equal(pruned.exitCode, 0, pruned.stdout + pruned.stderr);
      assert.match(pruned.stdout, /^Plan: 0 to install, 0 to upgrade, 2 unchanged, 2 to uninstall\.$/m);
      assert.match(pruned.stdout, new RegExp(`^\\S+   paris/${ns}/old: uninstalled$`, 'm'));
      assert.match(pruned.stdout, new RegExp(`^\\S+   us/${ns}/old: uninstalled$`, 'm'));
      for (const ctx of [PARIS, US]) assert.deepEqual(await state.releases(ctx, ns), [['api', 1, 'deployed']], `${ctx}: the orphan uninstalled with --prune`);
      const again = await run(dir, ['plan', '--prune', '--detailed-exitcode']);
      assert.equal(again.exitCode, 0, again.stdout + again.stderr);
    });

    it('onFailure: halt leaves the failed canary as it is, starts no later wave, exit 3', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': clustersYaml('halt'), 'releases/web.yaml': tracked(ns, '1.0.0') });
      const first = await run(dir, ['apply', '--yes']);
      assert.equal(first.exitCode, 0, first.stdout + first.stderr);

      writeRepoFiles(dir, {
        'values/crash.yaml': 'podAnnotations:\n  fleet.helm-cascade.dev/behavior: crashloop\n',
        'releases/web.yaml': tracked(ns, '2.0.0', '{ values: [values/crash.yaml] }'),
      });
      const r = await run(dir, ['apply', '--yes']);
      assert.equal(r.exitCode, 3, r.stdout + r.stderr);
      assert.equal(r.stderr.trim().split('\n').at(-1), 'helm-cascade: health gate failed in wave "canary" (see above)');
      assert.match(r.stdout, /^Waves: internal: passed, canary: failed, production: not-started$/m);
      assert.match(r.stdout, new RegExp(`^FAILED  paris/${ns}/web-canary \\[canary\\]: pod web-canary-\\S+ is in CrashLoopBackOff: `, 'm'));
      assert.match(r.stdout, new RegExp(`^LEFT    paris/${ns}/web-canary \\[canary\\]: left as is \\(onFailure: halt\\)$`, 'm'));
      assert.doesNotMatch(r.stdout, /^UNDONE /m, 'nothing rolled back');
      const events = r.stdout.split('\n').filter((l) => l.includes(`paris/${ns}/web-canary: `) && / {3}paris\//.test(l)).map((l) => l.replace(/^\S+ {3}paris\/\S+: /, '').replace(/ — pod .*$/, ' — (reason)').replace(/: pod .*$/, ': (reason)'));
      assert.deepEqual(events.filter((e) => e.startsWith('GATE FAILED') || e.startsWith('left')), ['GATE FAILED: (reason)', 'left as is (onFailure: halt) — (reason)'], r.stdout);
      assert.match(r.stdout, /^Apply halted: wave "canary" failed; later waves were not started\. 1 applied, 0 unchanged, 0 rolled back, 1 not started\.$/m);
      // the cluster: internal upgraded, the canary's bad revision left deployed, production never touched
      assert.deepEqual(await state.history(PARIS, ns, 'web-internal'), [[1, 'superseded'], [2, 'deployed']]);
      assert.deepEqual(await state.history(PARIS, ns, 'web-canary'), [[1, 'superseded'], [2, 'deployed']], 'the failed canary is left, not rolled back');
      assert.deepEqual(await state.history(PARIS, ns, 'web-production'), [[1, 'deployed']], 'production never started');
      assert.equal(await state.leases(PARIS, ns), '', 'locks released');
    });
  });
}
