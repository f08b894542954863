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
});

describe('helpers', () => {
  it('unifiedDiff has hunks only', () => {
    assert.equal(unifiedDiff('a\nb\n', 'a\nc\n'), '@@ -1,2 +1,2 @@\n a\n-b\n+c');
  });
});
