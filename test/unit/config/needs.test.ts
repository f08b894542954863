import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { formatDiagnostic } from '../../../src/errors.ts';

function check(clustersYaml: string, releases: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'hc-needs-'));
  mkdirSync(join(dir, 'releases'));
  mkdirSync(join(dir, 'charts', 'c'), { recursive: true });
  writeFileSync(join(dir, 'charts', 'c', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 1.0.0\n');
  writeFileSync(join(dir, 'clusters.yaml'), clustersYaml);
  for (const [name, text] of Object.entries(releases)) writeFileSync(join(dir, 'releases', `${name}.yaml`), text);
  return loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir }).diagnostics.map(formatDiagnostic);
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
});
