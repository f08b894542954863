// The helmfile engine (Go, compiled to WebAssembly) on small helmfiles written
// here, one per rule of helmfile's loading and templating it follows. Its
// faithfulness on real helmfiles is tested against helmfile itself in
// import-helmfile.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadHelmfile } from '../../src/import/engine.ts';
import { tempDir } from '../support/tmp.ts';

function tree(files: Record<string, string>): string {
  const dir = tempDir('hc-engine-');
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

const SOPS_META = 'sops:\n  version: 3.13.3\n  mac: ENC[AES256_GCM,data:x,type:str]\n';

describe('helmfile engine', () => {
  it('Go templates with sprig and helmfile functions, evaluated per environment; parts see the environment of the parts before', async () => {
    const dir = tree({
      'helmfile.yaml.gotmpl': `environments:
  prod:
    kubeContext: gke_shop_europe-west1_prod
    values:
      - replicas: 3
        hosts: [a.example, b.example]
---
releases:
  - name: web-{{ .Environment.Name }}
    namespace: {{ .Values.replicas | add 1 | printf "ns-%d" }}
    chart: ./charts/web
    values:
      - web.yaml.gotmpl
      - inline: {{ .Values.hosts | join "," | quote }}
    set:
      - name: who
        value: {{ exec "sh" (list "-c" "printf %s $USER_FOR_TEST") }}
      - name: env
        value: {{ requiredEnv "USER_FOR_TEST" }}
`,
      'web.yaml.gotmpl': `name: {{ .Release.Name }}
ns: {{ .Release.Namespace }}
file: {{ readFile "data.txt" | trim }}
yaml: {{ .Values | toYaml | nindent 2 }}`,
      'data.txt': 'hello\n',
    });
    process.env.USER_FOR_TEST = 'tester';
    const r = await loadHelmfile(join(dir, 'helmfile.yaml.gotmpl'), 'prod');
    const rel = r.states[0]!.releases[0]!;
    assert.equal(rel.spec.name, 'web-prod');
    assert.equal(rel.spec.namespace, 'ns-4');
    assert.equal(r.states[0]!.envKubeContext, 'gke_shop_europe-west1_prod');
    // as Go renders it: nindent indents after toYaml's last newline too
    assert.equal(rel.values[0]!.content, 'name: web-prod\nns: ns-4\nfile: hello\nyaml: \n  hosts:\n    - a.example\n    - b.example\n  replicas: 3\n  ');
    assert.equal(rel.values[1]!.content, 'inline: a.example,b.example\n');
    assert.deepEqual(rel.set, [
      { kind: 'set', name: 'who', value: 'tester' },
      { kind: 'set', name: 'env', value: 'tester' },
    ]);
    assert.ok(r.usage.some((u) => u.kind === 'exec' && u.what === 'sh -c printf %s $USER_FOR_TEST'));
    assert.ok(r.usage.some((u) => u.kind === 'env' && u.what === 'USER_FOR_TEST'));
  });

  it('helmfile.d/ in name order, bases under the file, a file without the environment skipped', async () => {
    const dir = tree({
      'helmfile.d/20-b.yaml': 'bases: [../base.yaml]\nreleases:\n  - { name: b, chart: ./c }\n',
      'helmfile.d/10-a.yaml': 'environments: { staging: {} }\nreleases:\n  - { name: a, chart: ./c }\n',
      'helmfile.d/30-other.yaml': 'environments: { prod: {} }\nreleases:\n  - { name: never, chart: ./c }\n',
      'base.yaml': 'environments:\n  staging:\n    values: [{ fromBase: true }]\nhelmDefaults: { wait: true }\n',
    });
    const r = await loadHelmfile(dir, 'staging');
    assert.deepEqual(r.states.map((s) => s.releases.map((x) => x.spec.name)), [['a'], ['b']]);
    assert.equal(r.states[1]!.helmDefaults.wait, true);
    assert.deepEqual(r.skipped.map((s) => s.file.replace(dir, '')), ['/helmfile.d/30-other.yaml']);
  });

  it('environment secrets are kept as references to the sops file; a whole-value use stays a whole reference', async () => {
    const dir = tree({
      'helmfile.yaml.gotmpl': 'environments:\n  prod:\n    secrets: [secrets.yaml]\n---\nreleases:\n  - name: db\n    chart: ./c\n    values: [db.yaml.gotmpl]\n    secrets: [release-secrets.yaml]\n',
      'secrets.yaml': `db:\n  password: ENC[AES256_GCM,data:abc,type:str]\n  user_unencrypted: admin\n${SOPS_META}`,
      'release-secrets.yaml': `token: ENC[AES256_GCM,data:def,type:str]\nlist:\n  - ENC[AES256_GCM,data:g,type:str]\n${SOPS_META}`,
      'db.yaml.gotmpl': 'password: {{ .Values.db.password }}\nuser: {{ .Values.db.user_unencrypted }}\n',
    });
    const r = await loadHelmfile(join(dir, 'helmfile.yaml.gotmpl'), 'prod');
    const [values, secrets] = r.states[0]!.releases[0]!.values;
    assert.equal(values!.content, `password: ref+sops://${dir}/secrets.yaml#/db/password\nuser: admin\n`);
    assert.equal(secrets!.kind, 'secrets');
    assert.equal(secrets!.content, `list:\n  - ref+sops://${dir}/release-secrets.yaml#/list/0\ntoken: ref+sops://${dir}/release-secrets.yaml#/token\n`);
  });

  it('refuses what helmfile refuses: an unknown key, a missing values file, a failing template (with the file)', async () => {
    const unknown = tree({ 'helmfile.yaml': 'releases:\n  - name: a\n    chart: ./c\n    valuez: []\n' });
    await assert.rejects(loadHelmfile(unknown, 'default'), /field valuez not found/);
    const missing = tree({ 'helmfile.yaml': 'releases:\n  - name: a\n    chart: ./c\n    values: [nope.yaml]\n' });
    await assert.rejects(loadHelmfile(missing, 'default'), /values file matching "[^"]*nope\.yaml" does not exist/);
    const failing = tree({ 'helmfile.yaml.gotmpl': 'releases:\n  - name: {{ .Values.missing.key }}\n    chart: ./c\n' });
    await assert.rejects(loadHelmfile(failing, 'default'), /helmfile\.yaml\.gotmpl.*(map has no entry|nil pointer|can't evaluate)/s);
    // missingFileHandler: Warn skips the file, as helmfile does
    const warn = tree({ 'helmfile.yaml': 'missingFileHandler: Warn\nreleases:\n  - name: a\n    chart: ./c\n    values: [nope.yaml]\n' });
    assert.equal((await loadHelmfile(warn, 'default')).states[0]!.releases[0]!.values[0]!.skipped, true);
  });

  it('release templates: inherit, except, and the fixed point of templated fields', async () => {
    const dir = tree({
      'helmfile.yaml': `templates:
  base:
    namespace: shared
    labels: { team: core }
    values: [{ fromTemplate: 1 }]
releases:
  - name: api
    chart: ./c
    inherit:
      - template: base
        except: [values]
    labels: { app: "{{ .Release.Name }}-{{ .Release.Namespace }}" }
`,
    });
    const rel = (await loadHelmfile(dir, 'default')).states[0]!.releases[0]!;
    assert.equal(rel.spec.namespace, 'shared');
    assert.deepEqual(rel.spec.labels, { team: 'core', app: 'api-shared' });
    assert.deepEqual(rel.values, []);
  });
});
