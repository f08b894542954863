// The optional extra gates, end to end through apply's real gate loop on the
// shared fleet, with the real helm 3 and helm 4: `http: [{ url, expectStatus }]`
// against a local HTTP server, and `prometheus: { url, query, max }` against a
// real Prometheus scraping an exporter the test controls. One case of each
// passes, one fails with the exact reason (exit 3, the change put back), and
// the JUnit report's failure message is that reason.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cascade, CONTEXTS, helmMajors, kubectl, scratchRepo, sharedFleet, writeRepoFiles } from './support/cascade.ts';
import { fleetState, namespaces } from './support/fleet-state.ts';
import { listenLocal, startExporter, startPrometheus } from './support/prometheus.ts';
import type { Exporter, Prometheus } from './support/prometheus.ts';

const PARIS = CONTEXTS.paris;

const clusters = (health: string) => `clusters:
  paris: { context: ${PARIS}, provider: onprem, region: europe }
health: { timeout: 60s, soak: 1s, minReadyEndpoints: 1, maxRestarts: 0${health} }
`;

const release = (name: string, ns: string, extra = '') => `name: ${name}
namespace: ${ns}
chart: { ref: charts/cascade-demo }
${extra}`;

interface JsonUnit {
  id: string;
  outcome: string;
  reason?: string;
  rollback?: string;
  gate?: { reason: string; probes: { name: string; ok: boolean; message: string }[] };
}

/** The failure message of one testcase, as an XML parser reads it (xmllint, which the suite installs). */
function junitFailure(file: string, testcase: string): string {
  return execFileSync('xmllint', ['--xpath', `string(//testcase[@name="${testcase}"]/failure/@message)`, file], { encoding: 'utf8' }).replace(/\n$/, ''); // xmllint ends its answer with a newline
}

for (const major of helmMajors()) {
  describe(`http and prometheus gates through apply (helm ${major})`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    const state = fleetState(major, () => kubeconfig);
    const nss = namespaces(`gx-${major}`, [PARIS], () => kubeconfig);
    const run = (dir: string, args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
    const hits = new Map<string, number>();
    let web: Awaited<ReturnType<typeof listenLocal>>;
    let exporter: Exporter;
    let prometheus: Prometheus;

    before(async () => {
      kubeconfig = await sharedFleet();
      web = await listenLocal((req, res) => {
        hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
        res.writeHead(req.url === '/healthz' ? 200 : 503).end();
      });
      exporter = await startExporter('cascade_e2e_errors', 1);
      prometheus = await startPrometheus(exporter.url);
    });
    after(async () => {
      await prometheus?.stop();
      await exporter?.close();
      await new Promise((resolve) => web?.server.close(resolve));
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('http: clusters.yaml\'s check passes; a release\'s check that answers 503 fails the gate with the exact reason', async () => {
      const ns = nss.next();
      const ok = `${web.url}/healthz`;
      const bad = `${web.url}/broken`;
      const dir = scratchRepo({ 'clusters.yaml': clusters(`, http: [{ url: "${ok}", expectStatus: 200 }]`), 'releases/web.yaml': release('web', ns) });
      const passed = await run(dir, ['apply', '--yes', '-o', 'json']);
      assert.equal(passed.exitCode, 0, passed.stdout + passed.stderr);
      const unit = (JSON.parse(passed.stdout) as { units: JsonUnit[] }).units[0]!;
      assert.equal(unit.outcome, 'applied');
      assert.deepEqual(unit.gate?.probes, [{ name: `http ${ok}`, ok: true, message: 'answered 200' }]);
      assert.ok((hits.get('/healthz') ?? 0) >= 1, 'the gate called the URL');

      writeRepoFiles(dir, { 'releases/api.yaml': release('api', ns, `health: { http: [{ url: "${bad}", expectStatus: 200 }] }\n`) });
      const junit = join(dir, 'apply.xml');
      const failed = await run(dir, ['apply', '--yes', '-o', 'json', '--junit', junit]);
      assert.equal(failed.exitCode, 3, failed.stdout + failed.stderr);
      const reason = `http ${bad} failed during the soak: answered 503, expected 200`;
      const api = (JSON.parse(failed.stdout) as { units: JsonUnit[] }).units.find((u) => u.id === `paris/${ns}/api`)!;
      assert.equal(api.outcome, 'rolled-back');
      assert.equal(api.reason, reason);
      assert.equal(api.rollback, 'uninstalled (installed by this run)');
      assert.deepEqual(api.gate?.probes, [{ name: `http ${bad}`, ok: false, message: 'answered 503, expected 200' }]);
      assert.equal(junitFailure(junit, `paris/${ns}/api`), reason, readFileSync(junit, 'utf8'));
      assert.deepEqual(await state.releases(PARIS, ns), [['web', 1, 'deployed']], 'api uninstalled, web untouched');
    });

    it('prometheus: the query under max passes; the exporter\'s value over max fails the gate (exit 3, rolled back)', async () => {
      const ns = nss.next();
      const query = 'max(cascade_e2e_errors)';
      const gate = `, prometheus: { url: "${prometheus.url}", query: "${query}", max: 5 }`;
      const dir = scratchRepo({ 'clusters.yaml': clusters(gate), 'releases/web.yaml': release('web', ns, 'set: { image.tag: "1.0.0" }\n') });
      exporter.set(1);
      await prometheus.waitFor(query, 1);
      const passed = await run(dir, ['apply', '--yes', '-o', 'json']);
      assert.equal(passed.exitCode, 0, passed.stdout + passed.stderr);
      const unit = (JSON.parse(passed.stdout) as { units: JsonUnit[] }).units[0]!;
      assert.deepEqual(unit.gate?.probes, [{ name: `prometheus ${query}`, ok: true, message: '1 <= 5' }]);

      exporter.set(9);
      await prometheus.waitFor(query, 9);
      writeRepoFiles(dir, { 'releases/web.yaml': release('web', ns, 'set: { image.tag: "2.0.0" }\n') });
      const junit = join(dir, 'apply.xml');
      const failed = await run(dir, ['apply', '--yes', '--junit', junit]);
      assert.equal(failed.exitCode, 3, failed.stdout + failed.stderr);
      const reason = `prometheus ${query} failed during the soak: 9 > max 5`;
      assert.match(failed.stdout, new RegExp(`^FAILED  paris/${ns}/web \\[[^\\]]+\\]: ${reason.replace(/[()]/g, '\\$&')}$`, 'm'));
      assert.match(failed.stdout, new RegExp(`^UNDONE  paris/${ns}/web \\[[^\\]]+\\]: rolled back to revision 1$`, 'm'));
      assert.equal(junitFailure(junit, `paris/${ns}/web`), reason);
      assert.deepEqual(await state.history(PARIS, ns, 'web'), [[1, 'superseded'], [2, 'superseded'], [3, 'deployed']]);
      const image = await kubectl(kubeconfig, PARIS, ['-n', ns, 'get', 'deployment', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']);
      assert.match(image, /:1\.0\.0$/, 'the 1.0.0 image is back');
      assert.ok(exporter.scrapes() > 0);
    });
  });
}
