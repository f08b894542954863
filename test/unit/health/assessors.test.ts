import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AssessContext } from '../../../src/health/baseline.ts';
import { assessDaemonSet } from '../../../src/health/daemonset.ts';
import { assessDeployment } from '../../../src/health/deployment.ts';
import { assessJob } from '../../../src/health/job.ts';
import { assessPod, podFailFast, podRecentRestarts, podRestarts } from '../../../src/health/pod.ts';
import { assessService, countEndpoints } from '../../../src/health/service.ts';
import { assessStatefulSet } from '../../../src/health/statefulset.ts';
import { worst } from '../../../src/health/status.ts';
import type { HealthResult, HealthStatusCode } from '../../../src/health/status.ts';
import { asDaemonSet, asDeployment, asEndpoints, asEndpointSlice, asJob, asPod, asService, asStatefulSet } from '../../../src/model/live-views.ts';
import { fixture, loadFixture } from './fixtures.ts';

type Case = [fixture: string, status: HealthStatusCode, message: string | RegExp, ctx?: AssessContext];

function check(assess: (name: string, ctx?: AssessContext) => HealthResult, cases: Case[]): void {
  for (const [name, status, message, ctx] of cases) {
    it(`${name}${ctx ? ' (with baseline)' : ''} -> ${status}`, () => {
      const r = assess(name, ctx);
      assert.equal(r.status, status, r.message);
      if (typeof message === 'string') assert.equal(r.message, message);
      else assert.match(r.message, message);
    });
  }
}

const depUid = '11111111-aaaa-4000-8000-000000000001';

describe('Deployment', () => {
  check((n, ctx) => assessDeployment(asDeployment(fixture(n)), ctx), [
    ['deployment-progressing', 'Progressing', 'Waiting for rollout to finish: 2 out of 3 new replicas have been updated'],
    ['deployment-healthy', 'Healthy', '3/3 replicas updated and available'],
    ['deployment-observed-old-generation', 'Progressing', 'Waiting for rollout to finish: observed deployment generation less than desired generation'],
    ['deployment-old-replicas-terminating', 'Progressing', 'Waiting for rollout to finish: 1 old replicas are pending termination'],
    ['deployment-unavailable', 'Progressing', 'Waiting for rollout to finish: 1 of 3 updated replicas are available'],
    ['deployment-paused', 'Suspended', /Deployment web is paused: resume it/],
    ['deployment-progress-deadline', 'Degraded', 'Deployment "web" exceeded its progress deadline: ReplicaSet "web-7d9f" has timed out progressing.'],
    // The old state is never taken for ready: same uid, same generation as before a spec-changing upgrade.
    ['deployment-old-generation', 'Progressing', 'Waiting for the upgrade to reach Deployment web: generation 2 is still the one recorded before the upgrade', { baseline: { uid: depUid, generation: 2 }, specChanged: true }],
    // ... but it is ready when the upgrade did not touch its spec,
    ['deployment-old-generation', 'Healthy', '3/3 replicas updated and available', { baseline: { uid: depUid, generation: 2 }, specChanged: false }],
    // ... when the object was recreated (new uid),
    ['deployment-old-generation', 'Healthy', '3/3 replicas updated and available', { baseline: { uid: 'another-uid', generation: 7 }, specChanged: true }],
    // ... and when its generation moved past the recorded one.
    ['deployment-healthy', 'Healthy', '3/3 replicas updated and available', { baseline: { uid: depUid, generation: 2 }, specChanged: true }],
  ]);
  check((n) => assessDeployment(asDeployment(fixture(n))), [['deployment-progress-deadline-no-message', 'Degraded', 'Deployment "web" exceeded its progress deadline']]);
});

describe('StatefulSet', () => {
  check((n, ctx) => assessStatefulSet(asStatefulSet(fixture(n)), ctx), [
    ['statefulset-healthy', 'Healthy', '3/3 pods ready at revision db-7b5'],
    ['statefulset-rolling', 'Progressing', 'Waiting for rollout to finish: 1 out of 3 new pods have been updated (revision db-7b5)'],
    ['statefulset-not-ready', 'Progressing', 'Waiting for 2 pods to be ready: 1 of 3 ready'],
    ['statefulset-observed-old-generation', 'Progressing', 'Waiting for statefulset spec update to be observed'],
    ['statefulset-partitioned', 'Healthy', 'partitioned roll out complete: 1 new pods have been updated'],
    ['statefulset-healthy', 'Progressing', /generation 2 is still the one recorded before the upgrade/, { baseline: { uid: '22222222-aaaa-4000-8000-000000000002', generation: 2 }, specChanged: true }],
  ]);
  check((n) => assessStatefulSet(asStatefulSet(fixture(n))), [
    ['statefulset-unavailable', 'Progressing', 'Waiting for rollout to finish: 2 of 3 pods are available'],
    ['statefulset-ondelete', 'Healthy', '3/3 pods ready; updateStrategy is OnDelete, so pods are only updated when deleted'],
    ['statefulset-partitioned-rolling', 'Progressing', 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated'],
    ['statefulset-updating-no-revision', 'Progressing', 'Waiting for rollout to finish: 2 out of 3 new pods have been updated'],
    // without availableReplicas the ready ones count as available
    ['statefulset-healthy-no-revision', 'Healthy', '3/3 pods ready at revision ?'],
  ]);
});

describe('DaemonSet', () => {
  check((n, ctx) => assessDaemonSet(asDaemonSet(fixture(n)), ctx), [
    ['daemonset-healthy', 'Healthy', '3/3 pods updated and available'],
    ['daemonset-rolling', 'Progressing', 'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated'],
    ['daemonset-unavailable', 'Progressing', 'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available'],
    ['daemonset-observed-old-generation', 'Progressing', 'Waiting for rollout to finish: observed daemon set generation less than desired generation'],
    ['daemonset-ondelete-unavailable', 'Progressing', 'Waiting for daemon set "agent" pods: 2 of 3 are available'],
    ['daemonset-ondelete-not-updated', 'Healthy', '3/3 pods available; updateStrategy is OnDelete, so pods are only updated when deleted'],
    ['daemonset-no-nodes', 'Healthy', 'no node matches the daemon set: 0 pods scheduled'],
    ['daemonset-healthy', 'Progressing', 'Waiting for the upgrade to reach DaemonSet agent: generation 4 is still the one recorded before the upgrade', { baseline: { uid: '33333333-aaaa-4000-8000-000000000003', generation: 4 }, specChanged: true }],
  ]);
});

describe('Job', () => {
  check((n, ctx) => assessJob(asJob(fixture(n)), ctx), [
    ['job-complete', 'Healthy', 'Job migrate completed'],
    ['job-failed', 'Degraded', 'Job migrate failed (BackoffLimitExceeded): Job has reached the specified backoff limit'],
    ['job-failed-no-reason', 'Degraded', 'Job migrate failed'],
    ['job-running', 'Progressing', 'Job migrate is running: 1 active, 0 succeeded, 2 failed'],
    ['job-suspended', 'Suspended', 'Job migrate is suspended'],
    ['job-complete', 'Progressing', /^Waiting for the upgrade to reach Job migrate: generation 1 is still the one recorded before the upgrade$/, { baseline: { uid: '44444444-aaaa-4000-8000-000000000004', generation: 1 }, specChanged: true }],
  ]);
});

describe('Pod', () => {
  check((n) => assessPod(asPod(fixture(n))), [
    ['pod-crashloop', 'Degraded', 'CrashLoopBackOff: container web of pod web-7d9f-crash: back-off 1m20s restarting failed container=web pod=web-7d9f-crash_shop(pod-web-7d9f-crash) (last exit: Error, code 1)'],
    ['pod-imagepull', 'Degraded', 'ImagePullBackOff: container web of pod web-7d9f-pull: Back-off pulling image "web:2"'],
    ['pod-errimagepull', 'Degraded', 'ErrImagePull: container web of pod web-7d9f-errpull: failed to pull image "web:2": not found'],
    ['pod-createcontainerconfigerror', 'Degraded', 'CreateContainerConfigError: container web of pod web-7d9f-config: secret "web-db" not found'],
    ['pod-unschedulable', 'Degraded', 'Unschedulable: pod web-7d9f-unsched: 0/3 nodes are available: 3 Insufficient cpu.'],
    ['pod-running-not-ready', 'Progressing', 'Pod web-7d9f-notready is running but not Ready: containers with unready status: [web], 1 restart'],
    ['pod-ready', 'Healthy', 'Pod web-7d9f-ready is Ready'],
    ['pod-container-creating', 'Progressing', 'Pod web-7d9f-creating: container web is waiting: ContainerCreating'],
    ['pod-terminating-crashloop', 'Progressing', 'Pod web-7d9f-x is terminating'],
    ['pod-succeeded', 'Healthy', 'Pod web-7d9f-x completed'],
    ['pod-failed-evicted', 'Degraded', 'Pod web-7d9f-x failed (Evicted): The node was low on resource: memory.'],
    ['pod-failed', 'Degraded', 'Pod web-7d9f-x failed'],
    ['pod-pending-scheduled', 'Progressing', 'Pod web-7d9f-x is pending'],
    ['pod-waiting-no-reason', 'Progressing', 'Pod web-7d9f-x: container web is waiting: starting'],
    ['pod-running-no-conditions', 'Progressing', 'Pod web-7d9f-x is running but not Ready: readiness probe not passing'],
    ['pod-running-not-ready-reason-only', 'Progressing', 'Pod web-7d9f-x is running but not Ready: ContainersNotReady, 2 restarts'],
    ['pod-ready-restarted-twice', 'Healthy', 'Pod web-7d9f-x is Ready, 2 restarts'],
    ['pod-crashloop-first', 'Degraded', 'CrashLoopBackOff: container web of pod web-7d9f-x: back-off 10s restarting failed container'],
    ['pod-crashloop-bare-exit', 'Degraded', 'CrashLoopBackOff: container web of pod web-7d9f-x: back-off 10s restarting failed container (last exit: terminated, code ?)'],
    ['pod-imagepull-after-crash', 'Degraded', 'ImagePullBackOff: container web of pod web-7d9f-x: Back-off pulling image "web:3"'],
    ['pod-scheduling-gated', 'Progressing', 'Pod web-7d9f-x is waiting to be scheduled'],
    ['pod-unschedulable-no-message', 'Degraded', 'Unschedulable: pod web-7d9f-x: no node can run this pod'],
  ]);

  it('names the fail-fast reason and container', () => {
    assert.deepEqual(podFailFast(asPod(fixture('pod-crashloop'))), {
      reason: 'CrashLoopBackOff',
      container: 'web',
      message: 'back-off 1m20s restarting failed container=web pod=web-7d9f-crash_shop(pod-web-7d9f-crash) (last exit: Error, code 1)',
    });
    assert.equal(podFailFast(asPod(fixture('pod-unschedulable')))?.container, undefined);
    assert.equal(podFailFast(asPod(fixture('pod-running-not-ready'))), undefined);
    assert.equal(podRestarts(asPod(fixture('pod-crashloop'))), 4);
  });

  it('a terminating pod and a pod held by a scheduling gate do not fail fast', () => {
    assert.equal(podFailFast(asPod(fixture('pod-terminating-crashloop'))), undefined);
    assert.equal(podFailFast(asPod(fixture('pod-scheduling-gated'))), undefined);
  });

  it('recent restarts: the window includes its edge; an unreadable finishedAt is no restart; the latest end is kept', () => {
    const NOW = Date.parse('2026-11-22T01:00:00Z');
    const recent = asPod(fixture('pod-restarted-recently')); // finished 2026-11-22T00:50:00Z
    assert.deepEqual(podRecentRestarts(recent, 600_000, NOW), { restarts: 3, lastAt: '2026-11-22T00:50:00Z', containers: ['web'] });
    assert.equal(podRecentRestarts(recent, 599_999, NOW), undefined);
    const web = recent.status.containerStatuses[0]!;
    const unreadable = { ...recent, status: { ...recent.status, containerStatuses: [{ ...web, lastTerminated: { ...web.lastTerminated, finishedAt: 'yesterday' } }] } };
    assert.equal(podRecentRestarts(unreadable, 600_000, NOW), undefined);
    const earlierSecond = { ...recent, status: { ...recent.status, containerStatuses: [web, { ...web, name: 'sidecar', restartCount: 1, lastTerminated: { finishedAt: '2026-11-22T00:45:00Z' } }] } };
    assert.deepEqual(podRecentRestarts(earlierSecond, 3_600_000, NOW), { restarts: 4, lastAt: '2026-11-22T00:50:00Z', containers: ['web', 'sidecar'] });
  });
});

describe('Service', () => {
  const svc = (name: string, min: number) => {
    const [s, ...rest] = loadFixture(name);
    return assessService(asService(s!), { endpointSlices: rest.filter((o) => o.kind === 'EndpointSlice').map(asEndpointSlice), endpoints: rest.filter((o) => o.kind === 'Endpoints').map(asEndpoints), minReadyEndpoints: min });
  };
  check((n) => svc(n, 1), [
    ['service-0-ready-endpoints', 'Progressing', 'Waiting for endpoints: Service web has 0 ready endpoints, needs at least 1'],
    ['service-1-ready-endpoints', 'Healthy', 'Service web has 1 ready endpoint (1 not ready)'],
    ['service-2-ready-endpoints-dual-stack', 'Healthy', 'Service web has 2 ready endpoints'],
    ['service-endpoints-fallback', 'Healthy', 'Service web has 2 ready endpoints (1 not ready)'],
    ['service-externalname', 'Healthy', 'Service web is an ExternalName service: no endpoints to check'],
    ['service-no-selector', 'Healthy', 'Service web has no selector: its endpoints are managed elsewhere and not checked'],
    ['service-slices-mixed', 'Healthy', 'Service web has 3 ready endpoints'],
    ['service-endpoints-of-others', 'Healthy', 'Service web has 1 ready endpoint (1 not ready)'],
  ]);
  check((n) => svc(n, 2), [
    ['service-1-ready-endpoints', 'Progressing', 'Waiting for endpoints: Service web has 1 ready endpoint (1 not ready), needs at least 2'],
    ['service-2-ready-endpoints-dual-stack', 'Healthy', 'Service web has 2 ready endpoints'],
  ]);
  it('counts each pod once across IP families', () => {
    const [s, ...slices] = loadFixture('service-2-ready-endpoints-dual-stack');
    assert.deepEqual(countEndpoints(asService(s!), slices.map(asEndpointSlice)), { ready: 2, notReady: 0, source: 'EndpointSlice' });
  });
  it('an empty selector is no selector; no slice and no Endpoints of its own is none', () => {
    const [s] = loadFixture('service-1-ready-endpoints');
    const svc = asService(s!);
    assert.equal(assessService({ ...svc, spec: { ...svc.spec, selector: {} } }, { endpointSlices: [], minReadyEndpoints: 1 }).status, 'Healthy');
    assert.deepEqual(countEndpoints(svc, []), { ready: 0, notReady: 0, source: 'none' });
    const [, ...others] = loadFixture('service-endpoints-of-others');
    assert.deepEqual(countEndpoints(svc, [], others.map(asEndpoints)), { ready: 1, notReady: 1, source: 'Endpoints' });
  });
});

describe('typed views (model/live-views.ts)', () => {
  it('a field of the wrong type reads as absent, never as its raw value', () => {
    const d = fixture('deployment-healthy');
    const odd = asDeployment({ ...d, spec: { replicas: '3', paused: 'yes', selector: 'app=web' }, status: { availableReplicas: '3', conditions: 'none' } });
    assert.deepEqual([odd.spec.replicas, odd.spec.paused, odd.status.availableReplicas, odd.status.conditions], [undefined, undefined, undefined, []]);
    // the assessor then judges what it can read: 1 desired replica by default, none available
    assert.equal(assessDeployment(odd).status, 'Progressing');
  });
  it('a pod without status reads as pending, with no containers and no restarts', () => {
    const p = asPod({ kind: 'Pod', metadata: { name: 'bare', namespace: 'shop' } });
    assert.deepEqual([p.status.phase, p.status.containerStatuses, podRestarts(p)], [undefined, [], 0]);
    assert.equal(assessPod(p).message, 'Pod bare is waiting to be scheduled');
  });
});

describe('worst()', () => {
  it('follows Healthy < Suspended < Progressing < Missing < Degraded < Unknown', () => {
    const r = (status: HealthStatusCode) => ({ status, message: status });
    assert.deepEqual(worst([]), { status: 'Healthy', message: '' });
    assert.equal(worst([r('Healthy'), r('Progressing'), r('Suspended')]).status, 'Progressing');
    assert.equal(worst([r('Missing'), r('Degraded'), r('Progressing')]).status, 'Degraded');
    assert.equal(worst([r('Degraded'), r('Unknown')]).status, 'Unknown');
    assert.equal(worst([{ status: 'Progressing', message: 'first' }, { status: 'Progressing', message: 'second' }]).message, 'first');
  });
});
