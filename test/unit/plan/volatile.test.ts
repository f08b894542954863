// Nondeterministic renders: the fields two renders of the same inputs differ
// in, named by object and path, never with their values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { volatileFields, volatileNote } from '../../../src/plan/volatile.ts';

const render = (pw: string, sum: string, extra = '') => `---
# Source: grafana/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata: { name: grafana }
data: { admin-user: YWRtaW4=, admin-password: ${pw} }
---
# Source: grafana/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: { name: grafana }
spec:
  replicas: 1
  template:
    metadata: { annotations: { checksum/secret: ${sum} } }
    spec: { containers: [{ name: grafana, env: [{ name: A, value: "1" }, { name: B, value: ${sum} }] }] }
${extra}`;

describe('volatileFields', () => {
  it('two equal renders: nothing', () => {
    assert.deepEqual(volatileFields(render('cHcx', 'abc'), render('cHcx', 'abc'), 'ns'), []);
  });
  it('a random password and a checksum over it: each field by object and path, list items by index', () => {
    assert.deepEqual(volatileFields(render('cHcx', 'abc'), render('cHcy', 'abd'), 'ns'), [
      'Deployment/grafana: spec.template.metadata.annotations.checksum/secret',
      'Deployment/grafana: spec.template.spec.containers[0].env[1].value',
      'Secret/grafana: data.admin-password',
    ]);
  });
  it('an object only one render has is named whole', () => {
    const job = `---\n# Source: x/templates/job.yaml\napiVersion: batch/v1\nkind: Job\nmetadata: { name: migrate-1234 }\n`;
    assert.deepEqual(volatileFields(render('a', 'b', job), render('a', 'b'), 'ns'), ['Job/migrate-1234']);
  });
  it('never shows a value, and the note stays short', () => {
    const fields = volatileFields(render('c2VjcmV0LW9uZQ==', 'abc'), render('c2VjcmV0LXR3bw==', 'abd'), 'ns');
    assert.ok(!fields.join(' ').includes('c2VjcmV0'));
    const note = volatileNote(Array.from({ length: 9 }, (_, i) => `Secret/s: data.k${i}`));
    assert.match(note, /^nondeterministic: two renders of the same inputs differ in Secret\/s: data\.k0, .* and 3 more$/);
  });
});
