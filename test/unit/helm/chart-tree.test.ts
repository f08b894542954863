// Charts as folder trees: packages unpacked (subcharts too), .helmignore
// honoured in the digest, and what a chart does that matters to a plan.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chartDigest, chartFeatures, unpackChart } from '../../../src/helm/chart-tree.ts';
import { tempDir } from '../../support/tmp.ts';

const dir = tempDir('hc-tree-');
function chart(path: string, files: Record<string, string>): string {
  const root = join(dir, path);
  mkdirSync(join(root, 'templates'), { recursive: true });
  writeFileSync(join(root, 'Chart.yaml'), `apiVersion: v2\nname: ${path.split('/').pop()}\nversion: 1.0.0\n`);
  for (const [f, t] of Object.entries(files)) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), t);
  }
  return root;
}

describe('chart features', () => {
  it('hooks, lookup, crds/ and the values schema, in the chart or a subchart', () => {
    const plain = chart('plain', { 'templates/cm.yaml': 'kind: ConfigMap\n' });
    assert.deepEqual(chartFeatures(plain), { lookup: false, hooks: false, crdsDir: false, schema: undefined, apiQueries: [] });
    const hooked = chart('hooked', { 'templates/job.yaml': 'metadata:\n  annotations:\n    "helm.sh/hook": pre-upgrade\n' });
    assert.equal(chartFeatures(hooked).hooks, true);
    const parent = chart('parent', { 'templates/cm.yaml': 'kind: ConfigMap\n', 'values.schema.json': '{"type":"object","additionalProperties":false}' });
    chart('parent/charts/sub', { 'templates/_h.tpl': '{{- $s := (lookup "v1" "Secret" .Release.Namespace "x") }}', 'crds/crd.yaml': 'kind: CustomResourceDefinition\n' });
    assert.deepEqual(chartFeatures(parent), { lookup: true, hooks: false, crdsDir: true, schema: { type: 'object', additionalProperties: false }, apiQueries: [] });
    // a README that only mentions lookup is no template
    const doc = chart('doc', { 'README.md': 'uses {{ lookup }}\n' });
    assert.equal(chartFeatures(doc).lookup, false);
  });
  it('the API versions its templates ask about: the literals, or all when one is computed', () => {
    const lit = chart('caps', { 'templates/pdb.yaml': '{{- if .Capabilities.APIVersions.Has "policy/v1/PodDisruptionBudget" }}x{{ end }}{{ if .Capabilities.APIVersions.Has "autoscaling/v2" }}y{{ end }}' });
    assert.deepEqual(chartFeatures(lit).apiQueries, ['autoscaling/v2', 'policy/v1/PodDisruptionBudget']);
    const computed = chart('caps2', { 'templates/_c.tpl': '{{- if .context.Capabilities.APIVersions.Has .version -}}' });
    assert.equal(chartFeatures(computed).apiQueries, 'all');
  });
});

describe('chart digest', () => {
  it('covers every loaded file; .helmignore\'d files do not count, the .helmignore itself does', () => {
    const c = chart('dig', { 'templates/cm.yaml': 'kind: ConfigMap\n', '.helmignore': 'notes/\n*.bak\n' });
    const d0 = chartDigest(c);
    writeFileSync(join(c, 'x.bak'), 'ignored');
    mkdirSync(join(c, 'notes'));
    writeFileSync(join(c, 'notes', 'n.txt'), 'ignored');
    assert.equal(chartDigest(c), d0, 'ignored files change nothing');
    writeFileSync(join(c, 'templates', 'cm.yaml'), 'kind: ConfigMap\nmetadata: {}\n');
    const d1 = chartDigest(c);
    assert.notEqual(d1, d0, 'a template change changes it');
    writeFileSync(join(c, '.helmignore'), 'notes/\n');
    assert.notEqual(chartDigest(c), d1, 'a .helmignore change changes it (x.bak is loaded now)');
  });
});

describe('packaged charts', () => {
  it('unpack once, subcharts (packages under charts/) unpacked into folders', () => {
    const sub = chart('pk/sub', { 'templates/cm.yaml': 'kind: ConfigMap\n' });
    const top = chart('pk/top', { 'templates/cm.yaml': 'kind: ConfigMap\n' });
    mkdirSync(join(top, 'charts'));
    execFileSync('tar', ['-czf', join(top, 'charts', 'sub-1.0.0.tgz'), '-C', join(sub, '..'), 'sub']);
    execFileSync('tar', ['-czf', join(dir, 'top-1.0.0.tgz'), '-C', join(top, '..'), 'top']);
    const out = unpackChart(join(dir, 'top-1.0.0.tgz'), join(dir, 'unpacked'));
    assert.ok(existsSync(join(out, 'Chart.yaml')));
    assert.ok(existsSync(join(out, 'charts', 'sub', 'Chart.yaml')), 'the subchart is a folder');
    assert.ok(!existsSync(join(out, 'charts', 'sub-1.0.0.tgz')));
    assert.equal(unpackChart(join(dir, 'top-1.0.0.tgz'), join(dir, 'unpacked')), out, 'unpacked once');
  });
});
