import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { BROKEN_REPO_PROBLEMS } from '../../fixtures/broken-repo-problems.ts';
import { tempDir } from '../../support/tmp.ts';

const root = join(import.meta.dirname, '..', '..', '..');

/** Writes a small deploy repo into a temp folder and returns the diagnostics, file paths relative to it. */
function check(clustersYaml: string, releases: Record<string, string> = {}, extra: Record<string, string> = {}): string[] {
  const dir = tempDir('hc-validate-');
  mkdirSync(join(dir, 'releases'));
  writeFileSync(join(dir, 'clusters.yaml'), clustersYaml);
  for (const [name, text] of Object.entries(releases)) writeFileSync(join(dir, 'releases', name), text);
  for (const [name, text] of Object.entries(extra)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir }).diagnostics.map(formatDiagnostic);
}

const CLUSTERS = `clusters:
  a:
    context: ctx-a
    provider: onprem
  b:
    context: ctx-b
    provider: gke
    failoverFor: a
tracks: [canary, production]
`;

const RELEASE = `name: web
namespace: web
chart:
  ref: charts/web
`;
const CHART = { 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n' };

describe('validate: one fixture per class of mistake, exact file:line:col', () => {
  it('accepts a valid repository', () => {
    assert.deepEqual(check(CLUSTERS, { 'web.yaml': RELEASE }, CHART), []);
  });

  it('YAML syntax error', () => {
    assert.deepEqual(check('clusters:\n  a: { context: x\n'), [
      'clusters.yaml:3:1: YAML syntax: Flow map in block collection must be sufficiently indented and end with a }',
    ]);
  });

  it('unknown key, with a did-you-mean', () => {
    assert.deepEqual(check(`${CLUSTERS}onFailur: halt\n`, { 'web.yaml': RELEASE }, CHART), [
      'clusters.yaml:10:1: unknown key "onFailur" in the file (did you mean "onFailure"?)',
    ]);
  });

  it('wrong type', () => {
    assert.deepEqual(check(CLUSTERS, { 'web.yaml': `${RELEASE}values: values/x.yaml\n` }, CHART), [
      'releases/web.yaml:5:9: values must be a list, got a string (13 bytes)',
    ]);
  });

  it('missing required field', () => {
    assert.deepEqual(check(CLUSTERS, { 'web.yaml': 'name: web\nchart: { ref: charts/web }\n' }, CHART), [
      'releases/web.yaml:1:1: missing required field "namespace" in the file',
    ]);
  });

  it('unknown cluster (failoverFor) and unknown track (release, wave)', () => {
    const clusters = CLUSTERS.replace('failoverFor: a', 'failoverFor: aa') + 'waves:\n  - name: w1\n    tracks: [canary, prod]\n  - name: w2\n    tracks: [production]\n';
    assert.deepEqual(check(clusters, { 'web.yaml': `${RELEASE}tracks:\n  canry: {}\n` }, CHART), [
      'clusters.yaml:8:18: failoverFor: unknown cluster "aa" (did you mean "a"?)',
      'clusters.yaml:12:22: unknown track "prod" (did you mean "production"?)',
      'releases/web.yaml:6:3: unknown track "canry" (did you mean "canary"?)',
    ]);
  });

  it('cluster pattern and wave selector that match no cluster', () => {
    const clusters = `${CLUSTERS}waves:\n  - name: all\n    tracks: [canary, production]\n  - name: asia\n    tracks: [canary]\n    clusters: { region: asia }\n`;
    const ds = check(clusters, { 'web.yaml': `${RELEASE}clusters:\n  "gke-*": {}\n` }, CHART);
    assert.deepEqual(ds, [
      'clusters.yaml:15:15: cluster selector of wave "asia" matches no cluster: region "asia" (regions: none set)',
      'releases/web.yaml:6:3: cluster pattern "gke-*" matches no cluster',
    ]);
  });

  it('a wave selector that matches no cluster quotes the value and lists what exists', () => {
    const clusters = 'clusters:\n  paris: { context: p, provider: onprem, region: europe }\n  gke-eu: { context: g, provider: gke, region: europe }\ntracks: [production]\nwaves:\n  - name: prod\n    tracks: [production]\n  - name: prod-aws\n    tracks: [production]\n    clusters: { provider: aws, labels: { tier: gold } }\n';
    const ds = check(clusters, { 'web.yaml': RELEASE.replace(/tracks:[\s\S]*$/, '') }, CHART);
    assert.deepEqual(ds.filter((d) => d.includes('prod-aws')), ['clusters.yaml:10:15: cluster selector of wave "prod-aws" matches no cluster: provider "aws" (providers: gke, onprem); label tier="gold" (values of tier: none set)']);
  });

  it('a wave may omit tracks when clusters.yaml declares none; it must name them when it does', () => {
    const none = 'clusters:\n  a: { context: a, provider: onprem }\nwaves:\n  - name: everything\n';
    assert.deepEqual(check(none, { 'web.yaml': 'name: web\nnamespace: web\nchart: { ref: charts/web }\n' }, CHART), []);
    const some = 'clusters:\n  a: { context: a, provider: onprem }\ntracks: [production]\nwaves:\n  - name: everything\n';
    assert.ok(check(some, { 'web.yaml': 'name: web\nnamespace: web\nchart: { ref: charts/web }\n' }, CHART).some((d) => /wave "everything" names no tracks \(clusters.yaml declares tracks: production\)/.test(d)));
  });

  it('duplicate release names and duplicate helm release names', () => {
    const ds = check(
      CLUSTERS,
      {
        'a.yaml': RELEASE,
        'b.yaml': RELEASE,
        'c.yaml': 'name: web-canary\nnamespace: web\nchart: { ref: charts/web }\n',
        'd.yaml': 'name: api\nnamespace: web\nchart: { ref: charts/web }\ntracks: { canary: {} }\n',
        'e.yaml': 'name: api-canary\nnamespace: web\nchart: { ref: charts/web }\n',
      },
      CHART,
    );
    assert.deepEqual(ds, [
      'releases/b.yaml:1:7: duplicate release name "web" (first defined in releases/a.yaml:1)',
      'releases/e.yaml:1:7: helm release "api-canary" in namespace "web" on cluster "a" is also made by release "api" (releases/d.yaml)',
      'releases/e.yaml:1:7: helm release "api-canary" in namespace "web" on cluster "b" is also made by release "api" (releases/d.yaml)',
    ]);
  });

  it('missing values files and local chart folders', () => {
    const ds = check(CLUSTERS, { 'web.yaml': 'name: web\nnamespace: web\nchart: { ref: ./charts/nope }\nvalues: [values/missing.yaml]\n' });
    assert.deepEqual(ds, [
      'releases/web.yaml:3:15: chart folder not found: ./charts/nope',
      'releases/web.yaml:4:10: values file not found: values/missing.yaml (paths are relative to the folder holding clusters.yaml)',
    ]);
  });

  it('invalid semver range, and a remote chart without a version', () => {
    const repos = `${CLUSTERS}repositories:\n  - { name: stable, url: "http://127.0.0.1:1/charts" }\n`;
    const ds = check(repos, {
      'a.yaml': 'name: a\nnamespace: web\nchart: { ref: stable/a, version: "~1.x.y" }\n',
      'b.yaml': 'name: b\nnamespace: web\nchart: { ref: "oci://127.0.0.1:1/charts/b" }\n',
    });
    assert.deepEqual(ds, [
      'releases/a.yaml:3:34: invalid semver range "~1.x.y" (e.g. "1.4.2", "~1.4.0", "^2", ">=1.2 <2")',
      'releases/b.yaml:3:8: chart "oci://127.0.0.1:1/charts/b" needs a version (an exact version or a semver range such as "~1.4.0")',
    ]);
  });

  it('(track, cluster) pairs that fall in no wave or in two', () => {
    const clusters = `${CLUSTERS}waves:\n  - name: canary\n    tracks: [canary]\n    clusters: { provider: gke }\n  - name: prod\n    tracks: [production]\n  - name: prod-again\n    tracks: [production]\n    clusters: { name: b }\n`;
    assert.deepEqual(check(clusters, { 'web.yaml': RELEASE }, CHART), [
      'clusters.yaml:10:1: track "canary" on cluster "a" falls in no wave',
      'clusters.yaml:16:5: track "production" on cluster "b" falls in 2 waves: "prod", "prod-again"',
    ]);
  });

  it('bad duration and out-of-range numbers', () => {
    const ds = check(`${CLUSTERS}health: { timeout: 5 minutes, maxRestarts: -1 }\n`, { 'web.yaml': RELEASE }, CHART);
    assert.deepEqual(ds, [
      'clusters.yaml:10:20: health.timeout: bad duration "5 minutes" (write e.g. 30s, 5m, 1h30m)',
      'clusters.yaml:10:44: health.maxRestarts must be >= 0',
    ]);
  });

  it('reports every mistake of the broken example repository at once', () => {
    const { diagnostics } = loadDeployRepo({ clustersFile: 'test/fixtures/broken-repo/clusters.yaml', cwd: root });
    assert.deepEqual(diagnostics.map(formatDiagnostic), BROKEN_REPO_PROBLEMS);
  });
});
