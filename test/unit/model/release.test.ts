// The "unfinished work" rule: a revision a helm-cascade run made whose gate has
// not passed is never taken for done by another run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deployedUnitRef, GATE_PASSED_LABEL, markerLabels, ownedByRepo, runDescription, runIdOf, ungatedRevision } from '../../../src/model/release.ts';

const rev = (o: { revision?: number; description?: string; labels?: Record<string, string>; managed?: boolean; status?: string } = {}) => ({
  managed: o.managed ?? true,
  status: o.status ?? 'deployed',
  revision: o.revision ?? 3,
  description: o.description ?? runDescription('20261202T100000Z-abc123', 'canary'),
  labels: o.labels ?? {},
});

describe('unfinished work of a run', () => {
  it('the run id round-trips through helm\'s description', () => {
    assert.equal(runIdOf(runDescription('20261202T100000Z-abc123', 'canary')), '20261202T100000Z-abc123');
    assert.equal(runIdOf('Upgrade complete'), undefined);
  });
  it('a revision made by a run without a gate-passed marker is that run\'s unfinished work', () => {
    assert.equal(ungatedRevision(rev()), 'run 20261202T100000Z-abc123');
  });
  it('the marker of this very revision makes it done', () => {
    assert.equal(ungatedRevision(rev({ labels: { [GATE_PASSED_LABEL]: '3' } })), undefined);
  });
  it('the marker is the release-record label cascade-gate-passed (records already on clusters carry that name)', () => {
    assert.equal(ungatedRevision(rev({ labels: { 'cascade-gate-passed': '3' } })), undefined);
  });
  it('a marker helm copied from an earlier revision does not count', () => {
    assert.equal(ungatedRevision(rev({ revision: 4, labels: { [GATE_PASSED_LABEL]: '3' } })), 'run 20261202T100000Z-abc123');
  });
  it('helm\'s rollback copies the labels of the revision it restores: done only when that revision\'s gate passed', () => {
    assert.equal(ungatedRevision(rev({ revision: 5, description: 'Rollback to 3', labels: { [GATE_PASSED_LABEL]: '3' } })), undefined);
    assert.equal(ungatedRevision(rev({ revision: 5, description: 'Rollback to 3', labels: { [GATE_PASSED_LABEL]: '2' } })), 'helm rollback to revision 3');
    assert.equal(ungatedRevision(rev({ revision: 5, description: 'Rollback to 3' })), 'helm rollback to revision 3');
  });
  it('only helm\'s own "Rollback to N" description is a rollback, N of any length', () => {
    assert.equal(ungatedRevision(rev({ revision: 14, description: 'Rollback to 12', labels: { [GATE_PASSED_LABEL]: '12' } })), undefined);
    assert.equal(ungatedRevision(rev({ revision: 14, description: 'Rollback to 12', labels: { [GATE_PASSED_LABEL]: '1' } })), 'helm rollback to revision 12');
    assert.equal(ungatedRevision(rev({ description: 'Manual Rollback to 2' })), undefined);
    assert.equal(ungatedRevision(rev({ description: 'Rollback to 2 by hand' })), undefined);
  });
  it('a revision made by hand that carries a marker copied from an earlier revision is not unfinished', () => {
    assert.equal(ungatedRevision(rev({ revision: 4, description: 'Upgrade complete', labels: { [GATE_PASSED_LABEL]: '3' } })), undefined);
  });
  it('revisions nobody gates are not unfinished: made by hand, not managed, or not deployed (failed and pending-* are planned by their status)', () => {
    assert.equal(ungatedRevision(rev({ description: 'Upgrade complete' })), undefined);
    assert.equal(ungatedRevision(rev({ managed: false })), undefined);
    assert.equal(ungatedRevision(rev({ status: 'failed' })), undefined);
    assert.equal(ungatedRevision(rev({ status: 'pending-upgrade' })), undefined);
  });
});

describe('release-record labels', () => {
  it('every release helm-cascade makes is marked with the manager, the repository, the release and the cluster; the track when it has one', () => {
    assert.deepEqual(markerLabels({ release: 'web', track: undefined, cluster: 'paris-1' }, 'shop-deploy'), {
      'managed-by': 'helm-cascade',
      'cascade-repo': 'shop-deploy',
      'cascade-release': 'web',
      'cascade-cluster': 'paris-1',
    });
    assert.deepEqual(markerLabels({ release: 'web', track: 'canary', cluster: 'paris-1' }, 'shop-deploy'), {
      'managed-by': 'helm-cascade',
      'cascade-repo': 'shop-deploy',
      'cascade-release': 'web',
      'cascade-cluster': 'paris-1',
      'cascade-track': 'canary',
    });
  });

  it('the unit of a deployed release is read back from those labels', () => {
    const d = { cluster: 'paris-1', namespace: 'shop', name: 'web-canary', labels: markerLabels({ release: 'web', track: 'canary', cluster: 'paris-1' }, 'shop-deploy') };
    assert.deepEqual(deployedUnitRef(d), { release: 'web', track: 'canary', cluster: 'paris-1', namespace: 'shop', helmName: 'web-canary' });
  });

  it('a release without those labels (or with empty ones) stands for the unit of its own name, without a track', () => {
    const bare = { cluster: 'paris-1', namespace: 'shop', name: 'legacy' };
    const want = { release: 'legacy', track: undefined, cluster: 'paris-1', namespace: 'shop', helmName: 'legacy' };
    assert.deepEqual(deployedUnitRef({ ...bare, labels: {} }), want);
    assert.deepEqual(deployedUnitRef({ ...bare, labels: { 'cascade-release': '', 'cascade-track': '' } }), want);
  });

  it('a release is the repository\'s own when helm-cascade made it under that repository\'s name', () => {
    const labels = markerLabels({ release: 'web', track: undefined, cluster: 'c' }, 'shop-deploy');
    assert.equal(ownedByRepo({ managed: true, labels }, 'shop-deploy'), true);
    assert.equal(ownedByRepo({ managed: true, labels }, 'other-repo'), false);
    assert.equal(ownedByRepo({ managed: false, labels }, 'shop-deploy'), false);
  });
});
