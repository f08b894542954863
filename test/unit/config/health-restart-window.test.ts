// clusters.yaml / release `health.restartWindow` and `health.maxRecentRestarts`
// (drift's restart rule): loaded into the model with the defaults explicit,
// bad values refused with file:line:col and the offending value.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { expandUnits } from '../../../src/model/units.ts';
import { tempDir } from '../../support/tmp.ts';

function load(clustersYaml: string, release: string) {
  const dir = tempDir('hc-restart-window-');
  mkdirSync(join(dir, 'releases'));
  mkdirSync(join(dir, 'charts', 'web'), { recursive: true });
  writeFileSync(join(dir, 'charts', 'web', 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 1.0.0\n');
  writeFileSync(join(dir, 'clusters.yaml'), clustersYaml);
  writeFileSync(join(dir, 'releases', 'web.yaml'), release);
  return loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir });
}

const CLUSTERS = 'clusters:\n  a:\n    context: ctx-a\n';
const RELEASE = 'name: web\nnamespace: web\nchart:\n  ref: charts/web\n';

describe('health.restartWindow and health.maxRecentRestarts', () => {
  it('default to 1h and 0', () => {
    const { repo, diagnostics } = load(CLUSTERS, RELEASE);
    assert.deepEqual(diagnostics, []);
    const h = expandUnits(repo!)[0]!.health;
    assert.equal(h.restartWindowMs, 3_600_000);
    assert.equal(h.maxRecentRestarts, 0);
  });
  it('clusters.yaml sets them for every release; a release overrides', () => {
    const { repo, diagnostics } = load(`${CLUSTERS}health: { restartWindow: 2h, maxRecentRestarts: 3 }\n`, `${RELEASE}health: { restartWindow: 30m }\n`);
    assert.deepEqual(diagnostics, []);
    const h = expandUnits(repo!)[0]!.health;
    assert.equal(h.restartWindowMs, 30 * 60_000);
    assert.equal(h.maxRecentRestarts, 3);
  });
  it('a bad duration and a negative count are refused, naming file, line, column and value', () => {
    const { diagnostics } = load(`${CLUSTERS}health: { restartWindow: an hour }\n`, `${RELEASE}health: { maxRecentRestarts: -2 }\n`);
    assert.deepEqual(diagnostics.map(formatDiagnostic), [
      'clusters.yaml:4:26: health.restartWindow: bad duration "an hour" (write e.g. 30s, 5m, 1h30m)',
      'releases/web.yaml:5:30: health.maxRecentRestarts must be >= 0',
    ]);
  });
});
