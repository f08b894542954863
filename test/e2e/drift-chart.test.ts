// deploy/helm-cascade-drift on the local fleet: `helm install` with Helm 3
// and Helm 4 (the repository from git and from a ConfigMap), the CronJob the
// API server stores, a Job triggered from it (`kubectl create job --from`)
// whose live Pod is checked (user, mounts, args, reports volume) and which
// completes (kwok runs no container: its pod stages complete the pod). Then the
// chart's drift.sh runs for real around the checkout's helm-cascade against the
// fleet: the CronJob's drift container, taken from `helm template` and run as
// the kubelet would (kwok runs no process), three scheduled runs sharing one
// PVC folder: reports written (the JUnit one valid for Jenkins), uploaded to a
// real WebDAV server (nginx) with the latest page, the last 2 runs kept, the
// metrics through a real Pushgateway into a real Prometheus; then the Indexed
// Job variant, its container run for both indexes, the shards' reports apart
// and, merged, the whole run's; and the Indexed variant installed, its Job
// completing one pod per index.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, existsSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureFleet } from '../../fleet/fleet-api.ts';
import { helmBin, kubectlBin } from '../../fleet/tools.ts';
import parsePrometheus from 'parse-prometheus-text-format';
import { parseAllDocuments, parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { DriftReport } from '../../src/drift/types.ts';
import { mergeDriftReports } from '../../src/report/drift-merge.ts';
import { assertValidJunit } from '../ship/support/junit-xsd.ts';
import { ownNamespaces } from '../ship/support/ship.ts';
import { testHelmMajors } from '../support/helm-majors.ts';
import { startWebdav } from '../support/webdav.ts';
import type { Webdav } from '../support/webdav.ts';
import { startPrometheus } from './support/prometheus.ts';
import type { Prometheus } from './support/prometheus.ts';
import { startPushgateway } from './support/pushgateway.ts';
import type { Pushgateway } from './support/pushgateway.ts';
import { runContainer, volumeOf } from './support/rendered-pod.ts';
import type { LocalPod, RenderedContainer } from './support/rendered-pod.ts';
import { tempDir } from '../support/tmp.ts';

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
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
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

describe('deploy/helm-cascade-drift chart on the fleet', { timeout: 900_000 }, () => {
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
    for (const args of [
      ['create', 'secret', 'generic', 'fleet-kubeconfig', `--from-file=config=${kubeconfig}`],
      ['create', 'secret', 'generic', 'drift-webhook', '--from-literal=url=http://127.0.0.1:9/hook'],
      ['create', 'configmap', 'deploy-repo', `--from-file=clusters.yaml=${join(ROOT, 'clusters.yaml')}`],
    ]) {
      const r = kubectl(args);
      assert.equal(r.code, 0, `kubectl ${args.slice(0, 3).join(' ')}: ${r.err}`);
    }
  });
  after(() => {
    const r = run(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', CONTEXT, 'delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    assert.equal(r.code, 0, `cleanup of namespace ${ns}: ${r.err}`);
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

  describe("the CronJob's container from the rendered chart, run on the fleet", () => {
    // kwok runs no container: the drift container of `helm template`'s CronJob
    // runs here as the kubelet would start it (support/rendered-pod.ts), its
    // volumes local folders: the reports PVC one folder that every run shares.
    let dav: Webdav;
    let gateway: Pushgateway;
    let prometheus: Prometheus;
    let repo = '';
    let bin = '';
    const pvc = tempDir('drift-chart-pvc-');
    const DAV_USER = 'drift';
    const DAV_PASSWORD = `dav-${process.pid}-s3cret`;
    // a CronJob names its Jobs <cronjob>-<scheduled time in minutes since the epoch>: 2025-12-02T10:00:00Z
    const SCHEDULED = 29_411_160;
    const runOf = (minutes: number) => new Date(minutes * 60_000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const values = () => [
      ...BASE,
      '--set', 'repository.configMap.name=deploy-repo',
      '--set', 'reports.persistence.enabled=true', '--set', 'reports.keep=2',
      '--set', 'reports.upload.urlSecret.name=dav-url', '--set', 'reports.upload.curlConfigSecret.name=dav-auth',
      '--set', `metrics.pushgateway.url=${gateway.url}`, '--set', 'metrics.textfile=textfile/helm-cascade-drift.prom',
      '--set', 'drift.selector=name=edge-gateway',
    ];
    const secrets = () => ({ 'dav-url/url': `${dav.url}/drift/{run}/{file}` });

    /** helm template of the chart: the CronJob's drift container and Job spec, the scripts ConfigMap. */
    function render(extra: string[]): { container: RenderedContainer; job: { completionMode?: string; completions?: number; parallelism?: number }; scripts: Record<string, string> } {
      const r = run(helmBin(3), ['template', 'drift', CHART, ...values(), ...extra]);
      assert.equal(r.code, 0, r.err);
      const docs = parseAllDocuments(r.out, { version: '1.1' }).map((d) => d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: { jobTemplate: { spec: { completionMode?: string; completions?: number; parallelism?: number; template: { spec: { containers: RenderedContainer[] } } } } } });
      const cj = docs.find((d) => d.kind === 'CronJob');
      const scripts = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-scripts'))?.data;
      assert.ok(cj?.spec && scripts);
      const container = cj.spec.jobTemplate.spec.template.spec.containers.find((c) => c.name === 'drift');
      assert.ok(container);
      return { container, job: cj.spec.jobTemplate.spec, scripts };
    }

    /** The pod of one Job (one index of it when sharded), its volumes local: the PVC shared, the rest its own. */
    function pod(scripts: Record<string, string>, jobName: string, index?: number, o: { reports?: string; kubeconfig?: string } = {}): LocalPod {
      const own = tempDir('drift-chart-pod-');
      return {
        paths: {
          '/repo/config': repo,
          '/reports': o.reports ?? pvc,
          '/tmp': volumeOf(join(own, 'tmp'), {}),
          '/etc/helm-cascade/scripts': volumeOf(join(own, 'scripts'), scripts),
          '/etc/helm-cascade/kubeconfig': volumeOf(join(own, 'kubeconfig'), { config: o.kubeconfig ?? readFileSync(kubeconfig, 'utf8') }),
          '/etc/helm-cascade/upload': volumeOf(join(own, 'upload'), { curlrc: `user = "${DAV_USER}:${DAV_PASSWORD}"\n` }),
          '/usr/local/bin': bin,
        },
        secrets: secrets(),
        labels: { 'job-name': jobName },
        env: { PATH: `${bin}:/usr/bin:/bin`, ...(index === undefined ? {} : { JOB_COMPLETION_INDEX: String(index) }) },
      };
    }
    const davGet = async (path: string) => {
      const res = await fetch(`${dav.url}${path}`, { headers: { authorization: `Basic ${Buffer.from(`${DAV_USER}:${DAV_PASSWORD}`).toString('base64')}` } });
      return { status: res.status, text: await res.text() };
    };
    const runsOnPvc = () => readdirSync(pvc).filter((d) => d !== 'latest' && existsSync(join(pvc, d, '.helm-cascade-run'))).sort();
    const stateOf = (r: { units: { id: string; state: string }[] }) => Object.fromEntries(r.units.map((u) => [u.id, u.state]));
    let whole: DriftReport | undefined;

    before(async () => {
      [dav, gateway] = await Promise.all([startWebdav({ user: DAV_USER, password: DAV_PASSWORD }), startPushgateway()]);
      prometheus = await startPrometheus(gateway.url);
      // the deploy repository (the ConfigMap's files), nothing applied from it: every release is pending.
      // Its releases go to namespaces of this test's own (edge-<suffix>): what another test deployed
      // from the example repository (the demo, a plugin test) on the shared fleet is never seen here.
      repo = tempDir('drift-chart-repo-');
      for (const p of ['clusters.yaml', 'releases', 'values', 'charts']) cpSync(join(ROOT, p), join(repo, p), { recursive: true });
      ownNamespaces(repo, `dc${process.pid.toString(36)}${Date.now().toString(36)}`);
      // the image's /usr/local/bin: helm, kubectl, helm-cascade (this checkout, on Node 24)
      bin = tempDir('drift-chart-bin-');
      // as in the image: helm (= helm3), helm3, helm4
      symlinkSync(helmBin(3), join(bin, 'helm'));
      symlinkSync(helmBin(3), join(bin, 'helm3'));
      symlinkSync(helmBin(4), join(bin, 'helm4'));
      symlinkSync(kubectlBin(), join(bin, 'kubectl'));
      symlinkSync(join(ROOT, 'bin', 'helm-cascade.js'), join(bin, 'helm-cascade'));
      symlinkSync(join(ROOT, 'node_modules', '.bin', 'node'), join(bin, 'node'));
    });
    after(async () => {
      await Promise.all([dav?.stop(), gateway?.stop(), prometheus?.stop()]);
    });

    // the scheduled runs with the first helm major under test, the Indexed variant with the last
    const majors = testHelmMajors();
    const helmFlag = (major: 3 | 4) => ['--set', `helm.bin=/usr/local/bin/helm${major}`];

    it(`three scheduled runs (helm ${majors[0]}): reports on the PVC, each uploaded to WebDAV, latest updated there and on the PVC, the last 2 kept`, async () => {
      const { container, scripts } = render(helmFlag(majors[0]!));
      for (const minutes of [SCHEDULED, SCHEDULED + 60, SCHEDULED + 120]) {
        const r = await runContainer(container, pod(scripts, `drift-helm-cascade-drift-${minutes}`));
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(r.out, new RegExp(`drift found \\(exit 2\\); reports in ${pvc}/${runOf(minutes)}`));
        assert.match(r.out, new RegExp(`uploaded ${runOf(minutes)}/drift\\.json`));
        assert.match(r.out, /uploaded latest\/drift\.html/);
        assert.ok(!(r.out + r.err).includes(DAV_PASSWORD) && !(r.out + r.err).includes(dav.url), 'a credential or the upload URL in the log');
      }
      const [second, third] = [runOf(SCHEDULED + 60), runOf(SCHEDULED + 120)];
      assert.deepEqual(runsOnPvc(), [second, third], 'retention: the last 2 runs stay');
      assert.equal(readlinkSync(join(pvc, 'latest')), third);
      const dir = join(pvc, third);
      assert.deepEqual(readdirSync(dir).filter((f) => !f.startsWith('.')).sort(), ['drift.html', 'drift.json', 'drift.md', 'drift.xml']);
      whole = JSON.parse(readFileSync(join(dir, 'drift.json'), 'utf8')) as DriftReport;
      assert.ok(whole.units.length > 0 && whole.units.every((u) => u.helmName === 'edge-gateway' && u.state === 'pending'), JSON.stringify(stateOf(whole)));
      assertValidJunit(readFileSync(join(dir, 'drift.xml'), 'utf8'));
      // metrics.textfile on the PVC: the same states as Prometheus text, read by a real parser
      const state = parsePrometheus(readFileSync(join(pvc, 'textfile', 'helm-cascade-drift.prom'), 'utf8')).find((f) => f.name === 'helm_cascade_release_state');
      assert.ok(state, 'no helm_cascade_release_state in the textfile');
      const on = state.metrics.filter((m) => m.value === '1').map((m) => `${m.labels?.cluster}/${m.labels?.helm_release}=${m.labels?.state}`).sort();
      assert.deepEqual(on, whole.units.map((u) => `${u.cluster}/${u.helmName}=${u.state}`).sort());
      assert.deepEqual(readdirSync(join(pvc, 'textfile')), ['helm-cascade-drift.prom'], 'a temporary file was left beside the textfile');
      // WebDAV holds every run (uploads are not pruned), and latest is the last run's matrix
      for (const r of [runOf(SCHEDULED), second, third]) for (const f of ['drift.json', 'drift.xml', 'drift.html', 'drift.md']) assert.equal((await davGet(`/drift/${r}/${f}`)).status, 200, `${r}/${f} not uploaded`);
      const latest = await davGet('/drift/latest/drift.html');
      assert.equal(latest.status, 200);
      assert.equal(latest.text, readFileSync(join(dir, 'drift.html'), 'utf8'));
      assert.match(latest.text, /edge-gateway/);
      const puts = dav.requests().filter((l) => l.startsWith('PUT '));
      assert.equal(puts.length, 15);
      assert.ok(puts.every((l) => l.endsWith(` 201 ${DAV_USER}`) || l.endsWith(` 204 ${DAV_USER}`)), puts.join('\n'));
    });

    it('the metrics reach a real Prometheus through the Pushgateway (no shared volume)', async () => {
      assert.ok(whole, 'needs the scheduled runs');
      const pending = whole.units.filter((u) => u.state === 'pending').length;
      await prometheus.waitFor('sum(helm_cascade_releases{state="pending",shard=""})', pending);
      await prometheus.waitFor('count(helm_cascade_release_state{helm_release="edge-gateway",state="pending"} == 1)', pending);
      assert.equal(await prometheus.query('sum(helm_cascade_cluster_readable)'), 4);
    });

    it(`the Indexed Job variant (helm ${majors.at(-1)}): rendered with shards.count=2, its container run for both indexes; shard reports apart, merged they are the whole run`, async () => {
      const { container, job, scripts } = render(['--set', 'shards.count=2', ...helmFlag(majors.at(-1)!)]);
      assert.deepEqual([job.completionMode, job.completions, job.parallelism], ['Indexed', 2, 2]);
      const minutes = SCHEDULED + 180;
      const jobName = `drift-helm-cascade-drift-${minutes}`;
      const results = await Promise.all([0, 1].map((i) => runContainer(container, pod(scripts, jobName, i))));
      for (const r of results) assert.equal(r.code, 0, r.out + r.err);
      const runDir = join(pvc, runOf(minutes));
      assert.deepEqual(readdirSync(runDir).sort(), ['.helm-cascade-run', 'shard-1-of-2', 'shard-2-of-2']);
      const shards = [1, 2].map((i) => JSON.parse(readFileSync(join(runDir, `shard-${i}-of-2`, 'drift.json'), 'utf8')) as DriftReport);
      assert.deepEqual(shards.map((r) => r.shard), [{ index: 1, count: 2 }, { index: 2, count: 2 }]);
      const clusters = shards.map((r) => r.clusters.map((c) => c.name));
      assert.equal(clusters.flat().length, 4);
      assert.equal(new Set(clusters.flat()).size, 4, `a cluster in both shards: ${JSON.stringify(clusters)}`);
      assert.ok(clusters.every((c) => c.length > 0), JSON.stringify(clusters));
      assert.ok(clusters.some((c) => c.includes('onprem-paris') && c.includes('gke-europe-west1')), 'a failover pair split across shards');
      // merged (helm-cascade report's merge, next phase): the same judgement as the unsharded run
      assert.ok(whole);
      const merged = mergeDriftReports(shards, { clusterOrder: whole.clusters.map((c) => c.name) });
      assert.deepEqual(stateOf(merged), stateOf(whole));
      assert.deepEqual(merged.summary, whole.summary);
      assert.deepEqual(merged.clusters, whole.clusters);
      // uploaded apart, each shard's matrix as latest/shard-i-of-2/
      for (const i of [1, 2]) {
        assert.equal((await davGet(`/drift/${runOf(minutes)}/shard-${i}-of-2/drift.json`)).status, 200);
        assert.equal((await davGet(`/drift/latest/shard-${i}-of-2/drift.html`)).text, readFileSync(join(runDir, `shard-${i}-of-2`, 'drift.html'), 'utf8'));
      }
      // pushed as two groups, one per shard: together the whole run
      await prometheus.waitFor('count(count by (shard) (helm_cascade_releases{shard=~".+"}))', 2);
      await prometheus.waitFor('sum(helm_cascade_releases{state="pending",shard=~".+"})', whole.summary.pending);
      // the retention of each shard kept the last 2 runs: this one and the third scheduled one
      assert.deepEqual(runsOnPvc(), [runOf(SCHEDULED + 120), runOf(minutes)]);
    });

    it('GKE: users that run gke-gcloud-auth-plugin --use_application_default_credentials, the token from the metadata server (as Workload Identity serves it)', async () => {
      // the fleet's dc-paris, with a GKE-style user: no token in the kubeconfig, the real plugin asks the metadata server
      type Kubeconfig = { clusters: { name: string }[]; contexts: { name: string; context: { cluster: string; user: string } }[]; users: { name: string; user: { token?: string } }[] };
      const fleet = parseYaml(readFileSync(kubeconfig, 'utf8')) as Kubeconfig;
      const ctx = fleet.contexts.find((c) => c.name === CONTEXT)!;
      const token = fleet.users.find((u) => u.name === ctx.context.user)?.user.token;
      assert.ok(token, 'the fleet user has no token');
      const gke = stringifyYaml({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: fleet.clusters.filter((c) => c.name === ctx.context.cluster),
        contexts: [{ name: CONTEXT, context: { cluster: ctx.context.cluster, user: 'gke-workload-identity' } }],
        'current-context': CONTEXT,
        users: [{ name: 'gke-workload-identity', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'gke-gcloud-auth-plugin', args: ['--use_application_default_credentials'], provideClusterInfo: true, interactiveMode: 'Never', installHint: 'the helm-cascade image has gke-gcloud-auth-plugin' } } }],
      });
      // the metadata server a GKE pod with Workload Identity reaches (here on 127.0.0.1, named by GCE_METADATA_HOST)
      const asked: string[] = [];
      const meta = createServer((req, res) => {
        asked.push(req.url ?? '');
        if (req.headers['metadata-flavor'] !== 'Google') return void res.writeHead(403).end();
        if (req.url?.startsWith('/computeMetadata/v1/instance/service-accounts/default/token')) return void res.writeHead(200, { 'content-type': 'application/json', 'metadata-flavor': 'Google' }).end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
        if (req.url?.startsWith('/computeMetadata/v1/project/project-id')) return void res.writeHead(200, { 'metadata-flavor': 'Google' }).end('demo-project');
        res.writeHead(404, { 'metadata-flavor': 'Google' }).end();
      });
      await new Promise<void>((resolve) => meta.listen(0, '127.0.0.1', resolve));
      try {
        const host = `127.0.0.1:${(meta.address() as AddressInfo).port}`;
        const { container, scripts } = render(['--set', 'drift.selector=cluster=onprem-paris', '--set', 'drift.env[0].name=GCE_METADATA_HOST', '--set', `drift.env[0].value=${host}`]);
        const reports = tempDir('drift-chart-gke-');
        const r = await runContainer(container, pod(scripts, `drift-helm-cascade-drift-${SCHEDULED}`, undefined, { reports, kubeconfig: gke }));
        assert.equal(r.code, 0, r.out + r.err);
        const report = JSON.parse(readFileSync(join(reports, runOf(SCHEDULED), 'drift.json'), 'utf8')) as DriftReport;
        assert.deepEqual(report.clusters, [{ name: 'onprem-paris', readable: true }]);
        assert.ok(report.units.length > 0 && report.units.every((u) => u.cluster === 'onprem-paris'));
        assert.ok(asked.some((u) => u.startsWith('/computeMetadata/v1/instance/service-accounts/default/token')), `the plugin asked no token: ${asked.join(' ')}`);
        assert.ok(!(r.out + r.err).includes(token), 'the token in the log');
      } finally {
        meta.close();
      }
    });
  });

  it('Helm 3: the Indexed Job variant installs; a Job from it completes with one pod per index', () => {
    const r = helm(3, ['install', 'drift-shards', CHART, ...BASE, '--set', 'repository.configMap.name=deploy-repo', '--set', 'suspend=true', '--set', 'shards.count=2']);
    assert.equal(r.code, 0, r.err);
    const job = 'drift-shards-manual';
    assert.equal(kubectl(['create', 'job', '--from=cronjob/drift-shards-helm-cascade-drift', job]).code, 0);
    const wait = kubectl(['wait', '--for=condition=complete', `job/${job}`, '--timeout=120s']);
    assert.equal(wait.code, 0, `${wait.out}${wait.err}\n${kubectl(['describe', 'job', job]).out}`);
    const spec = json<{ spec: { completionMode: string; completions: number } }>(['get', 'job', job]);
    assert.deepEqual([spec.spec.completionMode, spec.spec.completions], ['Indexed', 2]);
    const pods = json<{ items: { metadata: { annotations: Record<string, string> }; spec: PodSpec; status: { phase: string } }[] }>(['get', 'pods', '-l', `job-name=${job}`]);
    assert.deepEqual(pods.items.map((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']).sort(), ['0', '1']);
    for (const p of pods.items) {
      assert.equal(p.status.phase, 'Succeeded');
      const env = p.spec.containers[0]?.env ?? [];
      assert.equal(env.find((e) => e.name === 'SHARDS')?.value, '2');
      assert.ok(env.some((e) => e.name === 'JOB_COMPLETION_INDEX'), 'Kubernetes set no JOB_COMPLETION_INDEX');
    }
  });
});
