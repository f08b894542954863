// deploy/helm-cascade-drift on the local fleet: `helm install` with Helm 3
// and Helm 4 (the repository from git and from a ConfigMap), the CronJob the
// API server stores, a Job triggered from it (`kubectl create job --from`)
// whose live Pod is checked (user, mounts, args, reports volume) and which
// completes (kwok runs no container: its pod stages complete the pod). Then the
// chart's drift.sh runs for real around the checkout's helm-cascade against the
// fleet: drift found in a repository nothing was applied from, the reports
// written (the JUnit one valid for Jenkins), exit 0 with exitZeroOnDrift.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureFleet } from '../../fleet/fleet-api.ts';
import { helmBin, kubectlBin } from '../../fleet/tools.ts';
import parsePrometheus from 'parse-prometheus-text-format';
import { assertValidJunit } from '../ship/support/junit-xsd.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'deploy', 'helm-cascade-drift');
const CONTEXT = 'dc-paris';

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): { code: number; out: string; err: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8', env, cwd, timeout: 240_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface PodSpec {
  securityContext?: { runAsUser?: number; runAsNonRoot?: boolean; fsGroup?: number };
  initContainers?: Container[];
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string }; configMap?: { name: string; items?: { key: string; path: string }[] }; emptyDir?: object }[];
}
interface CronJob {
  spec: { schedule: string; timeZone?: string; suspend: boolean; concurrencyPolicy: string; jobTemplate: { spec: { backoffLimit: number; template: { spec: PodSpec } } } };
}

const BASE = ['--set', 'kubeconfig.secretName=fleet-kubeconfig'];

describe('deploy/helm-cascade-drift chart on the fleet', { timeout: 400_000 }, () => {
  const ns = `drift-chart-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  let kubeconfig = '';
  const kubectl = (args: string[]) => run(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', CONTEXT, '-n', ns, ...args]);
  const helm = (major: 3 | 4, args: string[]) => run(helmBin(major), [...args, '--kubeconfig', kubeconfig, '--kube-context', CONTEXT, '-n', ns]);
  const json = <T>(args: string[]): T => {
    const r = kubectl([...args, '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as T;
  };

  before(async () => {
    kubeconfig = (await ensureFleet({ clustersFile: join(ROOT, 'clusters.yaml'), log: () => undefined })).kubeconfig;
    assert.equal(run(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', CONTEXT, 'create', 'namespace', ns]).code, 0);
    kubectl(['create', 'secret', 'generic', 'fleet-kubeconfig', `--from-file=config=${kubeconfig}`]);
    kubectl(['create', 'secret', 'generic', 'drift-webhook', '--from-literal=url=http://127.0.0.1:9/hook']);
    kubectl(['create', 'configmap', 'deploy-repo', `--from-file=clusters.yaml=${join(ROOT, 'clusters.yaml')}`]);
  });
  after(() => {
    run(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', CONTEXT, 'delete', 'namespace', ns, '--wait=false']);
  });

  it('Helm 3, from git over ssh: the clone in the helm-cascade image, the key mounted, the webhook from its Secret', () => {
    const r = helm(3, [
      'install', 'drift', CHART, ...BASE,
      '--set', 'repository.git.url=git@git.example.com:platform/deploy.git', '--set', 'repository.git.ref=release', '--set', 'repository.git.path=fleet',
      '--set', 'repository.git.sshSecret=deploy-key', '--set', 'notify.secretName=drift-webhook', '--set', 'schedule=*/30 * * * *', '--set', 'timeZone=Europe/Paris', '--set', 'suspend=true',
      '--set', 'drift.selector=track=production', '--set', 'reports.persistence.enabled=true',
    ]);
    assert.equal(r.code, 0, r.err);
    const cj = json<CronJob>(['get', 'cronjob', 'drift-helm-cascade-drift']);
    assert.equal(cj.spec.schedule, '*/30 * * * *');
    assert.equal(cj.spec.timeZone, 'Europe/Paris');
    assert.equal(cj.spec.suspend, true);
    assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
    const pod = cj.spec.jobTemplate.spec.template.spec;
    const clone = pod.initContainers?.[0];
    const drift = pod.containers[0];
    assert.ok(clone && drift);
    assert.equal(clone.image, drift.image);
    assert.ok(clone.env?.some((e) => e.name === 'GIT_SSH_DIR' && e.value === '/etc/helm-cascade/git-ssh'));
    assert.deepEqual(drift.args, ['--clusters=/repo/checkout/fleet/clusters.yaml', '--kubeconfig=/etc/helm-cascade/kubeconfig/config', '--concurrency=5', '--selector=track=production', '--notify=$(HELM_CASCADE_NOTIFY_URL)']);
    assert.deepEqual(drift.env?.find((e) => e.name === 'HELM_CASCADE_NOTIFY_URL')?.valueFrom?.secretKeyRef, { name: 'drift-webhook', key: 'url' });
    assert.ok(!JSON.stringify(cj).includes('127.0.0.1:9/hook'), 'the webhook URL is in the CronJob');
    const pvc = json<{ spec: { resources: { requests: { storage: string } } } }>(['get', 'pvc', 'drift-helm-cascade-drift-reports']);
    assert.equal(pvc.spec.resources.requests.storage, '1Gi');
  });

  it('Helm 4, from a ConfigMap: a Job from the CronJob runs as 65532 with the reports volume, and completes', async () => {
    const r = helm(4, ['install', 'drift-cm', CHART, ...BASE, '--set', 'repository.configMap.name=deploy-repo', '--set', 'suspend=true', '--set', 'resources.limits.memory=768Mi']);
    assert.equal(r.code, 0, r.err);
    const job = 'drift-cm-manual';
    assert.equal(kubectl(['create', 'job', `--from=cronjob/drift-cm-helm-cascade-drift`, job]).code, 0);
    const wait = kubectl(['wait', '--for=condition=complete', `job/${job}`, '--timeout=120s']);
    assert.equal(wait.code, 0, `${wait.out}${wait.err}\n${kubectl(['describe', 'job', job]).out}`);
    const pods = json<{ items: { spec: PodSpec; status: { phase: string } }[] }>(['get', 'pods', '-l', `job-name=${job}`]);
    const p = pods.items[0];
    assert.ok(p, 'no pod for the Job');
    assert.equal(p.status.phase, 'Succeeded');
    assert.equal(p.spec.securityContext?.runAsUser, 65532);
    assert.equal(p.spec.securityContext?.runAsNonRoot, true);
    assert.equal(p.spec.initContainers, undefined);
    const drift = p.spec.containers[0];
    assert.ok(drift);
    assert.deepEqual(drift.command, ['/usr/bin/tini', '--', '/bin/sh', '/etc/helm-cascade/scripts/drift.sh']);
    assert.deepEqual(drift.args, ['--clusters=/repo/config/clusters.yaml', '--kubeconfig=/etc/helm-cascade/kubeconfig/config', '--concurrency=3']);
    const mounts = Object.fromEntries(drift.volumeMounts.filter((m) => !m.mountPath.startsWith('/var/run/secrets')).map((m) => [m.name, m.mountPath]));
    assert.deepEqual(mounts, { repo: '/repo/config', tmp: '/tmp', reports: '/reports', scripts: '/etc/helm-cascade/scripts', kubeconfig: '/etc/helm-cascade/kubeconfig' });
    assert.ok(p.spec.volumes.find((v) => v.name === 'reports')?.emptyDir);
    assert.equal(p.spec.volumes.find((v) => v.name === 'repo')?.configMap?.name, 'deploy-repo');
  });

  it("the chart's drift.sh around helm-cascade on the fleet: drift found, reports written, exit 0", () => {
    // a deploy repository nothing was applied from: every release is pending
    const repo = mkdtempSync(join(tmpdir(), 'drift-chart-repo-'));
    for (const p of ['clusters.yaml', 'releases', 'values', 'charts']) cpSync(join(ROOT, p), join(repo, p), { recursive: true });
    const bin = mkdtempSync(join(tmpdir(), 'drift-chart-bin-'));
    symlinkSync(join(ROOT, 'bin', 'helm-cascade.js'), join(bin, 'helm-cascade'));
    symlinkSync(join(ROOT, 'node_modules', '.bin', 'node'), join(bin, 'node'));
    const reports = mkdtempSync(join(tmpdir(), 'drift-chart-reports-'));
    const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: reports, HELM_BIN: helmBin(3), KUBECTL_BIN: kubectlBin(), NO_COLOR: '1', REPORTS_DIR: reports, REPORT_FORMATS: 'json junit html markdown', REPORTS_KEEP: '48', EXIT_ZERO_ON_DRIFT: 'true', METRICS_TEXTFILE: join(reports, 'textfile', 'helm-cascade-drift.prom') };
    const script = join(CHART, 'files', 'drift.sh');
    const r = run('sh', [script, `--clusters=${join(repo, 'clusters.yaml')}`, `--kubeconfig=${kubeconfig}`, '--concurrency=5', '--selector=name=edge-gateway'], env, repo);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /helm-cascade drift: drift found \(exit 2\); reports in /);
    const [run1] = readdirSync(reports).filter((d) => /^\d{8}T\d{6}Z$/.test(d));
    assert.ok(run1, 'no report folder');
    const dir = join(reports, run1);
    assert.deepEqual(readdirSync(dir).sort(), ['drift.html', 'drift.json', 'drift.md', 'drift.xml']);
    const report = JSON.parse(readFileSync(join(dir, 'drift.json'), 'utf8')) as { exitCode: number; units: { helmName: string }[] };
    assert.equal(report.exitCode, 2);
    assert.ok(report.units.length > 0 && report.units.every((u) => u.helmName === 'edge-gateway'));
    assertValidJunit(readFileSync(join(dir, 'drift.xml'), 'utf8'));
    // metrics.textfile: the same states as Prometheus text, read by a real parser
    const full = JSON.parse(readFileSync(join(dir, 'drift.json'), 'utf8')) as { units: { cluster: string; helmName: string; state: string }[] };
    const state = parsePrometheus(readFileSync(env.METRICS_TEXTFILE, 'utf8')).find((f) => f.name === 'helm_cascade_release_state');
    assert.ok(state, 'no helm_cascade_release_state in the textfile');
    const on = state.metrics.filter((m) => m.value === '1').map((m) => `${m.labels?.cluster}/${m.labels?.helm_release}=${m.labels?.state}`).sort();
    assert.deepEqual(on, full.units.map((u) => `${u.cluster}/${u.helmName}=${u.state}`).sort());
    assert.deepEqual(readdirSync(join(reports, 'textfile')), ['helm-cascade-drift.prom'], 'a temporary file was left beside the textfile');
    // without exitZeroOnDrift the Job would fail
    const strict = run('sh', [script, `--clusters=${join(repo, 'clusters.yaml')}`, `--kubeconfig=${kubeconfig}`, '--selector=name=edge-gateway'], { ...env, EXIT_ZERO_ON_DRIFT: 'false' }, repo);
    assert.equal(strict.code, 2, strict.out + strict.err);
  });
});
