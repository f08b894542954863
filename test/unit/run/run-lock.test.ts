// The run lock's pure parts: the Lease's name, which clusters a run locks,
// when to wait and when to refuse, and how a holder is named.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LockHeldError, PreflightError, exitCodeOf } from '../../../src/errors.ts';
import { describeHolder, leaseHeld } from '../../../src/kube/lease.ts';
import type { ClustersFileSpec } from '../../../src/model/spec.ts';
import { lockScope } from '../../../src/model/selection.ts';
import { lockRetry, releaseLockRetry, RUN_LOCK_NAMESPACE, RUN_LOCK_SECONDS, runLockName } from '../../../src/run/run-lock.ts';

const pos = { file: 'clusters.yaml', line: 1, col: 1 };
const cluster = (name: string, provider: string) => ({ name, context: name, provider, region: 'eu', labels: {}, pos });
const config = {
  clusters: [cluster('paris', 'onprem'), cluster('gke-eu', 'gke'), cluster('gke-us', 'gke')],
  tracks: ["canary", "production"],
  wavesGiven: true,
  waves: [
    { name: 'canary', tracks: ['canary'], pos },
    { name: 'prod-onprem', tracks: ['production'], clusters: { provider: 'onprem' }, pos },
    { name: 'prod-gke', tracks: ['production'], clusters: { provider: 'gke' }, pos },
  ],
} as unknown as ClustersFileSpec;

const held = (waitedMs: number, timeoutMs: number) => lockRetry(new LockHeldError('locked', 'x', 'jenkins-1', undefined), waitedMs, timeoutMs);

describe('run lock', () => {
  it('lives in the helm-cascade namespace and expires 20 s after its last renewal', () => {
    assert.equal(RUN_LOCK_NAMESPACE, 'helm-cascade');
    assert.equal(RUN_LOCK_SECONDS, 20);
  });

  it('is named after the repository; a name that is not a valid object name is made one, kept distinct by a hash', () => {
    assert.equal(runLockName('platform-deploy'), 'helm-cascade-run.platform-deploy');
    const upper = runLockName('Platform_Deploy');
    assert.match(upper, /^helm-cascade-run\.platform-deploy-[0-9a-f]{8}$/);
    assert.notEqual(upper, runLockName('platform-deploy'));
    assert.notEqual(runLockName('Platform_Deploy'), runLockName('platform_deploy'));
  });

  it('covers every cluster the selection and the wave can reach', () => {
    assert.deepEqual(lockScope(config, {}).map((c) => c.name), ['paris', 'gke-eu', 'gke-us']);
    assert.deepEqual(lockScope(config, { cluster: 'gke-*' }).map((c) => c.name), ['gke-eu', 'gke-us']);
    assert.deepEqual(lockScope(config, { wave: 'prod-onprem' }).map((c) => c.name), ['paris']);
    assert.deepEqual(lockScope(config, { wave: 'prod-gke', cluster: '*-us' }).map((c) => c.name), ['gke-us']);
  });

  it('without --lock-timeout a held lock refuses at once; with it, waits in steps of at most 2 s until the timeout', () => {
    assert.deepEqual(held(0, 0), { kind: 'refuse' });
    assert.deepEqual(held(0, 60_000), { kind: 'wait', ms: 2_000 });
    assert.deepEqual(held(59_500, 60_000), { kind: 'wait', ms: 500 });
    assert.deepEqual(held(60_000, 60_000), { kind: 'refuse' });
  });

  it('never waits for what is not a held lock (an unreachable cluster, a bug)', () => {
    assert.deepEqual(lockRetry(new PreflightError('cluster "paris" is unreachable'), 0, 60_000), { kind: 'refuse' });
    assert.deepEqual(lockRetry(new Error('boom'), 0, 60_000), { kind: 'refuse' });
  });

  it('a release lock of a dead run of the same repository is waited for until it expires, even without --lock-timeout; another repository\'s is not', () => {
    const ours = new LockHeldError('locked', 'x', 'jenkins-1', undefined, { 'helm-cascade.dev/repo': 'deploy' });
    assert.deepEqual(releaseLockRetry(ours, 0, 0, 'deploy'), { kind: 'wait', ms: 2_000 });
    assert.deepEqual(releaseLockRetry(ours, 25_000, 0, 'deploy'), { kind: 'refuse' });
    assert.deepEqual(releaseLockRetry(ours, 30_000, 60_000, 'deploy'), { kind: 'wait', ms: 2_000 });
    const theirs = new LockHeldError('locked', 'x', 'jenkins-2', undefined, { 'helm-cascade.dev/repo': 'other-repo' });
    assert.deepEqual(releaseLockRetry(theirs, 0, 0, 'deploy'), { kind: 'refuse' });
    assert.deepEqual(releaseLockRetry(new LockHeldError('locked', 'x', 'h', undefined), 0, 0, 'deploy'), { kind: 'refuse' });
  });

  it('a held lock is exit 5 and carries the fix as a hint', () => {
    const e = new LockHeldError('m', 'x', 'jenkins-1', 'since', {}, { hint: 'use --lock-timeout', expiresAt: '2026-12-02T10:00:20.000Z' });
    assert.equal(exitCodeOf(e), 5);
    assert.equal(e.hint, 'use --lock-timeout');
    assert.equal(e.expiresAt, '2026-12-02T10:00:20.000Z');
  });

  it('names the holder, the run id, the command and since when', () => {
    const l = { metadata: { name: 'l', annotations: { 'helm-cascade.dev/run': '20261202T100000Z-abc123', 'helm-cascade.dev/command': 'apply' } }, spec: { holderIdentity: 'jenkins-deploy-7', acquireTime: '2026-12-02T10:00:00.000000Z' } };
    assert.equal(describeHolder(l), '"jenkins-deploy-7" (run 20261202T100000Z-abc123, apply) since 2026-12-02T10:00:00.000000Z');
    assert.equal(describeHolder({ metadata: { name: 'l' }, spec: { holderIdentity: 'me@host' } }), '"me@host" since an unknown time');
  });

  it('counts while renewed, not after it expired, never without a holder', () => {
    const spec = { holderIdentity: 'x', leaseDurationSeconds: 20, renewTime: '2026-12-02T10:00:00.000000Z' };
    const t = Date.parse('2026-12-02T10:00:00Z');
    assert.equal(leaseHeld(spec, t + 19_000), true);
    assert.equal(leaseHeld(spec, t + 21_000), false);
    assert.equal(leaseHeld({ ...spec, holderIdentity: '' }, t), false);
  });
});
