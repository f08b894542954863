// Pure parts of the server-side validation: dry-run paths and API answers ->
// verdicts. The requests themselves run against the fleet in test/e2e.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dryRunPath, verdictOf } from '../../../src/kube/server-validate.ts';

const status = (code: number, message: string) => ({ status: code, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code }) });

describe('server-side validation', () => {
  it('dry-run paths: namespaced objects under their namespace, cluster-scoped ones not', () => {
    assert.equal(dryRunPath({ kind: 'Deployment', apiVersion: 'apps/v1', plural: 'deployments', namespaced: true }, 'web'), '/apis/apps/v1/namespaces/web/deployments?dryRun=All&fieldValidation=Strict');
    assert.equal(dryRunPath({ kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false }, 'web'), '/apis/rbac.authorization.k8s.io/v1/clusterroles?dryRun=All&fieldValidation=Strict');
    assert.equal(dryRunPath({ kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', namespaced: true }, 'web'), '/api/v1/namespaces/web/configmaps?dryRun=All&fieldValidation=Strict');
  });
  it('success and AlreadyExists are valid; 400 and 422 are invalid with the server\'s message', () => {
    assert.deepEqual(verdictOf({ status: 201, body: '{}' }), { kind: 'valid' });
    assert.deepEqual(verdictOf(status(409, 'deployments.apps "web" already exists')), { kind: 'valid' });
    assert.deepEqual(verdictOf(status(400, 'strict decoding error: unknown field "spec.replica"')), { kind: 'invalid', message: 'strict decoding error: unknown field "spec.replica"' });
    assert.deepEqual(verdictOf(status(422, 'Deployment.apps "web" is invalid: spec.selector: Required value')), { kind: 'invalid', message: 'Deployment.apps "web" is invalid: spec.selector: Required value' });
  });
  it('a missing namespace, an unknown resource or a refusal leave the object unchecked', () => {
    assert.deepEqual(verdictOf(status(404, 'namespaces "new-ns" not found')), { kind: 'unchecked', why: 'namespaces "new-ns" not found', namespaceMissing: true });
    assert.equal(verdictOf(status(404, 'the server could not find the requested resource')).kind, 'unchecked');
    assert.equal(verdictOf(status(403, 'deployments.apps is forbidden: User "ci" cannot create resource')).kind, 'unchecked');
    assert.equal(verdictOf({ status: 502, body: 'Bad Gateway' }).kind, 'unchecked');
    assert.equal(verdictOf(status(400, 'admission webhook "audit.example.com" does not support dry run')).kind, 'unchecked');
  });
  it('an admission webhook that cannot be called refuses the object (the real request would fail the same way)', () => {
    const m = 'Internal error occurred: failed calling webhook "validate.nginx.ingress.kubernetes.io": failed to call webhook: Post "https://ingress-nginx-controller-admission.ingress-nginx.svc:443/networking/v1/ingresses?timeout=10s": dial tcp 10.96.0.9:443: connect: connection refused';
    assert.deepEqual(verdictOf(status(500, m)), { kind: 'invalid', message: m });
  });
});

