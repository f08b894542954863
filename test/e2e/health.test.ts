// Health gates and leases against a real kube-apiserver of the local fleet
// (kwok fake nodes; pods misbehave on purpose through the annotation
// fleet.helm-cascade.dev/behavior). Each case uses a fresh namespace. No
// assertion on elapsed time: a gate that must fail fast gets an hour's timeout
// and soak, so failing at all shows it failed on the evidence.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { ensureFleet } from '../../fleet/fleet-api.ts';
import { helmBin, kubectlBin, repoRoot } from '../../fleet/tools.ts';
import { LockHeldError, PreflightError } from '../../src/errors.ts';
import { prepareGate, runGate } from '../../src/health/gate.ts';
import { LivePoller } from '../../src/health/poller.ts';
import { KubeClients } from '../../src/kube/client.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { acquireLease as acquire, leaseName } from '../../src/kube/lease.ts';
import type { LeaseOptions } from '../../src/kube/lease.ts';
import type { KubeTarget } from '../../src/model/identity.ts';
import type { HealthSpec } from '../../src/model/spec.ts';
import { tempDir } from '../support/tmp.ts';

const CONTEXT = 'dc-paris';
const chart = join(repoRoot, 'charts', 'cascade-demo');
const helm = helmBin(3);


const suffix = () => Math.random().toString(36).slice(2, 7);
const HOUR = 3_600_000;

describe('health gates and leases on the fleet', { timeout: 300_000 }, () => {
  let target: KubeTarget;
  const namespaces: string[] = [];
  const tmp = tempDir('hc-health-');

  before(async () => {
    const clusters = join(tmp, 'clusters.yaml');
    writeFileSync(clusters, `clusters:\n  onprem-paris:\n    context: ${CONTEXT}\n    provider: onprem\n    region: europe\n`);
    const fleet = await ensureFleet({ clustersFile: clusters, log: () => undefined });
    target = { cluster: 'onprem-paris', kubeconfig: fleet.kubeconfig, context: CONTEXT };
    clients = new KubeClients({ kubeconfig: fleet.kubeconfig, log: (line) => requests.push(line) });
    client = clients.for({ name: 'onprem-paris', context: CONTEXT });
  });

  let clients: KubeClients;
  /** Every API request the client made ("GET /api/v1/... (context)"), in order. */
  const requests: string[] = [];
  let client: KubeClient;
  /** The project's kubectl against the fleet: exit status, stdout, stderr. */
  const kube = (args: string[], input?: string) => execa(kubectlBin(), ['--kubeconfig', target.kubeconfig, '--context', CONTEXT, ...args], { reject: false, ...(input !== undefined ? { input } : {}) });
  const acquireLease = (o: Omit<LeaseOptions, 'client' | 'name' | 'what' | 'createNamespace'> & { release: string }) => {
    const { release, ...rest } = o;
    return acquire({ ...rest, client, name: leaseName(release), what: `${CONTEXT}/${o.namespace}/${release}`, createNamespace: true });
  };

  after(async () => {
    await clients?.close();
    if (!target) return;
    const deleted = await Promise.all(namespaces.map((ns) => kube(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])));
    for (const d of deleted) assert.equal(d.exitCode, 0, `cleanup: ${d.stderr}`);
  });

  const health = (over: Partial<HealthSpec> = {}): HealthSpec => ({ timeoutMs: 60_000, soakMs: 2_000, minReadyEndpoints: 1, maxRestarts: 0, http: [], ...over });

  async function render(release: string, ns: string, values: Record<string, unknown>): Promise<{ manifest: string; valuesFile: string }> {
    const valuesFile = join(tmp, `${release}-${suffix()}.json`);
    writeFileSync(valuesFile, JSON.stringify(values));
    const r = await execa(helm, ['template', release, chart, '-n', ns, '-f', valuesFile]);
    return { manifest: r.stdout, valuesFile };
  }

  async function helmUpgrade(release: string, ns: string, valuesFile: string): Promise<void> {
    await execa(helm, ['upgrade', '--install', release, chart, '-n', ns, '--create-namespace', '-f', valuesFile, '--kubeconfig', target.kubeconfig, '--kube-context', CONTEXT]);
  }

  /** Renders, records the baseline, installs or upgrades, then gates: the order apply uses. */
  async function deployAndGate(release: string, ns: string, values: Record<string, unknown>, h: HealthSpec, oldManifest?: string) {
    const { manifest, valuesFile } = await render(release, ns, values);
    const reader = LivePoller.of(client);
    const prep = await prepareGate(reader, ns, manifest, oldManifest);
    await helmUpgrade(release, ns, valuesFile);
    const result = await runGate({ unit: `${CONTEXT}/${ns}/${release}`, reader, ...prep, health: h });
    return { result, manifest };
  }

  it('a crashlooping release fails fast, naming CrashLoopBackOff and the pod', async () => {
    const ns = `hc-crash-${suffix()}`;
    namespaces.push(ns);
    // an hour's timeout: failing at all proves it failed on the evidence, not the clock
    const { result } = await deployAndGate('demo', ns, { podAnnotations: { 'fleet.helm-cascade.dev/behavior': 'crashloop' } }, health({ timeoutMs: HOUR }));
    assert.equal(result.phase, 'failed', result.reason);
    assert.match(result.reason, /^pod demo-[a-z0-9]+-[a-z0-9]+ is in CrashLoopBackOff/);
    const pod = result.failingPods[0];
    assert.ok(pod, 'the report names the pod');
    assert.equal(pod.reason, 'CrashLoopBackOff');
    // The report asked the API for the crashed container's logs, the previous
    // run's first, then the current one's...
    const logPath = `/api/v1/namespaces/${ns}/pods/${pod.name}/log?container=web&tailLines=20`;
    assert.deepEqual(
      requests.filter((r) => r.includes(`/pods/${pod.name}/log?`)),
      [`GET ${logPath}&previous=true (${CONTEXT})`, `GET ${logPath} (${CONTEXT})`],
    );
    // ...and kwok nodes serve none: the report says so instead of showing nothing
    assert.equal(pod.logs, 'no logs');
    assert.match(result.reason, /CrashLoopBackOff/);
  });

  it('an image that cannot be pulled fails fast', async () => {
    const ns = `hc-pull-${suffix()}`;
    namespaces.push(ns);
    const { result } = await deployAndGate('demo', ns, { podAnnotations: { 'fleet.helm-cascade.dev/behavior': 'image-pull-error' } }, health({ timeoutMs: HOUR }));
    assert.equal(result.phase, 'failed', result.reason);
    assert.match(result.reason, /^pod demo-[a-z0-9]+-[a-z0-9]+ is in (ErrImagePull|ImagePullBackOff)/);
    assert.ok(['ErrImagePull', 'ImagePullBackOff'].includes(result.failingPods[0]?.reason ?? ''), result.failingPods[0]?.reason);
  });

  it('a healthy release passes after a short soak; an upgrade is gated on its new generation', async () => {
    const ns = `hc-ok-${suffix()}`;
    namespaces.push(ns);
    const first = await deployAndGate('demo', ns, { replicaCount: 2 }, health({ soakMs: 2_000 }));
    assert.equal(first.result.phase, 'passed', first.result.reason);
    assert.ok(first.result.durationMs >= 2_000);
    assert.deepEqual(first.result.objects.map((o) => `${o.kind}/${o.name} ${o.status}`), ['Service/demo Healthy', 'Deployment/demo Healthy']);

    // Upgrade: the pod template changes (config checksum), so the Deployment's
    // generation must move past the recorded one before anything counts.
    const up = await deployAndGate('demo', ns, { replicaCount: 2, config: { logLevel: 'debug' } }, health({ soakMs: 1_000 }), first.manifest);
    assert.equal(up.result.phase, 'passed', up.result.reason);
  });

  it('a pod that never gets Ready fails at the timeout with the pod named', async () => {
    const ns = `hc-notready-${suffix()}`;
    namespaces.push(ns);
    const { result } = await deployAndGate('demo', ns, { podAnnotations: { 'fleet.helm-cascade.dev/behavior': 'never-ready' } }, health({ timeoutMs: 6_000 }));
    assert.equal(result.phase, 'failed', result.reason);
    assert.match(result.reason, /^timed out after 6s/);
    assert.equal(result.failingPods[0]?.reason, 'NotReady');
  });

  it('an Unschedulable pod fails fast; while the cluster autoscaler adds a node for it, the gate waits (here: until the timeout)', async () => {
    const values = { nodeSelector: { 'pool.example.com/name': 'gpu' } }; // no node of the fleet has it
    const ns = `hc-unsched-${suffix()}`;
    namespaces.push(ns);
    const fast = await deployAndGate('demo', ns, values, health({ timeoutMs: HOUR }));
    assert.equal(fast.result.phase, 'failed', fast.result.reason);
    assert.match(fast.result.reason, /^pod demo-[a-z0-9]+-[a-z0-9]+ is in Unschedulable/);

    // the same, with a scale-up under way: what cluster-autoscaler records on the pod
    const ns2 = `hc-scaleup-${suffix()}`;
    namespaces.push(ns2);
    const { manifest, valuesFile } = await render('demo', ns2, values);
    const reader = LivePoller.of(client);
    const prep = await prepareGate(reader, ns2, manifest, undefined);
    await helmUpgrade('demo', ns2, valuesFile);
    let pod: { metadata: { name: string; uid: string } } | undefined;
    for (let i = 0; i < 100 && !pod; i++) {
      const r = await kube(['-n', ns2, 'get', 'pods', '-o', 'json']);
      const items = (JSON.parse(String(r.stdout)) as { items: { metadata: { name: string; uid: string }; status?: { conditions?: { reason?: string }[] } }[] }).items;
      pod = items.find((p) => p.status?.conditions?.some((c) => c.reason === 'Unschedulable'));
      if (!pod) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(pod, 'the pod is Unschedulable');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${pod.metadata.name}.scaleup`, namespace: ns2 },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, namespace: ns2, uid: pod.metadata.uid },
      reason: 'TriggeredScaleUp',
      message: 'pod triggered scale-up: [{gpu-pool 0->1 (max: 3)}]',
      source: { component: 'cluster-autoscaler' },
      type: 'Normal',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    const created = await kube(['create', '-f', '-'], JSON.stringify(event));
    assert.equal(created.exitCode, 0, created.stderr);
    const waited = await runGate({ unit: `${CONTEXT}/${ns2}/demo`, reader, ...prep, health: health({ timeoutMs: 6_000 }) });
    assert.equal(waited.phase, 'failed');
    assert.match(waited.reason, /^timed out after 6s waiting for rollout: .*the cluster autoscaler is adding a node \(pod triggered scale-up/);
  });

  it('restarts during the soak beyond maxRestarts fail the gate, naming the pod', async () => {
    const ns = `hc-restart-${suffix()}`;
    namespaces.push(ns);
    const annotations = { 'fleet.helm-cascade.dev/behavior': 'restart', 'fleet.helm-cascade.dev/restart-every': '2s' };
    // an hour's soak and timeout: the gate can only have ended on the restart
    const { result } = await deployAndGate('demo', ns, { podAnnotations: annotations }, health({ soakMs: HOUR, timeoutMs: HOUR, maxRestarts: 0 }));
    assert.equal(result.phase, 'failed', result.reason);
    assert.match(result.reason, /^1 container restart since the gate started, more than maxRestarts 0: demo-/);
    assert.equal(result.failingPods[0]?.reason, 'Restarts');
  });

  it('leases: acquire, refuse a second holder by name, take over an expired one, release', async () => {
    const ns = `hc-lease-${suffix()}`;
    namespaces.push(ns);
    // no renewal during this test (renewal is the next test's): the lease read below stays the one held
    const a = await acquireLease({ namespace: ns, release: 'web', holder: 'jenkins-deploy-41', runId: 'run-a', renewEveryMs: 3_600_000 });
    const name = leaseName('web');
    const got = await kube(['get', 'lease', name, '-n', ns, '-o', 'json']);
    assert.equal(got.exitCode, 0, got.stderr);
    const held = JSON.parse(String(got.stdout)) as { spec: { holderIdentity: string; acquireTime: string; renewTime: string; leaseDurationSeconds: number } };
    assert.equal(held.spec.holderIdentity, 'jenkins-deploy-41');

    await assert.rejects(
      acquireLease({ namespace: ns, release: 'web', holder: 'alice@laptop', runId: 'run-b' }),
      (err: unknown) => {
        assert.ok(err instanceof LockHeldError);
        assert.ok(err instanceof PreflightError);
        assert.equal(err.holder, 'jenkins-deploy-41');
        assert.equal(err.since, held.spec.acquireTime);
        assert.equal(err.lock, `${CONTEXT}/${ns}/web`);
        const expires = new Date(Date.parse(held.spec.renewTime) + held.spec.leaseDurationSeconds * 1000).toISOString();
        assert.equal(
          err.message,
          `${CONTEXT}/${ns}/web is locked by "jenkins-deploy-41" since ${held.spec.acquireTime} (Lease ${ns}/${name}; it expires at ${expires} unless renewed). ` +
            `Wait for that run to finish; if it died, its lock expires by itself, or remove it: kubectl --context ${CONTEXT} -n ${ns} delete lease ${name}`,
        );
        return true;
      },
    );
    await a.release();
    assert.notEqual((await kube(['get', 'lease', name, '-n', ns])).exitCode, 0, 'released: the lease is gone');

    // A run that died: 1s lease, never renewed -> expired -> taken over. The
    // newcomer's clock is read as 5s later (its `now`), not waited for.
    const dead = await acquireLease({ namespace: ns, release: 'web', holder: 'jenkins-deploy-42', runId: 'run-dead', durationSeconds: 1, renewEveryMs: 3_600_000 });
    const b = await acquireLease({ namespace: ns, release: 'web', holder: 'alice@laptop', runId: 'run-b', now: () => Date.now() + 5_000 });
    const now = JSON.parse(String((await kube(['get', 'lease', name, '-n', ns, '-o', 'json'])).stdout));
    assert.equal(now.spec.holderIdentity, 'alice@laptop');
    assert.equal(now.spec.leaseTransitions, 1);
    // The dead run's release must not delete the lock it lost.
    await dead.release();
    assert.equal((await kube(['get', 'lease', name, '-n', ns])).exitCode, 0, 'the new holder keeps its lease');
    await b.release();
    assert.notEqual((await kube(['get', 'lease', name, '-n', ns])).exitCode, 0);
  });

  it('leases: renewal keeps a short lease alive; the namespace is created when missing', async () => {
    const ns = `hc-renew-${suffix()}`;
    namespaces.push(ns);
    const a = await acquireLease({ namespace: ns, release: 'web', holder: 'jenkins-deploy-43', runId: 'run-c', durationSeconds: 2, renewEveryMs: 500 });
    // Wait for what the API server records, not for a time: renewals moved
    // renewTime past the first expiry (acquireTime + 2s) while the lease stayed ours.
    type Lease = { metadata: { annotations?: Record<string, string> }; spec: { holderIdentity: string; acquireTime: string; renewTime: string } };
    const read = async () => JSON.parse(String((await kube(['get', 'lease', leaseName('web'), '-n', ns, '-o', 'json'])).stdout)) as Lease;
    let lease = await read();
    const firstExpiry = Date.parse(lease.spec.acquireTime) + 2_000;
    for (let reads = 0; reads < 300 && Date.parse(lease.spec.renewTime) <= firstExpiry; reads++) lease = await read();
    assert.ok(Date.parse(lease.spec.renewTime) > firstExpiry, `never renewed past ${new Date(firstExpiry).toISOString()}: ${JSON.stringify(lease.spec)}`);
    assert.equal(lease.spec.holderIdentity, 'jenkins-deploy-43');
    assert.equal(lease.metadata.annotations?.['helm-cascade.dev/run-id'], 'run-c');
    // and another run, whose clock says the first expiry has passed, is still refused
    await assert.rejects(
      acquireLease({ namespace: ns, release: 'web', holder: 'bob@desk', runId: 'run-d', now: () => firstExpiry + 500 }),
      (err: unknown) => err instanceof LockHeldError && err.holder === 'jenkins-deploy-43',
    );
    assert.equal(a.lost, undefined);
    await a.release();
  });
});
