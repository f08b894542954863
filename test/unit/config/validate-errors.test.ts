// The cross-file checks of config/validate.ts, rule by rule: what each one
// accepts, what it refuses, and the exact file:line:col and message of the
// refusal (a repository written to a temporary folder, then loaded).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { DEFAULT_LIMITS } from '../../../src/config/limits.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import type { Limits } from '../../../src/model/spec.ts';
import { tempDir } from '../../support/tmp.ts';

const CHART = { 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n' };

/** Writes the files (paths relative to the repository) into a temp folder, loads clusters.yaml there, and returns every diagnostic as file:line:col: message. */
function check(files: Record<string, string>, limits?: Limits): string[] {
  const dir = tempDir('hc-validate-errors-');
  mkdirSync(join(dir, 'releases'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir, ...(limits ? { limits } : {}) }).diagnostics.map(formatDiagnostic);
}

/** A release file `releases/web.yaml` of the local chart charts/web, with `extra` appended. */
const web = (extra = '') => ({ 'releases/web.yaml': `name: web\nnamespace: web\nchart: { ref: charts/web }\n${extra}`, ...CHART });

const TRACKS = 'clusters:\n  a: { context: ca }\ntracks: [canary, production]\n';

describe('validate: clusters', () => {
  it('a cluster cannot be its own failover', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { context: ca }\n  b: { context: cb, failoverFor: b }\n' }), [
      'clusters.yaml:3:34: cluster "b" cannot be its own failover',
    ]);
  });

  it('a failover cycle reached through another cluster is named once, from its first cluster in file order', () => {
    // d leads into the cycle b -> a -> b without being part of it
    const clusters = 'clusters:\n  d: { context: cd, failoverFor: b }\n  a: { context: ca, failoverFor: b }\n  b: { context: cb, failoverFor: a }\n';
    assert.deepEqual(check({ 'clusters.yaml': clusters }), [
      'clusters.yaml:3:34: failoverFor cycle: a -> b -> a (each cluster is the failover of the next; a primary is changed before its failover, so in a cycle none can go first)',
    ]);
  });

  it('each kubeconfig context is used by one cluster; every later user is named', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { context: same }\n  b: { context: other }\n  c: { context: same }\n  d: { context: same }\n' }), [
      'clusters.yaml:4:17: context "same" is already used by cluster "a"',
      'clusters.yaml:5:17: context "same" is already used by cluster "a"',
    ]);
  });

  it('clusters without a context are reported as such, not as sharing one', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { provider: gke }\n  b: { provider: gke }\n' }), [
      'clusters.yaml:2:6: missing required field "context" in clusters.a',
      'clusters.yaml:3:6: missing required field "context" in clusters.b',
    ]);
  });
});

describe('validate: waves', () => {
  it('a duplicate wave name points at the second one and names the first by its 1-based number', () => {
    const clusters = 'clusters:\n  a: { context: ca }\n  b: { context: cb }\nwaves:\n  - name: first\n    clusters: { name: a }\n  - name: second\n    clusters: { name: b }\n  - name: second\n    clusters: { name: a }\n';
    assert.deepEqual(check({ 'clusters.yaml': clusters }), [
      'clusters.yaml:9:5: cluster "a" falls in 2 waves: "first", "second"',
      'clusters.yaml:9:11: duplicate wave name "second" (also wave 2)',
    ]);
  });

  it('without tracks in clusters.yaml: a cluster in no wave is named alone, and a wave naming a track is refused', () => {
    const clusters = 'clusters:\n  a: { context: ca }\n  b: { context: cb }\nwaves:\n  - name: w\n    clusters: { name: a }\n';
    assert.deepEqual(check({ 'clusters.yaml': clusters }), ['clusters.yaml:4:1: cluster "b" falls in no wave']);
    // a wave that names a track holds nothing when there are no tracks
    assert.deepEqual(check({ 'clusters.yaml': clusters.replace('    clusters: { name: a }', '    tracks: [canary]') }), [
      'clusters.yaml:4:1: cluster "a" falls in no wave',
      'clusters.yaml:4:1: cluster "b" falls in no wave',
      'clusters.yaml:6:14: unknown track "canary": clusters.yaml declares no tracks',
    ]);
  });

  it('a wave without tracks when clusters.yaml declares some: at the wave, listing the tracks', () => {
    const clusters = `${TRACKS.replace('ca }', 'ca }\n  b: { context: cb }')}waves:\n  - name: on-a\n    tracks: [canary, production]\n    clusters: { name: a }\n  - name: empty\n    clusters: { name: b }\n`;
    assert.deepEqual(check({ 'clusters.yaml': clusters }), ['clusters.yaml:9:5: wave "empty" names no tracks (clusters.yaml declares tracks: canary, production)']);
  });

  it('an unknown track of a wave: a suggestion when one track starts the name, or is close enough to it', () => {
    const clusters = `${TRACKS}waves:\n  - name: all\n    tracks: [canary, production, canary-blue-green, cannery, zzz]\n`;
    assert.deepEqual(check({ 'clusters.yaml': clusters }), [
      // "canary" starts the name, however far apart the two are
      'clusters.yaml:6:34: unknown track "canary-blue-green" (did you mean "canary"?)',
      // two edits away: the most a seven-letter name is allowed
      'clusters.yaml:6:53: unknown track "cannery" (did you mean "canary"?)',
      'clusters.yaml:6:62: unknown track "zzz" (known: canary, production)',
    ]);
  });
});

describe('validate: wave cluster selectors that match no cluster', () => {
  const CLUSTERS = [
    'clusters:',
    '  paris: { context: p, provider: onprem, region: europe, labels: { tier: gold } }',
    '  gke-eu: { context: g, provider: gke, region: europe, labels: { tier: silver } }',
    '  lab: { context: l, provider: gke }',
    'waves:',
    '  - name: all',
  ].join('\n');
  const wave = (selector: string) => check({ 'clusters.yaml': `${CLUSTERS}\n  - name: w\n    clusters: ${selector}\n` });

  it('a name pattern that matches no cluster lists the clusters', () => {
    assert.deepEqual(wave('{ name: "x-*" }'), ['clusters.yaml:8:15: cluster selector of wave "w" matches no cluster: name "x-*" (clusters: gke-eu, lab, paris)']);
  });

  it('only the parts that match no cluster are quoted', () => {
    assert.deepEqual(wave('{ name: "gke-*", region: asia }'), ['clusters.yaml:8:15: cluster selector of wave "w" matches no cluster: region "asia" (regions: europe)']);
    assert.deepEqual(wave('{ provider: gke, region: europe, labels: { tier: gold, zone: b } }'), [
      'clusters.yaml:8:15: cluster selector of wave "w" matches no cluster: label zone="b" (values of zone: none set)',
    ]);
    assert.deepEqual(wave('{ region: europe, labels: { tier: silver }, provider: aws }'), [
      'clusters.yaml:8:15: cluster selector of wave "w" matches no cluster: provider "aws" (providers: gke, onprem)',
    ]);
  });

  it('a label value that no cluster has lists the values the clusters have', () => {
    assert.deepEqual(wave('{ labels: { tier: platinum } }'), ['clusters.yaml:8:15: cluster selector of wave "w" matches no cluster: label tier="platinum" (values of tier: gold, silver)']);
  });

  it('parts that each match some cluster, but no cluster has them all', () => {
    assert.deepEqual(wave('{ name: paris, provider: gke }'), ['clusters.yaml:8:15: cluster selector of wave "w" matches no cluster: no cluster has all of {"name":"paris","provider":"gke"} at once']);
  });

  it('a selector that matches some cluster is accepted', () => {
    assert.deepEqual(wave('{ provider: gke, labels: { tier: silver } }'), ['clusters.yaml:7:5: cluster "gke-eu" falls in 2 waves: "all", "w"']);
  });
});

describe('validate: a release\'s tracks', () => {
  it('"track" rides with a declared track; it cannot be combined with "tracks"', () => {
    assert.deepEqual(check({ 'clusters.yaml': TRACKS, ...web('track: canary\n') }), []);
    assert.deepEqual(check({ 'clusters.yaml': TRACKS, ...web('track: canry\n') }), ['releases/web.yaml:4:8: unknown track "canry" (did you mean "canary"?)']);
    assert.deepEqual(check({ 'clusters.yaml': TRACKS, ...web('track: canary\ntracks: { canary: {} }\n') }), [
      'releases/web.yaml:4:8: "track" is for releases without "tracks"; remove one of them',
    ]);
  });

  it('release tracks when clusters.yaml declares none', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { context: ca }\n', ...web('tracks: { canary: {} }\n') }), [
      'releases/web.yaml:4:11: unknown track "canary": clusters.yaml declares no tracks',
    ]);
  });

  it('a cluster override\'s tracks must be tracks of the release', () => {
    const noTracks = web('clusters:\n  a:\n    tracks:\n      canary: {}\n');
    assert.deepEqual(check({ 'clusters.yaml': TRACKS, ...noTracks }), ['releases/web.yaml:7:7: clusters.a.tracks.canary: release "web" has no tracks']);
    const withTracks = web('tracks: { canary: {}, production: {} }\nclusters:\n  a:\n    tracks:\n      canary: {}\n      prod: {}\n');
    assert.deepEqual(check({ 'clusters.yaml': TRACKS, ...withTracks }), ['releases/web.yaml:9:7: unknown track "prod" for release "web" (did you mean "production"?)']);
  });
});

describe('validate: values files and set: in every layer', () => {
  it('a missing values file is reported where it is named, in a track and in a cluster\'s track', () => {
    const rel = web('tracks:\n  canary:\n    values: [values/t.yaml]\n  production: {}\nclusters:\n  a:\n    tracks:\n      production:\n        values: [values/ct.yaml]\n');
    assert.deepEqual(check({ 'clusters.yaml': TRACKS, ...rel }), [
      'releases/web.yaml:6:14: values file not found: values/t.yaml (paths are relative to the folder holding clusters.yaml)',
      'releases/web.yaml:12:18: values file not found: values/ct.yaml (paths are relative to the folder holding clusters.yaml)',
    ]);
  });

  it('a set: path as deep as the limit is accepted; one key deeper is refused, naming its first key', () => {
    const rel = web('tracks:\n  canary:\n    set: { "image.tag.x.y": 1 }\n');
    assert.deepEqual(check({ 'clusters.yaml': TRACKS, ...rel }, { ...DEFAULT_LIMITS, maxSetDepth: 4 }), []);
    assert.deepEqual(check({ 'clusters.yaml': TRACKS, ...rel }, { ...DEFAULT_LIMITS, maxSetDepth: 3 }), [
      'releases/web.yaml:6:10: set: the path starting "image" is 4 keys deep, over the limit of 3 (HELM_CASCADE_MAX_SET_DEPTH)',
    ]);
  });
});

describe('validate: chart refs', () => {
  const C = 'clusters:\n  a: { context: ca }\n';
  const chart = (c: string) => ({ 'releases/web.yaml': `name: web\nnamespace: web\nchart: ${c}\n` });

  it('a folder without Chart.yaml is not a chart', () => {
    assert.deepEqual(check({ 'clusters.yaml': C, ...chart('{ ref: charts/web }'), 'charts/web/values.yaml': 'a: 1\n' }), ['releases/web.yaml:3:15: charts/web is not a chart (no Chart.yaml)']);
  });

  it('a ref that is neither a folder, an oci:// URL nor repo/name', () => {
    assert.deepEqual(check({ 'clusters.yaml': C, ...chart('{ ref: a/b/c, version: 1.0.0 }') }), ['releases/web.yaml:3:15: chart ref "a/b/c": not a local folder, oci:// URL, or repo/name']);
  });

  it('a chart without a ref is reported by the schema alone', () => {
    assert.deepEqual(check({ 'clusters.yaml': C, ...chart('{ version: 1.0.0 }') }), ['releases/web.yaml:3:8: missing required field "ref" in chart']);
  });

  it('a ref that leaves the repository is refused as a folder, whatever it looks like', () => {
    assert.deepEqual(check({ 'clusters.yaml': C, ...chart('{ ref: "charts/../../../outside", version: 1.0.0 }') }), [
      'releases/web.yaml:3:15: chart folder "charts/../../../outside" leads outside the deploy repository (paths must stay inside the folder holding clusters.yaml); nothing was read',
    ]);
  });

  it('an oci:// ref is checked as an OCI reference even when its path has ..', () => {
    assert.deepEqual(check({ 'clusters.yaml': C, ...chart('{ ref: "oci://../../../x/chart", version: 1.0.0 }') }), [
      'releases/web.yaml:3:15: chart ref "oci://../../../x/chart": not a valid OCI reference: not of the form oci://HOST[:PORT]/PATH/CHART',
    ]);
  });

  it('Chart.yaml dependencies: only file:// ones are checked against the repository', () => {
    const deps = (extra: string) => `apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - null\n  - lib\n  - { name: a }\n  - { name: b, repository: "https://charts.example.com" }\n  - { name: c, repository: "file://../lib" }\n${extra}`;
    const files = { 'clusters.yaml': C, ...chart('{ ref: charts/web }'), 'charts/lib/Chart.yaml': 'apiVersion: v2\nname: lib\nversion: 1.0.0\n' };
    assert.deepEqual(check({ ...files, 'charts/web/Chart.yaml': deps('') }), []);
    assert.deepEqual(check({ ...files, 'charts/web/Chart.yaml': deps('  - { name: d, repository: "file://../../../outside" }\n') }), [
      'releases/web.yaml:3:15: chart charts/web: the file:// dependency "file://../../../outside" leads outside the deploy repository (paths must stay inside the folder holding clusters.yaml); nothing was read',
    ]);
  });

  it('an empty or null Chart.yaml has no dependencies to check', () => {
    for (const text of ['', '~\n', 'just text\n']) assert.deepEqual(check({ 'clusters.yaml': C, ...chart('{ ref: charts/web }'), 'charts/web/Chart.yaml': text }), [], JSON.stringify(text));
  });
});
