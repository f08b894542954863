// Pure parts of the server-side validation: discovery documents -> where each
// kind is created, manifest -> documents as helm sends them, API answers ->
// verdicts. The requests themselves run against the fleet in test/e2e.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chartMayHaveHooks } from '../../../src/helm/charts.ts';
import { dryRunPath, resourcesFromAggregated, resourcesFromList, splitManifest, verdictOf } from '../../../src/kube/server-validate.ts';

const status = (code: number, message: string) => ({ status: code, body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code }) });

describe('server-side validation: discovery', () => {
  it('reads aggregated discovery of /api and /apis (scope, plural, group/version)', () => {
    const core = { kind: 'APIGroupDiscoveryList', items: [{ metadata: {}, versions: [{ version: 'v1', resources: [{ resource: 'configmaps', responseKind: { group: '', version: 'v1', kind: 'ConfigMap' }, scope: 'Namespaced' }, { resource: 'namespaces', responseKind: { kind: 'Namespace' }, scope: 'Cluster' }] }] }] };
    const apis = { kind: 'APIGroupDiscoveryList', items: [{ metadata: { name: 'apps' }, versions: [{ version: 'v1', resources: [{ resource: 'deployments', responseKind: { kind: 'Deployment' }, scope: 'Namespaced' }] }] }] };
    const m = resourcesFromAggregated('/apis', apis, resourcesFromAggregated('/api', core));
    assert.deepEqual(m.get('v1 ConfigMap'), { prefix: '/api/v1', plural: 'configmaps', namespaced: true });
    assert.deepEqual(m.get('v1 Namespace'), { prefix: '/api/v1', plural: 'namespaces', namespaced: false });
    assert.deepEqual(m.get('apps/v1 Deployment'), { prefix: '/apis/apps/v1', plural: 'deployments', namespaced: true });
    assert.equal(m.get('v1 Deployment'), undefined);
  });
  it('reads a plain APIResourceList, leaving subresources out', () => {
    const m = resourcesFromList('/apis/batch/v1', 'batch/v1', { resources: [{ name: 'jobs', kind: 'Job', namespaced: true }, { name: 'jobs/status', kind: 'Job', namespaced: true }, { name: 'cronjobs', kind: 'CronJob', namespaced: true }] });
    assert.deepEqual(m.get('batch/v1 Job'), { prefix: '/apis/batch/v1', plural: 'jobs', namespaced: true });
    assert.equal(m.size, 2);
  });
  it('dry-run paths: namespaced objects under their namespace, cluster-scoped ones not', () => {
    assert.equal(dryRunPath({ prefix: '/apis/apps/v1', plural: 'deployments', namespaced: true }, 'web'), '/apis/apps/v1/namespaces/web/deployments?dryRun=All&fieldValidation=Strict');
    assert.equal(dryRunPath({ prefix: '/apis/rbac.authorization.k8s.io/v1', plural: 'clusterroles', namespaced: false }, 'web'), '/apis/rbac.authorization.k8s.io/v1/clusterroles?dryRun=All&fieldValidation=Strict');
  });
});

describe('server-side validation: manifests and verdicts', () => {
  it('splits a helm manifest into documents, text kept as rendered, template named', () => {
    const manifest = '---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  on: yes\n---\n# Source: demo/templates/empty.yaml\n---\n# Source: demo/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: other\n';
    const docs = splitManifest(manifest);
    assert.equal(docs.length, 2);
    assert.deepEqual({ ...docs[0], text: undefined }, { text: undefined, apiVersion: 'v1', kind: 'ConfigMap', name: 'web', source: 'demo/templates/cm.yaml' });
    // the text goes to the server as is: YAML 1.1 scalars (`on: yes`) are read by the server as helm's own request is
    assert.match(docs[0]!.text, /^ {2}on: yes$/m);
    assert.doesNotMatch(docs[0]!.text, /Deployment/);
    assert.equal(docs[1]!.namespace, 'other');
    assert.equal(docs[1]!.source, 'demo/templates/deploy.yaml');
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
});

describe('charts that may define hooks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hc-hooks-'));
  const chart = (name: string, templates: Record<string, string>) => {
    const root = join(dir, name);
    mkdirSync(join(root, 'templates'), { recursive: true });
    writeFileSync(join(root, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`);
    for (const [f, t] of Object.entries(templates)) writeFileSync(join(root, 'templates', f), t);
    return root;
  };
  it('a folder: found in a template, also in a subchart', () => {
    assert.equal(chartMayHaveHooks(chart('plain', { 'cm.yaml': 'kind: ConfigMap\n' })), false);
    assert.equal(chartMayHaveHooks(chart('hooked', { 'job.yaml': 'metadata:\n  annotations:\n    "helm.sh/hook": pre-upgrade\n' })), true);
    const parent = chart('parent', { 'cm.yaml': 'kind: ConfigMap\n' });
    mkdirSync(join(parent, 'charts'));
    chart('parent/charts/sub', { 'test.yaml': 'metadata:\n  annotations:\n    helm.sh/hook: test\n' });
    assert.equal(chartMayHaveHooks(parent), true);
  });
  it('a packaged .tgz is searched after gunzip', () => {
    execFileSync('tar', ['-czf', join(dir, 'hooked.tgz'), '-C', dir, 'hooked']);
    execFileSync('tar', ['-czf', join(dir, 'plain.tgz'), '-C', dir, 'plain']);
    assert.equal(chartMayHaveHooks(join(dir, 'hooked.tgz')), true);
    assert.equal(chartMayHaveHooks(join(dir, 'plain.tgz')), false);
  });
});
