import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LockHeldError, PreflightError, exitCodeOf } from '../../../src/errors.ts';
import { leaseExpiry, leaseName, microTime } from '../../../src/kube/lease.ts';

describe('lease helpers', () => {
  it('names the lease after the helm release', () => assert.equal(leaseName('web-production'), 'helm-cascade.web-production'));
  it('writes MicroTime with microseconds', () => assert.equal(microTime(Date.parse('2026-11-22T01:02:03.456Z')), '2026-11-22T01:02:03.456000Z'));
  it('expires at renewTime + leaseDurationSeconds', () => {
    assert.equal(leaseExpiry({ renewTime: '2026-11-22T01:00:00.000000Z', acquireTime: '2026-11-22T00:00:00.000000Z', leaseDurationSeconds: 60 }), Date.parse('2026-11-22T01:01:00Z'));
    assert.equal(leaseExpiry({ acquireTime: '2026-11-22T00:00:00.000000Z', leaseDurationSeconds: 10 }), Date.parse('2026-11-22T00:00:10Z'));
    assert.equal(leaseExpiry({ holderIdentity: 'x' }), undefined);
  });
  // The refusal itself (holder, since, message) is built from a real Lease read
  // back from a real API server: test/e2e/health.test.ts "leases". Here only
  // the class's place in the error hierarchy, which decides the exit code.
  it('a held lock is a preflight refusal: exit 5', () => {
    const e = new LockHeldError('locked', 'c/ns/web', 'jenkins-1', undefined);
    assert.ok(e instanceof PreflightError);
    assert.equal(exitCodeOf(e), 5);
  });
});
