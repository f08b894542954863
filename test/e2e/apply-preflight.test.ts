// apply's preflight, end to end on the shared fleet with the real helm 3 and
// helm 4: an unreachable cluster (exit 5 naming it, nothing changed on the
// reachable ones), a saved plan refused because the deployed revision moved
// out of band (exit 5 naming the unit), and a stuck first install
// (pending-install: exit 5, then --recover uninstalls it and installs anew).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { helmBin } from '../../fleet/tools.ts';
import { cascade, CONTEXTS, helmMajors, kubectl, scratchRepo, sharedFleet, writeRepoFiles } from './support/cascade.ts';
import { fleetState, namespaces } from './support/fleet-state.ts';

const PARIS = CONTEXTS.paris;

const CLUSTERS = `clusters:
  paris: { context: ${PARIS}, provider: onprem, region: europe }
health: { timeout: 60s, soak: 1s, minReadyEndpoints: 1, maxRestarts: 0 }
`;

const release = (ns: string, tag = '1.0.0') => `name: web
namespace: ${ns}
chart: { ref: charts/cascade-demo }
set: { image.tag: "${tag}" }
`;

/** A 127.0.0.1 port nothing listens on: bound (port 0, read back), then closed. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** The fleet's kubeconfig plus a context "dead" whose server is a closed local port. */
function kubeconfigWithDeadCluster(kubeconfig: string, dir: string, port: number): string {
  const kc = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { name: string; cluster: Record<string, unknown> }[]; contexts: { name: string; context: { cluster: string; user: string } }[] };
  const paris = kc.contexts.find((c) => c.name === PARIS)!;
  kc.clusters.push({ name: 'dead', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } });
  kc.contexts.push({ name: 'dead', context: { cluster: 'dead', user: paris.context.user } });
  const file = join(dir, 'kubeconfig-with-dead');
  writeFileSync(file, stringify(kc));
  return file;
}

for (const major of helmMajors()) {
  describe(`apply preflight on the local fleet (helm ${major})`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    const state = fleetState(major, () => kubeconfig);
    const nss = namespaces(`pre-${major}`, [PARIS], () => kubeconfig);
    const run = (dir: string, args: string[], kc = kubeconfig) => cascade(dir, args, { kubeconfig: kc, helm: major });
    const helm = (args: string[]) => execa(helmBin(major), [...args, '--kube-context', PARIS, '--kubeconfig', kubeconfig], { reject: false });

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('an unreachable cluster refuses the whole apply (exit 5, naming it); the reachable cluster is not touched', async () => {
      const ns = nss.next();
      const port = await closedPort();
      const dir = scratchRepo({
        'clusters.yaml': CLUSTERS.replace('clusters:\n', 'clusters:\n  dead: { context: dead, provider: onprem, region: europe }\n'),
        'releases/web.yaml': release(ns),
      });
      const kc = kubeconfigWithDeadCluster(kubeconfig, dir, port);
      const r = await run(dir, ['apply', '--yes'], kc);
      assert.equal(r.exitCode, 5, r.stdout + r.stderr);
      const line = r.stderr.split('\n').find((l) => l.includes('cluster "dead"')) ?? '';
      assert.ok(line.startsWith('helm-cascade: cluster "dead" (context "dead") is unreachable: '), r.stderr);
      assert.ok(line.includes(`127.0.0.1:${port}`), line);
      assert.doesNotMatch(r.stdout + r.stderr, /cluster "paris"/, 'only the unreachable cluster is named');
      assert.deepEqual(await state.releases(PARIS, ns), [], 'nothing installed on paris');
      await assert.rejects(kubectl(kubeconfig, PARIS, ['get', 'namespace', ns]), /not found/, 'not even the namespace was made');
    });

    it('--plan refuses (exit 5, naming the unit) when the deployed revision moved since the plan', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      assert.equal((await run(dir, ['apply', '--yes'])).exitCode, 0);
      writeRepoFiles(dir, { 'releases/web.yaml': release(ns, '2.0.0') });
      const planFile = join(dir, 'plan.json');
      const plan = await run(dir, ['plan', '--out', planFile]);
      assert.equal(plan.exitCode, 0, plan.stdout + plan.stderr);
      // someone upgrades the release by hand between the review and the apply
      const oob = await helm(['upgrade', 'web', join(dir, 'charts/cascade-demo'), '-n', ns, '--reuse-values']);
      assert.equal(oob.exitCode, 0, String(oob.stderr));
      assert.deepEqual(await state.history(PARIS, ns, 'web'), [[1, 'superseded'], [2, 'deployed']]);

      const r = await run(dir, ['apply', '--yes', '--plan', planFile]);
      assert.equal(r.exitCode, 5, r.stdout + r.stderr);
      assert.ok(r.stderr.includes(`helm-cascade: the saved plan ${planFile} is stale:\n  paris/${ns}/web: deployed revision was 1, is 2\n`), r.stderr);
      assert.deepEqual(await state.history(PARIS, ns, 'web'), [[1, 'superseded'], [2, 'deployed']], 'nothing applied');
      assert.equal(await state.leases(PARIS, ns), '', 'no lock taken');
    });

    it('a stuck first install (pending-install) refuses with exit 5; --recover uninstalls it, then installs', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      // A helm install killed mid-way (a Jenkins agent lost): `--wait` keeps the
      // release pending-install while its never-ready pod waits; SIGKILL then
      // leaves the release record in that state, as helm wrote it.
      const install = execa(helmBin(major), ['install', 'web', join(dir, 'charts/cascade-demo'), '-n', ns, '--create-namespace', '--kube-context', PARIS, '--kubeconfig', kubeconfig, '--wait', '--timeout', '300s', '--set', 'podAnnotations.fleet\\.helm-cascade\\.dev/behavior=never-ready'], { reject: false });
      let seen: [number, string][] = [];
      for (let i = 0; i < 300 && !seen.some(([, s]) => s === 'pending-install'); i++) {
        await sleep(200);
        seen = await state.history(PARIS, ns, 'web').catch(() => []);
      }
      install.kill('SIGKILL');
      await install;
      assert.deepEqual(await state.history(PARIS, ns, 'web'), [[1, 'pending-install']]);

      const refused = await run(dir, ['apply', '--yes']);
      assert.equal(refused.exitCode, 5, refused.stdout + refused.stderr);
      assert.ok(refused.stderr.includes(`helm-cascade: releases stuck in a pending state (a helm call was interrupted):\n  paris/${ns}/web: pending-install (revision 1)\n`), refused.stderr);
      assert.deepEqual(await state.history(PARIS, ns, 'web'), [[1, 'pending-install']], 'refused: nothing touched');

      const recovered = await run(dir, ['apply', '--yes', '--recover']);
      assert.equal(recovered.exitCode, 0, recovered.stdout + recovered.stderr);
      assert.ok(recovered.stderr.split('\n').includes(`recover: paris/${ns}/web pending-install -> no deployed revision: uninstalling`), recovered.stderr);
      assert.match(recovered.stdout, /^Plan: 1 to install, 0 to upgrade, 0 unchanged, 0 to uninstall\.$/m);
      const h = await state.historyEntries(PARIS, ns, 'web');
      assert.deepEqual(h.map((x) => [x.revision, x.status]), [[1, 'deployed']], 'a fresh install, no stuck revision left');
      assert.match(h[0]!.description, /^helm-cascade run \S+ wave /);
      const again = await run(dir, ['apply', '--yes']);
      assert.equal(again.exitCode, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /^Plan: 0 to install, 0 to upgrade, 1 unchanged, 0 to uninstall\.$/m);
    });
  });
}
