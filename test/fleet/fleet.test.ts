// The local fleet for real: two clusters (fixtures/clusters.yaml, fleet
// "fleet-test"), real helm 3 and helm 4, real kubectl. Brings the fleet up
// itself (on a fresh machine that first builds the control-plane binaries:
// 20+ minutes), and always takes it down at the end, checking nothing is left
// (its own fleet, never the shared default one: HELM_CASCADE_KEEP_FLEET does
// not apply here, and `down` is one of the things tested).
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FleetInfo } from '../../fleet/fleet-api.ts';
import { ensureFleet, fleetEnv, fleetStatus, stopFleet } from '../../fleet/fleet-api.ts';
import { BEHAVIOR_ANNOTATION, DEFAULT_RESTART_EVERY_MS, RESTART_EVERY_ANNOTATION } from '../../fleet/kwok-stages.ts';
import { fleetPaths, readState } from '../../fleet/layout.ts';
import { findOurs, portFree, processRunning } from '../../fleet/processes.ts';
import { helmBin, repoRoot } from '../../fleet/tools.ts';
import type { Deployment, List, Pod, ReplicaSet, Target } from './helpers.ts';
import { condition, helm, kubectl, kubectlJson, podinfoPods, podsOf, tinyPods, until, waitRolledOut } from './helpers.ts';

const FLEET = 'fleet-test';
const fixtures = join(repoRoot, 'test', 'fleet', 'fixtures');
const tiny = join(fixtures, 'charts', 'tiny');
// The real podinfo chart, vendored (fixtures/charts/README.md: source, version, licence).
const podinfo = join(fixtures, 'charts', 'podinfo');
// One namespace per run, so a kept fleet can be re-used.
const ns = `ft-${Date.now().toString(36)}`;

let fleet: FleetInfo;
let a: Target;
let b: Target;
const progress: string[] = [];

/** Escapes dots in a --set key. */
const setKey = (key: string) => key.replace(/\./g, '\\.');
const behave = (behavior: string, restartEvery?: string) => [
  '--set',
  `podAnnotations.${setKey(BEHAVIOR_ANNOTATION)}=${behavior}`,
  ...(restartEvery ? ['--set', `podAnnotations.${setKey(RESTART_EVERY_ANNOTATION)}=${restartEvery}`] : []),
];
const install = (major: 3 | 4, t: Target, release: string, chart: string, extra: string[] = []) =>
  helm(major, t, ['upgrade', '--install', release, chart, '-n', ns, '--create-namespace', ...extra]);

/** The single pod of a one-replica release, once it satisfies `ok`. */
async function podWhere(t: Target, selector: string, what: string, ok: (p: Pod) => boolean, timeoutMs = 120_000): Promise<Pod> {
  return until(`${selector}: ${what}`, timeoutMs, async () => {
    const pods = await podsOf(t, ns, selector);
    return pods.length === 1 && pods[0] && ok(pods[0]) ? pods[0] : undefined;
  });
}

before(async () => {
  fleet = await ensureFleet({
    clustersFile: join(fixtures, 'clusters.yaml'),
    name: FLEET,
    log: (line) => progress.push(line),
  });
  a = { kubeconfig: fleet.kubeconfig, context: 'fleet-test-a' };
  b = { kubeconfig: fleet.kubeconfig, context: 'fleet-test-b' };
});

after(async () => {
  await stopFleet(FLEET, { purge: true, log: () => {} });
});

describe('fleet up', () => {
  it('serves each context of the clusters file from the fleet kubeconfig', async () => {
    assert.deepEqual(fleet.contexts, ['fleet-test-a', 'fleet-test-b']);
    const contexts = (await kubectl(a, ['config', 'get-contexts', '-o', 'name'])).split('\n').sort();
    assert.deepEqual(contexts, ['fleet-test-a', 'fleet-test-b']);
    for (const t of [a, b]) {
      const version = await kubectlJson<{ serverVersion: { gitVersion: string } }>(t, ['version']);
      assert.match(version.serverVersion.gitVersion, /^v1\.\d+\.\d+$/, 'version-stamped apiserver');
      const nodes = await kubectlJson<{ items: Array<{ metadata: { name: string }; status: { conditions: Array<{ type: string; status: string }> } }> }>(t, [
        'get',
        'nodes',
      ]);
      assert.equal(nodes.items.length, 3);
      for (const n of nodes.items) assert.equal(n.status.conditions.find((c) => c.type === 'Ready')?.status, 'True', n.metadata.name);
    }
    // Two separate clusters, not one seen twice.
    const servers = new Set(fleet.clusters.map((c) => c.server));
    assert.equal(servers.size, 2);
    await kubectl(a, ['create', 'namespace', `${ns}-only-a`]);
    await assert.rejects(kubectl(b, ['get', 'namespace', `${ns}-only-a`]), /NotFound/);
  });

  it('is idempotent: a second up keeps every process', async () => {
    const before = JSON.stringify(readState(FLEET)?.clusters);
    const again = await ensureFleet({ clustersFile: join(fixtures, 'clusters.yaml'), name: FLEET, log: () => {} });
    assert.deepEqual(again.clusters, fleet.clusters);
    assert.equal(JSON.stringify(readState(FLEET)?.clusters), before);
  });

  it('prints env lines a shell can eval to reach the fleet with helm and kubectl', async () => {
    const text = fleetEnv(FLEET);
    assert.match(text, /^export KUBECONFIG=/m);
    assert.match(text, /^export HELM_BIN=/m);
    const script = `eval "$(${process.execPath} fleet/fleet.ts env --name ${FLEET})" && command -v kubectl helm && kubectl --context fleet-test-b get nodes -o name && helm version --short && "$HELM_BIN" version --short`;
    // a bare environment, but the same fleet home (where the fleet's kubeconfig is)
    const home = process.env.HELM_CASCADE_FLEET_HOME;
    const r = await execa('bash', ['-c', script], { cwd: repoRoot, env: { PATH: '/usr/bin:/bin', ...(home ? { HELM_CASCADE_FLEET_HOME: home } : {}) }, extendEnv: false });
    const lines = r.stdout.split('\n');
    // the project's kubectl and helm come first on PATH, not /usr/bin's
    assert.deepEqual(lines.slice(0, 2), [join(repoRoot, 'node_modules', '.helm-cascade', 'kubectl', 'kubectl'), helmBin(3)]);
    assert.equal(lines.filter((l) => l.startsWith('node/')).length, 3);
    assert.ok(lines.some((l) => l.startsWith('v3.')), r.stdout);
  });
});

describe('helm releases roll out', () => {
  it('installs a small chart and podinfo in both clusters with helm 3 and helm 4', async () => {
    await Promise.all([
      install(3, a, 'tiny', tiny, ['--set', 'job.enabled=true']),
      install(4, b, 'tiny', tiny, ['--set', 'job.enabled=true']),
      install(4, a, 'podinfo', podinfo, ['--set', 'replicaCount=2']),
      install(3, b, 'podinfo', podinfo, ['--set', 'replicaCount=2']),
    ]);
    await Promise.all([a, b].flatMap((t) => [waitRolledOut(t, ns, 'tiny', 'tiny'), waitRolledOut(t, ns, 'podinfo', 'podinfo')]));

    for (const t of [a, b]) {
      const pods = await podsOf(t, ns, podinfoPods('podinfo'));
      assert.equal(pods.length, 2);
      for (const p of pods) {
        assert.equal(p.status.phase, 'Running');
        assert.equal(condition(p, 'Ready'), 'True');
        assert.match(p.status.podIP ?? '', /^10\.\d+\.\d+\.\d+$/);
        assert.ok(p.spec.nodeName?.startsWith('fleet-node-'), 'scheduled onto a fake node');
      }
      const job = await until('tiny-migrate Complete', 60_000, async () => {
        const j = await kubectlJson<{ status: { succeeded?: number; conditions?: Array<{ type: string; status: string }> } }>(t, [
          '-n',
          ns,
          'get',
          'job',
          'tiny-migrate',
        ]);
        return j.status.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') ? j : undefined;
      });
      assert.equal(job.status.succeeded, 1);
    }
    const releases = JSON.parse(await helm(4, a, ['list', '-n', ns, '-o', 'json'])) as Array<{ name: string; status: string }>;
    assert.deepEqual(releases.map((r) => `${r.name}:${r.status}`).sort(), ['podinfo:deployed', 'tiny:deployed']);
  });

  it('rolls an upgrade out (new ReplicaSet, old pods gone)', async () => {
    const OLD = 'registry.example.invalid/fleet/tiny:1.0';
    const NEW = 'registry.example.invalid/fleet/tiny:2.0';
    const before = await kubectlJson<Deployment>(a, ['-n', ns, 'get', 'deployment', 'tiny']);
    assert.equal(before.spec.template.spec.containers[0]?.image, OLD);
    await install(3, a, 'tiny', tiny, ['--set', `image=${NEW}`]);
    const images = (pods: Pod[]) => pods.map((p) => p.spec.containers[0]?.image);
    // Done when the controller has seen the new generation, the old ReplicaSet
    // is scaled to 0 and exactly the two new pods are left, Ready.
    const done = await until('tiny rolled out to 2.0', 90_000, async () => {
      const d = await kubectlJson<Deployment>(a, ['-n', ns, 'get', 'deployment', 'tiny']);
      const rs = (await kubectlJson<List<ReplicaSet>>(a, ['-n', ns, 'get', 'replicasets', '-l', tinyPods('tiny')])).items;
      const pods = (await podsOf(a, ns, tinyPods('tiny'))).filter((p) => !p.metadata.name.startsWith('tiny-migrate'));
      const old = rs.filter((r) => r.spec.template.spec.containers[0]?.image === OLD);
      const settled = (d.status.observedGeneration ?? 0) >= d.metadata.generation && old.every((r) => r.spec.replicas === 0 && (r.status.replicas ?? 0) === 0);
      return settled && pods.length === 2 && images(pods).every((i) => i === NEW) && pods.every((p) => condition(p, 'Ready') === 'True') ? { d, rs, pods } : undefined;
    });
    assert.ok(done.d.metadata.generation > before.metadata.generation, 'the upgrade changed the pod template');
    assert.ok((done.d.status.observedGeneration ?? 0) >= done.d.metadata.generation, 'the controller saw the new generation');
    assert.deepEqual(images(done.pods), [NEW, NEW], 'every pod runs the new image');
    assert.deepEqual(
      done.rs.map((r) => [r.spec.template.spec.containers[0]?.image, r.spec.replicas, r.status.replicas ?? 0]).sort(),
      [
        [OLD, 0, 0],
        [NEW, 2, 2],
      ],
      'the old ReplicaSet is at 0, the new one at 2',
    );
    await waitRolledOut(a, ns, 'tiny', 'tiny');
  });
});

describe('failure behaviours', () => {
  // Installed side by side up front; each test then checks its own release.
  before(async () => {
    await Promise.all([
      install(4, b, 'crash', podinfo, behave('crashloop', '1s')),
      install(3, a, 'stuck', tiny, ['--set', 'replicaCount=1', ...behave('never-ready')]),
      install(3, b, 'nopull', tiny, ['--set', 'replicaCount=1', ...behave('image-pull-error')]),
      install(4, a, 'flaky', tiny, ['--set', 'replicaCount=1', ...behave('restart', '1s')]),
      install(3, b, 'slowflaky', tiny, ['--set', 'replicaCount=1', ...behave('restart')]),
    ]);
  });

  it('crashloop: Running, never Ready, CrashLoopBackOff with a rising restartCount (podinfo)', async () => {
    const selector = podinfoPods('crash-podinfo');
    const restarts = (p: Pod) => p.status.containerStatuses?.[0]?.restartCount ?? 0;
    const first = await podWhere(b, selector, 'CrashLoopBackOff', (p) => p.status.containerStatuses?.[0]?.state.waiting?.reason === 'CrashLoopBackOff');
    const later = await podWhere(b, selector, 'restartCount rising', (p) => restarts(p) >= restarts(first) + 2);
    assert.ok(restarts(first) >= 1);
    assert.equal(later.status.phase, 'Running');
    assert.equal(condition(later, 'Ready'), 'False');
    const cs = later.status.containerStatuses?.[0];
    assert.equal(cs?.ready, false);
    assert.equal(cs?.state.waiting?.reason, 'CrashLoopBackOff');
    assert.equal(cs?.lastState?.terminated?.exitCode, 1);
    const d = await kubectlJson<Deployment>(b, ['-n', ns, 'get', 'deployment', 'crash-podinfo']);
    assert.equal(d.status.availableReplicas ?? 0, 0, 'deployment has nothing available');
    const events = await kubectlJson<{ items: Array<{ reason: string; type: string }> }>(b, [
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      `involvedObject.name=${later.metadata.name}`,
    ]);
    assert.ok(events.items.some((e) => e.reason === 'BackOff' && e.type === 'Warning'), 'a BackOff warning event');
  });

  it('never-ready: Running, containers running, never Ready; endpoints not ready', async () => {
    const pod = await podWhere(a, tinyPods('stuck'), 'Running', (p) => p.status.phase === 'Running');
    assert.equal(condition(pod, 'Ready'), 'False');
    assert.equal(condition(pod, 'ContainersReady'), 'False');
    const cs = pod.status.containerStatuses?.[0];
    assert.ok(cs?.state.running, 'container is running');
    assert.equal(cs?.ready, false);
    assert.equal(cs?.restartCount, 0);
    const ep = await until('not-ready endpoint', 120_000, async () => {
      const slices = await kubectlJson<{ items: Array<{ endpoints?: Array<{ conditions?: { ready?: boolean } }> }> }>(a, [
        '-n',
        ns,
        'get',
        'endpointslices',
        '-l',
        'kubernetes.io/service-name=stuck',
      ]);
      const eps = slices.items.flatMap((s) => s.endpoints ?? []);
      return eps.length === 1 ? eps : undefined;
    });
    assert.equal(ep[0]?.conditions?.ready, false);
    const d = await kubectlJson<Deployment>(a, ['-n', ns, 'get', 'deployment', 'stuck']);
    assert.equal(condition(d, 'Available'), 'False');
  });

  it('image-pull-error: Pending with ErrImagePull, then ImagePullBackOff', async () => {
    const backoff = await podWhere(b, tinyPods('nopull'), 'ImagePullBackOff', (p) => p.status.containerStatuses?.[0]?.state.waiting?.reason === 'ImagePullBackOff');
    assert.equal(backoff.status.phase, 'Pending');
    assert.equal(condition(backoff, 'Ready'), 'False');
    assert.match(backoff.status.containerStatuses?.[0]?.state.waiting?.message ?? '', /registry\.example\.invalid\/fleet\/tiny:1\.0/);
    const events = await kubectlJson<{ items: Array<{ reason: string; message: string }> }>(b, [
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      `involvedObject.name=${backoff.metadata.name}`,
    ]);
    assert.ok(events.items.some((e) => e.reason === 'Failed' && e.message.includes('ErrImagePull')), 'ErrImagePull came first');
  });

  it('restart: Ready, with a container that keeps restarting', async () => {
    const pod = await podWhere(a, tinyPods('flaky'), 'two restarts', (p) => (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 2);
    assert.equal(pod.status.phase, 'Running');
    assert.equal(condition(pod, 'Ready'), 'True');
    const cs = pod.status.containerStatuses?.[0];
    assert.equal(cs?.ready, true);
    assert.ok(cs?.state.running);
    assert.ok(cs?.lastState?.terminated, 'the previous run terminated');
    await waitRolledOut(a, ns, 'flaky', 'flaky');
  });

  it('restart without restart-every waits the default 20s between restarts', async () => {
    const pod = await podWhere(b, tinyPods('slowflaky'), 'first restart', (p) => (p.status.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 180_000);
    assert.equal(condition(pod, 'Ready'), 'True');
    // Timestamps the cluster recorded (whole seconds), not our clock: the
    // restart came no earlier than the default delay after the pod got Ready.
    const readySince = Date.parse(pod.status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
    const restartedAt = Date.parse(pod.status.containerStatuses?.[0]?.state.running?.startedAt ?? '');
    assert.ok(restartedAt - readySince >= DEFAULT_RESTART_EVERY_MS - 1_000, `first restart ${(restartedAt - readySince) / 1000}s after Ready`);
  });
});

describe('recovery and shutdown', () => {
  it('up restarts the processes of a cluster that died', async () => {
    const state = readState(FLEET);
    const cluster = state?.clusters['fleet-test-b'];
    assert.ok(cluster);
    const apiserver = cluster.processes['kube-apiserver'];
    const scheduler = cluster.processes['kube-scheduler'];
    assert.ok(apiserver && scheduler);
    process.kill(-apiserver.pid, 'SIGKILL');
    process.kill(-scheduler.pid, 'SIGKILL');
    await until('apiserver gone', 60_000, async () => ((await portFree(cluster.ports.apiserver)) ? true : undefined));

    const status = await fleetStatus(FLEET);
    const b_ = status.clusters.find((c) => c.context === 'fleet-test-b');
    assert.equal(b_?.components['kube-apiserver'].running, false);
    assert.equal(b_?.apiserver, 'down');

    await ensureFleet({ clustersFile: join(fixtures, 'clusters.yaml'), name: FLEET, log: () => {} });
    const after = readState(FLEET)?.clusters['fleet-test-b'];
    assert.notEqual(after?.processes['kube-apiserver']?.pid, apiserver.pid);
    assert.notEqual(after?.processes['kube-scheduler']?.pid, scheduler.pid);
    assert.equal(after?.processes['kube-controller-manager']?.pid, cluster.processes['kube-controller-manager']?.pid, 'the survivors keep running');
    // Data is in etcd: what was installed before is still there and healthy.
    await waitRolledOut(b, ns, 'podinfo', 'podinfo');
    const healthy = await fleetStatus(FLEET);
    for (const c of healthy.clusters) {
      assert.equal(c.apiserver, 'ready', c.context);
      assert.equal(c.nodesReady, 3, c.context);
    }
  });

  it('down stops every process and leaves none behind', async () => {
    const state = readState(FLEET);
    assert.ok(state?.etcd);
    const pids = [state.etcd.process?.pid, ...Object.values(state.clusters).flatMap((c) => Object.values(c.processes).map((p) => p?.pid))];
    assert.equal(pids.filter((p) => p !== undefined).length, 1 + 2 * 4, 'etcd + 4 processes per cluster');
    const ports = [state.etcd.clientPort, ...Object.values(state.clusters).map((c) => c.ports.apiserver)];

    await stopFleet(FLEET, { log: () => {} });

    const marker = `${fleetPaths(FLEET).dir}/`;
    const bins = [state.etcd.process?.bin, ...Object.values(state.clusters).flatMap((c) => Object.values(c.processes).map((p) => p?.bin))];
    assert.deepEqual(findOurs(bins.filter((x): x is string => !!x), marker), []);
    for (const pid of pids) assert.equal(processRunning(pid as number), false, `pid ${pid} is gone`);
    for (const port of ports) assert.equal(await portFree(port), true, `port ${port} is free`);
    const status = await fleetStatus(FLEET);
    assert.ok(status.clusters.every((c) => c.apiserver === 'down'));
  });
});
