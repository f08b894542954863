import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capabilityVersions, kubeVersionOf, resourcesFromAggregated, resourcesFromList } from '../../../src/kube/discovery.ts';

describe('discovery', () => {
  it('reads aggregated discovery of /api and /apis (scope, plural, group/version)', () => {
    const core = { kind: 'APIGroupDiscoveryList', items: [{ metadata: {}, versions: [{ version: 'v1', resources: [{ resource: 'configmaps', responseKind: { group: '', version: 'v1', kind: 'ConfigMap' }, scope: 'Namespaced' }, { resource: 'namespaces', responseKind: { kind: 'Namespace' }, scope: 'Cluster' }] }] }] };
    const apis = { kind: 'APIGroupDiscoveryList', items: [{ metadata: { name: 'apps' }, versions: [{ version: 'v1', resources: [{ resource: 'deployments', responseKind: { kind: 'Deployment' }, scope: 'Namespaced' }] }] }] };
    const m = resourcesFromAggregated(apis, resourcesFromAggregated(core));
    assert.deepEqual(m.get('v1 ConfigMap'), { kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', namespaced: true });
    assert.deepEqual(m.get('v1 Namespace'), { kind: 'Namespace', apiVersion: 'v1', plural: 'namespaces', namespaced: false });
    assert.deepEqual(m.get('apps/v1 Deployment'), { kind: 'Deployment', apiVersion: 'apps/v1', plural: 'deployments', namespaced: true });
    assert.equal(m.get('v1 Deployment'), undefined);
  });
  it('reads a plain APIResourceList, leaving subresources out', () => {
    const m = resourcesFromList('batch/v1', { resources: [{ name: 'jobs', kind: 'Job', namespaced: true }, { name: 'jobs/status', kind: 'Job', namespaced: true }, { name: 'cronjobs', kind: 'CronJob', namespaced: true }] });
    assert.deepEqual(m.get('batch/v1 Job'), { kind: 'Job', apiVersion: 'batch/v1', plural: 'jobs', namespaced: true });
    assert.equal(m.size, 2);
  });
  it('capabilities list group/versions and group/version/Kind, as helm does', () => {
    const m = resourcesFromList('policy/v1', { resources: [{ name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true }] });
    resourcesFromList('v1', { resources: [{ name: 'pods', kind: 'Pod', namespaced: true }] }, m);
    assert.deepEqual(capabilityVersions(m), ['policy/v1', 'policy/v1/PodDisruptionBudget', 'v1', 'v1/Pod']);
  });
  it('kube version: the stamped gitVersion, else major.minor of an unstamped server', () => {
    assert.equal(kubeVersionOf({ gitVersion: 'v1.36.3', major: '1', minor: '36' }), 'v1.36.3');
    assert.equal(kubeVersionOf({ gitVersion: 'v1.34.8-gke.100', major: '1', minor: '34' }), 'v1.34.8');
    assert.equal(kubeVersionOf({ gitVersion: 'v0.0.0-master+$Format:%H$', major: '1', minor: '36+' }), 'v1.36.0');
  });
});
