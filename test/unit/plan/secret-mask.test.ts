// Secret values are masked by where they end up, not by their key names: a
// value the chart puts in a Secret is registered with the redactor when the
// plan is made, and never appears in --explain, the values diff, object
// diffs, -o json, or a refused object's message.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import type { DeployedRelease, ResolvedChart } from '../../../src/model/release.ts';
import type { ReleaseSpec } from '../../../src/model/spec.ts';
import type { UnitSpec } from '../../../src/model/units.ts';
import { assemblePlan, withRefusedObjects } from '../../../src/plan/assemble.ts';
import type { GatheredUnit } from '../../../src/plan/assemble.ts';
import { registerSensitive, sensitiveStrings } from '../../../src/model/sensitive.ts';
import { diffValues } from '../../../src/plan/diff.ts';
import { maskOrigins, redactQuotedValues } from '../../../src/plan/masking.ts';
import { Redactor, redactor as processRedactor } from '../../../src/redact.ts';
import { planForDisplay, renderPlanText } from '../../../src/report/plan-text.ts';

const pos = { file: 'x', line: 1, col: 1 };
const rel: ReleaseSpec = { name: 'db', namespace: 'ns', file: 'releases/db.yaml', chart: { ref: 'charts/db', pos }, base: { values: [], set: {}, pos }, clusters: [], health: {}, repositories: [], ignoreDifferences: [], pos };
const chart: ResolvedChart = { ref: 'charts/db', name: 'db', version: '1.0.0', path: '/c', digest: 'd', features: { lookup: false, hooks: false, crdsDir: false, schema: undefined, apiQueries: [] } };
const unit: UnitSpec = { release: 'db', track: undefined, cluster: 'a', namespace: 'ns', helmName: 'db', releaseSpec: rel, clusterSpec: { name: 'a', context: 'a', provider: 'gke', region: 'eu', labels: {}, pos }, waveTrack: undefined, enabled: true, layers: [], health: DEFAULT_HEALTH };

const b64 = (s: string) => Buffer.from(s).toString('base64');
/** The chart: `conn` (a connection string holding `pw`) and `blob` (base64'd by the template) go to a Secret; `level` to a ConfigMap. */
const manifest = (v: { pw: string; blob: string; level: string }) => `apiVersion: v1
kind: ConfigMap
metadata: { name: db }
data: { LEVEL: "${v.level}" }
---
apiVersion: v1
kind: Secret
metadata: { name: db }
stringData: { CONN: "postgres://app:${v.pw}@db/app" }
data: { BLOB: "${b64(v.blob)}" }
`;
const valuesOf = (v: { pw: string; blob: string; level: string }) => ({ db: { conn: { password: undefined, pass: v.pw } }, blob: v.blob, level: v.level, list: [v.blob] });

const OLD = { pw: 'Zq8vN3-old-pass', blob: 'blob-old-7731', level: 'info' };
const NEW = { pw: 'Xk2mP9-new-pass', blob: 'blob-new-9912', level: 'debug' };

function rendered(v: typeof NEW): GatheredUnit {
  const values = valuesOf(v);
  const origins = [
    { path: 'blob', value: v.blob, source: 'values/db.yaml' },
    { path: 'db.conn.pass', value: v.pw, source: '--set' },
    { path: 'level', value: v.level, source: 'releases/db.yaml set' },
    { path: 'list', value: [v.blob], source: 'values/db.yaml' },
  ];
  return { unit, wave: 'w', step: 0, health: DEFAULT_HEALTH, state: 'rendered', chart, values, origins, manifest: manifest(v), hooks: [], crds: [], extra: '', inputs: 'i2', nondeterministic: false, notes: [] };
}

const deployed: DeployedRelease = { cluster: 'a', namespace: 'ns', name: 'db', revision: 1, status: 'deployed', chartName: 'db', chartVersion: '1.0.0', manifest: manifest(OLD), config: valuesOf(OLD), labels: { 'managed-by': 'helm-cascade', 'cascade-repo': 'r' }, managed: true };

function plan(units: GatheredUnit[], dep: DeployedRelease[], redactor = new Redactor()) {
  return assemblePlan({ clustersFile: 'clusters.yaml', waves: [{ name: 'w', index: 0, steps: [units] }], deployed: dep, listedIds: new Set(['a/ns/db']), clustersRead: new Set(['a']), repo: 'r', selector: {}, prune: false, orphanPlacement: () => undefined, createdAt: 'now', redactor });
}

const SECRETS = [OLD.pw, NEW.pw, OLD.blob, NEW.blob, b64(OLD.blob), b64(NEW.blob)];

describe('secret masking by destination', () => {
  it('finds the values that land in a Secret, whatever their key, and nothing else', () => {
    const found = sensitiveStrings([{ values: valuesOf(NEW), manifest: manifest(NEW) }], 'ns');
    assert.deepEqual(found.sort(), [NEW.blob, NEW.pw, `postgres://app:${NEW.pw}@db/app`, b64(NEW.blob)].sort());
    assert.ok(!found.includes(NEW.level), 'a value the chart shows in a ConfigMap is not secret');
  });
  it('a part of a Secret value that the chart also shows in clear (a host name) is not secret; booleans and numbers never are', () => {
    const man = 'apiVersion: v1\nkind: Service\nmetadata: { name: dbhost }\n---\napiVersion: v1\nkind: Secret\nmetadata: { name: s }\nstringData: { DSN: "postgres://app:Pw-9qz1x@dbhost:5432/app", FLAG: "true", PORT: "5432" }\n';
    const found = sensitiveStrings([{ values: { host: 'dbhost', pw: 'Pw-9qz1x', port: 5432, flag: true }, manifest: man }], 'ns');
    assert.deepEqual(found.sort(), ['Pw-9qz1x', 'postgres://app:Pw-9qz1x@dbhost:5432/app'].sort());
  });
  it('the password of a URL among the values is secret wherever it goes', () => {
    assert.deepEqual(sensitiveStrings([{ values: { upstream: 'https://bot:Tk-77aa@git.example.com/r.git' }, manifest: undefined }], 'ns').sort(), ['Tk-77aa', 'bot:Tk-77aa'].sort());
  });

  it('plan text (--explain, values diff, object diffs) and -o json never show a value that lands in a Secret', () => {
    const p = plan([rendered(NEW)], [deployed]);
    const text = renderPlanText(p, { color: false, explain: true });
    const json = JSON.stringify(planForDisplay(p));
    for (const out of [text, json]) for (const s of SECRETS) assert.ok(!out.includes(s), `leaked ${s}`);
    assert.match(text, /^ {6}db\.conn\.pass = "\(secret\)"  # --set$/m);
    assert.match(text, /^ {6}level {8}= "debug"  # releases\/db\.yaml set$/m);
    assert.match(text, /^ {10}~ db\.conn\.pass: \(secret value changed\)$/m);
    assert.match(text, /^ {10}-level: info$/m);
  });

  it('the values diff masks the leaves the redactor knows', () => {
    const redactor = new Redactor();
    registerSensitive(redactor, [{ values: valuesOf(NEW), manifest: manifest(NEW) }, { values: valuesOf(OLD), manifest: manifest(OLD) }], 'ns');
    const text = diffValues(valuesOf(OLD), valuesOf(NEW), redactor);
    for (const s of SECRETS) assert.ok(!text.includes(s), `leaked ${s}`);
    assert.match(text, /^~ blob: \(secret value changed\)$/m);
    assert.match(text, /^-level: info$/m);
  });

  it('a refused object shows the field and the reason, not the value the server quotes', () => {
    const p = withRefusedObjects(plan([rendered(NEW)], [], processRedactor), new Map([['a/ns/db', [`Secret/db (db/templates/secret.yaml): Secret "db" is invalid: data[BLOB]: Invalid value: "${NEW.blob}": must be base64, see postgres://app:${NEW.pw}@db/app`]]]));
    const u = p.waves[0]!.steps[0]![0]!;
    assert.equal(u.kind, 'failed');
    assert.equal(u.kind === 'failed' && u.error, 'Secret/db (db/templates/secret.yaml): Secret "db" is invalid: data[BLOB]: Invalid value: (a string of 13 bytes, not shown): must be base64, see (secret)');
  });

  it('a failed render lists no string value and quotes none in helm\'s message', () => {
    const failed: GatheredUnit = { unit, wave: 'w', step: 0, health: DEFAULT_HEALTH, state: 'failed', error: `template: db/templates/cm.yaml:3: bad value ${NEW.level}-x ${NEW.pw}`, chart, values: valuesOf(NEW), origins: rendered(NEW).state === 'rendered' ? (rendered(NEW) as Extract<GatheredUnit, { state: 'rendered' }>).origins : [] };
    const text = renderPlanText(plan([failed], []), { color: false, explain: true });
    for (const s of [...SECRETS, NEW.level]) assert.ok(!text.includes(s), `leaked ${s}: ${text}`);
    assert.match(text, /template: db\/templates\/cm\.yaml:3: bad value \(secret\)-x \(secret\)/);
  });

  it('redactQuotedValues keeps the field and the reason', () => {
    assert.equal(redactQuotedValues('metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'), 'metadata.name: Invalid value: (a string of 8 bytes, not shown): a lowercase RFC 1123 subdomain');
    assert.equal(redactQuotedValues('spec.type: Unsupported value: "Foo": supported values: "ClusterIP"'), 'spec.type: Unsupported value: (a string of 3 bytes, not shown): supported values: "ClusterIP"');
  });
});

describe('live drift shows no secret value', () => {
  it('a ConfigMap that copies a Secret value, changed by hand, is reported without the value', async () => {
    const { detectLiveDrift } = await import('../../../src/live/drift.ts');
    const { redactor } = await import('../../../src/redact.ts');
    // the live read registers what the deployed release keeps in Secrets before it compares (live/read.ts)
    registerSensitive(redactor, [{ values: valuesOf(NEW), manifest: manifest(NEW) }], 'ns');
    const man = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: copy, namespace: ns }\ndata: { URL: "postgres://app:${NEW.pw}@db/app" }\n---\n${manifest(NEW)}`;
    const live = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'copy', namespace: 'ns' }, data: { URL: 'postgres://app:hand-edited@db/app' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'db', namespace: 'ns' }, data: { LEVEL: NEW.level } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'ns' }, data: { CONN: b64(`postgres://app:${NEW.pw}@db/app`), BLOB: b64(NEW.blob) } },
    ];
    const r = detectLiveDrift({ manifest: man, namespace: 'ns' }, live);
    assert.equal(r.drifted, true);
    const text = JSON.stringify(r);
    for (const s of SECRETS) assert.ok(!text.includes(s), `leaked ${s}: ${text}`);
    assert.deepEqual(r.objects.map((o) => [o.kind, o.name, o.fields.map((f) => f.deployed)]), [['ConfigMap', 'copy', ['"(secret)"']]]);
  });
});

describe('chart defaults in --explain', () => {
  it('a default the chart puts in a Secret is masked by its text', () => {
    const redactor = new Redactor();
    registerSensitive(redactor, [{ values: {}, manifest: manifest(NEW) }], 'ns');
    const lines = maskOrigins([{ path: 'defaults.dsn', value: NEW.blob, source: 'chart default' }, { path: 'level', value: 'debug', source: 'chart default' }], redactor);
    assert.deepEqual(lines.map((l) => l.value), ['(secret)', 'debug']);
  });
});
