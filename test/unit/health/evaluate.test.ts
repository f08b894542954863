import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateGate, fmtDuration, judgeInstant, selectorMatches, windowRule } from '../../../src/health/evaluate.ts';
import type { GateInput } from '../../../src/health/evaluate.ts';
import { SnapshotViews } from '../../../src/health/snapshot.ts';
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

/** A copy of a pod fixture under another name (and uid), with these labels. */
const podAs = (base: string, name: string, labels: Record<string, string>) =>
  withPod(base, (p) => {
    p.metadata.name = name;
    p.metadata.uid = `pod-${name}`;
    p.metadata.labels = labels;
  });
/** A pod the scheduler has not placed yet (no conditions at all). */
const unplaced = (name: string, labels: Record<string, string>): LiveObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', uid: `pod-${name}`, labels }, status: { phase: 'Pending' } });
const web = { app: 'web', 'pod-template-hash': '7d9f' };

describe('selectorMatches and fmtDuration', () => {
  it('matchLabels and each matchExpressions operator; an empty or absent selector selects nothing', () => {
    const l = { app: 'web', tier: 'front' };
    assert.equal(selectorMatches(undefined, l), false);
    assert.equal(selectorMatches({}, l), false);
    assert.equal(selectorMatches({ matchLabels: {}, matchExpressions: [] }, l), false);
    assert.equal(selectorMatches({ matchLabels: { app: 'web' } }, l), true);
    assert.equal(selectorMatches({ matchLabels: { app: 'web' } }, undefined), false);
    assert.equal(selectorMatches({ matchLabels: { app: 'api' } }, l), false);
    const expr = (operator: string, values?: string[]) => selectorMatches({ matchExpressions: [{ key: 'tier', operator, ...(values ? { values } : {}) }] }, l);
    assert.deepEqual([expr('In', ['front', 'back']), expr('In', ['back']), expr('In')], [true, false, false]);
    assert.deepEqual([expr('NotIn', ['back']), expr('NotIn', ['front']), expr('NotIn')], [true, false, true]);
    assert.deepEqual([expr('Exists'), expr('DoesNotExist'), expr('Equals', ['front'])], [true, false, false]);
    const absent = (operator: string) => selectorMatches({ matchExpressions: [{ key: 'zone', operator, values: ['a'] }] }, l);
    assert.deepEqual([absent('In'), absent('NotIn'), absent('Exists'), absent('DoesNotExist')], [false, true, false, true]);
    assert.equal(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, l), false);
  });

  it('fmtDuration: tenths below 10s, then seconds, minutes, and hours when the minutes are whole', () => {
    const ms = [0, 400, 1_000, 9_950, 10_000, 59_000, 60_000, 90_000, 3_600_000, 5_400_000, 7_200_000, 3_630_000];
    assert.deepEqual(ms.map(fmtDuration), ['0s', '0.4s', '1s', '9.9s', '10s', '59s', '1m', '1m30s', '1h', '1h30m', '2h', '60m30s']);
  });

  it('windowRule: the release settings, or 1h and 0', () => {
    assert.deepEqual(windowRule({ ...health, restartWindowMs: 300_000, maxRecentRestarts: 2 }, 42), { kind: 'window', windowMs: 300_000, max: 2, now: 42 });
    assert.deepEqual(windowRule(health, 42), { kind: 'window', windowMs: 3_600_000, max: 0, now: 42 });
  });
});

describe('evaluateGate: every gated kind', () => {
  const refs: ObjectRef[] = [
    { kind: 'StatefulSet', namespace: 'shop', name: 'db' },
    { kind: 'DaemonSet', namespace: 'shop', name: 'agent' },
    { kind: 'Job', namespace: 'shop', name: 'migrate' },
    { kind: 'Pod', namespace: 'shop', name: 'debug' },
  ];
  const job = () => withPod('job-complete', (j) => ((j.spec as Record<string, unknown>).selector = { matchLabels: { 'job-name': 'migrate' } }));
  const done = (): LiveObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'migrate-x', namespace: 'shop', uid: 'pod-migrate-x', labels: { 'job-name': 'migrate' } },
    status: { phase: 'Succeeded', conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }], containerStatuses: [{ name: 'migrate', ready: false, restartCount: 0 }] },
  });
  const objects = () => [
    fixture('statefulset-healthy'),
    podAs('pod-ready', 'db-0', { app: 'db', 'controller-revision-hash': 'db-7b5' }),
    podAs('pod-crashloop', 'db-old', { app: 'db', 'controller-revision-hash': 'db-6a4' }),
    fixture('daemonset-healthy'),
    podAs('pod-ready', 'agent-a', { app: 'agent', 'pod-template-generation': '4' }),
    podAs('pod-crashloop', 'agent-old', { app: 'agent', 'pod-template-generation': '3' }),
    job(),
    done(),
    podAs('pod-ready', 'debug', {}),
  ];

  it('StatefulSet, DaemonSet, Job and a bare Pod: each judged, the pods of their current revision counted', () => {
    const r = evaluateGate({ ...input('deployment-healthy', []), owned: refs, snapshot: { objects: objects(), events: [], fetchedAt: 0 } });
    assert.deepEqual(r.objects, [
      { ...refs[0]!, status: 'Healthy', message: '3/3 pods ready at revision db-7b5' },
      { ...refs[1]!, status: 'Healthy', message: '3/3 pods updated and available' },
      { ...refs[2]!, status: 'Healthy', message: 'Job migrate completed' },
      { ...refs[3]!, status: 'Healthy', message: 'Pod debug is Ready' },
    ]);
    // the crashing pods of the previous revisions are ignored; the Job's completed pod is not "not Ready"
    assert.deepEqual([r.phase, r.reason, r.pods, r.failingPods], ['soaking', 'rolled out; soaking for 2s', 4, []]);
  });

  it('without pod-template-generation on every pod, all the pods a DaemonSet selects are its own; without updateRevision, all a StatefulSet selects', () => {
    const unlabelled = objects().map((o) => (o.metadata.name === 'agent-old' ? podAs('pod-crashloop', 'agent-old', { app: 'agent' }) : o));
    assert.match(evaluateGate({ ...input('deployment-healthy', []), owned: refs, snapshot: { objects: unlabelled, events: [], fetchedAt: 0 } }).reason, /^pod agent-old is in CrashLoopBackOff/);
    const norev = objects().map((o) => (o.kind === 'StatefulSet' ? withPod('statefulset-healthy', (s) => delete (s.status as Record<string, unknown>).updateRevision) : o));
    assert.match(evaluateGate({ ...input('deployment-healthy', []), owned: refs, snapshot: { objects: norev, events: [], fetchedAt: 0 } }).reason, /^pod db-old is in CrashLoopBackOff/);
  });

  it("a StatefulSet's and a DaemonSet's available pods not seen Ready yet: wait for the pods' view, until the timeout", () => {
    const both = [fixture('statefulset-healthy'), fixture('daemonset-healthy')];
    const at = (elapsedMs: number) => evaluateGate({ ...input('deployment-healthy', []), owned: refs.slice(0, 2), snapshot: { objects: both, events: [], fetchedAt: 0 }, elapsedMs });
    const views = "StatefulSet db reports 3 available pods, 0 Ready seen yet; DaemonSet agent reports 3 available pods, 0 Ready seen yet";
    assert.deepEqual([at(1_000).phase, at(1_000).reason, at(1_000).failingPods], ['rolling-out', `waiting for the pods' view: ${views}`, []]);
    assert.deepEqual([at(300_000).phase, at(300_000).reason, at(300_000).failingPods], ['failed', `timed out after 5m waiting for the pods' view: ${views}`, []]);
  });

  it('a DaemonSet on no node has no pods to see: it soaks', () => {
    const none = withPod('daemonset-healthy', (d) => (d.status = { observedGeneration: 4, desiredNumberScheduled: 0, numberAvailable: 0 }));
    const r = evaluateGate({ ...input('deployment-healthy', []), owned: [refs[1]!], snapshot: { objects: [none], events: [], fetchedAt: 0 } });
    assert.deepEqual([r.phase, r.objects[0]?.message], ['soaking', 'no node matches the daemon set: 0 pods scheduled']);
  });

  it("a Deployment whose current ReplicaSet is not seen yet has no current pods; one whose ReplicaSet's available pods are all seen Ready soaks", () => {
    const lagging = evaluateGate(input('deployment-healthy', [fixture('pod-ready')], { owned: [owned[0]!] }));
    const ahead = input('deployment-healthy', [fixture('pod-ready')], { owned: [owned[0]!] });
    ahead.snapshot = { ...ahead.snapshot, objects: ahead.snapshot.objects.map((o) => (o.kind === 'Deployment' ? withPod('deployment-healthy', (d) => (d.metadata.annotations = { 'deployment.kubernetes.io/revision': '3' })) : o)) };
    assert.equal(lagging.phase, 'soaking');
    assert.deepEqual([evaluateGate(ahead).phase, evaluateGate(ahead).reason, evaluateGate(ahead).pods], ['rolling-out', "waiting for the pods' view: Deployment web reports 3 available pods, 0 Ready seen yet", 0]);
    ahead.snapshot = { ...ahead.snapshot, objects: [...ahead.snapshot.objects, podAs('pod-ready', 'web-bare', { app: 'web' })] };
    assert.equal(evaluateGate(ahead).pods, 0);
    // its current ReplicaSet is the one it owns with its revision: not another Deployment's, not one without owner
    const crowded = input('deployment-healthy', [fixture('pod-ready')], { owned: [owned[0]!] });
    const rsOf = (metadata: LiveObject['metadata']): LiveObject => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata });
    const foreign = rsOf({ name: 'api-aaaa', namespace: 'shop', labels: { app: 'api', 'pod-template-hash': 'aaaa' }, annotations: { 'deployment.kubernetes.io/revision': '2' }, ownerReferences: [{ kind: 'Deployment', name: 'api', uid: 'api-uid' }] });
    const orphan = rsOf({ name: 'web-orphan', namespace: 'shop' });
    const unannotated = rsOf({ name: 'web-0ld', namespace: 'shop', ownerReferences: [{ kind: 'Deployment', name: 'web', uid: '11111111-aaaa-4000-8000-000000000001' }] });
    crowded.snapshot = { ...crowded.snapshot, objects: [foreign, orphan, unannotated, ...crowded.snapshot.objects] };
    assert.deepEqual([evaluateGate(crowded).phase, evaluateGate(crowded).pods], ['soaking', 1]);
    // a ReplicaSet with a second owner is still the Deployment's
    const twoOwners = input('deployment-healthy', [fixture('pod-ready')], { owned: [owned[0]!] });
    twoOwners.snapshot = { ...twoOwners.snapshot, objects: twoOwners.snapshot.objects.map((o) => (o.metadata.name === 'web-7d9f' ? rsOf({ ...o.metadata, ownerReferences: [...(o.metadata.ownerReferences ?? []), { kind: 'Rollout', name: 'web', uid: 'rollout-uid' }] }) : o)) };
    assert.deepEqual([evaluateGate(twoOwners).phase, evaluateGate(twoOwners).pods], ['soaking', 1]);
    // its current ReplicaSet without a pod-template-hash: no pod is known to be current, not even an unlabelled one
    const hashless = input('deployment-healthy', [fixture('pod-ready'), podAs('pod-ready', 'web-bare', { app: 'web' })], { owned: [owned[0]!] });
    hashless.snapshot = { ...hashless.snapshot, objects: hashless.snapshot.objects.map((o) => (o.metadata.name === 'web-7d9f' ? rsOf({ ...o.metadata, labels: undefined }) : o)) };
    assert.deepEqual([evaluateGate(hashless).phase, evaluateGate(hashless).pods], ['rolling-out', 0]);
    // no revision annotation yet: every pod it selects is current
    const norev = input('deployment-healthy', [fixture('pod-ready')], { owned: [owned[0]!] });
    norev.snapshot = { ...norev.snapshot, objects: norev.snapshot.objects.map((o) => (o.kind === 'Deployment' ? withPod('deployment-healthy', (d) => delete d.metadata.annotations) : o)) };
    assert.deepEqual([evaluateGate(norev).phase, evaluateGate(norev).pods], ['soaking', 1]);
    const counted = input('deployment-healthy', [fixture('pod-ready')], { owned: [owned[0]!] });
    const rs = counted.snapshot.objects.find((o) => o.kind === 'ReplicaSet' && o.metadata.name === 'web-7d9f')!;
    (rs as { status?: unknown }).status = { availableReplicas: 1 };
    assert.equal(evaluateGate(counted).phase, 'soaking');
  });
});

describe('evaluateGate: pods, events and restarts in the reasons', () => {
  const ev = (name: string, at: string, over: Record<string, unknown>): LiveObject => ({
    kind: 'Event',
    metadata: { name, namespace: 'shop' },
    involvedObject: { kind: 'Pod', name: 'web-7d9f-crash', namespace: 'shop', uid: 'pod-web-7d9f-crash' },
    lastTimestamp: at,
    ...over,
  });

  it("a failing pod's last five events, oldest first: only its own (kind, name, uid when both have one)", () => {
    const events = [
      ev('e5', '2026-11-22T01:00:05Z', { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', count: 5 }),
      ev('x1', '2026-11-22T01:00:06Z', { type: 'Warning', reason: 'Other', involvedObject: { kind: 'ReplicaSet', name: 'web-7d9f-crash', namespace: 'shop' } }),
      ev('e1', '2026-11-22T01:00:01Z', { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', count: 2 }),
      ev('x2', '2026-11-22T01:00:07Z', { type: 'Warning', reason: 'Earlier', involvedObject: { kind: 'Pod', name: 'web-7d9f-crash', namespace: 'shop', uid: 'a-pod-gone' } }),
      ev('e3', '2026-11-22T01:00:03Z', { count: 1 }),
      { kind: 'Event', metadata: { name: 'x3', namespace: 'shop' }, reason: 'Nothing', lastTimestamp: '2026-11-22T01:00:08Z' },
      ev('e2', '2026-11-22T01:00:02Z', { type: 'Normal', reason: 'Pulled', message: 'Container image "web:2" already present', involvedObject: { kind: 'Pod', name: 'web-7d9f-crash', namespace: 'shop' } }),
      ev('e0', '2026-11-22T01:00:00Z', { type: 'Normal', reason: 'Scheduled', message: 'assigned' }),
      ev('e4', '2026-11-22T01:00:04Z', { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container', count: 3 }),
    ];
    const inp = input('deployment-progressing', [fixture('pod-crashloop')]);
    inp.snapshot = { ...inp.snapshot, events };
    assert.deepEqual(evaluateGate(inp).failingPods[0]?.events, [
      'Warning BackOff: Back-off restarting failed container (x2)',
      'Normal Pulled: Container image "web:2" already present',
      'Normal : ',
      'Warning BackOff: Back-off restarting failed container (x3)',
      'Warning BackOff: Back-off restarting failed container (x5)',
    ]);
  });

  it('while the controller has not observed the new spec, no pod is current: a crashing pod does not fail the gate', () => {
    const r = evaluateGate(input('deployment-observed-old-generation', [fixture('pod-crashloop')]));
    assert.deepEqual([r.phase, r.pods, r.failingPods], ['rolling-out', 0, []]);
  });

  it('pods of the same name in two namespaces are two pods; a terminating bare pod is none', () => {
    const inNs = (o: LiveObject, namespace: string): LiveObject => ({ ...o, metadata: { ...o.metadata, namespace, uid: `${o.metadata.uid}-${namespace}` } });
    const sts = fixture('statefulset-healthy');
    const db0 = podAs('pod-ready', 'db-0', { app: 'db', 'controller-revision-hash': 'db-7b5' });
    const debug = podAs('pod-ready', 'debug', {});
    const objects = [inNs(sts, 'shop'), inNs(sts, 'other'), inNs(db0, 'shop'), inNs(db0, 'other'), inNs(debug, 'shop'), inNs(debug, 'other')];
    const refs: ObjectRef[] = ['shop', 'other'].flatMap((namespace) => [{ kind: 'StatefulSet', namespace, name: 'db' }, { kind: 'Pod', namespace, name: 'debug' }]);
    assert.equal(evaluateGate({ ...input('deployment-healthy', []), owned: refs, snapshot: { objects, events: [], fetchedAt: 0 } }).pods, 4);
    const terminating = withPod('pod-ready', (p) => ((p.metadata.name = 'debug'), (p.metadata.labels = {}), (p.metadata.deletionTimestamp = '2026-11-22T01:00:00Z')));
    const r = evaluateGate({ ...input('deployment-healthy', []), owned: [{ kind: 'Pod', namespace: 'shop', name: 'debug' }], snapshot: { objects: [terminating], events: [], fetchedAt: 0 } });
    assert.deepEqual([r.pods, r.reason], [0, 'Pod debug: Pod debug is terminating']);
  });

  it('a pod read without a namespace is reported with an empty one', () => {
    const bare = withPod('pod-crashloop', (p) => delete p.metadata.namespace);
    const r = evaluateGate({ ...input('deployment-healthy', [bare]), owned: [{ kind: 'Pod', namespace: 'shop', name: 'web-7d9f-crash' }] });
    assert.deepEqual([r.failingPods[0]?.name, r.failingPods[0]?.namespace], ['web-7d9f-crash', '']);
  });

  it('one pod failing is named alone; more are counted', () => {
    const crash = (name: string) => podAs('pod-crashloop', name, web);
    const one = evaluateGate(input('deployment-progressing', [crash('web-7d9f-a')]));
    assert.equal(one.reason, 'pod web-7d9f-a is in CrashLoopBackOff: container web: back-off 1m20s restarting failed container=web pod=web-7d9f-crash_shop(pod-web-7d9f-crash) (last exit: Error, code 1)');
    assert.match(evaluateGate(input('deployment-progressing', [crash('web-7d9f-b'), crash('web-7d9f-a')])).reason, /^pod web-7d9f-a is in CrashLoopBackOff: .* \(and 1 more pod\)$/);
    const three = evaluateGate(input('deployment-progressing', [crash('web-7d9f-c'), crash('web-7d9f-b'), crash('web-7d9f-a')]));
    assert.match(three.reason, /^pod web-7d9f-a is in CrashLoopBackOff: .* \(and 2 more pods\)$/);
    assert.deepEqual(three.failingPods.map((p) => p.name), ['web-7d9f-a', 'web-7d9f-b', 'web-7d9f-c']);
  });

  it('the autoscaler is asked about Unschedulable pods only; its last word counts, FailedScaleUp ends the wait', () => {
    const pod = fixture('pod-unschedulable');
    const scaler = (reason: string, at: string, message?: string): LiveObject => ({
      kind: 'Event',
      metadata: { name: `s.${reason}`, namespace: 'shop' },
      involvedObject: { kind: 'Pod', name: pod.metadata.name, namespace: 'shop', uid: pod.metadata.uid! },
      type: 'Normal',
      reason,
      ...(message ? { message } : {}),
      lastTimestamp: at,
    });
    const withEvents = (pods: LiveObject[], events: LiveObject[]) => {
      const i = input('deployment-progressing', pods);
      i.snapshot = { ...i.snapshot, events };
      return evaluateGate(i);
    };
    const triggered = scaler('TriggeredScaleUp', '2026-11-22T01:00:02Z');
    // a later event of another reason does not end the wait; a scale-up without message is named anyway
    const waiting = withEvents([pod], [triggered, scaler('FailedScheduling', '2026-11-22T01:00:09Z', '0/3 nodes are available')]);
    assert.deepEqual([waiting.phase, waiting.reason, waiting.failingPods], [
      'rolling-out',
      'Deployment web: Waiting for rollout to finish: 2 out of 3 new replicas have been updated; pod web-7d9f-unsched is Unschedulable, the cluster autoscaler is adding a node (scale-up triggered)',
      [],
    ]);
    assert.equal(withEvents([pod], [triggered, scaler('FailedScaleUp', '2026-11-22T01:00:09Z', 'quota exceeded')]).phase, 'failed');
    // a crash loop is not waited for, whatever the autoscaler says about the pod
    const crash = fixture('pod-crashloop');
    assert.match(withEvents([crash], [{ ...triggered, involvedObject: { kind: 'Pod', name: crash.metadata.name, namespace: 'shop', uid: crash.metadata.uid! } }]).reason, /^pod web-7d9f-crash is in CrashLoopBackOff: /);
  });

  it('restarts since the gate started: the pods that restarted, by name, each with its count', () => {
    const restarted = (name: string, n: number) => withPod('pod-ready', (p) => ((p.metadata.name = name), (p.metadata.uid = `pod-${name}`), ((p.status as { containerStatuses: { restartCount: number }[] }).containerStatuses[0]!.restartCount = n)));
    const r = evaluateGate(input('deployment-healthy', [restarted('web-7d9f-c', 0), restarted('web-7d9f-b', 1), restarted('web-7d9f-a', 2)], { restartBaseline: { 'pod-web-7d9f-c': 0 } }));
    assert.equal(r.reason, '3 container restarts since the gate started, more than maxRestarts 0: web-7d9f-a (2), web-7d9f-b (1)');
    assert.deepEqual(r.failingPods.map((p) => [p.name, p.reason, p.message, p.restarts]), [
      ['web-7d9f-a', 'Restarts', 'restarted 2 times since the gate started', 2],
      ['web-7d9f-b', 'Restarts', 'restarted 1 time since the gate started', 1],
    ]);
    assert.deepEqual([r.restarts, r.pods], [3, 3]);
  });

  it('the restart window (status, drift): per pod, every container restarted within it, against maxRecentRestarts', () => {
    const NOW = Date.parse('2026-11-22T01:00:00Z');
    const twice = withPod('pod-restarted-recently', (p) => {
      const st = p.status as { containerStatuses: Record<string, unknown>[] };
      st.containerStatuses.push({ ...st.containerStatuses[0], name: 'sidecar', restartCount: 1, lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: '2026-11-22T00:55:00Z' } } });
    });
    const other = podAs('pod-restarted-recently', 'web-7d9f-other', web);
    const views = new SnapshotViews([fixture('deployment-healthy'), ...[twice, other]], []);
    const judge = (max: number) => judgeInstant({ owned: [owned[0]!], baseline: {}, specChanged: 'all', health, views, restarts: { ...windowRule(health, NOW), max } }).restarts;
    assert.deepEqual(judge(0), {
      total: 7,
      over: true,
      pods: [
        { namespace: 'shop', name: 'web-7d9f-other', reason: 'Restarts', message: 'container web restarted 3 times, last at 2026-11-22T00:50:00Z (10m ago, within restartWindow 1h; maxRecentRestarts 0)', restarts: 3, events: [] },
        { namespace: 'shop', name: 'web-7d9f-restarting', reason: 'Restarts', message: 'containers web, sidecar restarted 4 times, last at 2026-11-22T00:55:00Z (5m ago, within restartWindow 1h; maxRecentRestarts 0)', restarts: 4, events: [] },
      ],
      reason:
        'pod web-7d9f-other: container web restarted 3 times, last at 2026-11-22T00:50:00Z (10m ago, within restartWindow 1h; maxRecentRestarts 0); pod web-7d9f-restarting: containers web, sidecar restarted 4 times, last at 2026-11-22T00:55:00Z (5m ago, within restartWindow 1h; maxRecentRestarts 0)',
    });
    assert.deepEqual(judge(4), { total: 7, over: false, pods: [], reason: '' });
  });
});

describe('evaluateGate: every phase of the soak', () => {
  const ready = () => [fixture('pod-ready')];
  const soak = { elapsedMs: 2_500, soakStartedMs: 1_000 };

  it('before the soak: a rollout waiting for a new generation is a rollout, not a soak restarting', () => {
    const r = evaluateGate(input('deployment-observed-old-generation', ready()));
    assert.deepEqual([r.phase, r.reason, r.failingPods], ['rolling-out', 'Deployment web: Waiting for rollout to finish: observed deployment generation less than desired generation', []]);
  });

  it('during the soak: a StatefulSet or DaemonSet of a new generation starts the soak again', () => {
    for (const [kind, name, fx] of [['StatefulSet', 'db', 'statefulset-observed-old-generation'], ['DaemonSet', 'agent', 'daemonset-observed-old-generation']] as const) {
      const r = evaluateGate({ ...input('deployment-healthy', [], soak), owned: [{ kind, namespace: 'shop', name }], snapshot: { objects: [fixture(fx)], events: [], fetchedAt: 0 } });
      assert.deepEqual([r.phase, r.failingPods], ['rolling-out', []], kind);
      assert.match(r.reason, /^a new generation appeared during the soak, the soak starts again: /);
    }
  });

  it('during the soak: a new generation at the timeout, with a pod lost, or with another object unhealthy fails', () => {
    const late = evaluateGate(input('deployment-observed-old-generation', ready(), { elapsedMs: 300_000, soakStartedMs: 1_000 }));
    assert.deepEqual([late.phase, late.reason], ['failed', 'no longer healthy after 4m59s of soak: Deployment web: Waiting for rollout to finish: observed deployment generation less than desired generation']);
    // the pod lost is the StatefulSet's (rolled out); the Deployment awaiting its new generation has no current pods
    const dbPod = (name: string) => podAs('pod-running-not-ready', name, { app: 'db', 'controller-revision-hash': 'db-7b5' });
    const withDb = input('deployment-observed-old-generation', [fixture('statefulset-healthy'), dbPod('db-1'), dbPod('db-0')], { ...soak, health: { ...health, maxRestarts: 5 } });
    const lost = evaluateGate({ ...withDb, owned: [owned[0]!, { kind: 'StatefulSet', namespace: 'shop', name: 'db' }] });
    assert.deepEqual([lost.phase, lost.reason, lost.failingPods.map((p) => p.name)], [
      'failed',
      'pod db-0, db-1 lost Ready during the soak; no longer healthy after 1.5s of soak: Deployment web: Waiting for rollout to finish: observed deployment generation less than desired generation',
      ['db-0', 'db-1'],
    ]);
    const two = evaluateGate(input('deployment-observed-old-generation', ready(), soak, 'service-0-ready-endpoints'));
    assert.deepEqual([two.phase, two.reason], [
      'failed',
      'no longer healthy after 1.5s of soak: Deployment web: Waiting for rollout to finish: observed deployment generation less than desired generation; Service web: Waiting for endpoints: Service web has 0 ready endpoints, needs at least 1',
    ]);
  });

  it('during the soak: a Deployment gone is a failure', () => {
    const i = input('deployment-healthy', ready(), soak);
    i.snapshot = { ...i.snapshot, objects: i.snapshot.objects.filter((o) => o.kind !== 'Deployment') };
    const r = evaluateGate(i);
    assert.deepEqual([r.phase, r.reason], ['failed', 'no longer healthy after 1.5s of soak: Deployment web: Deployment web not found in namespace shop']);
  });

  it('during the soak: a pod not scheduled yet is new, not lost (the soak starts again), until the timeout; a scheduled pod not Ready is lost', () => {
    const fresh = unplaced('web-7d9f-new', web);
    const r = evaluateGate(input('deployment-healthy', [...ready(), fresh], soak));
    assert.deepEqual([r.phase, r.reason, r.failingPods], ['rolling-out', 'pod web-7d9f-new appeared during the soak, not scheduled yet; the soak starts again', []]);
    const late = evaluateGate(input('deployment-healthy', [...ready(), fresh], { elapsedMs: 300_000, soakStartedMs: 1_000 }));
    assert.deepEqual([late.phase, late.reason], ['failed', 'pod web-7d9f-new lost Ready during the soak: Pod web-7d9f-new is waiting to be scheduled']);
    const creating = evaluateGate(input('deployment-healthy', [...ready(), fixture('pod-container-creating')], soak));
    assert.deepEqual([creating.phase, creating.reason], ['failed', 'pod web-7d9f-creating lost Ready during the soak: Pod web-7d9f-creating: container web is waiting: ContainerCreating']);
    // a running pod is scheduled, whatever its conditions say; a condition other than PodScheduled says nothing about scheduling
    const running = evaluateGate(input('deployment-healthy', [...ready(), podAs('pod-running-no-conditions', 'web-7d9f-run', web)], soak));
    assert.deepEqual([running.phase, running.reason], ['failed', 'pod web-7d9f-run lost Ready during the soak: Pod web-7d9f-run is running but not Ready: readiness probe not passing']);
    const custom = withPod('pod-container-creating', (p) => ((p.metadata.name = 'web-7d9f-custom'), (p.status = { phase: 'Pending', conditions: [{ type: 'example.com/registered', status: 'True' }] })));
    assert.equal(evaluateGate(input('deployment-healthy', [...ready(), custom], soak)).reason, 'pod web-7d9f-custom appeared during the soak, not scheduled yet; the soak starts again');
    // held back by a scheduling gate: not scheduled either
    const gated = withPod('pod-container-creating', (p) => ((p.metadata.name = 'web-7d9f-gated'), (p.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] })));
    assert.equal(evaluateGate(input('deployment-healthy', [...ready(), gated], soak)).reason, 'pod web-7d9f-gated appeared during the soak, not scheduled yet; the soak starts again');
    const both = evaluateGate(input('deployment-healthy', [...ready(), fresh, fixture('pod-container-creating')], soak));
    assert.deepEqual([both.phase, both.reason], ['failed', 'pod web-7d9f-creating, web-7d9f-new lost Ready during the soak: Pod web-7d9f-creating: container web is waiting: ContainerCreating']);
  });

  it('rolled out but a current pod not Ready yet: wait for it, until the timeout', () => {
    const pods = [fixture('pod-running-not-ready'), podAs('pod-running-not-ready', 'web-7d9f-b', web)];
    const h = { ...health, maxRestarts: 5 };
    const r = evaluateGate(input('deployment-healthy', pods, { health: h }));
    assert.deepEqual([r.phase, r.reason, r.failingPods], ['rolling-out', 'waiting for pod web-7d9f-b, web-7d9f-notready to be Ready', []]);
    const late = evaluateGate(input('deployment-healthy', pods, { health: h, elapsedMs: 300_000 }));
    assert.deepEqual([late.phase, late.reason, late.failingPods.map((p) => p.name)], ['failed', 'timed out after 5m: pod web-7d9f-b, web-7d9f-notready not Ready', ['web-7d9f-b', 'web-7d9f-notready']]);
  });

  it('a prometheus check is waited for like an http one; every verdict but a failure names no pod', () => {
    const h = { ...health, prometheus: { url: 'http://prometheus:9090', query: 'errors', max: 0 } };
    const waiting = evaluateGate(input('deployment-healthy', ready(), { elapsedMs: 9_000, soakStartedMs: 1_000, health: h }));
    assert.deepEqual([waiting.phase, waiting.reason, waiting.failingPods], ['soaking', 'soaking: 8s of 2s', []]);
    const passed = evaluateGate(input('deployment-healthy', ready(), { elapsedMs: 9_000, soakStartedMs: 1_000, health: h, probes: [{ name: 'prometheus errors', ok: true, message: '0' }] }));
    assert.deepEqual([passed.phase, passed.failingPods], ['passed', []]);
    const bad = evaluateGate(input('deployment-healthy', ready(), { elapsedMs: 2_000, soakStartedMs: 1_000, health: h, probes: [{ name: 'prometheus errors', ok: false, message: '3 > 0' }] }));
    assert.deepEqual([bad.phase, bad.failingPods], ['failed', []]);
    const degraded = evaluateGate(input('deployment-progress-deadline', []));
    assert.deepEqual(degraded.failingPods, []);
  });
});
