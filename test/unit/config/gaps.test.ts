// The validation gaps closed: failoverFor cycles, alias expansion bounded by
// size, .inf/.nan refused, OCI refs checked by shape, non-UTF-8 refused at
// file:line, deep nesting a clear message, long keys shortened; and the
// value typing of the files: values files as helm reads them, a release
// file's `set:` integers exact (int64).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { helmPlainScalar } from '../../../src/config/helm-scalars.ts';
import { inSetMap, loadDeployRepo } from '../../../src/config/load.ts';
import { DEFAULT_LIMITS } from '../../../src/config/limits.ts';
import { failoverCycles } from '../../../src/config/validate.ts';
import { nestingOverLimit } from '../../../src/config/yaml-tree.ts';
import { readValuesFile } from '../../../src/config/values-file.ts';
import { formatDiagnostic, shortenLong } from '../../../src/errors.ts';
import { tempDir } from '../../support/tmp.ts';

/** A repository on disk; returns every diagnostic as file:line:col: message. */
function world(files: Record<string, string | Buffer>): { lines: string[]; load: ReturnType<typeof loadDeployRepo> } {
  const dir = tempDir('hc-gaps-');
  const all: Record<string, string | Buffer> = { 'clusters.yaml': 'clusters:\n  a: { context: ctx-a }\n', 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n', ...files };
  mkdirSync(join(dir, 'releases'), { recursive: true });
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const load = loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir });
  return { lines: load.diagnostics.map(formatDiagnostic), load };
}

const release = (extra: string) => `name: web\nnamespace: web\nchart:\n  ref: charts/web\n${extra}`;

function valuesFile(text: string | Buffer): ReturnType<typeof readValuesFile> {
  const dir = tempDir('hc-values-');
  writeFileSync(join(dir, 'v.yaml'), text);
  return readValuesFile(join(dir, 'v.yaml'), 'v.yaml', DEFAULT_LIMITS);
}

describe('failoverFor cycles', () => {
  it('a -> b -> a and a -> b -> c -> a are refused, naming the cycle once', () => {
    const two = world({ 'clusters.yaml': 'clusters:\n  a: { context: ca, failoverFor: b }\n  b: { context: cb, failoverFor: a }\n' });
    assert.deepEqual(two.lines, ['clusters.yaml:2:34: failoverFor cycle: a -> b -> a (each cluster is the failover of the next; a primary is changed before its failover, so in a cycle none can go first)']);
    const three = world({ 'clusters.yaml': 'clusters:\n  a: { context: ca, failoverFor: b }\n  b: { context: cb, failoverFor: c }\n  c: { context: cc, failoverFor: a }\n  d: { context: cd, failoverFor: a }\n' });
    assert.deepEqual(three.lines, ['clusters.yaml:2:34: failoverFor cycle: a -> b -> c -> a (each cluster is the failover of the next; a primary is changed before its failover, so in a cycle none can go first)']);
  });

  it('chains without a cycle pass', () => {
    assert.deepEqual(failoverCycles([{ name: 'a', failoverFor: 'b' }, { name: 'b', failoverFor: 'c' }, { name: 'c' }, { name: 'd', failoverFor: 'c' }]), []);
    assert.deepEqual(failoverCycles([{ name: 'x' }, { name: 'c', failoverFor: 'b' }, { name: 'b', failoverFor: 'c' }]), [['c', 'b']]);
    assert.deepEqual(failoverCycles([{ name: 'a', failoverFor: 'a' }]), []); // itself: its own message
  });
});

describe('YAML limits', () => {
  it('one large anchor aliased a few hundred times (under the alias count) is refused by the size it expands to', () => {
    const big = 'x'.repeat(100_000);
    const text = `base: &big "${big}"\n${Array.from({ length: 400 }, (_, i) => `k${i}: *big`).join('\n')}\n`;
    const r = valuesFile(text);
    assert.equal(r.values, undefined);
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), ['v.yaml:2:5: YAML: its aliases expand the file to 38.2 MiB, over the limit of 32 MiB (HELM_CASCADE_MAX_YAML_EXPANDED_BYTES); refused']);
    // the same anchor aliased a few times is fine
    assert.deepEqual(valuesFile(`base: &big "${big}"\na: *big\nb: *big\n`).diagnostics, []);
  });

  it('100 000 levels of nesting: a depth message at a position, not a stack overflow', () => {
    for (const text of [`a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, `a:\n  ${'- '.repeat(100_000)}x\n`, `a: ${'{b: '.repeat(100_000)}1${'}'.repeat(100_000)}\n`, `a: ${'['.repeat(300)}${']'.repeat(300)}\n`]) {
      const lines = valuesFile(text).diagnostics.map(formatDiagnostic);
      assert.ok(lines.length >= 1, text.slice(0, 20));
      for (const l of lines) assert.match(l, /^v\.yaml:\d+:\d+: YAML: nested more than 256 levels deep \(HELM_CASCADE_MAX_YAML_DEPTH\); refused$/);
    }
    assert.deepEqual(valuesFile(`a: ${'['.repeat(200)}${']'.repeat(200)}\n`).diagnostics, []);
  });

  it('the quick scan before parsing counts only brackets that open a collection', () => {
    const many = '['.repeat(2000);
    for (const text of [`a: "${many}"\n`, `a: '${many}'\n`, `a: x # ${many}\n`, `a: x${many}\n`, `a: [${'[1], '.repeat(2000)}]\n`]) assert.equal(nestingOverLimit(text, 10), undefined, text.slice(0, 12));
    assert.equal(nestingOverLimit(`a: ${'['.repeat(11)}`, 10), 13);
    assert.equal(nestingOverLimit(`a:\n${'- '.repeat(11)}x\n`, 10), 23);
  });

  it('bytes that are not UTF-8: refused at their line and column, never replaced', () => {
    const r = valuesFile(Buffer.concat([Buffer.from('ok: 1\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    assert.deepEqual(r.diagnostics.map(formatDiagnostic), ['v.yaml:2:10: not UTF-8 text: byte 0xE9 here does not start a UTF-8 character (save the file as UTF-8)']);
    const rel = world({ 'releases/web.yaml': Buffer.concat([Buffer.from(release('set:\n  a: "')), Buffer.from([0xc3, 0x28]), Buffer.from('"\n')]) });
    assert.deepEqual(rel.lines, ['releases/web.yaml:6:7: not UTF-8 text: byte 0xC3 here does not start a UTF-8 character (save the file as UTF-8)']);
  });

  it('.inf and .nan are refused where they are (not replaced by a default)', () => {
    assert.deepEqual(world({ 'clusters.yaml': 'clusters:\n  a: { context: ctx-a }\nhealth:\n  maxRestarts: .inf\n' }).lines, ['clusters.yaml:4:16: health.maxRestarts: .inf is not a value helm-cascade or helm can use (JSON has no infinity or NaN)']);
    assert.deepEqual(valuesFile('a:\n  b: [1, .nan]\n').diagnostics.map(formatDiagnostic), ['v.yaml:2:10: a.b[1]: .nan is not a value helm-cascade or helm can use (JSON has no infinity or NaN)']);
    assert.deepEqual(world({ 'releases/web.yaml': release('set: { ratio: -.inf }\n') }).lines, ['releases/web.yaml:5:15: set.ratio: .inf is not a value helm-cascade or helm can use (JSON has no infinity or NaN)']);
  });

  it('an unknown 100 KB key is named, not printed whole', () => {
    const key = `k${'e'.repeat(100_000)}`;
    const { lines } = world({ 'clusters.yaml': `clusters:\n  a: { context: ctx-a }\n? ${key}\n: 1\n` });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.length < 400, lines[0]!.slice(0, 400));
    assert.match(lines[0]!, /^clusters\.yaml:3:3: unknown key "keeee.*\.\.\." \(100003 characters\) in the file/);
    assert.equal(shortenLong('short "words" stay'), 'short "words" stay');
    // a plain key that long is a syntax error of its own, said in words (not cut at its first colon)
    assert.deepEqual(world({ 'clusters.yaml': `clusters:\n  a: { context: ctx-a }\n${key}: 1\n` }).lines, ['clusters.yaml:3:1: YAML syntax: a key over 1024 characters (a plain key must be shorter; write a longer one as an explicit "? key")']);
  });
});

describe('OCI refs by shape', () => {
  it('oci:// alone, a double slash, a space, a tag, upper case: refused at chart.ref', () => {
    const refs: [string, string][] = [
      ['oci://', 'no registry and no chart after oci://'],
      ['"oci://host//my chart:1.0"', 'a space in it'],
      ['oci://host//charts/web', 'an empty path segment ("//")'],
      ['oci://registry.example.com', 'no repository path after the registry host (oci://HOST/PATH/CHART)'],
      ['oci://registry.example.com/charts/web:1.0.0', 'a tag or digest in it: give the version in chart.version'],
      ['oci://registry.example.com/Charts/Web', 'upper-case letters in the repository path (OCI names are lower case)'],
    ];
    for (const [ref, why] of refs) {
      const { lines } = world({ 'releases/web.yaml': `name: web\nnamespace: web\nchart:\n  ref: ${ref}\n  version: 1.0.0\n` });
      assert.deepEqual(lines, [`releases/web.yaml:4:8: chart ref ${JSON.stringify(JSON.parse(ref.startsWith('"') ? ref : JSON.stringify(ref)))}: not a valid OCI reference: ${why}`], ref);
    }
    for (const ok of ['oci://registry.example.com/charts/account-service', 'oci://127.0.0.1:5000/charts/web', 'oci://localhost:5000/a/b_c/d-e']) {
      assert.deepEqual(world({ 'releases/web.yaml': `name: web\nnamespace: web\nchart:\n  ref: ${ok}\n  version: 1.0.0\n` }).lines, [], ok);
    }
  });
});

describe('value typing of the files', () => {
  it('a values file scalar means what it means to helm', () => {
    const cases: [string, unknown][] = [
      ['yes', true], ['On', true], ['y', true], ['N', false], ['off', false], ['~', null], ['', null], ['Null', null],
      ['0777', 511], ['0x1F', 31], ['0o17', 15], ['0b101', 5], ['1_000', 1000], ['+5', 5], ['-0b11', -3], ['08', 8], ['1e3', 1000], ['.5', 0.5], ['-.5', -0.5],
      ['20240101', 20240101], ['18446744073709551615', 18446744073709551615], ['0x1FFFFFFFFFFFFFFFF', '0x1FFFFFFFFFFFFFFFF'], ['1e400', '1e400'],
      ['2001-12-14', '2001-12-14'], ['1:30', '1:30'], ['nan', 'nan'], ['yes please', 'yes please'], ['Yes.', 'Yes.'], ['0x', '0x'],
    ];
    for (const [text, want] of cases) assert.deepEqual(helmPlainScalar(text), want, text);
    assert.ok(Number.isNaN(helmPlainScalar('.NaN')));
    assert.equal(helmPlainScalar('-.Inf'), Number.NEGATIVE_INFINITY);
  });

  it('values files: keys resolved too, quoted and block scalars stay strings, merge keys merge', () => {
    const r = valuesFile('y: 1\n1: one\nq: "yes"\nb: |\n  on\nbase: &b { x: 1 }\nm:\n  <<: *b\n  y2: 2\n');
    assert.deepEqual(r.values, { true: 1, 1: 'one', q: 'yes', b: 'on\n', base: { x: 1 }, m: { x: 1, y2: 2 } });
  });

  it("a release file's set: keeps integers exact (helm's int64); numbers elsewhere stay numbers", () => {
    const { load, lines } = world({ 'releases/web.yaml': release('set:\n  build: 20240101\n  id: 9007199254740993\n  ratio: 1.5\n  big: 0x10\ntracks: {}\nhealth: { minReadyEndpoints: 2 }\nclusters:\n  a:\n    set: { replicas: 1000000 }\n') });
    assert.deepEqual(lines, []);
    const rel = load.repo!.releases[0]!;
    assert.deepEqual(rel.base.set, { build: 20240101n, id: 9007199254740993n, ratio: 1.5, big: 16n });
    assert.deepEqual(rel.clusters[0]!.set, { replicas: 1000000n });
    assert.equal(rel.health.minReadyEndpoints, 2);
  });

  it('an integer past int64 in set: is refused (quote it for a string)', () => {
    assert.deepEqual(world({ 'releases/web.yaml': release('set: { huge: 99999999999999999999 }\n') }).lines, ['releases/web.yaml:5:14: set.huge: 99999999999999999999 is outside the 64-bit integers helm keeps (-9223372036854775808 to 9223372036854775807); quote it to pass a string']);
  });

  it('which paths of a release file are inside a set: map', () => {
    for (const p of [['set', 'a'], ['set', 'a', 'b', 0], ['tracks', 'x', 'set', 'a'], ['clusters', 'gke-*', 'set', 'a'], ['clusters', 'c', 'tracks', 't', 'set', 'a']]) assert.equal(inSetMap(p), true, p.join('.'));
    for (const p of [['set'], ['health', 'maxRestarts'], ['tracks', 'x', 'values', 0], ['clusters', 'c', 'tracks', 't', 'values'], ['clusters', 'set', 'a'], ['tracks', 'set', 'x']]) assert.equal(inSetMap(p), false, p.join('.'));
  });
});
