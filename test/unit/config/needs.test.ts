import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { needsChecks } from '../../../src/config/needs.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { expandUnits } from '../../../src/model/units.ts';
import { tempDir } from '../../support/tmp.ts';

function write(clustersYaml: string, releases: Record<string, string>): string {
  const dir = tempDir('hc-needs-');
  mkdirSync(join(dir, 'releases'));
  mkdirSync(join(dir, 'charts', 'c'), { recursive: true });
  writeFileSync(join(dir, 'charts', 'c', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 1.0.0\n');
  writeFileSync(join(dir, 'clusters.yaml'), clustersYaml);
  for (const [name, text] of Object.entries(releases)) writeFileSync(join(dir, 'releases', `${name}.yaml`), text);
  return dir;
}

function check(clustersYaml: string, releases: Record<string, string>): string[] {
  return loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: write(clustersYaml, releases) }).diagnostics.map(formatDiagnostic);
}

/** needsChecks itself over the loaded repository: every report, in the order made (no de-duplication by the loader). */
function needsReports(clustersYaml: string, releases: Record<string, string>): string[] {
  const { repo } = loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: write(clustersYaml, releases) });
  const out: string[] = [];
  needsChecks(repo!, expandUnits(repo!), { at: (pos, message) => out.push(`${pos.file}:${pos.line}:${pos.col}: ${message}`), suggest: () => '' });
  return out;
}

const TWO = 'clusters:\n  a: { context: ca }\n  b: { context: cb }\n';
const rel = (name: string, more = '') => `name: ${name}\nnamespace: ns\nchart: { ref: charts/c }\n${more}`;

describe('validate: needs', () => {
  it('accepts needs by name and by namespace/name', () => {
    assert.deepEqual(check(TWO, { app: rel('app', 'needs: [db, ns/base]\n'), db: rel('db'), base: rel('base') }), []);
  });

  it('an unknown release, a wrong namespace, itself: exit-4 problems at the entry', () => {
    assert.deepEqual(check(TWO, { app: rel('app', 'needs:\n  - dbb\n  - other/db\n  - app\n'), db: rel('db') }), [
      'releases/app.yaml:5:5: needs: unknown release "dbb" (did you mean "db"?)',
      'releases/app.yaml:6:5: needs: release "db" is in namespace "ns", not "other"',
      'releases/app.yaml:7:5: needs: release "app" cannot need itself',
    ]);
  });

  it('a cycle is named in full', () => {
    assert.deepEqual(check(TWO, { a: rel('a', 'needs: [b]\n'), b: rel('b', 'needs: [c]\n'), c: rel('c', 'needs: [a]\n') }), ['releases/c.yaml:4:9: needs form a cycle: a -> b -> c -> a']);
  });

  it('a need on a release that is not made on the same clusters', () => {
    assert.deepEqual(check(TWO, { app: rel('app', 'needs: [db]\n'), db: rel('db', 'clusters: { a: {} }\n') }), ['releases/app.yaml:4:9: needs: release "db" is not made on cluster(s) b where "app" is']);
  });

  it('a need on a release disabled where the release is enabled', () => {
    assert.deepEqual(check(TWO, { app: rel('app', 'needs: [db]\n'), db: rel('db', 'clusters: { a: {}, b: { enabled: false } }\n') }), [
      'releases/app.yaml:4:9: needs: release "db" is disabled (enabled: false) on cluster(s) b where "app" is enabled',
    ]);
  });

  it('tracks: a missing track of the needed release, and a needed release in a later wave', () => {
    const clusters = `${TWO}tracks: [canary, production]\n`;
    assert.deepEqual(
      check(clusters, {
        api: rel('api', 'tracks: { canary: {}, production: {} }\nneeds: [db, crds]\n'),
        db: rel('db', 'tracks: { production: {} }\n'),
        crds: rel('crds'),
      }),
      [
        'releases/api.yaml:5:9: needs: release "db" has no track "canary" on cluster(s) a, b where "api" is',
        'releases/api.yaml:5:13: needs: "crds" rolls out in wave "production", after "api-canary" (wave "canary") on cluster(s) a, b; give "crds" the track of the earlier wave (track: canary) or drop the need',
      ],
    );
  });

  it('the schema refuses a malformed entry', () => {
    const out = check(TWO, { app: rel('app', 'needs: ["Not A Name"]\n') });
    assert.equal(out.length, 1);
    assert.match(out[0]!, /^releases\/app\.yaml:4:/);
  });

  it('an unknown release written with its namespace is named with it; a release is never suggested to itself', () => {
    assert.deepEqual(check(TWO, { app: rel('app', 'needs: [ns/dbb, appx]\n'), db: rel('db') }), [
      'releases/app.yaml:4:9: needs: unknown release "ns/dbb" (did you mean "db"?)',
      'releases/app.yaml:4:17: needs: unknown release "appx" (known: db)',
    ]);
  });

  it('a cycle reached through releases outside it names only the releases on it', () => {
    // a -> b, then b -> x (done, off the cycle) and b -> c -> b
    assert.deepEqual(check(TWO, { a: rel('a', 'needs: [b]\n'), b: rel('b', 'needs: [x, c]\n'), c: rel('c', 'needs: [b]\n'), x: rel('x') }), ['releases/c.yaml:4:9: needs form a cycle: b -> c -> b']);
  });

  it('a cycle is named from the first of its releases in name order, whatever the file names', () => {
    // the file a.yaml holds release "z", b.yaml release "y"
    assert.deepEqual(check(TWO, { a: rel('z', 'needs: [y]\n'), b: rel('y', 'needs: [z]\n') }), ['releases/a.yaml:4:9: needs form a cycle: y -> z -> y']);
  });

  it('every cycle is reported once, however many releases lead into it', () => {
    const releases = { a: rel('a', 'needs: [c]\n'), b: rel('b', 'needs: [c]\n'), c: rel('c', 'needs: [d]\n'), d: rel('d', 'needs: [c]\n'), e: rel('e', 'needs: [a, b]\n') };
    assert.deepEqual(needsReports(TWO, releases), ['releases/d.yaml:4:9: needs form a cycle: c -> d -> c']);
  });

  it('a release disabled on a cluster needs nothing there', () => {
    assert.deepEqual(check(TWO, { app: rel('app', 'needs: [db]\nclusters: { a: {}, b: { enabled: false } }\n'), db: rel('db', 'clusters: { a: {} }\n') }), []);
  });

  it('a tracked release not made on a cluster is "not made" there, not missing a track; each cluster named once', () => {
    const clusters = `${TWO}tracks: [canary, production]\n`;
    assert.deepEqual(
      check(clusters, { api: rel('api', 'tracks: { canary: {}, production: {} }\nneeds: [db]\n'), db: rel('db', 'tracks: { canary: {}, production: {} }\nclusters: { a: {} }\n') }),
      ['releases/api.yaml:5:9: needs: release "db" is not made on cluster(s) b where "api" is'],
    );
  });

  it('a release without tracks needs the track of the wave it rolls out in', () => {
    const clusters = `${TWO}tracks: [canary, production]\n`;
    assert.deepEqual(check(clusters, { api: rel('api', 'needs: [db]\n'), db: rel('db', 'tracks: { canary: {} }\n') }), [
      'releases/api.yaml:4:9: needs: release "db" has no track "production" on cluster(s) a, b where "api" is',
    ]);
    assert.deepEqual(check(clusters, { api: rel('api', 'track: canary\nneeds: [db]\n'), db: rel('db', 'tracks: { canary: {} }\n') }), []);
  });
});
