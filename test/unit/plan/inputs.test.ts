// The input digest: one case per input that must change it, and the
// capabilities a chart does not ask about that must not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inputDigest, inputDigests } from '../../../src/plan/inputs.ts';
import { redactor } from '../../../src/redact.ts';
import { renderDecision } from '../../../src/plan/render-skip.ts';
import type { RenderInputs } from '../../../src/plan/inputs.ts';

const base: RenderInputs = {
  chart: 'sha-chart-1',
  values: { image: { tag: '1.0' }, replicas: 2 },
  releaseName: 'web',
  namespace: 'shop',
  kubeVersion: 'v1.36.3',
  apiVersions: ['v1', 'apps/v1', 'policy/v1', 'policy/v1/PodDisruptionBudget'],
  apiQueries: ['policy/v1/PodDisruptionBudget'],
  helmMajor: 3,
};

describe('inputDigest', () => {
  it('is a 40-hex label value, stable for the same inputs and for values in another key order', () => {
    const d = inputDigest(base);
    assert.match(d, /^[0-9a-f]{40}$/);
    assert.equal(inputDigest({ ...base, values: { replicas: 2, image: { tag: '1.0' } } }), d);
  });
  it('changes with every input', () => {
    const d = inputDigest(base);
    const changed: [string, Partial<RenderInputs>][] = [
      ['chart content (a file, a dependency, .helmignore: all in the chart digest)', { chart: 'sha-chart-2' }],
      ['a value (values file, set, --set: all merged into values)', { values: { image: { tag: '1.1' }, replicas: 2 } }],
      ['the release name', { releaseName: 'web2' }],
      ['the namespace', { namespace: 'other' }],
      ['the cluster version', { kubeVersion: 'v1.37.0' }],
      ['an API version the chart asks about', { apiVersions: ['v1', 'apps/v1', 'policy/v1'] }],
      ['the helm major', { helmMajor: 4 }],
      ['a number\'s kind: an int64 (--set) where a float64 (values file) was (20240101 prints 2.0240101e+07 as a float64)', { values: { image: { tag: '1.0' }, replicas: 2n } }],
    ];
    for (const [what, over] of changed) assert.notEqual(inputDigest({ ...base, ...over }), d, what);
  });
  it('API versions the chart does not ask about change nothing; a chart that asks about any sees them all', () => {
    const more = [...base.apiVersions, 'traefik.io/v1alpha1', 'traefik.io/v1alpha1/Middleware'];
    assert.equal(inputDigest({ ...base, apiVersions: more }), inputDigest(base));
    assert.notEqual(inputDigest({ ...base, apiQueries: 'all', apiVersions: more }), inputDigest({ ...base, apiQueries: 'all' }));
  });
});

describe('inputDigests: the forms', () => {
  it('a revision labelled before its values were known as secrets is still "these inputs" once they are (no render on every plan)', () => {
    const inputs = { ...base, values: { ...base.values, secrets: { TOKEN: 'tok-forms-1234' } } };
    const labelled = inputDigest(inputs); // a first install: the token is not known as a secret yet
    redactor.add('tok-forms-1234'); // a later run read it from the deployed Secret
    const now = inputDigest(inputs);
    assert.notEqual(now, labelled, 'keyed now, plain then');
    const forms = inputDigests(inputs).forms;
    assert.deepEqual(forms.toSorted(), [labelled, now].toSorted());
    const deployed = { revision: 1, status: 'deployed', inputs: labelled };
    assert.deepEqual(renderDecision({ inputs: now, sameInputs: forms, deployed, lookup: false, liveDrift: false }), { render: false, revision: 1 });
    assert.equal(renderDecision({ inputs: now, deployed, lookup: false, liveDrift: false }).render, true, 'without the forms, the same inputs look changed');
    const other = inputDigests({ ...inputs, values: { ...inputs.values, replicas: 3 } }).forms;
    assert.equal(renderDecision({ inputs: other[1]!, sameInputs: other, deployed, lookup: false, liveDrift: false }).render, true, 'other inputs in either form still render');
  });
});
