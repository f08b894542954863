import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiGroup, refKey } from '../../../src/model/objects.ts';

describe('apiGroup', () => {
  it('is the part of apiVersion before the slash', () => {
    assert.equal(apiGroup('apps/v1'), 'apps');
    assert.equal(apiGroup('rbac.authorization.k8s.io/v1'), 'rbac.authorization.k8s.io');
    assert.equal(apiGroup('cert-manager.io/v1alpha2'), 'cert-manager.io');
  });

  it('is empty for the core group (v1), a missing or an empty apiVersion', () => {
    assert.equal(apiGroup('v1'), '');
    assert.equal(apiGroup(undefined), '');
    assert.equal(apiGroup(''), '');
  });
});

describe('refKey', () => {
  it('is kind/namespace/name', () => {
    assert.equal(refKey({ kind: 'Deployment', namespace: 'web', name: 'api' }), 'Deployment/web/api');
    assert.equal(refKey({ kind: 'ClusterRole', namespace: '', name: 'view' }), 'ClusterRole//view');
  });
});
