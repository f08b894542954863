import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runIdOf } from '../../../src/model/release.ts';
import { rollbackTargetOf } from '../../../src/run/rollback.ts';

const h = (revision: number, description: string, status = 'superseded') => ({ revision, description, status, updated: '', chart: 'web-1.0.0', app_version: '1' });

describe('rollback targets from helm history', () => {
  it('reads the run id from a revision description', () => {
    assert.equal(runIdOf('helm-cascade run 20261122T015400Z wave canary'), '20261122T015400Z');
    assert.equal(runIdOf('Upgrade complete'), undefined);
  });
  it('rolls back to the revision before the run', () => {
    assert.equal(rollbackTargetOf([h(1, 'Install complete'), h(2, 'helm-cascade run A wave w'), h(3, 'helm-cascade run B wave w', 'deployed')], 'B'), 2);
  });
  it('a run that upgraded twice (recover + apply) goes back past both', () => {
    assert.equal(rollbackTargetOf([h(3, 'helm-cascade run B wave w', 'deployed'), h(1, 'x'), h(2, 'helm-cascade run B wave w')], 'B'), 1);
  });
  it('a release the run installed is uninstalled', () => {
    assert.equal(rollbackTargetOf([h(1, 'helm-cascade run B wave w', 'deployed')], 'B'), 'uninstall');
  });
  it('nothing to do when the newest revision is not from that run (e.g. already rolled back)', () => {
    assert.equal(rollbackTargetOf([h(1, 'helm-cascade run B wave w'), h(2, 'Rollback to 1', 'deployed')], 'B'), undefined);
  });
  it('refuses to guess when the history is truncated', () => {
    assert.equal(rollbackTargetOf([h(7, 'helm-cascade run B wave w', 'deployed')], 'B'), undefined);
  });
});
