import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinResource, collectionPath, isClusterScoped, objectPath } from '../../../src/model/resources.ts';

// What a Kubernetes API server serves for each built-in kind, as its discovery
// says (group, version, resource, scope): kubernetes/kubernetes
// api/discovery/aggregated_v2.json (the /apis groups, commit 0b1dcab); the core
// group (served under /api/v1) as the Kubernetes API reference lists it.
const SERVED: readonly [kind: string, group: string, version: string, resource: string, scope: 'Namespaced' | 'Cluster'][] = [
  ['Pod', '', 'v1', 'pods', 'Namespaced'],
  ['Service', '', 'v1', 'services', 'Namespaced'],
  ['Endpoints', '', 'v1', 'endpoints', 'Namespaced'],
  ['Event', '', 'v1', 'events', 'Namespaced'],
  ['Secret', '', 'v1', 'secrets', 'Namespaced'],
  ['ConfigMap', '', 'v1', 'configmaps', 'Namespaced'],
  ['ServiceAccount', '', 'v1', 'serviceaccounts', 'Namespaced'],
  ['PersistentVolumeClaim', '', 'v1', 'persistentvolumeclaims', 'Namespaced'],
  ['Namespace', '', 'v1', 'namespaces', 'Cluster'],
  ['Node', '', 'v1', 'nodes', 'Cluster'],
  ['PersistentVolume', '', 'v1', 'persistentvolumes', 'Cluster'],
  ['Deployment', 'apps', 'v1', 'deployments', 'Namespaced'],
  ['StatefulSet', 'apps', 'v1', 'statefulsets', 'Namespaced'],
  ['DaemonSet', 'apps', 'v1', 'daemonsets', 'Namespaced'],
  ['ReplicaSet', 'apps', 'v1', 'replicasets', 'Namespaced'],
  ['Job', 'batch', 'v1', 'jobs', 'Namespaced'],
  ['CronJob', 'batch', 'v1', 'cronjobs', 'Namespaced'],
  ['EndpointSlice', 'discovery.k8s.io', 'v1', 'endpointslices', 'Namespaced'],
  ['Lease', 'coordination.k8s.io', 'v1', 'leases', 'Namespaced'],
  ['HorizontalPodAutoscaler', 'autoscaling', 'v2', 'horizontalpodautoscalers', 'Namespaced'],
  ['PodDisruptionBudget', 'policy', 'v1', 'poddisruptionbudgets', 'Namespaced'],
  ['Ingress', 'networking.k8s.io', 'v1', 'ingresses', 'Namespaced'],
  ['NetworkPolicy', 'networking.k8s.io', 'v1', 'networkpolicies', 'Namespaced'],
  ['IngressClass', 'networking.k8s.io', 'v1', 'ingressclasses', 'Cluster'],
  ['Role', 'rbac.authorization.k8s.io', 'v1', 'roles', 'Namespaced'],
  ['RoleBinding', 'rbac.authorization.k8s.io', 'v1', 'rolebindings', 'Namespaced'],
  ['ClusterRole', 'rbac.authorization.k8s.io', 'v1', 'clusterroles', 'Cluster'],
  ['ClusterRoleBinding', 'rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'Cluster'],
  ['CustomResourceDefinition', 'apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'Cluster'],
  ['MutatingWebhookConfiguration', 'admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'Cluster'],
  ['ValidatingWebhookConfiguration', 'admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'Cluster'],
  ['ValidatingAdmissionPolicy', 'admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies', 'Cluster'],
  ['ValidatingAdmissionPolicyBinding', 'admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings', 'Cluster'],
  ['StorageClass', 'storage.k8s.io', 'v1', 'storageclasses', 'Cluster'],
  ['CSIDriver', 'storage.k8s.io', 'v1', 'csidrivers', 'Cluster'],
  ['CSINode', 'storage.k8s.io', 'v1', 'csinodes', 'Cluster'],
  ['VolumeAttachment', 'storage.k8s.io', 'v1', 'volumeattachments', 'Cluster'],
  ['PriorityClass', 'scheduling.k8s.io', 'v1', 'priorityclasses', 'Cluster'],
  ['RuntimeClass', 'node.k8s.io', 'v1', 'runtimeclasses', 'Cluster'],
  ['APIService', 'apiregistration.k8s.io', 'v1', 'apiservices', 'Cluster'],
];

describe('builtinResource', () => {
  for (const [kind, group, version, resource, scope] of SERVED) {
    it(`${kind}: served as ${group || 'core'}/${version} ${resource} (${scope})`, () => {
      assert.deepEqual(builtinResource(kind), {
        kind,
        apiVersion: group === '' ? version : `${group}/${version}`,
        plural: resource,
        namespaced: scope === 'Namespaced',
      });
      assert.equal(isClusterScoped(kind), scope === 'Cluster');
    });
  }

  it('knows no other kind (a CRD kind, a kind in the wrong case, the empty string)', () => {
    assert.equal(builtinResource('Certificate'), undefined);
    assert.equal(builtinResource('deployment'), undefined);
    assert.equal(builtinResource(''), undefined);
  });
});

describe('isClusterScoped', () => {
  it('takes ClusterIssuer (cert-manager) and PodSecurityPolicy (policy/v1beta1, removed in 1.25) as cluster-scoped without discovery', () => {
    assert.equal(isClusterScoped('ClusterIssuer'), true);
    assert.equal(isClusterScoped('PodSecurityPolicy'), true);
  });

  it('takes any other unknown kind as namespaced', () => {
    assert.equal(isClusterScoped('Issuer'), false);
    assert.equal(isClusterScoped(''), false);
  });
});

describe('collectionPath and objectPath', () => {
  const pods = { apiVersion: 'v1', plural: 'pods', namespaced: true };
  const deployments = { apiVersion: 'apps/v1', plural: 'deployments', namespaced: true };
  const nodes = { apiVersion: 'v1', plural: 'nodes', namespaced: false };
  const classes = { apiVersion: 'storage.k8s.io/v1', plural: 'storageclasses', namespaced: false };

  it('puts the core group under /api and the others under /apis', () => {
    assert.equal(collectionPath(pods, 'web'), '/api/v1/namespaces/web/pods');
    assert.equal(collectionPath(deployments, 'web'), '/apis/apps/v1/namespaces/web/deployments');
  });

  it('lists a namespaced kind in every namespace when no namespace is given', () => {
    assert.equal(collectionPath(pods), '/api/v1/pods');
    assert.equal(collectionPath(deployments), '/apis/apps/v1/deployments');
  });

  it('never puts a namespace in the path of a cluster-scoped kind', () => {
    assert.equal(collectionPath(nodes, 'web'), '/api/v1/nodes');
    assert.equal(collectionPath(classes, 'web'), '/apis/storage.k8s.io/v1/storageclasses');
  });

  it('escapes the namespace and the name', () => {
    assert.equal(collectionPath(pods, 'a/b c'), '/api/v1/namespaces/a%2Fb%20c/pods');
    assert.equal(objectPath(pods, 'a b', 'x/y?z'), '/api/v1/namespaces/a%20b/pods/x%2Fy%3Fz');
  });

  it('names one object after its collection', () => {
    assert.equal(objectPath(deployments, 'web', 'api'), '/apis/apps/v1/namespaces/web/deployments/api');
    assert.equal(objectPath(nodes, undefined, 'node-1'), '/api/v1/nodes/node-1');
    assert.equal(objectPath(classes, 'ignored', 'fast'), '/apis/storage.k8s.io/v1/storageclasses/fast');
  });
});
