import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../../src/config/limits.ts';
import { readYamlFile, utf8Problem } from '../../../src/config/yaml-file.ts';
import type { YamlFile } from '../../../src/config/yaml-file.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { tempDir } from '../../support/tmp.ts';

const dir = tempDir('hc-yaml-file-');
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function write(content: string | Buffer): string {
  const path = join(dir, `f${files++}.yaml`);
  writeFileSync(path, content);
  return path;
}
/** The file `f.yaml` with this content, read as helm-cascade reads its own files. */
const read = (content: string | Buffer, limits: Partial<typeof DEFAULT_LIMITS> = {}) => readYamlFile(write(content), 'f.yaml', { ...DEFAULT_LIMITS, ...limits });
const lines = (f: YamlFile) => f.diagnostics.map(formatDiagnostic);
const at = (line: number, col: number) => ({ file: 'f.yaml', line, col });
const depthMessage = (n: number) => `YAML: nested more than ${n} levels deep (HELM_CASCADE_MAX_YAML_DEPTH); refused`;

describe('readYamlFile: a file that cannot be read', () => {
  /** Every position of an unread file is its top. */
  function assertUnread(f: YamlFile, message: string) {
    assert.deepEqual(lines(f), [`f.yaml:1:1: ${message}`]);
    assert.equal(f.data, undefined);
    assert.equal(f.file, 'f.yaml');
    assert.deepEqual([f.posOf(['a', 0]), f.keyPosOf(['a'], 'b'), f.posInValue(['a'], 3)], [at(1, 1), at(1, 1), at(1, 1)]);
  }

  it('a missing file, a directory, a path through a file: each says why', () => {
    assertUnread(readYamlFile(join(dir, 'missing.yaml'), 'f.yaml'), 'file not found');
    const sub = join(dir, 'a-directory.yaml');
    mkdirSync(sub);
    assertUnread(readYamlFile(sub, 'f.yaml'), 'not a regular file');
    assertUnread(readYamlFile(join(write('a: 1\n'), 'inside.yaml'), 'f.yaml'), 'cannot read file (ENOTDIR)');
  });

  it('a file over the size limit is refused before it is read; one exactly at it is read', () => {
    const path = write('a: 1\n'); // 5 bytes
    assert.deepEqual(readYamlFile(path, 'f.yaml', { ...DEFAULT_LIMITS, maxFileBytes: 5 }).data, { a: 1 });
    assertUnread(readYamlFile(path, 'f.yaml', { ...DEFAULT_LIMITS, maxFileBytes: 4 }), 'file is 5 bytes, over the limit of 4 bytes per file (HELM_CASCADE_MAX_FILE_BYTES); nothing was parsed');
  });

  it('leaves no file open, whether the file was read or refused', { skip: !existsSync('/proc/self/fd') }, () => {
    const paths = [write('a: 1\n'), write('b: 2\n'), dir];
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 30; i++) for (const p of paths) readYamlFile(p, 'f.yaml', { ...DEFAULT_LIMITS, maxFileBytes: i % 2 ? 5 : 4 });
    assert.equal(open(), before);
  });
});

describe('utf8Problem: the first byte that is not UTF-8', () => {
  const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
  const problem = (line: number, col: number, hex: string) => ({ line, col, message: `not UTF-8 text: byte ${hex} here does not start a UTF-8 character (save the file as UTF-8)` });

  it('UTF-8 text, however wide its characters, has none', () => {
    assert.equal(utf8Problem(bytes('a\u0080\u07ff\u0800\ud7ff\uffff\u{10000}\u{10ffff}')), undefined);
  });

  it('after valid characters at each edge of the 2, 3 and 4-byte ranges, the bad byte is found at its column', () => {
    assert.deepEqual(utf8Problem(bytes('a: 1\nb: a\u0080\u07ff\u0800\ud7ff\uee00\uffff\u{10000}\u{10ffff}', [0xff])), problem(2, 13, '0xFF'));
  });

  it('a continuation byte with no lead, a lead that is never valid, or a sequence cut short', () => {
    assert.deepEqual(utf8Problem(bytes('a', [0x80], 'b')), problem(1, 2, '0x80'));
    assert.deepEqual(utf8Problem(bytes('a', [0x80, 0x80, 0x80, 0x80], 'b')), problem(1, 2, '0x80'));
    assert.deepEqual(utf8Problem(bytes('a', [0xc0, 0x80])), problem(1, 2, '0xC0'));
    assert.deepEqual(utf8Problem(bytes('a', [0xc1, 0xbf])), problem(1, 2, '0xC1'));
    assert.deepEqual(utf8Problem(bytes('é', [0xf5, 0x80, 0x80, 0x80])), problem(1, 2, '0xF5'));
    assert.deepEqual(utf8Problem(bytes('€', [0xe2, 0x28, 0xa1])), problem(1, 2, '0xE2'));
    assert.deepEqual(utf8Problem(bytes('x\n€', [0xe2, 0x82])), problem(2, 2, '0xE2'));
    assert.deepEqual(utf8Problem(bytes('€', [0xf0, 0x9f, 0x98])), problem(1, 2, '0xF0'));
  });

  it('overlong forms, surrogates and code points past U+10FFFF are refused at their lead byte', () => {
    assert.deepEqual(utf8Problem(bytes('€', [0xe0, 0x9f, 0xbf])), problem(1, 2, '0xE0'));
    assert.deepEqual(utf8Problem(bytes('€', [0xed, 0xa0, 0x80])), problem(1, 2, '0xED'));
    assert.deepEqual(utf8Problem(bytes('€', [0xf0, 0x8f, 0xbf, 0xbf])), problem(1, 2, '0xF0'));
    assert.deepEqual(utf8Problem(bytes('€', [0xf4, 0x90, 0x80, 0x80])), problem(1, 2, '0xF4'));
  });

  it('readYamlFile refuses such a file at that position', () => {
    assert.deepEqual(lines(read(bytes('a: 1\nb: "\u00e9', [0xed, 0xa0, 0x80], '"\n'))), ['f.yaml:2:6: not UTF-8 text: byte 0xED here does not start a UTF-8 character (save the file as UTF-8)']);
  });
});

describe('readYamlFile: limits', () => {
  it('the expanded-size and depth limits given are the ones applied', () => {
    // {"a":[1,2,3],"b":[1,2,3],"c":[1,2,3]} written out, with a separator after each entry: 41 bytes
    const aliases = 'a: &x [1, 2, 3]\nb: *x\nc: *x\n';
    assert.deepEqual(read(aliases, { maxExpandedBytes: 41 }).diagnostics, []);
    assert.deepEqual(lines(read(aliases, { maxExpandedBytes: 40 })), ['f.yaml:2:4: YAML: its aliases expand the file to 41 bytes, over the limit of 40 bytes (HELM_CASCADE_MAX_YAML_EXPANDED_BYTES); refused']);
    assert.deepEqual(lines(read('a: {b: 1}\n', { maxYamlDepth: 1 })), [`f.yaml:1:8: ${depthMessage(1)}`]);
  });

  it('without them, the defaults', () => {
    const path = write(`a: ${'['.repeat(300)}${']'.repeat(300)}\n`);
    const f = readYamlFile(path, 'f.yaml', { maxFileBytes: 1000, maxAliasCount: 10 });
    assert.deepEqual([...new Set(f.diagnostics.map((d) => d.message))], [depthMessage(DEFAULT_LIMITS.maxYamlDepth)]);
    const big = write(`a: &x "${'x'.repeat(1 << 20)}"\n${Array.from({ length: 40 }, (_, i) => `k${i}: *x`).join('\n')}\n`);
    assert.match(lines(readYamlFile(big, 'f.yaml', { maxFileBytes: 2 << 20, maxAliasCount: 100 }))[0]!, /^f\.yaml:2:5: YAML: its aliases expand the file to 41\.0 MiB, over the limit of 32 MiB /);
  });

  it('nesting far past the limit is refused by the scan before parsing, at the bracket that passes four times the limit', () => {
    const f = read('a: 1\nb: [[[[[1]]]]]\n', { maxYamlDepth: 1 });
    assert.deepEqual(lines(f), [`f.yaml:2:8: ${depthMessage(1)}`]);
    assert.equal(f.data, undefined);
  });

  it('nesting deep enough to exhaust the parser is a depth message too (the limit raised past what the parser can take)', () => {
    const f = read(`a: ${'['.repeat(6000)}${']'.repeat(6000)}\n`, { maxYamlDepth: 1600 });
    assert.ok(f.diagnostics.length >= 1);
    assert.deepEqual([...new Set(f.diagnostics.map((d) => d.message))], [depthMessage(1600)]);
    assert.equal(f.data, undefined);
  });

  it('a syntax error is reported alone: the file that did not parse is not measured', () => {
    const f = read('a: "x\\q"\n', { maxExpandedBytes: 8 });
    assert.deepEqual(lines(f), ['f.yaml:1:6: YAML syntax: Invalid escape sequence \\q']);
    assert.equal(f.data, undefined);
  });

  it("a syntax message keeps only the first line of the parser's: the file's next line is not shown", () => {
    assert.deepEqual(lines(read('a: "\\u1\n ab"\n')), ['f.yaml:1:5: YAML syntax: Invalid escape sequence \\u1']);
  });

  it('a collection under a tag for another kind of value says so (the message used to be "YAML syntax: tag")', () => {
    const expected = 'YAML syntax: a tag for another kind of value on this collection (!!set is for a map, !!omap and !!pairs for a list, !!binary and !!timestamp for a scalar)';
    assert.deepEqual(lines(read('a: !!binary [1]\nb: !!set [x]\n')), [`f.yaml:1:4: ${expected}`, `f.yaml:2:4: ${expected}`]);
  });
});

describe('readYamlFile: positions', () => {
  const text = ['# a release', 'name: web', 'image:', '  repo: nginx', '  pullPolicy: Always', 'tags: {stable, canary: yes}', 'ports: [80, 443]', 'expr: ssh', 'note: "\\u00e9"', 'msg: "a\\nb', '  c"', ''].join('\n');
  const f = read(text);

  it('the data', () => {
    assert.deepEqual(f.diagnostics, []);
    assert.deepEqual(f.data, { name: 'web', image: { repo: 'nginx', pullPolicy: 'Always' }, tags: { stable: null, canary: 'yes' }, ports: [80, 443], expr: 'ssh', note: 'é', msg: 'a\nb c' });
  });

  it('posOf: the value at a path, or its nearest existing parent', () => {
    assert.deepEqual(f.posOf(['image', 'repo']), at(4, 9));
    assert.deepEqual(f.posOf(['ports', 1]), at(7, 13));
    assert.deepEqual(f.posOf(['ports', 5]), at(7, 8));
    assert.deepEqual(f.posOf(['missing']), at(2, 1));
    assert.deepEqual(f.posOf(['name', 'x']), at(2, 7));
    assert.deepEqual(f.posOf(['name', 0]), at(2, 7));
    // a key with no value: the map it is in
    assert.deepEqual(f.posOf(['tags', 'stable']), at(6, 7));
  });

  it('keyPosOf: the key in the map at a path, or the map (or value) itself', () => {
    assert.deepEqual(f.keyPosOf(['image'], 'pullPolicy'), at(5, 3));
    assert.deepEqual(f.keyPosOf([], 'ports'), at(7, 1));
    assert.deepEqual(f.keyPosOf(['image'], 'tag'), at(4, 3));
    assert.deepEqual(f.keyPosOf(['name'], 'x'), at(2, 7));
  });

  it('posInValue: the character at an offset of a string value, through quotes and escapes', () => {
    assert.deepEqual(f.posInValue(['expr'], 1), at(8, 8));
    // an offset at the end (an expression cut short) points at its last character
    assert.deepEqual(f.posInValue(['expr'], 3), at(8, 9));
    // a character written as an escape: its string's start
    assert.deepEqual(f.posInValue(['note'], 0), at(9, 7));
    assert.deepEqual(f.posInValue(['msg'], 2), at(10, 10));
    assert.deepEqual(f.posInValue(['msg'], 4), at(11, 3));
    // not a string: the value itself
    assert.deepEqual(f.posInValue(['image'], 0), at(4, 3));
  });

  it('a file with no document: every position is its top', () => {
    const empty = read('# nothing here\n');
    assert.deepEqual(empty.diagnostics, []);
    assert.equal(empty.data, null);
    assert.deepEqual([empty.posOf(['a']), empty.keyPosOf(['a'], 'b'), empty.posInValue(['a'], 2)], [at(1, 1), at(1, 1), at(1, 1)]);
  });
});
