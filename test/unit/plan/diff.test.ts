import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diffManifests, diffValues, unifiedDiff } from '../../../src/plan/diff.ts';
import { Redactor } from '../../../src/redact.ts';

/** What the plan would have registered (here: nothing unless a test says). */
const none = { redactor: new Redactor() };
import { normaliseObject, parseManifest } from '../../../src/model/manifest.ts';

const cm = (level: string, extra = '') => `---
# Source: demo/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  labels: { app: web }
data:
  LOG_LEVEL: "${level}"
${extra}`;

const secret = (pw: string, extraKey = '') => `---
apiVersion: v1
kind: Secret
metadata:
  name: web
type: Opaque
stringData:
  PASSWORD: "${pw}"
${extraKey}`;

describe('manifest normalisation', () => {
  it('keys objects by kind/namespace/name with the release namespace as default', () => {
    const objs = parseManifest(`${cm('info')}\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: x }\n---\n# only a comment\n`, 'accounts');
    assert.deepEqual(objs.map((o) => o.key), ['ConfigMap/accounts/web', 'Namespace//x']);
  });
  it('sorts keys and drops server/helm noise', () => {
    const o = normaliseObject({ metadata: { name: 'a', creationTimestamp: null, uid: 'u', annotations: { 'meta.helm.sh/release-name': 'x' } }, kind: 'ConfigMap', status: {}, data: { b: 1, a: null } });
    assert.deepEqual(o, { kind: 'ConfigMap', metadata: { name: 'a' }, data: { b: 1 } });
    assert.deepEqual(Object.keys(o), ['data', 'kind', 'metadata']);
  });
});

describe('diffManifests', () => {
  it('no diff for identical objects written differently', () => {
    const a = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, labels: {b: "1", a: "2"}}\ndata: {X: "1"}\n';
    const b = '# Source: x\nkind: ConfigMap\napiVersion: v1\ndata:\n  X: "1"\nmetadata:\n  labels: {a: "2", b: "1"}\n  name: web\n';
    assert.deepEqual(diffManifests(a, b, 'ns', none), []);
  });
  it('a changed field gives a unified diff', () => {
    const [d, ...rest] = diffManifests(cm('info'), cm('debug'), 'ns', none);
    assert.equal(rest.length, 0);
    assert.equal(d!.change, 'changed');
    assert.equal(d!.kind, 'ConfigMap');
    assert.match(d!.diff, /^-\s+LOG_LEVEL: info$/m);
    assert.match(d!.diff, /^\+\s+LOG_LEVEL: debug$/m);
    assert.match(d!.diff, /^@@ /m);
  });
  it('added and removed objects', () => {
    const ds = diffManifests(cm('info'), secret('x'), 'ns', none);
    assert.deepEqual(ds.map((d) => [d.kind, d.change]), [['ConfigMap', 'removed'], ['Secret', 'added']]);
  });
  it('never shows Secret values, only which keys changed', () => {
    const before = secret('hunter2-old', '  TOKEN: "tok-abc"\n');
    const after = secret('hunter2-new', '  NEWKEY: "brand-new-value"\n');
    const [d] = diffManifests(before, after, 'ns', none);
    const text = JSON.stringify(d);
    for (const v of ['hunter2-old', 'hunter2-new', 'tok-abc', 'brand-new-value']) {
      assert.ok(!text.includes(v), `${v} leaked`);
      assert.ok(!text.includes(Buffer.from(v).toString('base64')), `${v} leaked as base64`);
    }
    assert.match(d!.diff, /~ data\.PASSWORD: \(secret value changed\)/);
    assert.match(d!.diff, /- data\.TOKEN: \(secret value removed\)/);
    assert.match(d!.diff, /\+ data\.NEWKEY: \(secret value added\)/);
  });
  it('an unchanged Secret value gives no diff, data vs stringData alike', () => {
    const b64 = `apiVersion: v1\nkind: Secret\nmetadata: {name: web}\ntype: Opaque\ndata:\n  PASSWORD: ${Buffer.from('same-pw').toString('base64')}\n`;
    assert.deepEqual(diffManifests(b64, secret('same-pw'), 'ns', none), []);
  });
  it('a new Secret shows key names only', () => {
    const [d] = diffManifests(undefined, secret('s3cr3t-value'), 'ns', none);
    assert.ok(!d!.diff.includes('s3cr3t-value'));
    assert.match(d!.diff, /\+ data\.PASSWORD: \(secret value added\)/);
  });
  it('removes registered secrets copied into other objects before diffing', () => {
    const redactor = new Redactor();
    redactor.add('my-db-password');
    const [d] = diffManifests(cm('info'), cm('my-db-password'), 'ns', { redactor });
    assert.ok(!d!.diff.includes('my-db-password'));
    assert.match(d!.diff, /^\+\s+LOG_LEVEL: "?\(secret\)"?$/m);
  });
  it('a change only inside a secret of another object says so, without a value', () => {
    const redactor = new Redactor();
    redactor.add('old-db-password', 'new-db-password');
    const [d] = diffManifests(cm('old-db-password'), cm('new-db-password'), 'ns', { redactor });
    assert.equal(d!.diff, '~ (secret value changed)');
  });
  it('a long secret split across lines of a quoted YAML value is still removed (redacted before the YAML is written)', () => {
    const redactor = new Redactor();
    const pw = `a"b\\c-${'x'.repeat(40)}`;
    redactor.add(pw);
    const [d] = diffManifests(cm('info'), cm('info', `  DSN: ${JSON.stringify(`postgres://u:${pw}@db`)}\n`), 'ns', { redactor });
    assert.ok(!d!.diff.includes('x'.repeat(40)), d!.diff);
    assert.match(d!.diff, /DSN: postgres:\/\/u:\(secret\)@db/);
  });
});

describe('diffManifests: the exact text of each diff', () => {
  const configMap = (name: string, data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\ndata: { ${data} }\n`;
  const opaque = (metadata: string, data = '') => `apiVersion: v1\nkind: Secret\nmetadata: ${metadata}\ntype: Opaque\n${data}`;

  it('an added object is every line of it with "+", a removed one with "-", no hunk header', () => {
    assert.deepEqual(diffManifests(undefined, configMap('web', 'LEVEL: "info"'), 'ns', none), [
      { kind: 'ConfigMap', namespace: 'ns', name: 'web', change: 'added', diff: '+apiVersion: v1\n+data:\n+  LEVEL: info\n+kind: ConfigMap\n+metadata:\n+  name: web' },
    ]);
    assert.deepEqual(diffManifests(configMap('web', 'LEVEL: "info"'), undefined, 'ns', none), [
      { kind: 'ConfigMap', namespace: 'ns', name: 'web', change: 'removed', diff: '-apiVersion: v1\n-data:\n-  LEVEL: info\n-kind: ConfigMap\n-metadata:\n-  name: web' },
    ]);
  });
  it('a cluster-scoped object has an empty namespace', () => {
    const [d] = diffManifests(undefined, 'apiVersion: v1\nkind: Namespace\nmetadata: { name: team }\n', 'ns', none);
    assert.deepEqual(d, { kind: 'Namespace', namespace: '', name: 'team', change: 'added', diff: '+apiVersion: v1\n+kind: Namespace\n+metadata:\n+  name: team' });
  });
  it('objects come in the order of their keys, whichever side they are on', () => {
    const ds = diffManifests(configMap('b', 'LEVEL: "info"'), `${configMap('a', 'LEVEL: "x"')}---\n${configMap('b', 'LEVEL: "debug"')}`, 'ns', none);
    assert.deepEqual(ds.map((d) => [d.name, d.change]), [['a', 'added'], ['b', 'changed']]);
  });
  it('the same text on both sides is no change without being read (helm stored it as rendered), whitespace around it aside', () => {
    // text this parser refuses: it is never parsed when both sides are the same
    assert.deepEqual(diffManifests('kind: [x\n', '\nkind: [x', 'ns', none), []);
    assert.throws(() => diffManifests('kind: [x\n', 'kind: [y', 'ns', none), /manifest is not valid YAML/);
  });
  it('every object removed: the deployed side alone', () => {
    assert.deepEqual(diffManifests(`${configMap('web', 'LEVEL: "info"')}---\n${opaque('{ name: web }', 'stringData: { B: "bbbbb" }\n')}`, undefined, 'ns', none).map((d) => [d.kind, d.change]), [['ConfigMap', 'removed'], ['Secret', 'removed']]);
  });
  it('context lines as asked', () => {
    const wide = (d: string) => configMap('web', `A: "1", B: "2", C: "3", D: "${d}", E: "5", F: "6", G: "7"`);
    const [d] = diffManifests(wide('4'), wide('four'), 'ns', { redactor: new Redactor(), context: 1 });
    assert.equal(d!.diff, '@@ -5,3 +5,3 @@\n   C: "3"\n-  D: "4"\n+  D: four\n   E: "5"');
    const labels = (d: string) => opaque(`{ name: web, labels: { a: "1", b: "2", c: "3", d: "${d}", e: "5", f: "6", g: "7" } }`);
    const [s] = diffManifests(labels('4'), labels('four'), 'ns', { redactor: new Redactor(), context: 1 });
    assert.equal(s!.diff, '@@ -7,3 +7,3 @@\n     c: "3"\n-    d: "4"\n+    d: four\n     e: "5"');
  });
  it('registered secrets are removed from the items of lists too', () => {
    const redactor = new Redactor();
    redactor.add('my-db-password');
    const job = (flag: string) => `apiVersion: batch/v1\nkind: Job\nmetadata: { name: migrate }\nspec: { template: { spec: { containers: [{ name: app, args: ["--db-password=my-db-password", "${flag}"] }] } } }\n`;
    const [d] = diffManifests(job('--verbose'), job('--quiet'), 'ns', { redactor });
    assert.equal(d!.diff, '@@ -8,5 +8,5 @@\n       containers:\n         - args:\n             - --db-password=(secret)\n-            - --verbose\n+            - --quiet\n           name: app');
  });

  it('a new Secret: its other fields, the names of its keys as "(secret)", one line per key added', () => {
    const [d] = diffManifests(undefined, opaque('{ name: web }', 'stringData: { B: "bbbbb", A: "aaaaa" }\n'), 'ns', none);
    assert.deepEqual(d, {
      kind: 'Secret',
      namespace: 'ns',
      name: 'web',
      change: 'added',
      diff: '+apiVersion: v1\n+data:\n+  A: (secret)\n+  B: (secret)\n+kind: Secret\n+metadata:\n+  name: web\n+type: Opaque\n+ data.A: (secret value added)\n+ data.B: (secret value added)',
    });
  });
  it('a Secret without data shows no data at all', () => {
    assert.equal(diffManifests(undefined, opaque('{ name: web }'), 'ns', none)[0]!.diff, '+apiVersion: v1\n+kind: Secret\n+metadata:\n+  name: web\n+type: Opaque');
    assert.equal(diffManifests(opaque('{ name: web }'), undefined, 'ns', none)[0]!.diff, '-apiVersion: v1\n-kind: Secret\n-metadata:\n-  name: web\n-type: Opaque');
  });
  it('a removed Secret: its lines with "-", one line per key removed', () => {
    const [d] = diffManifests(opaque('{ name: web }', 'stringData: { B: "bbbbb" }\n'), undefined, 'ns', none);
    assert.equal(d!.change, 'removed');
    assert.equal(d!.diff, '-apiVersion: v1\n-data:\n-  B: (secret)\n-kind: Secret\n-metadata:\n-  name: web\n-type: Opaque\n- data.B: (secret value removed)');
  });
  it('a Secret whose other fields changed: a hunk, then the keys in order', () => {
    const before = opaque('{ name: web, labels: { tier: a } }', 'stringData: { B: "bbbbb" }\n');
    const after = opaque('{ name: web, labels: { tier: b } }', 'stringData: { B: "ccccc", A: "aaaaa" }\n');
    const [d] = diffManifests(before, after, 'ns', none);
    assert.equal(d!.diff, '@@ -1,9 +1,10 @@\n apiVersion: v1\n data:\n+  A: (secret)\n   B: (secret)\n kind: Secret\n metadata:\n   labels:\n-    tier: a\n+    tier: b\n   name: web\n type: Opaque\n+ data.A: (secret value added)\n~ data.B: (secret value changed)');
  });
  it('a Secret whose values alone changed: only the key lines', () => {
    const [d] = diffManifests(opaque('{ name: web }', 'stringData: { B: "bbbbb" }\n'), opaque('{ name: web }', 'stringData: { B: "ccccc" }\n'), 'ns', none);
    assert.equal(d!.diff, '~ data.B: (secret value changed)');
  });
  it('a Secret whose metadata changed only inside a registered secret says so, without a value', () => {
    const redactor = new Redactor();
    redactor.add('old-secret-x', 'new-secret-x');
    const noted = (note: string) => opaque(`{ name: web, annotations: { note: "${note}" } }`, 'stringData: { PW: "same-pw" }\n');
    assert.deepEqual(diffManifests(noted('old-secret-x'), noted('new-secret-x'), 'ns', { redactor }), [
      { kind: 'Secret', namespace: 'ns', name: 'web', change: 'changed', diff: '~ (secret value changed)' },
    ]);
  });
});

describe('diffValues', () => {
  it('masks secret leaves and says they changed', () => {
    const redactor = new Redactor();
    redactor.add('old-secret', 'new-secret');
    const text = diffValues({ replicaCount: 1, secrets: { PW: 'old-secret' } }, { replicaCount: 2, secrets: { PW: 'new-secret' } }, redactor);
    assert.ok(!text.includes('old-secret') && !text.includes('new-secret'));
    assert.match(text, /^-replicaCount: 1$/m);
    assert.match(text, /^\+replicaCount: 2$/m);
    assert.match(text, /~ secrets\.PW: \(secret value changed\)/);
  });
  it('a change of a secret leaf alone is that one line', () => {
    const redactor = new Redactor();
    redactor.add('old-secret', 'new-secret');
    assert.equal(diffValues({ replicaCount: 1, secrets: { PW: 'old-secret' } }, { replicaCount: 1, secrets: { PW: 'new-secret' } }, redactor), '~ secrets.PW: (secret value changed)');
  });
  it('no values on one side: the other side\'s lines; the same values: nothing', () => {
    assert.equal(diffValues(undefined, { replicaCount: 2 }, new Redactor()), '@@ -1,0 +1,1 @@\n+replicaCount: 2');
    assert.equal(diffValues({ replicaCount: 2 }, undefined, new Redactor()), '@@ -1,1 +1,0 @@\n-replicaCount: 2');
    assert.equal(diffValues({ replicaCount: 2 }, { replicaCount: 2 }, new Redactor()), '');
  });
});

describe('helpers', () => {
  it('unifiedDiff has hunks only', () => {
    assert.equal(unifiedDiff('a\nb\n', 'a\nc\n'), '@@ -1,2 +1,2 @@\n a\n-b\n+c');
  });
  it('unifiedDiff leaves out diff\'s "\\ No newline at end of file"', () => {
    assert.equal(unifiedDiff('a\nb', 'a\nc'), '@@ -1,2 +1,2 @@\n a\n-b\n+c');
  });
  it('unifiedDiff: 3 lines of context unless told', () => {
    const nine = (five: string) => `1\n2\n3\n4\n${five}\n6\n7\n8\n9\n`;
    assert.equal(unifiedDiff(nine('5'), nine('X')), '@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8');
    assert.equal(unifiedDiff(nine('5'), nine('X'), 1), '@@ -4,3 +4,3 @@\n 4\n-5\n+X\n 6');
  });
});
