// Durations as clusters.yaml, release files and --lock-timeout write them:
// every part of a compound duration counts (1h30m is 90 minutes, not 30).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyOptions } from '../../../src/commands/options.ts';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { parseDuration } from '../../../src/config/duration.ts';
import { tempDir } from '../../support/tmp.ts';

describe('durations', () => {
  it('single units and compound ones add up', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1h1m1s1ms'), 3_661_001);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    // fractions of more than one digit, alone and inside a compound duration
    assert.equal(parseDuration('1.25h'), 4_500_000);
    assert.equal(parseDuration('1m0.125s'), 60_125);
  });

  it('anything else is not a duration', () => {
    for (const bad of ['', '5', 'm', '5 m', '5minutes', '1h 30m', '-5m', '5m5']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('a compound duration in clusters.yaml reaches the model whole', () => {
    const dir = tempDir('hc-duration-');
    mkdirSync(join(dir, 'releases'));
    writeFileSync(join(dir, 'clusters.yaml'), 'clusters:\n  a: { context: ctx-a }\nhealth:\n  timeout: 1h30m\n  soak: 2m30s\n');
    const { repo, diagnostics } = loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir });
    assert.deepEqual(diagnostics, []);
    assert.equal(repo!.config.health.timeoutMs, 5_400_000);
    assert.equal(repo!.config.health.soakMs, 150_000);
  });

  it('--lock-timeout 1h30m waits 90 minutes', async () => {
    const o = await applyOptions({ lockTimeout: '1h30m' });
    assert.equal(o.lockTimeoutMs, 5_400_000);
  });
});
