import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateGate } from '../../../src/health/evaluate.ts';
import type { GateInput } from '../../../src/health/evaluate.ts';
import type { LiveObject, ObjectRef } from '../../../src/model/objects.ts';
import type { HealthSpec } from '../../../src/model/spec.ts';
import { fixture, loadFixture } from './fixtures.ts';

const health: HealthSpec = { timeoutMs: 300_000, soakMs: 2_000, minReadyEndpoints: 1, maxRestarts: 0, http: [] };
const owned: ObjectRef[] = [
  { kind: 'Deployment', namespace: 'shop', name: 'web' },
  { kind: 'Service', namespace: 'shop', name: 'web' },
  { kind: 'ConfigMap', namespace: 'shop', name: 'web' }, // not gated
];

/** The new ReplicaSet of deployment fixtures (revision 2, pod-template-hash 7d9f). */
function replicaSet(hash: string, revision: string): LiveObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `web-${hash}`,
      namespace: 'shop',
      labels: { app: 'web', 'pod-template-hash': hash },
      annotations: { 'deployment.kubernetes.io/revision': revision },
      ownerReferences: [{ kind: 'Deployment', name: 'web', uid: '11111111-aaaa-4000-8000-000000000001', controller: true }],
    },
  };
}

function withPod(name: string, patch?: (p: LiveObject) => void): LiveObject {
  const p = fixture(name);
  patch?.(p);
  return p;
}

function input(deployment: string, pods: LiveObject[], over: Partial<GateInput> = {}, service = 'service-1-ready-endpoints'): GateInput {
  return {
    owned,
    snapshot: {
      objects: [fixture(deployment), replicaSet('6c5b', '1'), replicaSet('7d9f', '2'), ...loadFixture(service), ...pods],
      events: [],
      fetchedAt: 0,
    },
    baseline: {},
    specChanged: 'all',
    health,
    elapsedMs: 1_000,
    restartBaseline: {},
    ...over,
  };
}

const backOffEvent: LiveObject = {
  kind: 'Event',
  metadata: { name: 'web-7d9f-crash.1', namespace: 'shop' },
  involvedObject: { kind: 'Pod', name: 'web-7d9f-crash', namespace: 'shop', uid: 'pod-web-7d9f-crash' },
  type: 'Warning',
  reason: 'BackOff',
  message: 'Back-off restarting failed container web in pod web-7d9f-crash_shop',
  count: 5,
  lastTimestamp: '2026-11-22T01:00:05Z',
};

describe('evaluateGate: fail fast', () => {
  for (const [fx, reason] of [
    ['pod-crashloop', 'CrashLoopBackOff'],
    ['pod-imagepull', 'ImagePullBackOff'],
    ['pod-errimagepull', 'ErrImagePull'],
    ['pod-createcontainerconfigerror', 'CreateContainerConfigError'],
    ['pod-unschedulable', 'Unschedulable'],
  ] as const) {
    it(`fails at once, long before the timeout, on ${reason}`, () => {
      const pod = fixture(fx);
      const inp = input('deployment-progressing', [fixture('pod-ready'), pod], { elapsedMs: 3_000 });
      inp.snapshot = { ...inp.snapshot, events: [backOffEvent] };
      const r = evaluateGate(inp);
      assert.equal(r.phase, 'failed');
      assert.match(r.reason, new RegExp(`^pod ${pod.metadata.name} is in ${reason}: `));
      assert.equal(r.failingPods.length, 1);
      assert.equal(r.failingPods[0]?.name, pod.metadata.name);
      assert.equal(r.failingPods[0]?.reason, reason);
      if (reason === 'CrashLoopBackOff') {
        assert.deepEqual(r.failingPods[0]?.events, ['Warning BackOff: Back-off restarting failed container web in pod web-7d9f-crash_shop (x5)']);
        assert.equal(r.failingPods[0]?.restarts, 4);
      }
    });
  }

  it('an Unschedulable pod the cluster autoscaler is adding a node for waits, until the timeout; NotTriggerScaleUp after it fails fast again', () => {
    const pod = fixture('pod-unschedulable');
    const autoscaler = (reason: string, at: string, message: string): LiveObject => ({
      kind: 'Event',
      metadata: { name: `web-7d9f-unsched.${reason}`, namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: pod.metadata.name, namespace: 'shop', uid: pod.metadata.uid! },
      type: 'Normal',
      reason,
      message,
      source: { component: 'cluster-autoscaler' },
      lastTimestamp: at,
    });
    const triggered = autoscaler('TriggeredScaleUp', '2026-11-22T01:00:02Z', 'pod triggered scale-up: [{pool-b 1->2 (max: 5)}]');
    const waiting = input('deployment-progressing', [pod], { elapsedMs: 3_000 });
    waiting.snapshot = { ...waiting.snapshot, events: [triggered] };
    const r = evaluateGate(waiting);
    assert.equal(r.phase, 'rolling-out');
    assert.match(r.reason, /pod web-7d9f-unsched is Unschedulable, the cluster autoscaler is adding a node \(pod triggered scale-up: \[\{pool-b 1->2/);

    const late = evaluateGate({ ...waiting, elapsedMs: waiting.health.timeoutMs });
    assert.equal(late.phase, 'failed');
    assert.match(late.reason, /^timed out after .* the cluster autoscaler is adding a node/);

    const gaveUp = input('deployment-progressing', [pod], { elapsedMs: 3_000 });
    gaveUp.snapshot = { ...gaveUp.snapshot, events: [triggered, autoscaler('NotTriggerScaleUp', '2026-11-22T01:00:09Z', "pod didn't trigger scale-up: 1 max node group size reached")] };
    assert.equal(evaluateGate(gaveUp).phase, 'failed');
    // another pod's scale-up says nothing about this one
    const other = input('deployment-progressing', [pod], { elapsedMs: 3_000 });
    other.snapshot = { ...other.snapshot, events: [{ ...triggered, involvedObject: { kind: 'Pod', name: 'someone-else', namespace: 'shop' } }] };
    assert.equal(evaluateGate(other).phase, 'failed');
  });

  it('ignores a crashing pod of the previous revision (it is being replaced)', () => {
    const old = withPod('pod-crashloop', (p) => (p.metadata.labels = { app: 'web', 'pod-template-hash': '6c5b' }));
    const r = evaluateGate(input('deployment-progressing', [old], { elapsedMs: 3_000 }));
    assert.equal(r.phase, 'rolling-out');
  });

  it('ignores pods not selected by the release workloads', () => {
    const other = withPod('pod-crashloop', (p) => (p.metadata.labels = { app: 'other', 'pod-template-hash': '7d9f' }));
    assert.equal(evaluateGate(input('deployment-healthy', [fixture('pod-ready'), other])).phase, 'soaking');
  });

  it('fails on a Degraded workload (progress deadline exceeded)', () => {
    const r = evaluateGate(input('deployment-progress-deadline', []));
    assert.equal(r.phase, 'failed');
    assert.match(r.reason, /^Deployment web: Deployment "web" exceeded its progress deadline/);
  });
});

describe('evaluateGate: rollout and timeout', () => {
  it('keeps rolling out before the timeout, saying what it waits for', () => {
    const r = evaluateGate(input('deployment-progressing', [fixture('pod-running-not-ready')], { elapsedMs: 10_000, restartBaseline: { 'pod-web-7d9f-notready': 1 } }));
    assert.equal(r.phase, 'rolling-out');
    assert.equal(r.reason, 'Deployment web: Waiting for rollout to finish: 2 out of 3 new replicas have been updated');
  });

  it('fails at the timeout with what is missing and the pods that are not Ready', () => {
    const r = evaluateGate(input('deployment-progressing', [fixture('pod-running-not-ready')], { elapsedMs: 300_000, restartBaseline: { 'pod-web-7d9f-notready': 1 } }));
    assert.equal(r.phase, 'failed');
    assert.equal(r.reason, 'timed out after 5m waiting for rollout: Deployment web: Waiting for rollout to finish: 2 out of 3 new replicas have been updated');
    assert.deepEqual(r.failingPods.map((p) => [p.name, p.reason]), [['web-7d9f-notready', 'NotReady']]);
  });

  it('never takes the pre-upgrade state for ready (baseline uid+generation)', () => {
    const baseline = { 'Deployment/shop/web': { uid: '11111111-aaaa-4000-8000-000000000001', generation: 2 } };
    const r = evaluateGate(input('deployment-old-generation', [fixture('pod-ready')], { baseline }));
    assert.equal(r.phase, 'rolling-out');
    assert.match(r.reason, /generation 2 is still the one recorded before the upgrade/);
    const unchanged = evaluateGate(input('deployment-old-generation', [fixture('pod-ready')], { baseline, specChanged: new Set() }));
    assert.equal(unchanged.phase, 'soaking');
  });

  it('waits for a missing owned object', () => {
    const r = evaluateGate({ ...input('deployment-healthy', [fixture('pod-ready')]), owned: [...owned, { kind: 'StatefulSet', namespace: 'shop', name: 'db' }] });
    assert.equal(r.phase, 'rolling-out');
    assert.equal(r.reason, 'StatefulSet db: StatefulSet db not found in namespace shop');
  });
});

describe('evaluateGate: minReadyEndpoints', () => {
  it('waits for enough ready endpoints, then times out naming the service', () => {
    const inp = input('deployment-healthy', [fixture('pod-ready')], { health: { ...health, minReadyEndpoints: 2 } });
    assert.equal(evaluateGate(inp).phase, 'rolling-out');
    const late = evaluateGate({ ...inp, elapsedMs: 300_000 });
    assert.equal(late.phase, 'failed');
    assert.match(late.reason, /Service web: Waiting for endpoints: Service web has 1 ready endpoint \(1 not ready\), needs at least 2/);
  });
  it('passes the rollout with 2 of 2', () => {
    const inp = input('deployment-healthy', [fixture('pod-ready')], { health: { ...health, minReadyEndpoints: 2 } }, 'service-2-ready-endpoints-dual-stack');
    assert.equal(evaluateGate(inp).phase, 'soaking');
  });
  it('0 ready endpoints keep it rolling out', () => {
    assert.equal(evaluateGate(input('deployment-healthy', [fixture('pod-ready')], {}, 'service-0-ready-endpoints')).phase, 'rolling-out');
  });
});

describe('evaluateGate: soak', () => {
  const ready = () => [fixture('pod-ready')];
  it('starts soaking once rolled out, passes after soakMs', () => {
    assert.equal(evaluateGate(input('deployment-healthy', ready(), { elapsedMs: 1_000 })).phase, 'soaking');
    const mid = evaluateGate(input('deployment-healthy', ready(), { elapsedMs: 2_000, soakStartedMs: 1_000 }));
    assert.equal(mid.phase, 'soaking');
    assert.equal(mid.reason, 'soaking: 1s of 2s');
    const done = evaluateGate(input('deployment-healthy', ready(), { elapsedMs: 3_000, soakStartedMs: 1_000 }));
    assert.equal(done.phase, 'passed');
    assert.equal(done.reason, '2 objects healthy, 1 pod Ready, 0 restarts after a 2s soak');
  });

  it('does not start the soak while the pods seen lag the Deployment (its available pod not seen yet)', () => {
    // separate reads per kind: the Deployment already counts the pod the pods' watch has not delivered
    const lagging = evaluateGate(input('deployment-healthy', [], { elapsedMs: 1_000 }));
    assert.equal(lagging.phase, 'rolling-out');
    assert.match(lagging.reason, /^waiting for the pods' view: Deployment web reports 3 available pods, 0 Ready seen yet$/);
    const late = evaluateGate(input('deployment-healthy', [], { elapsedMs: 400_000 }));
    assert.equal(late.phase, 'failed');
    assert.equal(evaluateGate(input('deployment-healthy', ready(), { elapsedMs: 1_000 })).phase, 'soaking');
    // two replicas: the current ReplicaSet counts 2 available, one of them not seen yet
    const i = input('deployment-healthy', ready(), { elapsedMs: 1_000 });
    const rs = i.snapshot.objects.find((o) => o.kind === 'ReplicaSet' && o.metadata.name === 'web-7d9f')!;
    (rs as { status?: unknown }).status = { availableReplicas: 2 };
    const partial = evaluateGate(i);
    assert.equal(partial.phase, 'rolling-out');
    assert.match(partial.reason, /Deployment web reports 2 available pods, 1 Ready seen yet/);
    // an upgrade: the old revision's pod still seen Ready, the new one not seen yet
    const old = withPod('pod-ready', (p) => ((p.metadata.name = 'web-6c5b-old'), (p.metadata.labels = { app: 'web', 'pod-template-hash': '6c5b' })));
    assert.equal(evaluateGate(input('deployment-healthy', [old], { elapsedMs: 1_000 })).phase, 'rolling-out');
  });

  it('counts restarts since the gate started against maxRestarts', () => {
    const restarted = () => [withPod('pod-ready', (p) => ((p.status as { containerStatuses: { restartCount: number }[] }).containerStatuses[0]!.restartCount = 2))];
    const over = evaluateGate(input('deployment-healthy', restarted(), { elapsedMs: 2_500, soakStartedMs: 1_000, restartBaseline: { 'pod-web-7d9f-ready': 1 } }));
    assert.equal(over.phase, 'failed');
    assert.equal(over.reason, '1 container restart since the gate started, more than maxRestarts 0: web-7d9f-ready (1)');
    assert.deepEqual(over.failingPods.map((p) => [p.name, p.reason]), [['web-7d9f-ready', 'Restarts']]);
    const seen = evaluateGate(input('deployment-healthy', restarted(), { elapsedMs: 2_500, soakStartedMs: 1_000, restartBaseline: { 'pod-web-7d9f-ready': 2 } }));
    assert.equal(seen.phase, 'soaking');
    const tolerated = evaluateGate(input('deployment-healthy', restarted(), { elapsedMs: 2_500, soakStartedMs: 1_000, health: { ...health, maxRestarts: 2 } }));
    assert.equal(tolerated.phase, 'soaking');
    assert.equal(tolerated.restarts, 2);
  });

  it('fails when a pod loses Ready during the soak', () => {
    const r = evaluateGate(input('deployment-healthy', [fixture('pod-running-not-ready')], { elapsedMs: 2_500, soakStartedMs: 1_000, health: { ...health, maxRestarts: 5 } }));
    assert.equal(r.phase, 'failed');
    assert.equal(r.reason, 'pod web-7d9f-notready lost Ready during the soak: Pod web-7d9f-notready is running but not Ready: containers with unready status: [web], 1 restart');
    assert.deepEqual(r.failingPods.map((p) => p.name), ['web-7d9f-notready']);
  });

  it('fails when the rollout regresses during the soak', () => {
    const r = evaluateGate(input('deployment-unavailable', ready(), { elapsedMs: 2_500, soakStartedMs: 1_000 }));
    assert.equal(r.phase, 'failed');
    assert.match(r.reason, /^no longer healthy after 1.5s of soak: Deployment web: Waiting for rollout to finish: 1 of 3 updated replicas are available/);
  });

  it('a newer generation seen during the soak is a rollout again, not a regression (an older view had started the soak)', () => {
    const r = evaluateGate(input('deployment-observed-old-generation', ready(), { elapsedMs: 2_500, soakStartedMs: 1_000 }));
    assert.equal(r.phase, 'rolling-out');
    assert.match(r.reason, /^a new generation appeared during the soak, the soak starts again: Deployment web: Waiting for rollout to finish: observed deployment generation less than desired generation/);
    // and the gate's timeout still bounds it
    assert.equal(evaluateGate(input('deployment-observed-old-generation', ready(), { elapsedMs: 400_000, soakStartedMs: 1_000 })).phase, 'failed');
  });

  it('waits for the http/prometheus checks and fails on the first bad one', () => {
    const h = { ...health, http: [{ url: 'http://x/healthz', expectStatus: 200 }] };
    assert.equal(evaluateGate(input('deployment-healthy', ready(), { elapsedMs: 9_000, soakStartedMs: 1_000, health: h })).phase, 'soaking');
    const ok = [{ name: 'http http://x/healthz', ok: true, message: '200' }];
    assert.equal(evaluateGate(input('deployment-healthy', ready(), { elapsedMs: 9_000, soakStartedMs: 1_000, health: h, probes: ok })).phase, 'passed');
    const bad = [{ name: 'http http://x/healthz', ok: false, message: 'got 503, expected 200' }];
    const r = evaluateGate(input('deployment-healthy', ready(), { elapsedMs: 2_000, soakStartedMs: 1_000, health: h, probes: bad }));
    assert.equal(r.phase, 'failed');
    assert.equal(r.reason, 'http http://x/healthz failed during the soak: got 503, expected 200');
  });
});
