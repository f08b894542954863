import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS, describeValue, formatBytes, limitsFromEnv, setDepth, setFlagDepth } from '../../../src/config/limits.ts';
import { UsageError } from '../../../src/errors.ts';

describe('limits', () => {
  it('environment variables override the defaults; anything but a positive whole number is refused without quoting it', () => {
    assert.deepEqual(limitsFromEnv({}), DEFAULT_LIMITS);
    assert.equal(limitsFromEnv({ HELM_CASCADE_MAX_RELEASES: '5' }).maxReleases, 5);
    assert.throws(() => limitsFromEnv({ HELM_CASCADE_MAX_SET_DEPTH: '0' }), (e: unknown) => e instanceof UsageError && e.message === 'HELM_CASCADE_MAX_SET_DEPTH must be a positive whole number, got a string (1 byte)');
  });

  it('set paths: dotted keys expanded, escaped dots kept, nested maps and list indexes counted', () => {
    assert.deepEqual(setDepth({ 'a.b': { c: 1 }, d: 2 }), { depth: 3, key: 'a.b.c' });
    assert.deepEqual(setDepth({ 'a\\.b': 1 }), { depth: 1, key: 'a\\.b' });
    assert.equal(setFlagDepth('a.b[0].c=1,d=2'), 4);
    assert.equal(setFlagDepth('x\\.y.z=1'), 2);
  });

  it('values are described by type and size only', () => {
    assert.equal(describeValue('héllo'), 'a string (6 bytes)');
    assert.equal(describeValue([1, 2]), 'a list (2 items)');
    assert.equal(describeValue({ a: 1 }), 'a map (1 key)');
    assert.equal(describeValue(3.5), 'a number');
    assert.equal(formatBytes(10 * 1024 * 1024), '10 MiB');
    assert.equal(formatBytes(52_428_900), '50.0 MiB');
  });
});
