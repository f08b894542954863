// Real public charts (test/charts, vendored with their sources and licences)
// on a fleet of their own, Helm 3 and Helm 4, each major on its own cluster
// (the charts make cluster-scoped objects: CRDs, webhooks, an IngressClass).
// For every chart: install passes its gate; right after, the plan says
// unchanged (--detailed-exitcode 0), drift exits 0 and a second apply makes no
// helm write; one value changed shows exactly that change; applied, drift is
// clean again. postgresql's dependency is not vendored: it comes from a local
// OCI registry, as Chart.lock pins it; the umbrella's come from file://.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureFleet, stopFleet } from '../../fleet/fleet-api.ts';
import { helmBin, repoRoot } from '../../fleet/tools.ts';
import type { HelmMajor } from '../../fleet/tools.ts';
import { pointDependencies } from '../charts/relock.ts';
import type { Plan } from '../../src/plan/types.ts';
import { assertRegistryBinary, pushCharts, sh, startRegistry } from './plan-support/chart-servers.ts';
import type { Registry } from './plan-support/chart-servers.ts';
import { cascade, helmMajors } from './support/cascade.ts';

const FLEET = 'charts';
const CHARTS = ['ingress-nginx', 'traefik', 'cert-manager', 'postgresql', 'redis', 'grafana', 'kube-state-metrics', 'prometheus-node-exporter', 'umbrella'];
const WITH_VALUES = new Set(['ingress-nginx', 'traefik', 'cert-manager', 'postgresql', 'redis']);
const context = (major: HelmMajor) => `charts-h${major}`;

function repoFor(major: HelmMajor, registry: Registry): string {
  const dir = mkdtempSync(join(tmpdir(), `hc-charts-h${major}-`));
  cpSync(join(repoRoot, 'test', 'charts'), join(dir, 'charts'), { recursive: true });
  // Chart.lock pins common 2.31.4 from Docker Hub: the same, from the local registry
  pointDependencies(join(dir, 'charts', 'postgresql'), 'oci://registry-1.docker.io/bitnamicharts', `oci://${registry.host}/bitnamicharts`);
  mkdirSync(join(dir, 'releases'));
  writeFileSync(
    join(dir, 'clusters.yaml'),
    `clusters:\n  fleet: { context: ${context(major)}, provider: onprem, region: local }\nhealth: { timeout: 4m, soak: 2s, minReadyEndpoints: 1, maxRestarts: 0 }\nonFailure: halt\n`,
  );
  for (const c of CHARTS) {
    const values = WITH_VALUES.has(c) ? `values: [charts/${c}.values.yaml]\n` : '';
    writeFileSync(join(dir, 'releases', `${c}.yaml`), `name: ${c}\nnamespace: ${c}\nchart: { ref: charts/${c} }\n${values}`);
  }
  return dir;
}

for (const major of helmMajors()) {
  describe(`real public charts on the fleet (helm ${major})`, { timeout: 1_500_000 }, () => {
    let kubeconfig = '';
    let registry: Registry;
    let dir = '';
    const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
    const fail = (what: string, r: { exitCode: number; stdout: string; stderr: string }) => `${what} exited ${r.exitCode}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`;

    before(async () => {
      assertRegistryBinary();
      const clusters = join(mkdtempSync(join(tmpdir(), 'hc-charts-fleet-')), 'clusters.yaml');
      writeFileSync(clusters, `clusters:\n  h${major}: { context: ${context(major)} }\n`);
      kubeconfig = (await ensureFleet({ clustersFile: clusters, name: `${FLEET}-h${major}`, log: () => undefined })).kubeconfig;
      registry = await startRegistry();
      const pkg = mkdtempSync(join(tmpdir(), 'hc-common-'));
      sh(helmBin(3), ['package', join(repoRoot, 'test', 'charts', '_deps', 'common'), '-d', pkg]);
      pushCharts([join(pkg, 'common-2.31.4.tgz')], registry.host, 'bitnamicharts', helmBin(3));
      dir = repoFor(major, registry);
    });
    after(async () => {
      await registry?.stop();
      await stopFleet(`${FLEET}-h${major}`, { purge: true });
    });

    it('every chart installs and passes its gate', async () => {
      const r = await run(['apply', '--yes', '-o', 'json']);
      assert.equal(r.exitCode, 0, fail('apply', r));
      const report = JSON.parse(r.stdout) as { units: { helmName: string; outcome: string }[] };
      assert.deepEqual(report.units.map((u) => [u.helmName, u.outcome]).sort(), CHARTS.map((c) => [c, 'applied']).sort());
    });

    it('right after: the plan is unchanged for every unit, drift is clean, a second apply makes no helm write', async () => {
      const plan = await run(['plan', '--detailed-exitcode']);
      assert.equal(plan.exitCode, 0, fail('plan --detailed-exitcode', plan));
      assert.match(plan.stdout, new RegExp(`Plan: 0 to install, 0 to upgrade, ${CHARTS.length} unchanged, 0 to uninstall\\.`));
      const drift = await run(['drift', '--format', 'json']);
      assert.equal(drift.exitCode, 0, fail('drift', drift));
      const again = await run(['apply', '--yes', '--verbose']);
      assert.equal(again.exitCode, 0, fail('apply', again));
      assert.doesNotMatch(again.stderr, / (upgrade --install|rollback|uninstall) /, 'no helm write call');
    });

    it('one value changed: the plan shows exactly that change; applied, drift is clean again', async () => {
      const file = join(dir, 'releases', 'kube-state-metrics.yaml');
      writeFileSync(file, `${readFileSync(file, 'utf8')}set: { replicas: 2 }\n`);
      const plan = await run(['plan', '--detailed-exitcode', '-o', 'json']);
      assert.equal(plan.exitCode, 2, fail('plan', plan));
      const p = JSON.parse(plan.stdout) as Plan;
      const changed = p.waves.flatMap((w) => w.steps.flat()).filter((u) => u.action !== 'unchanged');
      assert.deepEqual(changed.map((u) => [u.helmName, u.action]), [['kube-state-metrics', 'upgrade']]);
      const diffs = changed[0]!.diffs;
      assert.deepEqual(diffs.map((d) => `${d.kind}/${d.name}`), ['Deployment/kube-state-metrics']);
      const lines = diffs[0]!.diff.split('\n').filter((l) => /^[-+]/.test(l));
      assert.deepEqual(lines.map((l) => l.replace(/^([-+])\s+/, '$1')), ['-replicas: 1', '+replicas: 2']);
      const up = await run(['apply', '--yes']);
      assert.equal(up.exitCode, 0, fail('apply', up));
      const drift = await run(['drift', '--format', 'json']);
      assert.equal(drift.exitCode, 0, fail('drift', drift));
      const replan = await run(['plan', '--detailed-exitcode']);
      assert.equal(replan.exitCode, 0, fail('plan', replan));
    });
  });
}
