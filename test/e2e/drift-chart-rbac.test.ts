// deploy/helm-cascade-drift with the pod's own service account instead of a
// kubeconfig Secret: installed with Helm 3 and Helm 4, the CronJob names the
// cluster it runs in (HELM_CASCADE_IN_CLUSTER, --selector cluster=...) and
// mounts no kubeconfig; the chart's read-only ClusterRole lets its account read
// everything and write nothing (asked of the API server). Then the chart's
// drift.sh runs as that account, with a real token of it in the in-cluster
// layout and no kubeconfig anywhere, against a release this test applied:
// nothing drifted, then a hand edit found.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { helmBin, kubectlBin, repoRoot } from '../../fleet/tools.ts';
import { cascade, CONTEXTS, helmMajors, scratchRepo, sharedFleetInfo, suffix } from './support/cascade.ts';
import type { FleetCluster } from './support/kube-users.ts';
import { tempDir } from '../support/tmp.ts';

const CHART = join(repoRoot, 'deploy', 'helm-cascade-drift');

function run(bin: string, args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { code: number; out: string; err: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', env: o.env ?? process.env, cwd: o.cwd, timeout: 300_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

interface CronJobContainer {
  args: string[];
  env: { name: string; value?: string }[];
  volumeMounts: { name: string }[];
}

describe('drift chart with the pod service account, no kubeconfig Secret', { timeout: 600_000 }, () => {
  const id = suffix();
  const ns = `drift-sa-${id}`;
  const appNs = `drift-sa-app-${id}`;
  let paris: FleetCluster;
  let kubeconfig = '';
  let repo = '';
  const kubectl = (args: string[]) => run(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', CONTEXTS.paris, ...args]);

  before(async () => {
    const fleet = await sharedFleetInfo();
    kubeconfig = fleet.kubeconfig;
    paris = fleet.clusters.find((c) => c.context === CONTEXTS.paris)!;
    assert.equal(kubectl(['create', 'namespace', ns]).code, 0);
    repo = scratchRepo({
      'clusters.yaml': 'clusters:\n  paris:\n    context: dc-paris\n',
      'releases/probe.yaml': `name: probe\nnamespace: ${appNs}\nchart: { ref: charts/cascade-demo }\nset: { replicaCount: 1 }\n`,
    });
    const applied = await cascade(repo, ['apply', '--yes', '--no-color'], { kubeconfig, helm: 3 });
    assert.equal(applied.exitCode, 0, applied.stdout + applied.stderr);
  });
  after(() => {
    run(helmBin(3), ['uninstall', 'probe', '-n', appNs, '--kubeconfig', kubeconfig, '--kube-context', CONTEXTS.paris]);
    for (const n of [ns, appNs]) kubectl(['delete', 'namespace', n, '--wait=false', '--ignore-not-found']);
  });

  for (const major of helmMajors()) {
    it(`Helm ${major}: installs with inCluster.cluster and no kubeconfig; the account may read everything and write nothing`, () => {
      const release = `drift-sa-h${major}`;
      const helm = (args: string[]) => run(helmBin(major), [...args, '-n', ns, '--kubeconfig', kubeconfig, '--kube-context', CONTEXTS.paris]);
      const installed = helm(['install', release, CHART, '--set', 'repository.configMap.name=deploy-repo', '--set', 'inCluster.cluster=paris', '--set', 'serviceAccount.create=true']);
      assert.equal(installed.code, 0, installed.out + installed.err);
      try {
        const cron = JSON.parse(kubectl(['-n', ns, 'get', 'cronjob', `${release}-helm-cascade-drift`, '-o', 'json']).out) as { spec: { jobTemplate: { spec: { template: { spec: { serviceAccountName: string; containers: CronJobContainer[]; volumes: { name: string }[] } } } } } };
        const pod = cron.spec.jobTemplate.spec.template.spec;
        const c = pod.containers[0]!;
        assert.equal(pod.serviceAccountName, `${release}-helm-cascade-drift`);
        assert.ok(c.args.includes('--selector=cluster=paris'), c.args.join(' '));
        assert.ok(!c.args.some((a) => a.startsWith('--kubeconfig')), c.args.join(' '));
        assert.deepEqual(c.env.find((e) => e.name === 'HELM_CASCADE_IN_CLUSTER'), { name: 'HELM_CASCADE_IN_CLUSTER', value: 'paris' });
        assert.ok(!pod.volumes.some((v) => v.name === 'kubeconfig') && !c.volumeMounts.some((m) => m.name === 'kubeconfig'));
        const as = ['--as', `system:serviceaccount:${ns}:${release}-helm-cascade-drift`];
        const can = (verb: string, what: string, where: string[] = ['--all-namespaces']) => kubectl(['auth', 'can-i', verb, what, ...where, ...as]).out.trim();
        assert.equal(can('list', 'secrets'), 'yes', 'helm release records');
        assert.equal(can('watch', 'deployments.apps'), 'yes');
        assert.equal(can('get', 'customresourcedefinitions.apiextensions.k8s.io', []), 'yes');
        for (const verb of ['create', 'update', 'patch', 'delete']) assert.equal(can(verb, 'deployments.apps'), 'no', `${verb} is refused`);
        assert.equal(can('create', 'leases.coordination.k8s.io'), 'no');
      } finally {
        assert.equal(helm(['uninstall', release]).code, 0);
      }
    });
  }

  it("the chart's drift.sh as the account (a real token in the in-cluster layout, no kubeconfig): nothing drifted, then a hand edit found", () => {
    const release = 'drift-sa-run';
    const installed = run(helmBin(3), ['install', release, CHART, '-n', ns, '--kubeconfig', kubeconfig, '--kube-context', CONTEXTS.paris, '--set', 'repository.configMap.name=deploy-repo', '--set', 'inCluster.cluster=paris', '--set', 'serviceAccount.create=true']);
    assert.equal(installed.code, 0, installed.err);
    const cron = JSON.parse(kubectl(['-n', ns, 'get', 'cronjob', `${release}-helm-cascade-drift`, '-o', 'json']).out) as { spec: { jobTemplate: { spec: { template: { spec: { containers: CronJobContainer[] } } } } } };
    const c = cron.spec.jobTemplate.spec.template.spec.containers[0]!;
    const token = kubectl(['-n', ns, 'create', 'token', `${release}-helm-cascade-drift`, '--duration', '1h']);
    assert.equal(token.code, 0, token.err);
    const sa = tempDir('drift-sa-');
    writeFileSync(join(sa, 'token'), token.out.trim());
    writeFileSync(join(sa, 'ca.crt'), readFileSync(paris.pki.servingCa));
    writeFileSync(join(sa, 'namespace'), ns);
    const bin = tempDir('drift-sa-bin-');
    symlinkSync(join(repoRoot, 'bin', 'helm-cascade.js'), join(bin, 'helm-cascade'));
    symlinkSync(join(repoRoot, 'node_modules', '.bin', 'node'), join(bin, 'node'));
    const home = tempDir('drift-sa-home-');
    const reports = join(home, 'reports');
    mkdirSync(reports);
    const env: NodeJS.ProcessEnv = {
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: home,
      HELM_BIN: helmBin(3),
      NO_COLOR: '1',
      REPORTS_DIR: reports,
      REPORT_FORMATS: 'json',
      EXIT_ZERO_ON_DRIFT: 'false',
      // the pod: the API server's address, the projected token and CA; the CronJob's own env
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: new URL(paris.server).port,
      HELM_CASCADE_SERVICE_ACCOUNT_DIR: sa,
      ...Object.fromEntries(c.env.filter((e) => e.name === 'HELM_CASCADE_IN_CLUSTER').map((e) => [e.name, e.value])),
    };
    const args = c.args.map((a) => (a.startsWith('--clusters=') ? `--clusters=${join(repo, 'clusters.yaml')}` : a));
    const script = join(CHART, 'files', 'drift.sh');
    try {
      const clean = run('sh', [script, ...args], { env, cwd: repo });
      assert.equal(clean.code, 0, clean.out + clean.err);
      assert.match(clean.out, /nothing drifted/);
      assert.equal(kubectl(['-n', appNs, 'scale', 'deployment', 'probe', '--replicas=3']).code, 0);
      const drifted = run('sh', [script, ...args], { env, cwd: repo });
      assert.equal(drifted.code, 2, drifted.out + drifted.err);
      const last = readdirSync(reports).filter((d) => /^\d{8}T\d{6}Z$/.test(d)).sort().at(-1)!;
      const report = JSON.parse(readFileSync(join(reports, last, 'drift.json'), 'utf8')) as { units: { helmName: string; cluster: string; state: string }[] };
      assert.deepEqual(report.units.map((u) => `${u.cluster}/${u.helmName}`), ['paris/probe']);
      assert.notEqual(report.units[0]!.state, 'in-sync');
    } finally {
      run(helmBin(3), ['uninstall', release, '-n', ns, '--kubeconfig', kubeconfig, '--kube-context', CONTEXTS.paris]);
    }
  });
});
