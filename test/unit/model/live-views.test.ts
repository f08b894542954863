// The typed views health reads: each kind converted once from what an API
// server answered, a field of the wrong type read as absent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  asDaemonSet,
  asDeployment,
  asEndpoints,
  asEndpointSlice,
  asEvent,
  asHorizontalPodAutoscaler,
  asJob,
  asPod,
  asService,
  asStatefulSet,
} from '../../../src/model/live-views.ts';

const metadata = { name: 'web', namespace: 'shop', generation: 4 };

describe('label selectors', () => {
  it('matchLabels keep their string values; matchExpressions keep those with a key and an operator, and their string values', () => {
    const d = asDeployment({
      kind: 'Deployment',
      metadata,
      spec: {
        selector: {
          matchLabels: { app: 'web', replicas: 3, tier: null },
          matchExpressions: [
            { key: 'env', operator: 'In', values: ['prod', 7, 'staging'] },
            { key: 'team', operator: 'Exists' },
            { key: 'no-operator', values: ['x'] },
            { operator: 'NotIn', values: ['no-key'] },
            'not an expression',
          ],
        },
      },
    });
    assert.deepEqual(d.spec.selector, {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'staging'] },
        { key: 'team', operator: 'Exists', values: [] },
      ],
    });
  });

  it('an empty selector object is a selector (of everything); no selector, null or a string is none', () => {
    const sel = (selector: unknown) => asJob({ kind: 'Job', metadata, spec: { selector } }).spec.selector;
    assert.deepEqual(sel({}), { matchLabels: {}, matchExpressions: [] });
    assert.equal(sel(undefined), undefined);
    assert.equal(sel(null), undefined);
    assert.equal(sel('app=web'), undefined);
  });

  it("a Service's selector keeps its string values; null or a list is no selector", () => {
    const selector = (s: unknown) => asService({ kind: 'Service', metadata, spec: { type: 'ClusterIP', selector: s } }).spec.selector;
    assert.deepEqual(selector({ app: 'web', port: 80 }), { app: 'web' });
    assert.equal(selector(null), undefined);
    assert.equal(selector(['app=web']), undefined);
    assert.equal(selector(undefined), undefined);
  });
});

describe('workload views', () => {
  it('a Deployment: replicas, pause, rollout counts and typed conditions (one without a type is dropped)', () => {
    const d = asDeployment({
      kind: 'Deployment',
      metadata,
      spec: { replicas: 3, paused: false },
      status: {
        observedGeneration: 4,
        replicas: 3,
        updatedReplicas: 2,
        availableReplicas: 1,
        conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'down' }, { status: 'True' }, { type: 7, status: 'True' }, { type: 'Progressing', status: 'True', reason: 5 }],
      },
    });
    assert.deepEqual(d, {
      kind: 'Deployment',
      metadata,
      spec: { replicas: 3, paused: false, selector: undefined },
      status: {
        observedGeneration: 4,
        replicas: 3,
        updatedReplicas: 2,
        availableReplicas: 1,
        conditions: [
          { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'down' },
          { type: 'Progressing', status: 'True', reason: undefined, message: undefined },
        ],
      },
    });
  });

  it('a number that is not finite reads as absent', () => {
    const d = asDeployment({ kind: 'Deployment', metadata, spec: { replicas: Number.POSITIVE_INFINITY }, status: { availableReplicas: Number.NaN, updatedReplicas: 2 } });
    assert.equal(d.spec.replicas, undefined);
    assert.equal(d.status.availableReplicas, undefined);
    assert.equal(d.status.updatedReplicas, 2);
  });

  it('a StatefulSet: update strategy with its partition, revisions', () => {
    const s = asStatefulSet({
      kind: 'StatefulSet',
      metadata,
      spec: { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } },
      status: { observedGeneration: 4, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 1, currentRevision: 'web-1', updateRevision: 'web-2', conditions: [] },
    });
    assert.deepEqual(s, {
      kind: 'StatefulSet',
      metadata,
      spec: { replicas: 3, selector: undefined, updateStrategy: { type: 'RollingUpdate', partition: 2 } },
      status: { observedGeneration: 4, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 1, currentRevision: 'web-1', updateRevision: 'web-2', conditions: [] },
    });
  });

  it('a DaemonSet: update strategy and scheduling counts; a wrong-typed strategy type reads as absent', () => {
    const d = asDaemonSet({
      kind: 'DaemonSet',
      metadata,
      spec: { updateStrategy: { type: 'OnDelete' } },
      status: { observedGeneration: 4, desiredNumberScheduled: 5, updatedNumberScheduled: 4, numberAvailable: 3 },
    });
    assert.deepEqual(d, {
      kind: 'DaemonSet',
      metadata,
      spec: { selector: undefined, updateStrategy: { type: 'OnDelete' } },
      status: { observedGeneration: 4, desiredNumberScheduled: 5, updatedNumberScheduled: 4, numberAvailable: 3, conditions: [] },
    });
    assert.deepEqual(asDaemonSet({ kind: 'DaemonSet', metadata, spec: { updateStrategy: { type: 1 } } }).spec.updateStrategy, { type: undefined });
  });

  it('a Job: suspension and pod counts', () => {
    const j = asJob({ kind: 'Job', metadata, spec: { suspend: true }, status: { active: 1, succeeded: 2, failed: 3, conditions: [{ type: 'Failed', status: 'True' }] } });
    assert.deepEqual(j, {
      kind: 'Job',
      metadata,
      spec: { suspend: true, selector: undefined },
      status: { observedGeneration: undefined, active: 1, succeeded: 2, failed: 3, conditions: [{ type: 'Failed', status: 'True', reason: undefined, message: undefined }] },
    });
  });
});

describe('pods', () => {
  it('the containers of the spec by name (entries without a string name left out), and the status of each', () => {
    const p = asPod({
      kind: 'Pod',
      metadata,
      spec: { containers: [{ name: 'app' }, { image: 'nameless' }, 'sidecar', { name: 3 }, { name: 'proxy' }] },
      status: {
        phase: 'Running',
        reason: 7,
        message: 'ok',
        containerStatuses: [
          { name: 'app', ready: true, restartCount: 0, state: { running: {} } },
          { name: 'proxy', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } }, lastState: { terminated: { reason: 'Error', exitCode: 1, finishedAt: '2026-01-01T00:00:00Z' } } },
          { ready: 'yes', restartCount: '2' },
        ],
        initContainerStatuses: [{ name: 'init', ready: false, restartCount: 1, state: { waiting: {} } }],
      },
    });
    assert.deepEqual(p.spec.containers, ['app', 'proxy']);
    assert.deepEqual(p.status, {
      phase: 'Running',
      reason: undefined,
      message: 'ok',
      conditions: [],
      containerStatuses: [
        { name: 'app', ready: true, restartCount: 0 },
        {
          name: 'proxy',
          ready: false,
          restartCount: 4,
          waiting: { reason: 'CrashLoopBackOff', message: 'back-off' },
          lastTerminated: { reason: 'Error', exitCode: 1, message: undefined, finishedAt: '2026-01-01T00:00:00Z' },
        },
        { name: '', ready: undefined, restartCount: 0 },
      ],
      initContainerStatuses: [{ name: 'init', ready: false, restartCount: 1, waiting: { reason: undefined, message: undefined } }],
    });
    assert.equal(p.kind, 'Pod');
  });
});

describe('services and endpoints', () => {
  it('an EndpointSlice: each endpoint with its string addresses, readiness, and target (uid first, else name)', () => {
    const s = asEndpointSlice({
      kind: 'EndpointSlice',
      metadata,
      endpoints: [
        { addresses: ['10.0.0.1', 7, '10.0.0.2'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'web-a', uid: 'u-a' } },
        { addresses: ['10.0.0.3'], conditions: {}, targetRef: { kind: 'Pod', name: 'web-b' } },
        { addresses: 'none' },
      ],
    });
    assert.deepEqual(s, {
      kind: 'EndpointSlice',
      metadata,
      endpoints: [
        { addresses: ['10.0.0.1', '10.0.0.2'], ready: true, target: 'u-a' },
        { addresses: ['10.0.0.3'], ready: undefined, target: 'web-b' },
        { addresses: [], ready: undefined, target: undefined },
      ],
    });
  });

  it('v1 Endpoints: ready and not-ready addresses counted per subset', () => {
    const e = asEndpoints({ kind: 'Endpoints', metadata, subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], notReadyAddresses: [{ ip: '10.0.0.3' }] }, {}] });
    assert.deepEqual(e, { kind: 'Endpoints', metadata, subsets: [{ ready: 2, notReady: 1 }, { ready: 0, notReady: 0 }] });
  });

  it('a Service: its type', () => {
    assert.deepEqual(asService({ kind: 'Service', metadata, spec: { type: 'LoadBalancer' } }), { kind: 'Service', metadata, spec: { type: 'LoadBalancer', selector: undefined } });
    assert.equal(asService({ kind: 'Service', metadata, spec: { type: 5 } }).spec.type, undefined);
  });
});

describe('HorizontalPodAutoscaler', () => {
  it('its scale target; without a spec, no target', () => {
    const hpa = asHorizontalPodAutoscaler({ kind: 'HorizontalPodAutoscaler', metadata, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } });
    assert.deepEqual(hpa, { kind: 'HorizontalPodAutoscaler', metadata, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' } } });
    assert.deepEqual(asHorizontalPodAutoscaler({ kind: 'HorizontalPodAutoscaler', metadata }), { kind: 'HorizontalPodAutoscaler', metadata, spec: { scaleTargetRef: undefined } });
    assert.deepEqual(asHorizontalPodAutoscaler({ kind: 'HorizontalPodAutoscaler', metadata, spec: {} }).spec.scaleTargetRef, { kind: undefined, name: undefined });
  });
});

describe('events', () => {
  const ev = (fields: Record<string, unknown>, creationTimestamp?: string) => asEvent({ kind: 'Event', metadata: { name: 'e', ...(creationTimestamp ? { creationTimestamp } : {}) }, ...fields });

  it('a core v1 Event: what it is about, its count, and when it last happened', () => {
    const e = ev({ type: 'Warning', reason: 'BackOff', message: 'restarting', count: 5, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:05:00Z', involvedObject: { kind: 'Pod', name: 'web-a', namespace: 'shop', uid: 'u-a' } }, '2026-01-01T00:00:00Z');
    assert.deepEqual(e, { type: 'Warning', reason: 'BackOff', message: 'restarting', count: 5, at: '2026-01-01T00:05:00Z', about: { kind: 'Pod', name: 'web-a', namespace: 'shop', uid: 'u-a' } });
  });

  it('an events.k8s.io/v1 Event: regarding, note, series count, eventTime', () => {
    const e = ev({ type: 'Normal', reason: 'Pulled', note: 'image pulled', eventTime: '2026-01-01T00:01:00Z', series: { count: 3 }, regarding: { kind: 'Pod', name: 'web-b' } }, '2026-01-01T00:00:00Z');
    assert.deepEqual(e, { type: 'Normal', reason: 'Pulled', message: 'image pulled', count: 3, at: '2026-01-01T00:01:00Z', about: { kind: 'Pod', name: 'web-b', namespace: undefined, uid: undefined } });
  });

  it('when: lastTimestamp, else eventTime, else firstTimestamp, else the creation time, else nothing', () => {
    const all = { lastTimestamp: 'last', eventTime: 'event', firstTimestamp: 'first' };
    assert.equal(ev(all, 'created').at, 'last');
    assert.equal(ev({ eventTime: 'event', firstTimestamp: 'first' }, 'created').at, 'event');
    assert.equal(ev({ firstTimestamp: 'first' }, 'created').at, 'first');
    assert.equal(ev({}, 'created').at, 'created');
    assert.equal(ev({}).at, '');
  });

  it('an Event about nothing has no `about`; its count is 1 when none is given', () => {
    const e = ev({ reason: 'Tick' });
    assert.equal('about' in e, false);
    assert.equal(e.count, 1);
    assert.equal(ev({ deprecatedCount: 2 }).count, 2);
  });
});
