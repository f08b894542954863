// The one health judge of a deployed release now (status's health column and
// drift's "unhealthy"): the gates' judge on one snapshot, the stateless
// restart-window rule, each case a fixture asserted exactly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateGate } from '../../../src/health/evaluate.ts';
import { healthLabel, judgeReleaseHealth, snapshotViews } from '../../../src/health/judge.ts';
import type { ReleaseHealthInput } from '../../../src/health/judge.ts';
import { podRecentRestarts } from '../../../src/health/pod.ts';
import { asPod } from '../../../src/model/live-views.ts';
import type { ObjectRef } from '../../../src/model/objects.ts';
import type { HealthSpec } from '../../../src/model/spec.ts';
import { fixture, loadFixture } from './fixtures.ts';

const NOW = Date.parse('2026-11-22T01:00:00Z');
const health = (over: Partial<HealthSpec> = {}): HealthSpec => ({ timeoutMs: 300_000, soakMs: 120_000, minReadyEndpoints: 1, maxRestarts: 0, restartWindowMs: 3_600_000, maxRecentRestarts: 0, http: [], ...over });
const owned: ObjectRef[] = [
  { kind: 'Deployment', namespace: 'shop', name: 'web' },
  { kind: 'Service', namespace: 'shop', name: 'web' },
];
/** The verdict's drift side (pods, objects, podsChecked), as the cases below assert it. */
const assessHealthNow = (i: ReleaseHealthInput) => {
  const { status: _s, message: _m, ...rest } = judgeReleaseHealth(i);
  return rest;
};
/** A healthy Deployment web (3/3) and its Service, plus the given pods. */
const healthyWith = (...pods: string[]) => [fixture('deployment-healthy'), ...loadFixture('service-1-ready-endpoints'), ...pods.map((p) => fixture(p))];

describe('the restart-window rule (podRecentRestarts)', () => {
  it('a container whose last restart ended within the window: its restartCount and when', () => {
    assert.deepEqual(podRecentRestarts(asPod(fixture('pod-restarted-recently')), 3_600_000, NOW), { restarts: 3, lastAt: '2026-11-22T00:50:00Z', containers: ['web'] });
  });
  it('outside the window (restarted 10 minutes ago, window 5m): nothing', () => {
    assert.equal(podRecentRestarts(asPod(fixture('pod-restarted-recently')), 5 * 60_000, NOW), undefined);
  });
  it('restarts 5 hours ago with a 1h window: nothing, whatever the restartCount', () => {
    assert.equal(podRecentRestarts(asPod(fixture('pod-restarted-long-ago')), 3_600_000, NOW), undefined);
  });
  it('a pod that never restarted: nothing', () => {
    assert.equal(podRecentRestarts(asPod(fixture('pod-ready')), 3_600_000, NOW), undefined);
  });
});

describe('judgeReleaseHealth: restarts', () => {
  it('restarted recently, more than maxRecentRestarts 0: unhealthy with the exact reason', () => {
    const r = assessHealthNow({ owned, objects: healthyWith('pod-restarted-recently'), health: health(), now: NOW });
    assert.deepEqual(r.pods, [
      {
        namespace: 'shop',
        name: 'web-7d9f-restarting',
        reason: 'Restarts',
        message: 'container web restarted 3 times, last at 2026-11-22T00:50:00Z (10m ago, within restartWindow 1h; maxRecentRestarts 0)',
        restarts: 3,
        events: [],
      },
    ]);
    assert.deepEqual(r.objects, []);
  });
  it('maxRecentRestarts 3 tolerates those 3 restarts', () => {
    const r = assessHealthNow({ owned, objects: healthyWith('pod-restarted-recently'), health: health({ maxRecentRestarts: 3 }), now: NOW });
    assert.deepEqual(r, { pods: [], objects: [], podsChecked: 1 });
  });
  it('restartWindow 5m: a restart 10 minutes ago is history', () => {
    const r = assessHealthNow({ owned, objects: healthyWith('pod-restarted-recently'), health: health({ restartWindowMs: 5 * 60_000 }), now: NOW });
    assert.deepEqual(r, { pods: [], objects: [], podsChecked: 1 });
  });
  it('7 restarts, the last 5 hours ago: healthy (the window, not the count, says it still happens)', () => {
    const r = assessHealthNow({ owned, objects: healthyWith('pod-restarted-long-ago'), health: health(), now: NOW });
    assert.deepEqual(r, { pods: [], objects: [], podsChecked: 1 });
  });
  it('without restartWindow/maxRecentRestarts set, the defaults (1h, 0) apply', () => {
    const { restartWindowMs: _w, maxRecentRestarts: _m, ...bare } = health();
    const r = assessHealthNow({ owned, objects: healthyWith('pod-restarted-recently'), health: bare, now: NOW });
    assert.equal(r.pods[0]?.reason, 'Restarts');
  });
});

describe('judgeReleaseHealth: a release deployed less than its timeout ago is still rolling out', () => {
  const all = loadFixture('release-unhealthy-now');
  const objects = all.filter((o) => o.kind !== 'Event');
  it('only the fail-fast pod counts; the pod not Ready yet, replicas and endpoints still coming do not', () => {
    const r = assessHealthNow({ owned, objects, health: health({ minReadyEndpoints: 2, timeoutMs: 300_000 }), now: NOW, deployedAt: NOW - 60_000 });
    assert.deepEqual(r.pods.map((p) => [p.name, p.reason]), [['web-7d9f-crash', 'CrashLoopBackOff']]);
    assert.deepEqual(r.objects, []);
  });
  it('once the timeout has passed since the deploy, everything counts', () => {
    const r = assessHealthNow({ owned, objects, health: health({ minReadyEndpoints: 2, timeoutMs: 300_000 }), now: NOW, deployedAt: NOW - 300_000 });
    assert.deepEqual(r.pods.map((p) => [p.name, p.reason]), [['web-7d9f-crash', 'CrashLoopBackOff'], ['web-7d9f-notready', 'NotReady']]);
    assert.deepEqual(r.objects.map((o) => `${o.kind} ${o.name}`), ['Deployment web', 'Service web']);
  });
});

describe('judgeReleaseHealth: a release after a healthy rollout', () => {
  it('all well: nothing to report', () => {
    const r = assessHealthNow({ owned, objects: healthyWith('pod-ready'), health: health(), now: NOW });
    assert.deepEqual(r, { pods: [], objects: [], podsChecked: 1 });
  });
  it('crash loop, a pod not Ready, replicas short, Service below minReadyEndpoints: each named exactly', () => {
    const all = loadFixture('release-unhealthy-now');
    const events = all.filter((o) => o.kind === 'Event');
    const r = assessHealthNow({ owned, objects: all.filter((o) => o.kind !== 'Event'), events, health: health({ minReadyEndpoints: 2 }), now: NOW });
    assert.deepEqual(r, {
      podsChecked: 3,
      pods: [
        {
          namespace: 'shop',
          name: 'web-7d9f-crash',
          reason: 'CrashLoopBackOff',
          message: 'container web: back-off 5m0s restarting failed container=web pod=web-7d9f-crash_shop(pod-web-7d9f-crash) (last exit: Error, code 1)',
          restarts: 12,
          events: ['Warning BackOff: Back-off restarting failed container web in pod web-7d9f-crash_shop (x40)'],
        },
        {
          namespace: 'shop',
          name: 'web-7d9f-notready',
          reason: 'NotReady',
          message: 'Pod web-7d9f-notready is running but not Ready: containers with unready status: [web]',
          restarts: 0,
          events: [],
        },
      ],
      objects: [
        { kind: 'Deployment', namespace: 'shop', name: 'web', status: 'Progressing', message: 'Waiting for rollout to finish: 1 of 3 updated replicas are available' },
        { kind: 'Service', namespace: 'shop', name: 'web', status: 'Progressing', message: 'Waiting for endpoints: Service web has 1 ready endpoint (2 not ready), needs at least 2', readyEndpoints: 1, minReadyEndpoints: 2 },
      ],
    });
  });
});

describe('one answer: status, drift and the gates on a pod whose only restart was 40 days ago', () => {
  const objects = healthyWith('pod-restarted-40-days-ago');
  it('status says Healthy and drift finds nothing: the same judge, the restart window', () => {
    const h = judgeReleaseHealth({ owned, objects, health: health(), now: NOW, deployedAt: Date.parse('2026-09-01T00:00:00Z') });
    assert.equal(healthLabel(h), 'Healthy');
    assert.deepEqual([h.pods, h.objects, h.podsChecked], [[], [], 1]);
  });
  it('a gate that started before it counts no restart since (its baseline), and passes', () => {
    const pod = fixture('pod-restarted-40-days-ago');
    const base = { owned, baseline: {}, specChanged: new Set<string>(), health: health({ soakMs: 0 }), restartBaseline: { [pod.metadata.uid!]: 1 } };
    const e = evaluateGate({ ...base, snapshot: { objects, fetchedAt: NOW }, elapsedMs: 1_000, soakStartedMs: 0 });
    assert.equal(e.phase, 'passed', e.reason);
    assert.equal(e.restarts, 0);
  });
  it('the same pod restarting 10 minutes ago is Degraded in status and unhealthy in drift, with one reason', () => {
    const h = judgeReleaseHealth({ owned, objects: healthyWith('pod-restarted-recently'), health: health(), now: NOW });
    assert.equal(healthLabel(h), 'Degraded: pod web-7d9f-restarting: Restarts: container web restarted 3 times, last at 2026-11-22T00:50:00Z (10m ago, within restartWindow 1h; maxRecentRestarts 0)');
    assert.deepEqual(h.pods.map((p) => p.reason), ['Restarts']);
  });
});

describe('judgeReleaseHealth: what status shows beside Healthy and Degraded', () => {
  it('a rollout within its timeout is Progressing (drift finds nothing)', () => {
    const all = loadFixture('release-unhealthy-now').filter((o) => o.kind !== 'Event' && o.metadata.name !== 'web-7d9f-crash');
    const h = judgeReleaseHealth({ owned, objects: all, health: health({ minReadyEndpoints: 2 }), now: NOW, deployedAt: NOW - 60_000 });
    assert.deepEqual([h.status, h.pods, h.objects], ['Progressing', [], []]);
    assert.equal(healthLabel(h), 'Progressing: rolling out: pod web-7d9f-notready: NotReady: Pod web-7d9f-notready is running but not Ready: containers with unready status: [web]');
  });
  it('an owned object that is gone is Missing (drift reports it as changed live)', () => {
    const h = judgeReleaseHealth({ owned, objects: loadFixture('service-1-ready-endpoints'), health: health(), now: NOW });
    assert.equal(healthLabel(h), 'Missing: Deployment web: Deployment web not found in namespace shop');
    assert.deepEqual([h.pods, h.objects], [[], []]);
  });
  it('a paused Deployment is Suspended, not unhealthy', () => {
    const h = judgeReleaseHealth({ owned, objects: [fixture('deployment-paused'), ...loadFixture('service-1-ready-endpoints'), fixture('pod-ready')], health: health(), now: NOW });
    assert.equal(h.status, 'Suspended');
    assert.deepEqual([h.pods, h.objects], [[], []]);
  });
});

describe('judgeReleaseHealth: one typed snapshot per list (a namespace of n releases is not n^2 conversions)', () => {
  it('the same list (and events) gives the same views; a new list or other events give new ones', () => {
    const objects = healthyWith('pod-ready');
    const events = [fixture('pod-ready')];
    const views = snapshotViews(objects);
    assert.equal(snapshotViews(objects), views);
    assert.equal(snapshotViews(objects, events), snapshotViews(objects, events));
    assert.notEqual(snapshotViews(objects, events), views);
    assert.notEqual(snapshotViews([...objects]), views);
  });
  it('judging two releases on one list gives each its own verdict', () => {
    const objects = [...healthyWith('pod-crashloop'), fixture('deployment-healthy')];
    const other: ObjectRef[] = [{ kind: 'Service', namespace: 'shop', name: 'web' }];
    assert.equal(judgeReleaseHealth({ owned, objects, health: health(), now: NOW }).status, 'Degraded');
    assert.equal(judgeReleaseHealth({ owned: other, objects, health: health(), now: NOW }).status, 'Healthy');
  });
});
