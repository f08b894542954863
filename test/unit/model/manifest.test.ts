import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderedObjects } from '../../../src/model/manifest.ts';

describe('the manifest parser', () => {
  it('splits a helm manifest into documents, text kept as rendered, template named', () => {
    const manifest = '---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  on: yes\n---\n# Source: demo/templates/empty.yaml\n---\n# Source: demo/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: other\n';
    const docs = renderedObjects(manifest, 'shop');
    assert.equal(docs.length, 2);
    assert.deepEqual([docs[0]!.apiVersion, docs[0]!.kind, docs[0]!.name, docs[0]!.source, docs[0]!.namespace], ['v1', 'ConfigMap', 'web', 'demo/templates/cm.yaml', 'shop']);
    // the text goes to the server as is: YAML 1.1 scalars (`on: yes`) are read by the server as helm's own request is
    assert.match(docs[0]!.text!, /^ {2}on: yes$/m);
    assert.doesNotMatch(docs[0]!.text!, /Deployment/);
    // read as YAML 1.1, as helm reads it: `on` and `yes` are booleans
    assert.deepEqual(docs[0]!.object.data, { true: true });
    assert.equal(docs[1]!.explicitNamespace, 'other');
    assert.equal(docs[1]!.namespace, 'other');
    assert.equal(docs[1]!.source, 'demo/templates/deploy.yaml');
  });
  it('cluster-scoped kinds have no namespace; List documents are flattened; generateName objects are marked', () => {
    const manifest = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: r }\n---\napiVersion: v1\nkind: List\nitems:\n- { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }\n---\napiVersion: batch/v1\nkind: Job\nmetadata: { generateName: job- }\n';
    const docs = renderedObjects(manifest, 'shop');
    assert.deepEqual(docs.map((d) => [d.kind, d.name, d.namespace ?? '-', d.generated]), [['ClusterRole', 'r', '-', false], ['ConfigMap', 'a', 'shop', false], ['Job', 'job-', 'shop', true]]);
  });
});
