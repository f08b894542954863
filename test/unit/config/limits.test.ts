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
  it('each limit has its own environment variable; an empty one keeps the default; 1 is the least accepted', () => {
    const env = {
      HELM_CASCADE_MAX_FILE_BYTES: '11',
      HELM_CASCADE_MAX_RELEASES: '12',
      HELM_CASCADE_MAX_SET_DEPTH: '13',
      HELM_CASCADE_MAX_RENDER_BYTES: '14',
      HELM_CASCADE_MAX_YAML_ALIASES: '15',
      HELM_CASCADE_MAX_YAML_EXPANDED_BYTES: '16',
      HELM_CASCADE_MAX_YAML_DEPTH: '17',
    };
    assert.deepEqual(limitsFromEnv(env), { maxFileBytes: 11, maxReleases: 12, maxSetDepth: 13, maxRenderBytes: 14, maxAliasCount: 15, maxExpandedBytes: 16, maxYamlDepth: 17 });
    assert.deepEqual(limitsFromEnv({ HELM_CASCADE_MAX_RELEASES: '' }), DEFAULT_LIMITS);
    assert.equal(limitsFromEnv({ HELM_CASCADE_MAX_YAML_DEPTH: '1' }).maxYamlDepth, 1);
    assert.throws(() => limitsFromEnv({ HELM_CASCADE_MAX_FILE_BYTES: '1.5' }), { message: 'HELM_CASCADE_MAX_FILE_BYTES must be a positive whole number, got a string (3 bytes)' });
  });

  it('every kind of value has its description, counts singular or plural', () => {
    assert.equal(describeValue(null), 'null');
    assert.equal(describeValue(undefined), 'null');
    assert.equal(describeValue(''), 'a string (0 bytes)');
    assert.equal(describeValue('x'), 'a string (1 byte)');
    assert.equal(describeValue(3), 'a whole number');
    assert.equal(describeValue(false), 'true or false');
    assert.equal(describeValue([]), 'a list (0 items)');
    assert.equal(describeValue(['x']), 'a list (1 item)');
    assert.equal(describeValue({}), 'a map (0 keys)');
    assert.equal(describeValue({ a: 1, b: 2 }), 'a map (2 keys)');
    assert.equal(describeValue(5n), 'a bigint'); // a set: integer
  });

  it('sizes: whole MiB, tenths of a MiB, KiB, bytes', () => {
    assert.equal(formatBytes(1024 * 1024), '1 MiB');
    assert.equal(formatBytes(1024 * 1024 + 1), '1.0 MiB');
    assert.equal(formatBytes(1024 * 1024 - 1), '1024 KiB');
    assert.equal(formatBytes(1536), '2 KiB');
    assert.equal(formatBytes(1024), '1 KiB');
    assert.equal(formatBytes(1023), '1023 bytes');
    assert.equal(formatBytes(37), '37 bytes');
  });

  it('set maps: nested maps counted, scalars and lists are leaves, the first deepest key is named', () => {
    assert.deepEqual(setDepth({}), { depth: 0, key: '' });
    assert.deepEqual(setDepth({ a: {} }), { depth: 1, key: 'a' });
    assert.deepEqual(setDepth({ a: { b: { c: 1 } } }), { depth: 3, key: 'a.b.c' });
    assert.deepEqual(setDepth({ a: 'text', b: [{ x: { y: 1 } }] }), { depth: 1, key: 'a' });
    assert.deepEqual(setDepth({ x: { y: 1 }, a: { b: 2 } }), { depth: 2, key: 'x.y' });
    assert.deepEqual(setDepth({ 'a[10]': { b: 1 } }), { depth: 3, key: 'a[10].b' });
  });

  it('--set flags: every pair measured, by its key only (not its value); escaped commas and equals signs are the key\'s', () => {
    assert.equal(setFlagDepth('a=1,b.c.d=2'), 3);
    assert.equal(setFlagDepth('a=x.y.z'), 1);
    assert.equal(setFlagDepth('a\\=b.c=x'), 2);
    assert.equal(setFlagDepth('a\\,b.c=1'), 2);
    assert.equal(setFlagDepth('a.b[0]'), 3); // no value: all of it is the key
    assert.equal(setFlagDepth('=x.y'), 1); // an empty key
    assert.equal(setFlagDepth('list[10].name=x'), 3);
  });
});
