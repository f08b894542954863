import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deepMerge, expandDottedKeys, mergeValues, withChartDefaults } from '../../../src/plan/values.ts';

describe('dotted set keys', () => {
  it('expands dotted paths and nested maps', () => {
    assert.deepEqual(expandDottedKeys({ 'image.tag': '1.4.2', resources: { 'limits.cpu': 1 } }), { image: { tag: '1.4.2' }, resources: { limits: { cpu: 1 } } });
  });
  it('keeps escaped dots in a key', () => {
    assert.deepEqual(expandDottedKeys({ 'podAnnotations.prometheus\\.io/scrape': 'true' }), { podAnnotations: { 'prometheus.io/scrape': 'true' } });
    assert.deepEqual(expandDottedKeys({ 'a\\.b': 1 }), { 'a.b': 1 });
  });
  it('merges two dotted keys under one parent', () => {
    assert.deepEqual(expandDottedKeys({ 'image.tag': 't', 'image.repository': 'r' }), { image: { tag: 't', repository: 'r' } });
  });
  it('a backslash before anything but a dot or a backslash stays in the key', () => {
    assert.deepEqual(expandDottedKeys({ 'paths.C:\\temp\\x.y': 1 }), { paths: { 'C:\\temp\\x': { y: 1 } } });
  });
  it('a map under a key already set merges into it; anything else replaces it', () => {
    assert.deepEqual(expandDottedKeys({ 'image.tag': 't', image: { repository: 'r' } }), { image: { tag: 't', repository: 'r' } });
    assert.deepEqual(expandDottedKeys({ 'image.tag': 't', image: 'plain' }), { image: 'plain' });
  });
});

describe('deepMerge', () => {
  it('merges maps key by key and replaces lists and scalars', () => {
    assert.deepEqual(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: { e: 1 } }), { a: { b: 1, c: [3] }, d: { e: 1 } });
  });
  it('does not mutate its inputs', () => {
    const base = { a: { b: 1 } };
    deepMerge(base, { a: { b: 2 } });
    assert.deepEqual(base, { a: { b: 1 } });
  });
  it('shares no list or map with what it merges in', () => {
    const over = { list: [{ name: 'a' }], map: { k: { deep: 1 } } };
    const out = deepMerge({ map: 'scalar before' }, over);
    assert.deepEqual(out, over);
    assert.notEqual(out.list, over.list);
    assert.notEqual((out.list as unknown[])[0], over.list[0]);
    assert.notEqual(out.map, over.map);
    assert.notEqual((out.map as { k: unknown }).k, over.map.k);
  });
});

describe('mergeValues with provenance', () => {
  it('follows precedence and records the last source of every leaf', () => {
    const { values, origins } = mergeValues([
      { source: 'values/base.yaml', values: { replicaCount: 1, image: { repository: 'r', tag: '1.0' } } },
      { source: 'releases/a.yaml set', values: { 'image.tag': '1.4.2' }, fromSet: true },
      { source: 'releases/a.yaml tracks.internal.set', values: { replicaCount: 2 }, fromSet: true },
      { source: 'values/gke.yaml', values: { image: { tag: '1.5' } } },
      { source: '--set', values: { replicaCount: 5 }, fromSet: true },
    ]);
    assert.deepEqual(values, { replicaCount: 5, image: { repository: 'r', tag: '1.5' } });
    assert.deepEqual(
      origins.map((o) => [o.path, o.source]),
      [
        ['image.repository', 'values/base.yaml'],
        ['image.tag', 'values/gke.yaml'],
        ['replicaCount', '--set'],
      ],
    );
  });
  it('a scalar replacing a map drops the map leaves origins', () => {
    const { origins } = mergeValues([
      { source: 'a', values: { x: { y: 1, z: 2 } } },
      { source: 'b', values: { x: 'flat' } },
    ]);
    assert.deepEqual(origins, [{ path: 'x', value: 'flat', source: 'b' }]);
  });
  it('an empty map over a filled one keeps the older origins', () => {
    const { origins } = mergeValues([
      { source: 'a', values: { ann: { x: '1' } } },
      { source: 'b', values: { ann: {} } },
    ]);
    assert.deepEqual(origins, [{ path: 'ann.x', value: '1', source: 'a' }]);
  });
  it('a map set again after a scalar replaced it is the last source\'s, even when empty', () => {
    const { origins } = mergeValues([
      { source: 'a', values: { ann: { x: '1' } } },
      { source: 'b', values: { ann: 'flat' } },
      { source: 'c', values: { ann: {} } },
    ]);
    assert.deepEqual(origins, [{ path: 'ann', value: {}, source: 'c' }]);
  });
  it('an empty map is a leaf of its own; a key holding a dot is escaped in the path', () => {
    const { origins } = mergeValues([{ source: 'v.yaml', values: { podAnnotations: { 'prometheus.io/scrape': 'true' }, extraEnv: {} } }]);
    assert.deepEqual(origins, [
      { path: 'extraEnv', value: {}, source: 'v.yaml' },
      { path: 'podAnnotations.prometheus\\.io/scrape', value: 'true', source: 'v.yaml' },
    ]);
  });
  it('a key ending with a backslash is escaped too: it never reads as the parent of a key with a dot', () => {
    // without escaping `\`, the path of `x\` followed by `.` looked like the start of `x.`'s path (`y.x\.`)
    const { origins } = mergeValues([
      { source: 'a', values: { y: { 'x.': 1 } } },
      { source: 'b', values: { y: { 'x\\': 2 } } },
    ]);
    assert.deepEqual(origins, [
      { path: 'y.x\\.', value: 1, source: 'a' },
      { path: 'y.x\\\\', value: 2, source: 'b' },
    ]);
  });
  it('a path that only ends like another path and a dot is not its child', () => {
    // `a\.` escapes to `a\\\.`, which ends with `\\.`: the path of the key `\` and a dot
    const { origins } = mergeValues([
      { source: 'a', values: { 'a\\.': 1 } },
      { source: 'b', values: { '\\': 2 } },
    ]);
    assert.deepEqual(
      origins.map((o) => [o.path, o.source]),
      [
        ['\\\\', 'b'],
        ['a\\\\\\.', 'a'],
      ],
    );
  });
  it('keeps every leaf as set: what is secret is masked later, by where it lands (plan/masking.ts)', () => {
    const { origins } = mergeValues([{ source: 'v.yaml', values: { auth: { password: 'pw-1234' }, replicaCount: 1 } }]);
    assert.deepEqual(origins, [{ path: 'auth.password', value: 'pw-1234', source: 'v.yaml' }, { path: 'replicaCount', value: 1, source: 'v.yaml' }]);
  });
});

describe('--explain with chart defaults', () => {
  it('lists the defaults no layer overrides, as "chart default"', () => {
    const { origins } = mergeValues([
      { source: 'releases/web.yaml set', values: { 'image.tag': '2.0.0', 'resources': 'none' }, fromSet: true },
      { source: 'values/web.yaml', values: { probe: { path: '/ready' } } },
    ]);
    const defaults = { image: { repository: 'example/web', tag: 'latest' }, replicaCount: 1, resources: { requests: { cpu: '10m' } }, probe: '', auth: { apiToken: 'default-token' } };
    assert.deepEqual(withChartDefaults(origins, defaults), [
      { path: 'auth.apiToken', value: 'default-token', source: 'chart default' },
      { path: 'image.repository', value: 'example/web', source: 'chart default' },
      { path: 'image.tag', value: '2.0.0', source: 'releases/web.yaml set' },
      { path: 'probe.path', value: '/ready', source: 'values/web.yaml' },
      { path: 'replicaCount', value: 1, source: 'chart default' },
      { path: 'resources', value: 'none', source: 'releases/web.yaml set' },
    ]);
  });
});
