// The "unfinished work" rule: a revision a helm-cascade run made whose gate has
// not passed is never taken for done by another run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GATE_PASSED_LABEL, runDescription, runIdOf, ungatedRevision } from '../../../src/model/release.ts';

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
  it('a marker helm copied from an earlier revision does not count', () => {
    assert.equal(ungatedRevision(rev({ revision: 4, labels: { [GATE_PASSED_LABEL]: '3' } })), 'run 20261202T100000Z-abc123');
  });
  it('helm\'s rollback copies the labels of the revision it restores: done only when that revision\'s gate passed', () => {
    assert.equal(ungatedRevision(rev({ revision: 5, description: 'Rollback to 3', labels: { [GATE_PASSED_LABEL]: '3' } })), undefined);
    assert.equal(ungatedRevision(rev({ revision: 5, description: 'Rollback to 3', labels: { [GATE_PASSED_LABEL]: '2' } })), 'helm rollback to revision 3');
    assert.equal(ungatedRevision(rev({ revision: 5, description: 'Rollback to 3' })), 'helm rollback to revision 3');
  });
  it('revisions nobody gates are not unfinished: made by hand, not managed, or not deployed (failed and pending-* are planned by their status)', () => {
    assert.equal(ungatedRevision(rev({ description: 'Upgrade complete' })), undefined);
    assert.equal(ungatedRevision(rev({ managed: false })), undefined);
    assert.equal(ungatedRevision(rev({ status: 'failed' })), undefined);
    assert.equal(ungatedRevision(rev({ status: 'pending-upgrade' })), undefined);
  });
});
