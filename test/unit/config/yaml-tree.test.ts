import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inSetMap } from '../../../src/config/load.ts';
import { DEFAULT_LIMITS } from '../../../src/config/limits.ts';
import { readYamlFile } from '../../../src/config/yaml-file.ts';
import type { ReadMode, YamlFile } from '../../../src/config/yaml-file.ts';
import { checkTree, nestingOverLimit } from '../../../src/config/yaml-tree.ts';
import type { TreeLimits } from '../../../src/config/yaml-tree.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import type { SourcePos } from '../../../src/model/spec.ts';
import { tempDir } from '../../support/tmp.ts';

const dir = tempDir('hc-yaml-tree-');
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** The file `f.yaml` with this text, read as helm-cascade reads its own files. */
function read(text: string, limits: Partial<typeof DEFAULT_LIMITS> = {}, mode?: ReadMode): YamlFile {
  const path = join(dir, `f${files++}.yaml`);
  writeFileSync(path, text);
  return readYamlFile(path, 'f.yaml', { ...DEFAULT_LIMITS, ...limits }, mode);
}
const lines = (f: YamlFile) => f.diagnostics.map(formatDiagnostic);
const depthMessage = (n: number) => `YAML: nested more than ${n} levels deep (HELM_CASCADE_MAX_YAML_DEPTH); refused`;

const TOP: SourcePos = { file: 'f.yaml', line: 1, col: 1 };
const LIMITS: TreeLimits = { maxAliasCount: 1000, maxExpandedBytes: 1 << 20, maxDepth: 10 };
/** checkTree on a value built in the test (every problem reported at the top of f.yaml). */
const check = (data: unknown, limits: Partial<TreeLimits> = {}) => checkTree(data, { limits: { ...LIMITS, ...limits }, exactIntsAt: undefined, posOf: () => TOP, firstAlias: () => TOP });

describe('checkTree: size and depth', () => {
  // as JSON: {"ké":"é","n":[1,true,null]} is 30 bytes; the size counts a separator after every entry (+2)
  const tree = { ké: 'é', n: [1, true, null] };
  const SIZE = 32;

  it('a tree exactly at the size limit passes; one byte less and the message gives its size in UTF-8 bytes', () => {
    assert.deepEqual(check(tree, { maxExpandedBytes: SIZE }), { data: tree, diagnostics: [] });
    assert.deepEqual(check(tree, { maxExpandedBytes: SIZE - 1 }), {
      data: undefined,
      diagnostics: [{ ...TOP, message: `YAML: its aliases expand the file to ${SIZE} bytes, over the limit of ${SIZE - 1} bytes (HELM_CASCADE_MAX_YAML_EXPANDED_BYTES); refused` }],
    });
    // a string is its bytes plus two quotes, a number its digits
    assert.equal(check('héllo', { maxExpandedBytes: 8 }).diagnostics.length, 0);
    assert.match(check('héllo', { maxExpandedBytes: 7 }).diagnostics[0]!.message, /expand the file to 8 bytes, over the limit of 7 bytes/);
    assert.match(check([12345], { maxExpandedBytes: 7 }).diagnostics[0]!.message, /expand the file to 8 bytes, over the limit of 7 bytes/);
  });

  it('a tree exactly at the depth limit passes; one level deeper is refused', () => {
    assert.deepEqual(check(tree, { maxDepth: 2 }).diagnostics, []);
    assert.deepEqual(check(tree, { maxDepth: 1 }).diagnostics, [{ ...TOP, message: depthMessage(1) }]);
    // scalars add no level: a list of strings is one level
    assert.deepEqual(check(['a', 'b'], { maxDepth: 1 }).diagnostics, []);
  });

  it('a subtree shared many times (an alias of an alias of ...) is measured once, so the check is quick', () => {
    let node: unknown = 'leaf';
    for (let i = 0; i < 64; i++) node = [node, node]; // 2^64 leaves once written out
    const r = check(node, { maxDepth: 100 });
    assert.equal(r.data, undefined);
    assert.equal(r.diagnostics.length, 1);
    assert.match(r.diagnostics[0]!.message, /^YAML: its aliases expand the file to \d+\.\d MiB, over the limit of 1 MiB \(HELM_CASCADE_MAX_YAML_EXPANDED_BYTES\); refused$/);
  });
});

describe('checkTree: .inf and .nan', () => {
  it('each one is named by its path, at most 20 are reported', () => {
    const values = [Infinity, Number.NaN, -Infinity, ...Array<number>(30).fill(Infinity)];
    const r = check({ name: 'web', none: null, counts: values });
    assert.equal(r.diagnostics.length, 20);
    assert.deepEqual(
      r.diagnostics.slice(0, 3).map((d) => d.message),
      ['counts[0]: .inf', 'counts[1]: .nan', 'counts[2]: .inf'].map((m) => `${m} is not a value helm-cascade or helm can use (JSON has no infinity or NaN)`),
    );
    assert.match(r.diagnostics[19]!.message, /^counts\[19\]: \.inf /);
  });

  it('a file that is only .inf is named as the file, at its position', () => {
    assert.deepEqual(lines(read('.inf\n')), ['f.yaml:1:1: the file: .inf is not a value helm-cascade or helm can use (JSON has no infinity or NaN)']);
  });

  it('an .inf inside an anchor is reported once, where the anchor is, not again at each alias', () => {
    const f = read('name: web\nnone: null\nbase: &b\n  - .inf\ncopy: *b\nmore: [*b]\n');
    assert.deepEqual(lines(f), ['f.yaml:4:5: base[0]: .inf is not a value helm-cascade or helm can use (JSON has no infinity or NaN)']);
    assert.equal(f.data, undefined);
  });
});

describe('checkTree: exact integers under set:', () => {
  const exact: ReadMode = { kind: 'config', exactIntsAt: inSetMap };

  it('keeps int64 exactly (both ends included) where the file means helm int64, and makes numbers elsewhere', () => {
    const f = read('set:\n  max: 9223372036854775807\n  min: -9223372036854775808\n  ports: [80, 443]\n  name: web\n  off: null\nreplicas: 3\n', {}, exact);
    assert.deepEqual(f.diagnostics, []);
    assert.deepEqual(f.data, { set: { max: 2n ** 63n - 1n, min: -(2n ** 63n), ports: [80n, 443n], name: 'web', off: null }, replicas: 3 });
  });

  it('refuses an integer past int64, in a map or a list, naming its path and the range', () => {
    const f = read('set:\n  over: 9223372036854775808\n  under: -9223372036854775809\n  ports: [80, 18446744073709551616]\n', {}, exact);
    assert.deepEqual(lines(f), [
      'f.yaml:2:9: set.over: 9223372036854775808 is outside the 64-bit integers helm keeps (-9223372036854775808 to 9223372036854775807); quote it to pass a string',
      'f.yaml:3:10: set.under: -9223372036854775809 is outside the 64-bit integers helm keeps (-9223372036854775808 to 9223372036854775807); quote it to pass a string',
      'f.yaml:4:15: set.ports[1]: 18446744073709551616 is outside the 64-bit integers helm keeps (-9223372036854775808 to 9223372036854775807); quote it to pass a string',
    ]);
    assert.equal(f.data, undefined);
  });
});

describe('checkTree: where a file nested too deep is reported', () => {
  it('at the first level past the limit, down the deepest branch (not the first or the last one)', () => {
    const f = read('first: 1\ndeep:\n  a:\n    b:\n      c: 1\nlast: x\n', { maxYamlDepth: 2 });
    assert.deepEqual(lines(f), [`f.yaml:5:7: ${depthMessage(2)}`]);
    assert.equal(f.data, undefined);
  });

  it('of two branches equally deep, the first; through lists too', () => {
    assert.deepEqual(lines(read('one:\n  a: [1]\ntwo:\n  b: [2]\n', { maxYamlDepth: 2 })), [`f.yaml:2:7: ${depthMessage(2)}`]);
    assert.deepEqual(lines(read('xs:\n  - 1\n  - [2, [3]]\n', { maxYamlDepth: 2 })), [`f.yaml:3:9: ${depthMessage(2)}`]);
  });

  it('an empty map one level past the limit is where the file is too deep', () => {
    assert.deepEqual(lines(read('x: 1\na: {}\n', { maxYamlDepth: 1 })), [`f.yaml:2:4: ${depthMessage(1)}`]);
  });

  it('a file exactly at the depth limit is read', () => {
    const f = read('a:\n  b: [1, 2]\n', { maxYamlDepth: 3 });
    assert.deepEqual(f.diagnostics, []);
    assert.deepEqual(f.data, { a: { b: [1, 2] } });
  });
});

describe('nestingOverLimit: the quick scan before parsing', () => {
  const over = (text: string, limit = 3) => nestingOverLimit(text, limit);

  it('counts flow collections wherever they can open: line start, after [ { , and after : - ? and a blank', () => {
    assert.equal(over('[[[[1]]]]'), 3);
    assert.equal(over('{{{{}}}}'), 3);
    assert.equal(over('[1,[2,[3,[4]]]]'), 9);
    assert.equal(over('a:\t[[[[1]]]]'), 6);
    assert.equal(over('- [[[x]]]'), 4);
    assert.equal(over('? [[[[x]]]]'), 5);
    assert.equal(over('[{a: [{b: 1}]}]'), 6);
  });

  it('closed collections no longer count: siblings stay at their depth', () => {
    assert.equal(over('a: [[1], [2], [3], [4], [5]]', 2), undefined);
    assert.equal(over('a: [{x: 1}, {y: 2}, {z: 3}]', 2), undefined);
    assert.equal(over('a: [x, [y, [z, [w]]]]'), 15);
  });

  it('a closing bracket with nothing open (inside a plain word) takes nothing away', () => {
    assert.equal(over('a: x]]]]\nb: [[[[1]]]]'), 15);
  });

  it('brackets inside words or after a : - ? with no blank open nothing', () => {
    for (const text of ['a: x{{{{{{', 'a: b:[[[[[[', 'a: b-[[[[[[', 'a: b?[[[[[[', 'a: b,c:[[[[[[']) assert.equal(over(text), undefined, text);
  });

  it('quoted text is skipped, up to its closing quote (a backslash escapes only in double quotes)', () => {
    assert.equal(over('a: "x, [[[[["\n'), undefined);
    assert.equal(over("a: 'x, [[[[['\n"), undefined);
    assert.equal(over('a: "x\\", [[[[["\n'), undefined);
    assert.equal(over('a: ["x", [[[[1]]]]]'), 11);
    assert.equal(over("paths: ['C:\\', [[[[x]]]]]"), 17);
  });

  it('comments are skipped to the end of their line, the first line and the last one included', () => {
    assert.equal(over('# note: [[[[[[\na: 1'), undefined);
    assert.equal(over('a: 1\n# note: [[[[[[\n'), undefined);
    assert.equal(over('a: 1  # like: [[[[[[\nb: 2'), undefined);
    assert.equal(over('a: 1 # like: [[[[[['), undefined);
    assert.equal(over('a: # c\n[[[[[['), 10);
  });

  it('compact sequences count each "- " and "-" at the end of a line, one line at a time', () => {
    assert.equal(over('- - -\n  - x', 2), 4);
    assert.equal(over('- -\n', 1), 2);
    assert.equal(over('- - x\n- - y\n- - z\n', 2), undefined);
    assert.equal(over('- a list item\n', 1), undefined);
    assert.equal(over('title: a - b - c - d\n', 2), undefined);
    assert.equal(over('---\n- -1\n', 1), undefined);
  });
});
