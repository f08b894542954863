// deploy/helm-cascade-drift without a cluster, with the real Helm 3 and Helm 4:
// lint, the schema refusing bad values, the rendered Job pod spec (user,
// mounts, args, the reports volume, registry and repository credentials,
// upload), and the chart's two scripts run for real: clone.sh with git (and
// the ssh command git runs), drift.sh around a stand-in helm-cascade (exit
// codes, report folders, pruning, uploads to a local HTTP server).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { HELM, PKG, ROOT, run, runAsync, scratch } from './support/ship.ts';

const CHART = join(ROOT, 'deploy', 'helm-cascade-drift');
const BASE = ['--set', 'repository.git.url=https://git.example.com/platform/deploy.git', '--set', 'kubeconfig.secretName=fleet-kubeconfig'];

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  workingDir?: string;
}
interface Volume {
  name: string;
  emptyDir?: object;
  persistentVolumeClaim?: { claimName: string };
  secret?: { secretName: string; items?: { key: string; path: string }[]; defaultMode?: number };
  configMap?: { name: string };
}
interface PodSpec {
  securityContext: { runAsUser: number; runAsGroup: number; runAsNonRoot: boolean; fsGroup: number };
  initContainers?: Container[];
  containers: Container[];
  volumes: Volume[];
}
interface Doc {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: { jobTemplate?: { spec: { completionMode?: string; completions?: number; parallelism?: number; template: { spec: PodSpec } } } };
  data?: Record<string, string>;
}

function template(major: 3 | 4, ...args: string[]): Doc[] {
  const r = run(HELM[major], ['template', 'drift', CHART, ...BASE, ...args]);
  assert.equal(r.code, 0, r.err);
  // YAML 1.1, as the API server reads it (defaultMode: 0440 is octal)
  return parseAllDocuments(r.out, { version: '1.1' }).map((d) => d.toJS() as Doc).filter(Boolean);
}
function pod(docs: Doc[]): PodSpec {
  const cj = docs.find((d) => d.kind === 'CronJob');
  assert.ok(cj?.spec?.jobTemplate);
  return cj.spec.jobTemplate.spec.template.spec;
}
const mounts = (c: Container) => Object.fromEntries(c.volumeMounts.map((m) => [m.name, m.mountPath]));
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
const vol = (p: PodSpec, name: string) => p.volumes.find((v) => v.name === name);

for (const major of [3, 4] as const) {
  describe(`drift chart with Helm ${major}`, () => {
    it('lints (strict) and refuses to render without a repository or a kubeconfig', () => {
      const lint = run(HELM[major], ['lint', '--strict', CHART, ...BASE]);
      assert.equal(lint.code, 0, lint.out + lint.err);
      const noRepo = run(HELM[major], ['template', 'x', CHART, '--set', 'kubeconfig.secretName=k']);
      assert.notEqual(noRepo.code, 0);
      assert.match(noRepo.err, /repository\.git\.url .* or repository\.configMap\.name/);
      const noKube = run(HELM[major], ['template', 'x', CHART, '--set', 'repository.git.url=u']);
      assert.match(noKube.err, /set kubeconfig\.secretName .* or inCluster\.cluster/);
    });

    it('values.schema.json refuses bad values, naming each', () => {
      const r = run(HELM[major], ['template', 'x', CHART, ...BASE, '--set', 'drift.exitZeroOnDrift=maybe', '--set', 'reports.formats[0]=pdf', '--set', 'reports.upload.method=DELETE', '--set', 'drift.concurrency=0', '--set', 'imageTag=1']);
      assert.notEqual(r.code, 0);
      for (const bad of ['exitZeroOnDrift', 'formats', 'method', 'concurrency', 'imageTag']) assert.match(r.err, new RegExp(bad), `${bad} not refused:\n${r.err}`);
      const lint = run(HELM[major], ['lint', CHART, ...BASE, '--set', 'schedule=5']);
      assert.notEqual(lint.code, 0, 'lint accepts a number as schedule');
    });

    it('the Job: the helm-cascade image, uid 65532, tini + drift.sh, the reports emptyDir, concurrency from the memory limit', () => {
      const p = pod(template(major));
      assert.deepEqual(p.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } } as unknown as PodSpec['securityContext']);
      const drift = p.containers[0];
      assert.ok(drift);
      assert.equal(drift.image, `ghcr.io/helm-cascade/helm-cascade:${PKG.version}`);
      assert.match(readFileSync(join(ROOT, 'deploy', 'image', 'build.sh'), 'utf8'), /^tag="ghcr\.io\/helm-cascade\/helm-cascade:\$version"/m, 'the chart pulls another image than build.sh tags');
      assert.deepEqual(drift.command, ['/usr/bin/tini', '--', '/bin/sh', '/etc/helm-cascade/scripts/drift.sh']);
      assert.deepEqual(drift.args, ['--clusters=/repo/checkout/clusters.yaml', '--kubeconfig=/etc/helm-cascade/kubeconfig/config', '--concurrency=5']);
      assert.equal(drift.workingDir, '/repo/checkout');
      assert.equal(drift.securityContext?.readOnlyRootFilesystem, true);
      assert.deepEqual(mounts(drift), { repo: '/repo', tmp: '/tmp', reports: '/reports', scripts: '/etc/helm-cascade/scripts', kubeconfig: '/etc/helm-cascade/kubeconfig' });
      assert.ok(vol(p, 'reports')?.emptyDir, 'reports is not an emptyDir');
      const env = envOf(drift);
      assert.equal(env.REPORTS_DIR, '/reports');
      assert.equal(env.REPORT_FORMATS, 'json junit html markdown');
      assert.equal(env.EXIT_ZERO_ON_DRIFT, 'true');
      assert.equal(env.HELM_BIN, '/usr/local/bin/helm');
      assert.equal(env.HOME, '/tmp/home');
      // the clone runs in the same image: git, ssh, and uid 65532 in its /etc/passwd
      const clone = p.initContainers?.[0];
      assert.equal(clone?.image, drift.image);
      assert.deepEqual(clone?.command, ['/bin/sh', '/etc/helm-cascade/scripts/clone.sh']);
      // smaller limit, fewer helm processes; an explicit value wins
      assert.ok(pod(template(major, '--set', 'resources.limits.memory=512Mi')).containers[0]?.args?.includes('--concurrency=1'));
      assert.ok(pod(template(major, '--set', 'resources.limits.memory=2Gi')).containers[0]?.args?.includes('--concurrency=13'));
      assert.ok(pod(template(major, '--set', 'drift.concurrency=3')).containers[0]?.args?.includes('--concurrency=3'));
    });

    it('reports on a PVC (made, or an existing claim), uploaded with a curl config from a Secret', () => {
      const docs = template(major, '--set', 'reports.persistence.enabled=true', '--set', 'reports.upload.url=https://artifacts.example.com/drift/{run}/{file}', '--set', 'reports.upload.curlConfigSecret.name=upload-auth', '--set', 'drift.exitZeroOnDrift=false');
      const pvc = docs.find((d) => d.kind === 'PersistentVolumeClaim');
      assert.equal(pvc?.metadata.name, 'drift-helm-cascade-drift-reports');
      assert.equal(pvc?.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
      const p = pod(docs);
      assert.equal(vol(p, 'reports')?.persistentVolumeClaim?.claimName, 'drift-helm-cascade-drift-reports');
      const drift = p.containers[0]!;
      const env = envOf(drift);
      assert.equal(env.UPLOAD_URL, 'https://artifacts.example.com/drift/{run}/{file}');
      assert.equal(env.UPLOAD_METHOD, 'PUT');
      assert.equal(env.CURL_CONFIG, '/etc/helm-cascade/upload/curlrc');
      assert.equal(env.EXIT_ZERO_ON_DRIFT, 'false');
      assert.equal(mounts(drift)['upload-config'], '/etc/helm-cascade/upload');
      assert.equal(vol(p, 'upload-config')?.secret?.secretName, 'upload-auth');
      const existing = template(major, '--set', 'reports.persistence.enabled=true', '--set', 'reports.persistence.existingClaim=drift-history', '--set', 'reports.upload.urlSecret.name=presigned');
      assert.equal(existing.find((d) => d.kind === 'PersistentVolumeClaim'), undefined);
      assert.equal(vol(pod(existing), 'reports')?.persistentVolumeClaim?.claimName, 'drift-history');
      assert.deepEqual(envOf(pod(existing).containers[0]!).UPLOAD_URL, { secretKeyRef: { name: 'presigned', key: 'url' } });
    });

    it('shards: an Indexed Job of shards.count pods with SHARDS and the Job\'s name; keepDays; the latest page\'s URL from a Secret', () => {
      const docs = template(major, '--set', 'shards.count=4', '--set', 'shards.parallelism=2', '--set', 'reports.keepDays=14', '--set', 'reports.upload.url=https://dav.example.com/drift', '--set', 'reports.upload.latestUrlSecret.name=latest-url');
      const job = docs.find((d) => d.kind === 'CronJob')?.spec?.jobTemplate?.spec;
      assert.deepEqual([job?.completionMode, job?.completions, job?.parallelism], ['Indexed', 4, 2]);
      const env = envOf(pod(docs).containers[0]!);
      assert.equal(env.SHARDS, '4');
      assert.deepEqual(env.JOB_NAME, { fieldRef: { fieldPath: "metadata.labels['job-name']" } });
      assert.equal(env.REPORTS_KEEP_DAYS, '14');
      assert.equal(env.UPLOAD_LATEST, 'true');
      assert.deepEqual(env.UPLOAD_LATEST_URL, { secretKeyRef: { name: 'latest-url', key: 'url' } });
      // all shards at once by default; one pod, no Indexed Job, without shards
      assert.equal(docs.length > 0 && template(major, '--set', 'shards.count=3').find((d) => d.kind === 'CronJob')?.spec?.jobTemplate?.spec.parallelism, 3);
      const single = template(major);
      assert.equal(single.find((d) => d.kind === 'CronJob')?.spec?.jobTemplate?.spec.completionMode, undefined);
      assert.equal(envOf(pod(single).containers[0]!).SHARDS, undefined);
      assert.equal(envOf(pod(single).containers[0]!).UPLOAD_LATEST, undefined, 'nothing to upload, no upload env');
      const bad = run(HELM[major], ['template', 'x', CHART, ...BASE, '--set', 'shards.count=0', '--set', 'reports.keepDays=-1']);
      assert.notEqual(bad.code, 0);
      for (const v of ['count', 'keepDays']) assert.match(bad.err, new RegExp(v), `${v} not refused:\n${bad.err}`);
    });

    it('registry logins and a repositories.yaml are mounted where helm reads them', () => {
      const p = pod(template(major, '--set', 'helm.registryConfigSecret=regcred', '--set', 'helm.repositoriesSecret=helm-repos', '--set', 'helm.bin=/usr/local/bin/helm4'));
      const drift = p.containers[0]!;
      const env = envOf(drift);
      assert.equal(env.HELM_REGISTRY_CONFIG, '/etc/helm-cascade/registry/config.json');
      assert.equal(env.HELM_REPOSITORY_CONFIG, '/etc/helm-cascade/helm-repositories/repositories.yaml');
      assert.equal(env.HELM_BIN, '/usr/local/bin/helm4');
      assert.deepEqual(vol(p, 'registry-config')?.secret, { secretName: 'regcred', defaultMode: 0o440, items: [{ key: '.dockerconfigjson', path: 'config.json' }] });
      assert.deepEqual(vol(p, 'helm-repositories')?.secret?.items, [{ key: 'repositories.yaml', path: 'repositories.yaml' }]);
      assert.equal(mounts(drift)['registry-config'], '/etc/helm-cascade/registry');
    });

    it('metrics: a node-exporter textfile on the reports volume, a Pushgateway URL (or its Secret); bad ones refused', () => {
      const drift = pod(template(major, '--set', 'metrics.textfile=textfile/helm-cascade-drift.prom', '--set', 'metrics.pushgateway.url=http://pushgateway.monitoring:9091')).containers[0]!;
      const env = envOf(drift);
      assert.equal(env.METRICS_TEXTFILE, '/reports/textfile/helm-cascade-drift.prom');
      assert.equal(env.HELM_CASCADE_PUSHGATEWAY_URL, 'http://pushgateway.monitoring:9091');
      const fromSecret = envOf(pod(template(major, '--set', 'metrics.pushgateway.urlSecret.name=pushgateway')).containers[0]!);
      assert.deepEqual(fromSecret.HELM_CASCADE_PUSHGATEWAY_URL, { secretKeyRef: { name: 'pushgateway', key: 'url' } });
      assert.equal(fromSecret.METRICS_TEXTFILE, undefined);
      const none = envOf(pod(template(major)).containers[0]!);
      assert.equal(none.METRICS_TEXTFILE, undefined);
      assert.equal(none.HELM_CASCADE_PUSHGATEWAY_URL, undefined);
      const bad = run(HELM[major], ['template', 'x', CHART, ...BASE, '--set', 'metrics.textfile=../etc/x.txt', '--set', 'metrics.pushgateway.url=pushgateway:9091']);
      assert.notEqual(bad.code, 0);
      // Helm 3 names a value metrics.textfile, Helm 4 /metrics/textfile
      for (const path of ['metrics.textfile', 'metrics.pushgateway.url']) {
        const named = major === 3 ? `- ${path}: Does not match pattern` : `- at '/${path.replaceAll('.', '/')}': `;
        assert.ok(bad.err.includes(named), `${path} not refused:\n${bad.err}`);
      }
    });

    it('sshSecret: the key, known_hosts and the clone script are mounted; the webhook stays in its Secret', () => {
      const docs = template(major, '--set', 'repository.git.url=git@git.example.com:platform/deploy.git', '--set', 'repository.git.sshSecret=deploy-key', '--set', 'notify.secretName=hook');
      const p = pod(docs);
      const clone = p.initContainers?.[0];
      assert.ok(clone);
      assert.equal(envOf(clone).GIT_SSH_DIR, '/etc/helm-cascade/git-ssh');
      assert.equal(mounts(clone)['git-ssh'], '/etc/helm-cascade/git-ssh');
      assert.deepEqual(vol(p, 'git-ssh')?.secret, { secretName: 'deploy-key', defaultMode: 0o440 });
      assert.ok(p.containers[0]?.args?.includes('--notify=$(HELM_CASCADE_NOTIFY_URL)'));
      const scripts = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name.endsWith('-scripts'));
      assert.deepEqual(Object.keys(scripts?.data ?? {}).sort(), ['clone.sh', 'drift.sh']);
      assert.equal(scripts?.data?.['drift.sh'], readFileSync(join(CHART, 'files', 'drift.sh'), 'utf8'));
    });
  });
}

describe('clone.sh (the clone initContainer) with git', () => {
  const script = join(CHART, 'files', 'clone.sh');
  let origin = '';
  before(() => {
    origin = scratch('origin');
    const git = (...a: string[]) => assert.equal(run('git', ['-C', origin, ...a], { env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).code, 0);
    git('init', '-q', '-b', 'release');
    writeFileSync(join(origin, 'clusters.yaml'), 'clusters: {}\n');
    git('add', '.');
    git('commit', '-qm', 'deploy repo');
  });

  it('clones the branch into CLONE_DIR', () => {
    const dest = join(scratch('clone'), 'checkout');
    const r = run('sh', [script], { env: { PATH: process.env.PATH, HOME: scratch('home'), GIT_URL: `file://${origin}`, GIT_REF: 'release', GIT_DEPTH: '1', CLONE_DIR: dest } });
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(join(dest, 'clusters.yaml')));
  });

  it('over ssh, git runs ssh with the key (-i), IdentitiesOnly and the known_hosts file', () => {
    const bin = scratch('fake-ssh');
    const log = join(bin, 'ssh.log');
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${log}\nexit 1\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    const keys = scratch('git-ssh');
    writeFileSync(join(keys, 'ssh-privatekey'), 'not a key');
    const tmp = scratch('tmp');
    const env = { PATH: `${bin}:${process.env.PATH}`, HOME: scratch('home'), TMPDIR: tmp, GIT_URL: 'git@git.example.invalid:platform/deploy.git', GIT_REF: 'main', GIT_DEPTH: '1', GIT_SSH_DIR: keys, CLONE_DIR: join(tmp, 'checkout') };
    assert.notEqual(run('sh', [script], { env }).code, 0);
    let args = readFileSync(log, 'utf8').split('\n');
    for (const a of ['-i', `${keys}/ssh-privatekey`, 'IdentitiesOnly=yes', `UserKnownHostsFile=${tmp}/known_hosts`, 'StrictHostKeyChecking=accept-new', 'git@git.example.invalid']) assert.ok(args.includes(a), `${a} not in ssh's argv: ${args.join(' ')}`);
    // known_hosts in the Secret: checked strictly
    writeFileSync(join(keys, 'known_hosts'), 'git.example.invalid ssh-ed25519 AAAA\n');
    run('sh', [script], { env });
    args = readFileSync(log, 'utf8').split('\n');
    assert.ok(args.includes(`UserKnownHostsFile=${keys}/known_hosts`) && args.includes('StrictHostKeyChecking=yes'), args.join(' '));
  });
});

describe('drift.sh (the drift container) around helm-cascade', () => {
  const script = join(CHART, 'files', 'drift.sh');
  let fakeBin = '';
  const received: { method: string; url: string; body: string; auth?: string }[] = [];
  let server: ReturnType<typeof createServer>;
  let base = '';
  before(async () => {
    // a stand-in helm-cascade: writes every file --format names, exits $FAKE_RC
    fakeBin = scratch('fake-cascade');
    writeFileSync(join(fakeBin, 'helm-cascade'), `#!/bin/sh
[ "$1" = drift ] || exit 64
printf '%s\\n' "$@" > "$FAKE_ARGS"
formats=$(printf '%s\\n' "$@" | sed -n '/^--format$/{n;p;}')
for spec in $(printf '%s' "$formats" | tr ',' ' '); do
  case $spec in *=*) mkdir -p "$(dirname "\${spec#*=}")"; echo "report \${spec%%=*}" > "\${spec#*=}" ;; esac
done
echo "drift text report"
exit "$FAKE_RC"
`);
    chmodSync(join(fakeBin, 'helm-cascade'), 0o755);
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', body, auth: req.headers.authorization });
        res.writeHead(req.url?.includes('fail') ? 500 : 201).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const drift = async (rc: number, extra: Record<string, string> = {}) => {
    const reports = extra.REPORTS_DIR ?? scratch('reports');
    const argsFile = join(scratch('args'), 'args');
    const r = await runAsync('sh', [script, '--clusters=/repo/clusters.yaml', '--concurrency=5'], {
      env: { PATH: `${fakeBin}:${process.env.PATH}`, REPORTS_DIR: reports, REPORT_FORMATS: 'json junit html markdown', REPORTS_KEEP: '3', FAKE_RC: String(rc), FAKE_ARGS: argsFile, ...extra },
    });
    return { ...r, reports, args: existsSync(argsFile) ? readFileSync(argsFile, 'utf8').trim().split('\n') : [] };
  };
  const runsIn = (reports: string) => readdirSync(reports).filter((d) => d !== 'latest' && existsSync(join(reports, d, '.helm-cascade-run'))).sort();

  it('writes this run\'s reports to /reports/<run>/ and latest, with the chart\'s flags passed on', async () => {
    const r = await drift(0);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /drift text report/);
    const runs = runsIn(r.reports);
    assert.equal(runs.length, 1);
    assert.match(runs[0]!, /^\d{8}T\d{6}Z$/);
    const dir = join(r.reports, runs[0]!);
    assert.deepEqual(readdirSync(dir).sort(), ['.helm-cascade-run', 'drift.html', 'drift.json', 'drift.md', 'drift.xml']);
    assert.equal(readlinkSync(join(r.reports, 'latest')), runs[0]);
    assert.deepEqual(r.args, ['drift', '--format', `text,json=${dir}/drift.json,junit=${dir}/drift.xml,html=${dir}/drift.html,markdown=${dir}/drift.md`, '--clusters=/repo/clusters.yaml', '--concurrency=5']);
  });

  it('the run is the time the CronJob scheduled the Job (its name says it), else the manual Job\'s name when sharded, else now', async () => {
    // 29411160 minutes since the epoch: 2025-12-02T10:00:00Z
    const scheduled = await drift(0, { JOB_NAME: 'drift-helm-cascade-drift-29411160' });
    assert.deepEqual(runsIn(scheduled.reports), ['20251202T100000Z']);
    const manual = await drift(0, { JOB_NAME: 'drift-manual', SHARDS: '2', JOB_COMPLETION_INDEX: '0' });
    assert.deepEqual(runsIn(manual.reports), ['drift-manual']);
    const single = await drift(0, { JOB_NAME: 'drift-manual' });
    assert.match(runsIn(single.reports)[0] ?? '', /^\d{8}T\d{6}Z$/);
  });

  it('sharded (an Indexed Job): --shard i/n from JOB_COMPLETION_INDEX, each shard\'s reports and textfile apart, one run folder', async () => {
    const reports = scratch('reports-shards');
    const textfile = join(reports, 'textfile', 'helm-cascade-drift.prom');
    const env = { REPORTS_DIR: reports, JOB_NAME: 'drift-helm-cascade-drift-29411160', SHARDS: '2', METRICS_TEXTFILE: textfile };
    const one = await drift(0, { ...env, JOB_COMPLETION_INDEX: '0' });
    const two = await drift(2, { ...env, JOB_COMPLETION_INDEX: '1', EXIT_ZERO_ON_DRIFT: 'true' });
    assert.equal(one.code, 0, one.err);
    assert.equal(two.code, 0, two.err);
    assert.deepEqual(one.args.slice(0, 3), ['drift', '--format', one.args[2]!]);
    assert.ok(one.args.includes('--shard') && one.args[one.args.indexOf('--shard') + 1] === '1/2', one.args.join(' '));
    assert.equal(two.args[two.args.indexOf('--shard') + 1], '2/2');
    assert.deepEqual(runsIn(reports), ['20251202T100000Z']);
    const run = join(reports, '20251202T100000Z');
    assert.deepEqual(readdirSync(run).sort(), ['.helm-cascade-run', 'shard-1-of-2', 'shard-2-of-2']);
    for (const s of ['shard-1-of-2', 'shard-2-of-2']) assert.deepEqual(readdirSync(join(run, s)).sort(), ['drift.html', 'drift.json', 'drift.md', 'drift.xml']);
    assert.deepEqual(readdirSync(join(reports, 'textfile')).sort(), ['helm-cascade-drift-shard-1-of-2.prom', 'helm-cascade-drift-shard-2-of-2.prom']);
    assert.equal(readlinkSync(join(reports, 'latest')), '20251202T100000Z');
    const lost = await drift(0, { REPORTS_DIR: scratch('reports-noindex'), SHARDS: '2' });
    assert.equal(lost.code, 4);
    assert.match(lost.err, /no JOB_COMPLETION_INDEX: run it as an Indexed Job/);
  });

  it('drift found (2): exit 0 with EXIT_ZERO_ON_DRIFT=true, 2 without; 5 and 1 always fail the Job', async () => {
    assert.equal((await drift(2, { EXIT_ZERO_ON_DRIFT: 'true' })).code, 0);
    assert.equal((await drift(2, { EXIT_ZERO_ON_DRIFT: 'false' })).code, 2);
    assert.equal((await drift(2)).code, 2);
    assert.equal((await drift(5, { EXIT_ZERO_ON_DRIFT: 'true' })).code, 5);
    assert.equal((await drift(1, { EXIT_ZERO_ON_DRIFT: 'true' })).code, 1);
  });

  it('METRICS_TEXTFILE: the prometheus format is also written to that fixed path', async () => {
    const textfile = join(scratch('textfile'), 'helm-cascade-drift.prom');
    const r = await drift(2, { EXIT_ZERO_ON_DRIFT: 'true', METRICS_TEXTFILE: textfile });
    assert.equal(r.code, 0, r.err);
    assert.ok(r.args[2]?.endsWith(`/drift.md,prometheus=${textfile}`), r.args.join(' '));
    assert.equal(readFileSync(textfile, 'utf8'), 'report prometheus\n');
  });

  it('keeps the last REPORTS_KEEP runs and none older than REPORTS_KEEP_DAYS; the rest of the volume untouched', async () => {
    const reports = scratch('reports-keep');
    const old = ['20260101T000000Z', '20260102T000000Z', '20260103T000000Z', '20260104T000000Z'];
    old.forEach((d, i) => {
      mkdirSync(join(reports, d));
      writeFileSync(join(reports, d, '.helm-cascade-run'), '');
      const t = new Date(Date.UTC(2026, 0, 1 + i));
      utimesSync(join(reports, d, '.helm-cascade-run'), t, t);
    });
    mkdirSync(join(reports, 'textfile'));
    writeFileSync(join(reports, 'textfile', 'helm-cascade-drift.prom'), 'x 1\n');
    symlinkSync('20260104T000000Z', join(reports, 'latest'));
    const r = await drift(0, { REPORTS_DIR: reports });
    assert.equal(r.code, 0, r.err);
    const runs = runsIn(reports);
    assert.equal(runs.length, 3, runs.join(' '));
    assert.ok(runs.includes('20260104T000000Z') && runs.includes('20260103T000000Z'), runs.join(' '));
    assert.match(r.out, /removed run 20260102T000000Z \(keep 3\)/);
    assert.ok(existsSync(join(reports, 'textfile', 'helm-cascade-drift.prom')), 'a file that is no run was removed');
    const current = runs.find((d) => !old.includes(d));
    assert.ok(current, runs.join(' '));
    assert.equal(readlinkSync(join(reports, 'latest')), current);
    // an age limit: the two 2026-01 runs are older than a day here; this run and a fresh one stay
    mkdirSync(join(reports, 'fresh'));
    writeFileSync(join(reports, 'fresh', '.helm-cascade-run'), '');
    const aged = await drift(0, { REPORTS_DIR: reports, REPORTS_KEEP: '0', REPORTS_KEEP_DAYS: '1', RUN_ID: 'second' });
    assert.equal(aged.code, 0, aged.err);
    const left = runsIn(reports);
    assert.ok(!left.some((d) => old.includes(d)), left.join(' '));
    assert.deepEqual(left, [current, 'fresh', 'second'].sort());
    assert.match(aged.out, /removed run 20260103T000000Z \(older than 1 days\)/);
  });

  it('uploads each report with curl (PUT, the curl config\'s header), then the HTML matrix as the latest page; a failed upload fails the Job', async () => {
    received.length = 0;
    const cfg = join(scratch('curlrc'), 'curlrc');
    writeFileSync(cfg, 'header = "Authorization: Bearer s3cr3t"\n');
    const r = await drift(2, { EXIT_ZERO_ON_DRIFT: 'true', UPLOAD_URL: `${base}/drift/{run}/{file}`, UPLOAD_METHOD: 'PUT', CURL_CONFIG: cfg });
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(received.length, 5);
    for (const u of received.slice(0, 4)) {
      assert.equal(u.method, 'PUT');
      assert.match(u.url, /^\/drift\/\d{8}T\d{6}Z\/drift\.(json|xml|html|md)$/);
      assert.match(u.body, /^report (json|junit|html|markdown)\n$/);
      assert.equal(u.auth, 'Bearer s3cr3t');
    }
    assert.deepEqual([received[4]?.url, received[4]?.body, received[4]?.auth], ['/drift/latest/drift.html', 'report html\n', 'Bearer s3cr3t']);
    assert.ok(!`${r.out}${r.err}`.includes(base), 'an upload URL was printed');
    received.length = 0;
    const post = await drift(0, { UPLOAD_URL: `${base}/in`, UPLOAD_METHOD: 'POST', UPLOAD_LATEST: 'false' });
    assert.equal(post.code, 0);
    assert.equal(received.length, 4);
    assert.ok(received.every((u) => u.method === 'POST' && /^\/in\/\d{8}T\d{6}Z\/drift\./.test(u.url)), JSON.stringify(received));
    const failed = await drift(2, { EXIT_ZERO_ON_DRIFT: 'true', UPLOAD_URL: `${base}/fail/{file}`, UPLOAD_RETRIES: '0' });
    assert.equal(failed.code, 1);
    assert.match(failed.err, /upload of \d{8}T\d{6}Z\/drift\.json failed/);
  });

  it('the latest page to its own URL (e.g. an S3 presigned one); sharded runs upload under shard-i-of-n/', async () => {
    received.length = 0;
    const fixed = await drift(0, { UPLOAD_LATEST_URL: `${base}/bucket/latest.html?X-Amz-Signature=abc` });
    assert.equal(fixed.code, 0, fixed.err);
    assert.deepEqual(received.map((u) => u.url), ['/bucket/latest.html?X-Amz-Signature=abc']);
    received.length = 0;
    const shard = await drift(0, { UPLOAD_URL: `${base}/drift`, JOB_NAME: 'drift-helm-cascade-drift-29411160', SHARDS: '3', JOB_COMPLETION_INDEX: '2' });
    assert.equal(shard.code, 0, shard.err);
    assert.deepEqual(received.map((u) => u.url).sort(), ['/drift/20251202T100000Z/shard-3-of-3/drift.html', '/drift/20251202T100000Z/shard-3-of-3/drift.json', '/drift/20251202T100000Z/shard-3-of-3/drift.md', '/drift/20251202T100000Z/shard-3-of-3/drift.xml', '/drift/latest/shard-3-of-3/drift.html']);
  });
});
