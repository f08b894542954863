// helm template's output told apart: crds/ files, the release manifest
// (exactly the text helm stores), hooks with their events and delete policies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crdDocuments, splitRendered } from '../../../src/plan/rendered.ts';

const crd = '---\n# Source: traefik/crds/traefik.io_middlewares.yaml\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: middlewares.traefik.io\n';
const cm = '---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: "---"\n';
const svc = '---\n# Source: demo/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n';
const job = '---\n# Source: demo/templates/job.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    "helm.sh/hook": pre-install,pre-upgrade\n    "helm.sh/hook-delete-policy": hook-succeeded\n';
const sa = '---\n# Source: demo/templates/sa.yaml\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: hooks\n  annotations:\n    helm.sh/hook: pre-install\n';

describe('splitRendered', () => {
  it('keeps the manifest text byte for byte, lists hooks and crds/', () => {
    const r = splitRendered(crd + cm + svc + job + sa, 'shop');
    assert.equal(r.manifest, cm + svc);
    assert.deepEqual(r.crds, [{ name: 'middlewares.traefik.io', source: 'traefik/crds/traefik.io_middlewares.yaml' }]);
    assert.deepEqual(r.hooks, [
      { kind: 'Job', name: 'migrate', namespace: 'shop', events: ['pre-install', 'pre-upgrade'], deletePolicies: ['hook-succeeded'], source: 'demo/templates/job.yaml' },
      { kind: 'ServiceAccount', name: 'hooks', namespace: 'shop', events: ['pre-install'], deletePolicies: ['before-hook-creation'], source: 'demo/templates/sa.yaml' },
    ]);
    assert.equal(r.extra, crd + job + sa);
  });
  it('crdDocuments: the crds/ documents of a client render, to put before a Helm 4 server render made without them', () => {
    assert.equal(crdDocuments(crd + cm + svc + job), crd);
    assert.equal(crdDocuments(cm + svc), '');
    const joined = crdDocuments(crd + cm) + svc + job;
    assert.deepEqual(splitRendered(joined, 'shop').crds, [{ name: 'middlewares.traefik.io', source: 'traefik/crds/traefik.io_middlewares.yaml' }]);
    assert.equal(splitRendered(joined, 'shop').manifest, svc);
  });
  it('a chart with neither: the output is the manifest', () => {
    assert.equal(splitRendered(cm + svc, 'shop').manifest, cm + svc);
    assert.equal(splitRendered('', 'shop').manifest, '');
  });
  it('CRDs rendered from templates/ are part of the manifest (helm upgrades those)', () => {
    const inTemplates = crd.replace('traefik/crds/', 'cert-manager/templates/crd-');
    assert.equal(splitRendered(inTemplates, 'x').manifest, inTemplates);
  });
});
