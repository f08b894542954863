// `helm-cascade plan` end to end on the local fleet (real kube-apiservers),
// once per helm major: fresh fleet -> installs; deployed -> no changes; an
// overlay change -> exactly that cluster's upgrades; a secret change -> key
// named, value never shown; removed release -> orphan (uninstall only with
// --prune); enabled:false -> uninstall; bad input -> 4; unreachable -> 5.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { ensureFleet, fleetStatus, stopFleet } from '../../fleet/fleet-api.ts';
import { kubectlBin } from '../../fleet/tools.ts';
import { loadDeployRepoOrThrow } from '../../src/config/load.ts';
import { createHelm } from '../../src/helm/helm.ts';
import { KubeClients } from '../../src/kube/client.ts';
import { readDeployedReleases } from '../../src/kube/release-records.ts';
import { deployPlanned, planOnce } from './support/deploy.ts';
import { planUnits } from '../../src/plan/assemble.ts';
import type { Plan } from '../../src/plan/types.ts';
import { helmBins, packageCharts, pushCharts, REPO_ROOT, serveChartRepo, startRegistry } from './plan-support/chart-servers.ts';
import { tempDir } from '../support/tmp.ts';

const FIXTURE = join(REPO_ROOT, 'test/e2e/fixtures/plan-repo');
const CLI = join(REPO_ROOT, 'bin/helm-cascade.js');
const NODE = join(REPO_ROOT, 'node_modules/.bin/node');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('plan on the local fleet', { timeout: 600_000 }, () => {
  let kubeconfig = '';
  const fleetName = process.env.HELM_CASCADE_FLEET ?? 'plan-e2e';
  let startedHere = false;
  before(async () => {
    // a fleet of our own: other suites restart theirs
    const was = await fleetStatus(fleetName).catch(() => undefined);
    startedHere = !was || !was.clusters.some((c) => c.apiserver === 'ready');
    const fleet = await ensureFleet({ clustersFile: join(FIXTURE, 'clusters.yaml'), name: fleetName, log: () => undefined });
    kubeconfig = fleet.kubeconfig;
  });
  after(async () => {
    // CI leaves no process behind: stop the fleet this suite started
    if (startedHere && process.env.HELM_CASCADE_KEEP_FLEET !== '1') await stopFleet(fleetName, { log: () => undefined });
  });

  for (const { label, bin } of helmBins()) {
    describe(label, () => {
      const ns = `plan-e2e-h${label.replace(/\D/g, '') || 'x'}-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
      let dir = '';
      const helm = createHelm({ bin });
      const cli = (...args: string[]): Run => {
        const r = spawnSync(NODE, [CLI, 'plan', '--clusters', join(dir, 'clusters.yaml'), '--kubeconfig', kubeconfig, '--helm', bin, '-l', `namespace=${ns}`, '--no-color', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
      };
      const jsonPlan = (...args: string[]): { run: Run; plan: Plan } => {
        const run = cli('-o', 'json', ...args);
        return { run, plan: JSON.parse(run.stdout) as Plan };
      };
      const edit = (file: string, from: string | RegExp, to: string) => {
        const p = join(dir, file);
        const text = readFileSync(p, 'utf8');
        const next = text.replace(from, to);
        assert.notEqual(next, text, `edit of ${file} changed nothing`);
        writeFileSync(p, next);
      };
      /** Deploys every planned install/upgrade with the real helm, marker labels included (what apply will do). */
      const deployAll = async () => {
        const repo = loadDeployRepoOrThrow({ clustersFile: join(dir, 'clusters.yaml') });
        const plan = await planOnce(repo, { kubeconfig, selector: { namespace: ns } }, helm);
        await deployPlanned(repo, plan, kubeconfig, helm);
      };

      before(() => {
        dir = tempDir('hc-plan-e2e-');
        cpSync(FIXTURE, dir, { recursive: true });
        for (const f of ['releases/web.yaml', 'releases/api.yaml']) edit(f, 'namespace: plan-e2e', `namespace: ${ns}`);
      });
      after(() => {
        for (const ctx of ['dc-paris', 'gke_demo_europe-west1_main']) {
          const r = spawnSync(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', ctx, 'delete', 'namespace', ns, '--wait=false', '--ignore-not-found'], { encoding: 'utf8' });
          assert.equal(r.status, 0, `cleanup of namespace ${ns} in ${ctx}: ${r.stderr}${r.error?.message ?? ''}`);
        }
        rmSync(dir, { recursive: true, force: true });
      });

      it('fresh fleet: every unit is an install, exit 2 with --detailed-exitcode', () => {
        const r = cli('--detailed-exitcode');
        assert.equal(r.code, 2, r.stderr);
        const lines = r.stdout.trimEnd().split('\n');
        assert.equal(lines[lines.length - 1], 'Plan: 6 to install, 0 to upgrade, 0 unchanged, 0 to uninstall.');
        assert.match(r.stdout, /Wave 1: canary/);
        assert.ok(!r.stdout.includes('original-api-key-0001'), 'secret value shown');
      });

      it('deployed: nothing differs, exit 0; real records decode with the marker', async () => {
        await deployAll();
        const r = cli('--detailed-exitcode');
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /Plan: 0 to install, 0 to upgrade, 6 unchanged, 0 to uninstall\.\n$/);
        const clients = new KubeClients({ kubeconfig });
        const recs = (await readDeployedReleases(clients.for({ name: 'paris', context: 'dc-paris' })).finally(() => clients.close())).filter((d) => d.namespace === ns);
        assert.deepEqual(recs.map((d) => d.name).sort(), ['api', 'web-canary', 'web-production']);
        const web = recs.find((d) => d.name === 'web-canary')!;
        assert.equal(web.managed, true);
        assert.equal(web.labels['cascade-release'], 'web');
        assert.equal(web.labels['cascade-track'], 'canary');
        assert.equal(web.labels['cascade-cluster'], 'paris');
        assert.equal(web.chartName, 'mini');
        assert.equal(web.chartVersion, '0.3.0');
        assert.equal(web.status, 'deployed');
        assert.match(web.manifest, /kind: ConfigMap/);
        assert.equal((web.config.config as { logLevel: string }).logLevel, 'info');
      });

      it("a change to one cluster's overlay plans exactly that cluster's upgrades, with the diff", () => {
        edit('values/web/europe.yaml', 'logLevel: debug', 'logLevel: trace');
        const { run, plan } = jsonPlan('--detailed-exitcode');
        assert.equal(run.code, 2, run.stderr);
        const ups = planUnits(plan).filter((u) => u.action !== 'unchanged');
        assert.deepEqual(ups.map((u) => `${u.cluster}/${u.helmName}:${u.action}`).sort(), ['europe/web-canary:upgrade', 'europe/web-production:upgrade']);
        const d = ups[0]!.diffs.find((x) => x.kind === 'ConfigMap')!;
        assert.match(d.diff, /-\s+LOG_LEVEL: debug\n\+\s+LOG_LEVEL: trace/);
        assert.equal(plan.summary.unchanged, 4);
      });

      it('a secret value change names the key, never the value', () => {
        edit('values/web/base.yaml', 'original-api-key-0001', 'rotated-api-key-0002');
        const r = cli('--explain', '--detailed-exitcode');
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stdout, /~ data\.API_KEY: \(secret value changed\)/);
        // --explain: each value and what set it, the chart's own defaults included
        assert.match(r.stdout, /^ +image\.repository +\= "example\/web" +# chart default$/m);
        assert.match(r.stdout, /^ +image\.tag +\= "1\.0\.0" +# \S*releases\/web\.yaml set$/m);
        assert.match(r.stdout, /^ +secrets\.API_KEY +\= "\(secret\)" +# values\/web\/base\.yaml$/m);
        assert.doesNotMatch(r.stdout, /^ +image\.tag +\= "latest"/m, 'an overridden default is not listed');
        const j = cli('-o', 'json');
        for (const out of [r.stdout, r.stderr, j.stdout]) {
          assert.ok(!out.includes('original-api-key-0001'), 'old secret shown');
          assert.ok(!out.includes('rotated-api-key-0002'), 'new secret shown');
          assert.ok(!out.includes(Buffer.from('rotated-api-key-0002').toString('base64')), 'new secret shown as base64');
        }
        edit('values/web/base.yaml', 'rotated-api-key-0002', 'original-api-key-0001');
        edit('values/web/europe.yaml', 'logLevel: trace', 'logLevel: debug');
      });

      it('enabled:false plans the uninstall on that cluster', () => {
        edit('releases/api.yaml', '"*": {}', '"*": {}\n  europe: { enabled: false }');
        const { plan } = jsonPlan();
        assert.deepEqual(planUnits(plan).filter((u) => u.action !== 'unchanged').map((u) => `${u.cluster}/${u.helmName}:${u.action}:${u.reasons.join()}`), ['europe/api:uninstall:disabled']);
        edit('releases/api.yaml', '\n  europe: { enabled: false }', '');
      });

      it('a release removed from the repository is an orphan, uninstalled only with --prune', () => {
        rmSync(join(dir, 'releases/api.yaml'));
        const kept = cli('--detailed-exitcode');
        assert.equal(kept.code, 0, kept.stderr);
        assert.match(kept.stdout, /Orphaned/);
        assert.match(kept.stdout, new RegExp(`paris/${ns}/api .*kept \\(uninstalled only with --prune\\)`));
        assert.match(kept.stdout, /Plan: 0 to install, 0 to upgrade, 4 unchanged, 0 to uninstall\.\n$/);
        const pruned = cli('--prune', '--detailed-exitcode');
        assert.equal(pruned.code, 2);
        assert.match(pruned.stdout, /Plan: 0 to install, 0 to upgrade, 4 unchanged, 2 to uninstall\.\n$/);
        cpSync(join(FIXTURE, 'releases/api.yaml'), join(dir, 'releases/api.yaml'));
        edit('releases/api.yaml', 'namespace: plan-e2e', `namespace: ${ns}`);
      });

      it('a chart that fails to render shows the error with file and line; the rest is planned; exit 4 (bad input)', () => {
        const t = join(dir, 'charts/mini/templates/broken.yaml');
        writeFileSync(t, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ .Values.nope.deeper }}\n');
        const r = cli();
        rmSync(t);
        assert.equal(r.code, 4);
        assert.match(r.stdout, /broken\.yaml:6/);
        assert.match(r.stdout, /Plan: /);
      });

      it('charts from an HTTP repository and an OCI registry resolve their ranges', async () => {
        const charts = tempDir('hc-plan-charts-');
        const tgzs = packageCharts(charts, 'webapp', ['1.0.0', '1.1.0', '1.1.4', '2.0.0'], bin);
        const repo = await serveChartRepo(charts, bin);
        const registry = await startRegistry();
        try {
          pushCharts(tgzs, registry.host, 'charts', bin);
          writeFileSync(join(dir, 'clusters.yaml'), `${readFileSync(join(dir, 'clusters.yaml'), 'utf8')}repositories:\n  - { name: demo, url: "${repo.url}" }\n`);
          writeFileSync(join(dir, 'releases/from-repo.yaml'), `name: from-repo\nnamespace: ${ns}\nchart: { ref: demo/webapp, version: "~1.1.0" }\nclusters: { paris: {} }\n`);
          writeFileSync(join(dir, 'releases/from-oci.yaml'), `name: from-oci\nnamespace: ${ns}\nchart: { ref: "oci://${registry.host}/charts/webapp", version: "^1" }\nclusters: { paris: {} }\n`);
          // asynchronously: the chart repository is served by this very process
          const run = await new Promise<Run>((res) => {
            const args = [CLI, 'plan', '--clusters', join(dir, 'clusters.yaml'), '--kubeconfig', kubeconfig, '--helm', bin, '-l', `namespace=${ns},name=from-*`, '-o', 'json'];
            execFile(NODE, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
          });
          assert.equal(run.code, 0, run.stderr + run.stdout.slice(0, 2000));
          const plan = JSON.parse(run.stdout) as Plan;
          const got = Object.fromEntries(planUnits(plan).map((u) => [u.helmName, `${u.action} ${u.kind === 'rendered' ? `${u.chart.name} ${u.toVersion}` : u.kind}`]));
          assert.equal(got['from-repo'], 'install webapp 1.1.4');
          assert.equal(got['from-oci'], 'install webapp 1.1.4');
        } finally {
          await repo.close();
          await registry?.stop();
          rmSync(join(dir, 'releases/from-repo.yaml'), { force: true });
          rmSync(join(dir, 'releases/from-oci.yaml'), { force: true });
        }
      });

      it('bad input exits 4 before any cluster call; a missing context or unreachable cluster exits 5', () => {
        edit('clusters.yaml', 'tracks: [canary, production]', 'tracks: [canary, production]\nbogus: 1');
        const bad = cli();
        assert.equal(bad.code, 4, bad.stderr);
        edit('clusters.yaml', '\nbogus: 1', '');
        edit('clusters.yaml', 'context: gke_demo_europe-west1_main', 'context: no-such-context');
        const missing = cli();
        assert.equal(missing.code, 5);
        assert.match(missing.stderr, /cluster "europe": context "no-such-context" is not in the kubeconfig/);
        edit('clusters.yaml', 'context: no-such-context', 'context: gke_demo_europe-west1_main');
        // the same kubeconfig with europe's server moved to a closed port
        const doc = parse(readFileSync(kubeconfig, 'utf8')) as { contexts: { name: string; context: { cluster: string } }[]; clusters: { name: string; cluster: { server: string } }[] };
        const target = doc.contexts.find((c) => c.name === 'gke_demo_europe-west1_main')!.context.cluster;
        doc.clusters.find((c) => c.name === target)!.cluster.server = 'https://127.0.0.1:1';
        const kc = join(dir, 'kubeconfig');
        writeFileSync(kc, stringify(doc));
        const r = spawnSync(NODE, [CLI, 'plan', '--clusters', join(dir, 'clusters.yaml'), '--kubeconfig', kc, '--helm', bin, '-l', `namespace=${ns}`], { encoding: 'utf8' });
        assert.equal(r.status, 5, r.stderr);
        assert.match(r.stderr, /cluster "europe" \(context "gke_demo_europe-west1_main"\) is unreachable/);
      });
    });
  }
});
