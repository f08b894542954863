import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Destinations, destFor, foldLayers, refSchemes, rewriteSopsRefs, valueItems } from '../../../src/import/values-layout.ts';

describe('values files in the new repository', () => {
  it('keeps paths below the helmfile folder inside values/', () => {
    assert.equal(destFor('/h/values/a.yaml', '/h'), 'values/a.yaml');
    assert.equal(destFor('/h/env/prod/a.yaml', '/h'), 'values/env/prod/a.yaml');
    assert.equal(destFor('/shared/a.yaml', '/h'), 'values/_outside/a.yaml');
  });

  it('plain files are copied, rendered ones written without .gotmpl, inline maps and secrets per release', () => {
    const items = valueItems(
      [
        { kind: 'file', path: '/h/v.yaml', content: 'a: 1 # kept\n' },
        { kind: 'file', path: '/h/t.yaml.gotmpl', content: 'b: 2\n', rendered: true },
        { kind: 'inline', content: 'c: 3\n' },
        { kind: 'secrets', path: '/h/s.yaml', content: 'd: ref+sops:///h/s.yaml#/d\n' },
        { kind: 'file', path: '/h/missing.yaml', content: '', skipped: true },
      ],
      'web',
      '/h',
    );
    assert.deepEqual(
      items.map((i) => [i.want, i.copyFrom ?? null, i.content ?? null]),
      [
        ['values/v.yaml', '/h/v.yaml', null],
        ['values/t.yaml', null, 'b: 2\n'],
        ['values/web/inline-1.yaml', null, 'c: 3\n'],
        ['values/web/secrets-1.yaml', null, 'd: ref+sops:///h/s.yaml#/d\n'],
      ],
    );
  });

  it('one file per identity: the same template rendered differently per environment gets the cluster name', () => {
    const d = new Destinations();
    const a = { id: 'tmpl:/h/t.yaml.gotmpl:1', want: 'values/t.yaml' };
    const b = { id: 'tmpl:/h/t.yaml.gotmpl:2', want: 'values/t.yaml' };
    assert.equal(d.place(a, 'staging'), 'values/t.yaml');
    assert.equal(d.place(b, 'production'), 'values/t.production.yaml');
    assert.equal(d.place(a, 'production'), 'values/t.yaml');
    assert.equal(d.claim('values/t.yaml', 'other'), 'values/t-2.yaml');
  });

  it('folds per-cluster lists without changing any cluster order', () => {
    const same = foldLayers(
      new Map([
        ['a', { values: ['v1', 'v2'], set: { x: 1 } }],
        ['b', { values: ['v1', 'v2'], set: { x: 1 } }],
      ]),
    );
    assert.deepEqual(same.base, { values: ['v1', 'v2'], set: { x: 1 } });
    assert.deepEqual([...same.clusters.values()], [
      { values: [], set: {} },
      { values: [], set: {} },
    ]);
    // a cluster with a file of its own: the set must stay after it, so it goes to the clusters
    const differ = foldLayers(
      new Map([
        ['a', { values: ['v1', 'a.yaml'], set: { x: 1 } }],
        ['b', { values: ['v1'], set: { x: 1 } }],
      ]),
    );
    assert.deepEqual(differ.base, { values: ['v1'], set: {} });
    assert.deepEqual(Object.fromEntries(differ.clusters), { a: { values: ['a.yaml'], set: { x: 1 } }, b: { values: [], set: { x: 1 } } });
  });

  it('sops references point at the copies; other ref+ schemes are found', () => {
    assert.equal(rewriteSopsRefs('p: ref+sops:///h/s.yaml#/a/b\n', new Map([['/h/s.yaml', 'values/s.yaml']])), 'p: ref+sops://values/s.yaml#/a/b\n');
    assert.deepEqual(refSchemes('a: ref+vault://x#y\nb: ref+awssecrets://z\nc: ref+vault://q'), ['vault', 'awssecrets']);
  });
});
