import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chartMayHaveHooks } from '../../../src/helm/charts.ts';

describe('charts that may define hooks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hc-hooks-'));
  const chart = (name: string, templates: Record<string, string>) => {
    const root = join(dir, name);
    mkdirSync(join(root, 'templates'), { recursive: true });
    writeFileSync(join(root, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`);
    for (const [f, t] of Object.entries(templates)) writeFileSync(join(root, 'templates', f), t);
    return root;
  };
  it('a folder: found in a template, also in a subchart', () => {
    assert.equal(chartMayHaveHooks(chart('plain', { 'cm.yaml': 'kind: ConfigMap\n' })), false);
    assert.equal(chartMayHaveHooks(chart('hooked', { 'job.yaml': 'metadata:\n  annotations:\n    "helm.sh/hook": pre-upgrade\n' })), true);
    const parent = chart('parent', { 'cm.yaml': 'kind: ConfigMap\n' });
    mkdirSync(join(parent, 'charts'));
    chart('parent/charts/sub', { 'test.yaml': 'metadata:\n  annotations:\n    helm.sh/hook: test\n' });
    assert.equal(chartMayHaveHooks(parent), true);
  });
  it('a packaged .tgz is searched after gunzip', () => {
    execFileSync('tar', ['-czf', join(dir, 'hooked.tgz'), '-C', dir, 'hooked']);
    execFileSync('tar', ['-czf', join(dir, 'plain.tgz'), '-C', dir, 'plain']);
    assert.equal(chartMayHaveHooks(join(dir, 'hooked.tgz')), true);
    assert.equal(chartMayHaveHooks(join(dir, 'plain.tgz')), false);
  });
});
