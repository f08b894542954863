// Secret values never appear, whatever their key name, on the local fleet
// with real helm 3 and 4: random values a small chart puts into a Secret,
// set through --set, a values file and a release's `set:`, under keys that
// do not look secret, are absent from every output of plan (text, -o json,
// --explain), apply (-o json, --junit) and drift (every format). And a
// Secret the API server refuses is reported (exit 4) without its value.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cascade, CONTEXTS, helmMajors, kubectl, scratchRepo, sharedFleet, suffix, writeRepoFiles } from './support/cascade.ts';
import type { CliRun } from './support/cascade.ts';
import { tempDir } from '../support/tmp.ts';

const CLUSTERS = `clusters:
  paris: { context: ${CONTEXTS.paris}, provider: onprem, region: europe }
health: { timeout: 60s, soak: 0s, minReadyEndpoints: 0, maxRestarts: 0 }
`;

/** A chart that puts p01..p20 into a Secret (half as stringData, half base64'd by the template into data), and `level` into a ConfigMap. */
const KEYS = Array.from({ length: 20 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
const CHART = {
  'charts/vault/Chart.yaml': 'apiVersion: v2\nname: vault\nversion: 1.0.0\n',
  'charts/vault/values.yaml': `level: info\n${KEYS.map((k) => `${k}: ""`).join('\n')}\nteam: web\nraw: ""\n`,
  'charts/vault/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: {{ .Release.Name }} }\ndata:\n  LEVEL: {{ .Values.level | quote }}\n',
  'charts/vault/templates/secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: {{ .Release.Name }}
  labels: { team: {{ .Values.team | quote }} }
stringData:
${KEYS.slice(0, 10).map((k) => `  ${k.toUpperCase()}: {{ .Values.${k} | quote }}`).join('\n')}
  CONN: "postgres://app:{{ .Values.p01 }}@db/app"
data:
${KEYS.slice(10).map((k) => `  ${k.toUpperCase()}: {{ .Values.${k} | b64enc | quote }}`).join('\n')}
{{- if .Values.raw }}
  RAW: {{ .Values.raw }}
{{- end }}
`,
};

/** 20 random values, 8 to 32 characters, none looking like anything else in the output. */
const randomValues = (): string[] => KEYS.map(() => `q${randomBytes(24).toString('base64url').slice(0, randomInt(7, 31))}`);

function files(ns: string, v: string[]): Record<string, string> {
  return {
    'clusters.yaml': CLUSTERS,
    'values/vault.yaml': KEYS.slice(0, 7).map((k, i) => `${k}: "${v[i]}"`).join('\n') + '\n',
    'releases/vault.yaml': `name: vault\nnamespace: ${ns}\nchart: { ref: charts/vault }\nvalues: [values/vault.yaml]\nset:\n${KEYS.slice(7, 14).map((k, i) => `  ${k}: "${v[i + 7]}"`).join('\n')}\n`,
  };
}

const setFlags = (v: string[]) => ['--set', KEYS.slice(14).map((k, i) => `${k}=${v[i + 14]}`).join(',')];

/** Every output of a run and every report file written in `dir`: none holds any of `secrets` (or its base64). */
function assertNoneLeaked(what: string, r: CliRun, secrets: string[], reports?: string): void {
  const texts: [string, string][] = [['stdout', r.stdout], ['stderr', r.stderr]];
  if (reports) for (const f of readdirSync(reports)) texts.push([f, readFileSync(join(reports, f), 'utf8')]);
  for (const s of secrets) {
    for (const [where, t] of texts) {
      assert.ok(!t.includes(s), `${what}: ${where} shows a secret value`);
      assert.ok(!t.includes(Buffer.from(s).toString('base64')), `${what}: ${where} shows a secret value in base64`);
    }
  }
}

for (const major of helmMajors()) {
  describe(`secret values stay out of every output (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const namespaces: string[] = [];
    const run = (dir: string, args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
    const newNs = () => {
      const ns = `i16-sec-${major}-${suffix()}`;
      namespaces.push(ns);
      return ns;
    };
    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      for (const ns of namespaces) await kubectl(kubeconfig, CONTEXTS.paris, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(() => undefined);
    });

    it('random values put into a Secret through --set, a values file and set: never appear in plan, apply or drift', async () => {
      const ns = newNs();
      const first = randomValues();
      const dir = scratchRepo({ ...CHART, ...files(ns, first) });
      const reports = tempDir('hc-i16-reports-');

      const cacheDir = tempDir('hc-i16-cache-');
      for (const args of [['plan'], ['plan', '--explain'], ['plan', '-o', 'json'], ['plan', '-o', 'json', '--explain']]) {
        const r = await run(dir, [...args, ...setFlags(first), '--cache-dir', cacheDir]);
        assert.equal(r.exitCode, 0, r.stderr);
        assertNoneLeaked(args.join(' '), r, first);
      }
      // the chart renders a Secret (and calls no lookup): its render is never kept in the render cache
      const renders = join(cacheDir, 'renders');
      const cached = existsSync(renders) ? readdirSync(renders, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [];
      assert.deepEqual(cached.filter((e) => e.name.endsWith('.yaml')).map((e) => e.name), [], 'a render holding a Secret was cached');
      for (const e of cached) assertNoneLeaked(`render cache ${e.name}`, { exitCode: 0, stdout: readFileSync(join(e.parentPath, e.name), 'utf8'), stderr: '', ms: 0 }, first);
      const explained = await run(dir, ['plan', '--explain', ...setFlags(first)]);
      // the values are there, masked; the ConfigMap's value is shown
      assert.match(explained.stdout, /^ {6}p01 += "\(secret\)"  # values\/vault\.yaml$/m);
      assert.match(explained.stdout, /^ {6}p15 += "\(secret\)"  # command line \(-f\/--set\)$/m);
      assert.match(explained.stdout, /^ {6}level += "info"  # chart default$/m);

      const applied = await run(dir, ['apply', '--yes', '-o', 'json', '--junit', join(reports, 'apply.xml'), ...setFlags(first)]);
      assert.equal(applied.exitCode, 0, applied.stderr);
      assertNoneLeaked('apply', applied, first, reports);
      // what was applied holds the values (the test would prove nothing otherwise)
      const stored = JSON.parse(await kubectl(kubeconfig, CONTEXTS.paris, ['get', 'secret', 'vault', '-n', ns, '-o', 'json'])) as { data: Record<string, string> };
      assert.equal(Buffer.from(stored.data.P15!, 'base64').toString(), first[14]);

      // new values for half of them: the values diff shows old and new (masked); drift reports the pending change
      const second = first.map((v, i) => (i % 2 ? `q${randomBytes(18).toString('base64url')}` : v));
      writeRepoFiles(dir, files(ns, second));
      const all = [...new Set([...first, ...second])];
      const upgrade = await run(dir, ['plan', '--explain', ...setFlags(second)]);
      assert.equal(upgrade.exitCode, 0, upgrade.stderr);
      assert.match(upgrade.stdout, /^ +~ p02: \(secret value changed\)$/m);
      assertNoneLeaked('plan (upgrade)', upgrade, all);
      const upgradeJson = await run(dir, ['plan', '-o', 'json', '--explain', ...setFlags(second)]);
      assertNoneLeaked('plan -o json (upgrade)', upgradeJson, all);

      const driftDir = tempDir('hc-i16-drift-');
      const drift = await run(dir, ['drift', '--format', `text,json=${join(driftDir, 'd.json')},junit=${join(driftDir, 'd.xml')},markdown=${join(driftDir, 'd.md')},html=${join(driftDir, 'd.html')}`]);
      assert.equal(drift.exitCode, 2, drift.stderr);
      assert.match(drift.stdout, /vault/);
      assertNoneLeaked('drift', drift, all, driftDir);
    });

    it('a Secret its API server refuses is named, with exit 4, and without its value', async () => {
      const ns = newNs();
      const marker = `q${randomBytes(12).toString('base64url')}`;
      // not base64: the server cannot decode the Secret's data
      const dir = scratchRepo({ ...CHART, ...files(ns, randomValues()), 'releases/vault.yaml': `name: vault\nnamespace: ${ns}\nchart: { ref: charts/vault }\nset: { raw: "${marker}!*" }\n` });
      const reports = tempDir('hc-i16-refused-');
      const plan = await run(dir, ['plan']);
      assert.equal(plan.exitCode, 4, plan.stderr);
      assert.match(plan.stdout, /^ {8}Secret\/vault \(vault\/templates\/secret\.yaml\): Secret in version "v1" cannot be handled as a Secret: .*illegal base64 data/m);
      assertNoneLeaked('plan', plan, [marker]);
      const json = await run(dir, ['plan', '-o', 'json']);
      assert.equal(json.exitCode, 4, json.stderr);
      assertNoneLeaked('plan -o json', json, [marker]);
      const apply = await run(dir, ['apply', '--yes', '-o', 'json', '--junit', join(reports, 'apply.xml')]);
      assert.equal(apply.exitCode, 4, apply.stderr);
      assert.match(apply.stderr, /^  paris\/i16-sec-\d-\w+\/vault: Secret\/vault \(vault\/templates\/secret\.yaml\): Secret in version "v1" cannot be handled as a Secret: .*illegal base64 data/m);
      assertNoneLeaked('apply', apply, [marker], reports);

      // a label the server quotes back ("Invalid value: ..."), the same value also in the Secret's data
      const label = `${marker} x`;
      writeRepoFiles(dir, { 'releases/vault.yaml': `name: vault\nnamespace: ${ns}\nchart: { ref: charts/vault }\nset: { team: "${label}", p03: "${label}" }\n` });
      const quoted = await run(dir, ['plan', '-o', 'json']);
      assert.equal(quoted.exitCode, 4, quoted.stderr);
      assert.match(quoted.stdout, /metadata\.labels: Invalid value: \(a string of \d+ bytes, not shown\)/);
      assertNoneLeaked('plan (label)', quoted, [marker]);
    });
  });
}
