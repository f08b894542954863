// Real public charts (test/charts, vendored with their sources and licences)
// on a fleet of their own, Helm 3 and Helm 4, each major on its own cluster
// (the charts make cluster-scoped objects: CRDs, webhooks, an IngressClass).
// For every chart: install passes its gate; right after, the plan says
// unchanged (--detailed-exitcode 0), drift exits 0 and a second apply makes no
// helm write; one value changed shows exactly that change; applied, drift is
// clean again. postgresql's dependency is not vendored: it comes from a local
// OCI registry, as Chart.lock pins it; the umbrella's come from file://.
// Every check runs twice on the same fleet: the second pass after `helm
// uninstall` of every release, with everything helm leaves behind (the CRDs of
// crds/ folders, namespaces), from a fresh copy of the repository, as a user
// re-installing does. helm itself installs over that (crds/ CRDs present are
// skipped), so helm-cascade must too, on Helm 3 and Helm 4.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureFleet, stopFleet } from '../../fleet/fleet-api.ts';
import { helmBin, repoRoot } from '../../fleet/tools.ts';
import type { HelmMajor } from '../../fleet/tools.ts';
import { pointDependencies } from '../charts/relock.ts';
import { holdsSecret } from '../../src/plan/render-cache.ts';
import type { Plan } from '../../src/plan/types.ts';
import { assertRegistryBinary, pushCharts, sh, startRegistry } from './plan-support/chart-servers.ts';
import type { Registry } from './plan-support/chart-servers.ts';
import { cascade, helmMajors, kubectl } from './support/cascade.ts';
import { tempDir } from '../support/tmp.ts';

const FLEET = 'charts';
const CHARTS = ['ingress-nginx', 'traefik', 'cert-manager', 'postgresql', 'redis', 'grafana', 'kube-state-metrics', 'prometheus-node-exporter', 'umbrella'];
const WITH_VALUES = new Set(['ingress-nginx', 'traefik', 'cert-manager', 'postgresql', 'redis']);
const context = (major: HelmMajor) => `charts-h${major}`;
/** The charts that render Secrets, and a label each takes (to change their values without changing what they do). */
const SECRET_CHARTS: Record<string, string> = { postgresql: 'commonLabels', redis: 'commonLabels', grafana: 'extraLabels' };

/** Every file below a folder, recursively, as [path, text]. */
function filesBelow(dir: string): [string, string][] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .map((f) => [f, readFileSync(f, 'utf8')]);
}

function repoFor(major: HelmMajor, registry: Registry): string {
  const dir = tempDir(`hc-charts-h${major}-`);
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

// The two majors run side by side (each on a fleet and a registry of its own: nothing is shared);
// within a major the checks run in order.
describe('real public charts', { concurrency: true }, () => {
for (const major of helmMajors()) {
  describe(`real public charts on the fleet (helm ${major})`, { timeout: 3_000_000, concurrency: false }, () => {
    let kubeconfig = '';
    let registry: Registry;
    let dir = '';
    const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
    const fail = (what: string, r: { exitCode: number; stdout: string; stderr: string }) => `${what} exited ${r.exitCode}\n${r.stdout.slice(-6000)}\n${r.stderr.slice(-4000)}`;

    before(async () => {
      assertRegistryBinary();
      const clusters = join(tempDir('hc-charts-fleet-'), 'clusters.yaml');
      writeFileSync(clusters, `clusters:\n  h${major}: { context: ${context(major)} }\n`);
      kubeconfig = (await ensureFleet({ clustersFile: clusters, name: `${FLEET}-h${major}`, log: () => undefined })).kubeconfig;
      registry = await startRegistry();
      const pkg = tempDir('hc-common-');
      sh(helmBin(3), ['package', join(repoRoot, 'test', 'charts', '_deps', 'common'), '-d', pkg]);
      pushCharts([join(pkg, 'common-2.31.4.tgz')], registry.host, 'bitnamicharts', helmBin(3));
      dir = repoFor(major, registry);
    });
    after(async () => {
      await registry?.stop();
      await stopFleet(`${FLEET}-h${major}`, { purge: true });
    });

    for (const pass of [1, 2]) {
    it(`pass ${pass}: every chart installs and passes its gate`, async () => {
      if (pass === 2) {
        // what the first pass left: its releases, removed as a user would (crds/ CRDs stay, as helm keeps them)
        for (const c of CHARTS) sh(helmBin(major), ['uninstall', c, '--namespace', c, '--kube-context', context(major), '--kubeconfig', kubeconfig, '--wait']);
        const crds = await kubectl(kubeconfig, context(major), ['get', 'crd', '-o', 'name']);
        assert.match(crds, /middlewares\.traefik\.io/, 'the crds/ CRDs of the first pass are still there');
        dir = repoFor(major, registry);
      }
      const r = await run(['apply', '--yes', '-o', 'json']);
      assert.equal(r.exitCode, 0, fail('apply', r));
      const report = JSON.parse(r.stdout) as { units: { helmName: string; outcome: string }[] };
      assert.deepEqual(report.units.map((u) => [u.helmName, u.outcome]).sort(), CHARTS.map((c) => [c, 'applied']).sort());
    });

    it(`pass ${pass}: right after: the plan is unchanged for every unit, drift is clean, a second apply makes no helm write`, async () => {
      const plan = await run(['plan', '--detailed-exitcode']);
      assert.equal(plan.exitCode, 0, fail('plan --detailed-exitcode', plan));
      assert.match(plan.stdout, new RegExp(`Plan: 0 to install, 0 to upgrade, ${CHARTS.length} unchanged, 0 to uninstall\\.`));
      const drift = await run(['drift', '--format', 'json']);
      assert.equal(drift.exitCode, 0, fail('drift', drift));
      const again = await run(['apply', '--yes', '--verbose']);
      assert.equal(again.exitCode, 0, fail('apply', again));
      assert.doesNotMatch(again.stderr, / (upgrade --install|rollback|uninstall) /, 'no helm write call');
    });

    it(`pass ${pass}: one value changed: the plan shows exactly that change; applied, drift is clean again`, async () => {
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

    it(`pass ${pass}: no value of a rendered Secret appears in the render cache, in plan or drift output in any format, or in any report file`, async () => {
      // the values the charts put in their Secrets, as the cluster holds them (helm made them: meta.helm.sh/release-name)
      type SecretList = { items: { metadata: { annotations?: Record<string, string> }; data?: Record<string, string> }[] };
      const list = JSON.parse(await kubectl(kubeconfig, context(major), ['get', 'secrets', '-A', '-o', 'json'])) as SecretList;
      const secrets = [...new Set(list.items.filter((x) => CHARTS.includes(x.metadata.annotations?.['meta.helm.sh/release-name'] ?? '')).flatMap((x) => Object.values(x.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8'))))].filter((v) => v.length >= 8 && !/^(true|false|\d+)$/.test(v));
      assert.ok(secrets.length >= 3, `the corpus renders Secrets with values (postgresql, redis, grafana): found ${secrets.length}`);
      // their values changed a little (a label), so their Secrets are rendered, diffed and shown in the plan
      const files = Object.keys(SECRET_CHARTS).map((c) => join(dir, 'releases', `${c}.yaml`));
      const original = files.map((f) => readFileSync(f, 'utf8'));
      const out = tempDir('hc-charts-secrets-');
      const cacheDir = tempDir('hc-charts-cache-');
      const runs: [string, { exitCode: number; stdout: string; stderr: string }][] = [];
      try {
        Object.entries(SECRET_CHARTS).forEach(([c, key], i) => writeFileSync(files[i]!, `${original[i]}set: { ${key}: { hc-probe: "secrets-${major}" } }\n`));
        for (const args of [['plan', '--explain'], ['plan', '-o', 'json', '--explain'], ['plan', '--out', join(out, 'plan.json')], ['plan', '--verbose']]) {
          const r = await run([...args, '--cache-dir', cacheDir]);
          assert.equal(r.exitCode, 0, fail(args.join(' '), r));
          runs.push([args.join(' '), r]);
        }
        assert.match(runs[0]![1].stdout, /~ data\.\S+: \(secret value changed\)|~ Secret /, 'the plan shows a Secret of the corpus');
        const formats = ['json', 'junit', 'markdown', 'html', 'prometheus'].map((f) => `${f}=${join(out, `drift.${f}`)}`).join(',');
        const drift = await run(['drift', '--format', `text,${formats}`, '--cache-dir', cacheDir, '--verbose']);
        assert.equal(drift.exitCode, 2, fail('drift', drift)); // the changed labels are pending
        runs.push(['drift', drift]);
      } finally {
        files.forEach((f, i) => writeFileSync(f, original[i]!));
      }
      const texts: [string, string][] = [...runs.flatMap(([what, r]): [string, string][] => [[`${what} stdout`, r.stdout], [`${what} stderr`, r.stderr]]), ...filesBelow(out), ...filesBelow(cacheDir)];
      assert.ok(filesBelow(out).length >= 6, 'every report file was written');
      // the renders kept (the chart cache beside them holds the charts' own templates, Secret templates among them)
      const renders = join(cacheDir, 'renders');
      for (const [f, text] of existsSync(renders) ? filesBelow(renders) : []) assert.ok(!holdsSecret(text), `${f}: the render cache holds a Secret`);
      for (const [where, text] of texts) {
        for (const v of secrets) {
          assert.ok(!text.includes(v), `${where} shows a value of a rendered Secret`);
          assert.ok(!text.includes(Buffer.from(v).toString('base64')), `${where} shows a value of a rendered Secret in base64`);
        }
      }
    });
    }
  });
}
});
