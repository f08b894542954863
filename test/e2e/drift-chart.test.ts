// deploy/helm-cascade-drift: `helm install` it into the local fleet, with the
// repository from git and from a ConfigMap, and check the CronJob it creates
// (schedule, volumes, args, env) with kubectl. Also `helm lint`, and the
// chart's refusals when a required value is missing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureFleet } from '../../fleet/fleet-api.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'deploy', 'helm-cascade-drift');
const HELM = process.env.HELM_BIN ?? join(ROOT, 'node_modules', '.helm-cascade', 'helm-v3', 'helm');
const KUBECTL = process.env.KUBECTL_BIN ?? 'kubectl';
const CONTEXT = 'dc-paris';

function run(bin: string, args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args: string[];
  workingDir?: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  volumeMounts: { name: string; mountPath: string }[];
}
interface CronJob {
  spec: {
    schedule: string;
    timeZone?: string;
    suspend: boolean;
    concurrencyPolicy: string;
    jobTemplate: { spec: { backoffLimit: number; template: { spec: { initContainers?: Container[]; containers: Container[]; volumes: { name: string; secret?: { secretName: string }; configMap?: { name: string; items?: { key: string; path: string }[] }; emptyDir?: object }[] } } } };
  };
}

const BASE = ['--set', 'image.repository=registry.example.com/tools/helm-cascade', '--set', 'image.tag=0.1.0', '--set', 'kubeconfig.secretName=fleet-kubeconfig'];

describe('deploy/helm-cascade-drift chart', { timeout: 300_000 }, () => {
  const ns = `drift-chart-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  let kubeconfig = '';
  const kubectl = (args: string[]) => run(KUBECTL, ['--kubeconfig', kubeconfig, '--context', CONTEXT, '-n', ns, ...args]);
  const helm = (args: string[]) => run(HELM, [...args, '--kubeconfig', kubeconfig, '--kube-context', CONTEXT, '-n', ns]);
  const cronJob = (name: string): CronJob => {
    const r = kubectl(['get', 'cronjob', name, '-o', 'json']);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as CronJob;
  };

  before(async () => {
    kubeconfig = (await ensureFleet({ clustersFile: join(ROOT, 'clusters.yaml'), log: () => undefined })).kubeconfig;
    assert.equal(run(KUBECTL, ['--kubeconfig', kubeconfig, '--context', CONTEXT, 'create', 'namespace', ns]).code, 0);
    kubectl(['create', 'secret', 'generic', 'fleet-kubeconfig', `--from-file=config=${kubeconfig}`]);
    kubectl(['create', 'secret', 'generic', 'drift-webhook', '--from-literal=url=http://127.0.0.1:9/hook']);
  });
  after(() => {
    run(KUBECTL, ['--kubeconfig', kubeconfig, '--context', CONTEXT, 'delete', 'namespace', ns, '--wait=false']);
  });

  it('lints, and refuses to render without an image, a repository or a kubeconfig', () => {
    const lint = run(HELM, ['lint', CHART, ...BASE, '--set', 'repository.git.url=https://git.example.com/deploy.git']);
    assert.equal(lint.code, 0, lint.out + lint.err);
    const noImage = run(HELM, ['template', 'x', CHART, '--set', 'repository.git.url=u', '--set', 'kubeconfig.secretName=k']);
    assert.notEqual(noImage.code, 0);
    assert.match(noImage.err, /image\.repository and image\.tag are required/);
    const noRepo = run(HELM, ['template', 'x', CHART, ...BASE]);
    assert.match(noRepo.err, /repository\.git\.url .* or repository\.configMap\.name/);
  });

  it('from git: an initContainer clones the repository; drift runs with the kubeconfig and the webhook from Secrets', () => {
    const r = helm([
      'install', 'drift', CHART, ...BASE,
      '--set', 'repository.git.url=https://git.example.com/platform/deploy.git', '--set', 'repository.git.ref=release', '--set', 'repository.git.path=fleet',
      '--set', 'notify.secretName=drift-webhook', '--set', 'schedule=*/30 * * * *', '--set', 'timeZone=Europe/Paris', '--set', 'suspend=true',
      '--set', 'drift.format=text\\,json=/tmp/drift.json', '--set', 'drift.selector=track=production',
    ]);
    assert.equal(r.code, 0, r.err);
    const cj = cronJob('drift-helm-cascade-drift');
    assert.equal(cj.spec.schedule, '*/30 * * * *');
    assert.equal(cj.spec.timeZone, 'Europe/Paris');
    assert.equal(cj.spec.suspend, true);
    assert.equal(cj.spec.concurrencyPolicy, 'Forbid');
    const pod = cj.spec.jobTemplate.spec.template.spec;
    assert.equal(cj.spec.jobTemplate.spec.backoffLimit, 0);
    const clone = pod.initContainers?.[0];
    assert.ok(clone, 'no clone initContainer');
    assert.deepEqual(clone.args.slice(-2), ['https://git.example.com/platform/deploy.git', '/repo/checkout']);
    assert.ok(clone.args.includes('--branch=release'));
    const drift = pod.containers[0];
    assert.ok(drift);
    assert.equal(drift.image, 'registry.example.com/tools/helm-cascade:0.1.0');
    assert.deepEqual(drift.command, ['helm-cascade']);
    assert.deepEqual(drift.args, [
      'drift',
      '--clusters=/repo/checkout/fleet/clusters.yaml',
      '--kubeconfig=/etc/helm-cascade/kubeconfig/config',
      '--format=text,json=/tmp/drift.json',
      '--selector=track=production',
      '--notify=$(HELM_CASCADE_NOTIFY_URL)',
    ]);
    assert.deepEqual(drift.env?.find((e) => e.name === 'HELM_CASCADE_NOTIFY_URL')?.valueFrom?.secretKeyRef, { name: 'drift-webhook', key: 'url' });
    assert.ok(!JSON.stringify(cj).includes('127.0.0.1:9/hook'), 'the webhook URL is in the CronJob');
    const vols = Object.fromEntries(pod.volumes.map((v) => [v.name, v]));
    assert.equal(vols.kubeconfig?.secret?.secretName, 'fleet-kubeconfig');
    assert.ok(vols.repo?.emptyDir, 'the clone goes to an emptyDir');
    assert.deepEqual(drift.volumeMounts.map((m) => `${m.name}:${m.mountPath}`).sort(), ['kubeconfig:/etc/helm-cascade/kubeconfig', 'repo:/repo', 'tmp:/tmp']);
  });

  it('from a ConfigMap: the repository files are mounted, no clone', () => {
    const r = helm([
      'install', 'drift-cm', CHART, ...BASE,
      '--set', 'repository.configMap.name=deploy-repo',
      '--set', 'repository.configMap.items[0].key=clusters.yaml', '--set', 'repository.configMap.items[0].path=clusters.yaml',
      '--set', 'repository.configMap.items[1].key=releases.api.yaml', '--set', 'repository.configMap.items[1].path=releases/api.yaml',
      '--set', 'suspend=true',
    ]);
    assert.equal(r.code, 0, r.err);
    const pod = cronJob('drift-cm-helm-cascade-drift').spec.jobTemplate.spec.template.spec;
    assert.equal(pod.initContainers, undefined);
    const repo = pod.volumes.find((v) => v.name === 'repo');
    assert.equal(repo?.configMap?.name, 'deploy-repo');
    assert.deepEqual(repo?.configMap?.items, [{ key: 'clusters.yaml', path: 'clusters.yaml' }, { key: 'releases.api.yaml', path: 'releases/api.yaml' }]);
    const drift = pod.containers[0];
    assert.equal(drift?.args[1], '--clusters=/repo/config/clusters.yaml');
    assert.equal(drift?.args.some((a) => a.startsWith('--notify')), false);
    assert.ok(drift?.volumeMounts.some((m) => m.name === 'repo' && m.mountPath === '/repo/config'));
  });
});
