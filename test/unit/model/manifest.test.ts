import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normaliseObject, parseManifest, renderedObjects, yamlDocuments } from '../../../src/model/manifest.ts';

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

describe('the manifest parser: edge cases', () => {
  const cm = (meta: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata: ${meta}\n${extra}`;

  it('a document that is not valid YAML throws, naming the problem; with skipInvalid it is left out and the others kept', () => {
    const manifest = `---\n${cm('{ name: broken')}---\n${cm('{ name: fine }')}`;
    assert.throws(() => renderedObjects(manifest, 'shop'), /^Error: manifest is not valid YAML: Flow map in block collection must be sufficiently indented/);
    assert.deepEqual(renderedObjects(manifest, 'shop', { skipInvalid: true }).map((d) => d.name), ['fine']);
    assert.deepEqual(
      yamlDocuments(manifest).map((d) => [d.js === undefined, d.error === undefined]),
      [[true, false], [false, true]],
    );
  });

  it('a key given twice is no error: the later value is read', () => {
    // (the fast reader gives up on a duplicate key: `yaml` reads it)
    const docs = renderedObjects(`---\n${cm('{ name: twice }', 'data:\n  k: one\n  k: two\n')}`, 'shop');
    assert.deepEqual(docs.map((d) => d.object.data), [{ k: 'two' }]);
  });

  it('only a `# Source:` comment line names the template, not the same words inside a value', () => {
    const value = 'data:\n  note: "see # Source: elsewhere.yaml"\n';
    const docs = renderedObjects(`---\n# Source: c/templates/a.yaml\n${cm('{ name: a }', value)}---\n${cm('{ name: b }', value)}`, 'shop');
    assert.deepEqual(docs.map((d) => d.source), ['c/templates/a.yaml', undefined]);
  });

  it('any *List kind is flattened; an object of another kind with an `items` list is one object', () => {
    const manifest = '---\napiVersion: v1\nkind: ConfigMapList\nitems:\n- { apiVersion: v1, kind: ConfigMap, metadata: { name: a } }\n- { apiVersion: v1, kind: ConfigMap, metadata: { name: b } }\n---\napiVersion: example.com/v1\nkind: Catalog\nmetadata: { name: c }\nitems:\n- { apiVersion: v1, kind: ConfigMap, metadata: { name: d } }\n';
    const docs = renderedObjects(manifest, 'shop');
    assert.deepEqual(docs.map((d) => `${d.kind}/${d.name}`), ['ConfigMap/a', 'ConfigMap/b', 'Catalog/c']);
    // an item of a List has no text of its own
    assert.deepEqual(docs.map((d) => d.text === undefined), [true, true, false]);
  });

  it('names: a name wins over generateName; an empty or non-string name with generateName is generated; no kind (or not a string) or no name is no object', () => {
    const manifest = [
      cm('{ name: named, generateName: gen- }'),
      cm('{ name: "", generateName: empty- }'),
      cm('{ name: 42, generateName: number- }'),
      cm('{ name: 42 }'),
      cm('{ namespace: shop }'),
      'apiVersion: v1\nmetadata: { name: kindless }\n',
      'apiVersion: v1\nkind: ""\nmetadata: { name: empty-kind }\n',
      'apiVersion: v1\nkind: 5\nmetadata: { name: number-kind }\n',
    ].map((d) => `---\n${d}`).join('');
    const docs = renderedObjects(manifest, 'shop');
    assert.deepEqual(docs.map((d) => [d.name, d.generated]), [['named', false], ['empty-', true], ['number-', true]]);
  });

  it('an empty or non-string metadata.namespace is no namespace (the release\'s applies); a missing apiVersion reads as v1', () => {
    const docs = renderedObjects('---\nkind: ConfigMap\nmetadata: { name: a, namespace: "" }\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: b, namespace: 7 }\n', 'shop');
    assert.deepEqual(docs.map((d) => [d.apiVersion, d.namespace, d.explicitNamespace]), [['v1', 'shop', undefined], ['apps/v1', 'shop', undefined]]);
  });

  it('an anchor used many times is expanded every time, by either reader (as helm reads it)', () => {
    const refs = Array.from({ length: 150 }, (_, i) => `  k${i}: *labels`).join('\n');
    const doc = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aliased\n  labels: &labels { app: web, tier: front }\ndata:\n${refs}\n`;
    // without a leading `---` the text is read by `yaml`, with it by the fast reader
    for (const text of [doc, `---\n${doc}`]) {
      const data = renderedObjects(text, 'shop')[0]!.object.data as Record<string, unknown>;
      assert.equal(Object.keys(data).length, 150);
      assert.deepEqual(data.k149, { app: 'web', tier: 'front' });
    }
  });

  it('parseManifest: the objects keyed kind/namespace/name, those named by generateName only left out', () => {
    const objs = parseManifest('---\napiVersion: batch/v1\nkind: Job\nmetadata: { generateName: migrate- }\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: shop }\n---\napiVersion: v1\nkind: Secret\nmetadata: { name: s }\n', 'shop');
    assert.deepEqual(objs.map((o) => o.key), ['Namespace//shop', 'Secret/shop/s']);
  });

  it('each text is parsed once (shared: the same objects), callers not sharing get their own copy', () => {
    const a = `---\n${cm('{ name: kept-a }')}`;
    const b = `---\n${cm('{ name: kept-b }')}`;
    const first = renderedObjects(a, 'shop', { shared: true })[0]!.object;
    renderedObjects(b, 'shop', { shared: true });
    assert.equal(renderedObjects(a, 'shop', { shared: true })[0]!.object, first);
    const copy = renderedObjects(a, 'shop')[0]!.object;
    assert.notEqual(copy, first);
    (copy.metadata as Record<string, unknown>).name = 'changed';
    assert.equal(renderedObjects(a, 'shop', { shared: true })[0]!.name, 'kept-a');
  });

  it('the parses kept are bounded: a text read long ago is parsed again', () => {
    const a = `---\n${cm('{ name: old }')}`;
    const first = renderedObjects(a, 'shop', { shared: true })[0]!.object;
    for (let i = 0; i < 3000; i++) renderedObjects(`---\n${cm(`{ name: other-${i} }`)}`, 'shop', { shared: true });
    assert.notEqual(renderedObjects(a, 'shop', { shared: true })[0]!.object, first);
  });
});

describe('normaliseObject: what never counts as a difference', () => {
  it('drops status, server- and helm-written metadata and annotations; keeps the rest, keys sorted', () => {
    const o = normaliseObject({
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: {
        name: 'web',
        creationTimestamp: '2026-01-01T00:00:00Z',
        resourceVersion: '12',
        uid: 'u-1',
        generation: 3,
        managedFields: [{ manager: 'helm' }],
        selfLink: '/apis/apps/v1/x',
        deletionTimestamp: '2026-01-02T00:00:00Z',
        deletionGracePeriodSeconds: 30,
        ownerReferences: [{ kind: 'X' }],
        finalizers: ['f'],
        labels: { app: 'web' },
        annotations: {
          'meta.helm.sh/release-name': 'web',
          'meta.helm.sh/release-namespace': 'shop',
          'kubectl.kubernetes.io/last-applied-configuration': '{}',
          'deployment.kubernetes.io/revision': '4',
          'kubectl.kubernetes.io/restartedAt': 'now',
          team: 'shop',
        },
      },
      spec: { replicas: 2 },
      status: { replicas: 2 },
    });
    assert.deepEqual(o, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { annotations: { team: 'shop' }, labels: { app: 'web' }, name: 'web' }, spec: { replicas: 2 } });
    assert.deepEqual(Object.keys(o), ['apiVersion', 'kind', 'metadata', 'spec']);
  });

  it('annotations and labels left empty are removed', () => {
    const o = normaliseObject({ kind: 'ConfigMap', metadata: { name: 'a', labels: {}, annotations: { 'meta.helm.sh/release-name': 'x' } } });
    assert.deepEqual(o, { kind: 'ConfigMap', metadata: { name: 'a' } });
  });

  it('an object without metadata is normalised too', () => {
    assert.deepEqual(normaliseObject({ kind: 'Thing', status: {}, spec: { a: 1 } }), { kind: 'Thing', spec: { a: 1 } });
  });

  it('null means unset, at any depth, in the items of a list too', () => {
    const o = normaliseObject({ kind: 'Pod', metadata: { name: 'p', labels: null }, spec: { containers: [{ name: 'app', resources: null, env: [{ name: 'A', value: null }] }, 'x'], nodeName: null } });
    assert.deepEqual(o, { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ env: [{ name: 'A' }], name: 'app' }, 'x'] } });
  });
});
