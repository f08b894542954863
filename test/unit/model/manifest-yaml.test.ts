// The fast manifest reader (js-yaml) against the `yaml` library it stands in
// for: on every plain YAML file of the vendored public charts (values, CRDs:
// material we did not write, test/charts/README.md) and on every scalar form
// of YAML 1.1, both give the same values and the same document texts (up to
// trailing blanks), or the
// fast reader gives up and `yaml` reads the text.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fastDocuments } from '../../../src/model/manifest-yaml.ts';
import { renderedObjects, yamlDocuments } from '../../../src/model/manifest.ts';

const CHARTS = join(import.meta.dirname, '../../charts');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'templates' ? [] : yamlFiles(p);
    return /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

/** Both readers on one text: equal when the fast one reads it; whether it did. */
function agree(text: string, what: string): boolean {
  const fast = fastDocuments(text);
  if (fast === undefined) return false;
  const slow = yamlDocuments(text);
  assert.equal(fast.length, slow.length, `${what}: number of documents`);
  fast.forEach((d, i) => {
    assert.equal(slow[i]!.error, undefined, `${what}: yaml refused document ${i}, js-yaml read it`);
    // yaml ends a document's range after its last node (without the newline of an empty last value); the fast reader at the next ---
    assert.equal(d.text.trimEnd(), slow[i]!.text.trimEnd(), `${what}: text of document ${i}`);
    assert.deepStrictEqual(d.js, slow[i]!.js, `${what}: value of document ${i}`);
  });
  return true;
}

describe('fast manifest reader', () => {
  it("reads the public charts' values and CRDs as the yaml library does", () => {
    const files = yamlFiles(CHARTS);
    assert.ok(files.length >= 50, `only ${files.length} files`);
    const read = files.filter((f) => {
      const text = readFileSync(f, 'utf8');
      return agree(text.startsWith('---') ? text : `---\n${text}`, relative(CHARTS, f));
    });
    // not a check that passes by giving up: nearly all of them are read by js-yaml
    assert.ok(read.length >= files.length * 0.9, `js-yaml read ${read.length} of ${files.length}`);
  });

  it('reads every scalar form of YAML 1.1 as the yaml library does, as a value, a key and a list item', () => {
    const forms = ['yes', 'Yes', 'YES', 'y', 'Y', 'n', 'N', 'no', 'NO', 'on', 'On', 'OFF', 'off', 'true', 'False', 'TRUE', '~', 'null', 'Null', 'NULL', '', '0644', '0o644', '0x1F', '0xff_ff', '0b101', '0b1_0', '1_000', '190:20:30', '1:20', '-1:30', '1:20.5', '+12', '-0', '0', '00', '08', '0_', '09.5', '1e3', '1E3', '1.0e+3', '+1.5e3', '1.5E-3', '6.8523015e+5', '685.230_15e+03', '685_230.15', '.5', '5.', '-.5', '0.', '.inf', '-.Inf', '+.INF', '.NaN', '.nan', '.NAN', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2002-12-14T21:59:43Z', '12345678901234567890', '9007199254740993', '=', '1,000', '1__2', '1.2.3', '123abc', '0b', '0x', '0b2', '0x1g', 'e3', 'E5', 'e', '.', '-.', '+e1', '.e1', '._', '_1', 'a b', 'http://x:1/y', '"yes"', "'0644'", '"\\u00e9\\t"', "'it''s'", '[1, yes, 0644, ~]', '{a: on, b: 1e3}'];
    for (const f of forms) {
      assert.ok(agree(`---\n# Source: c/t.yaml\nk: ${f}\n`, `value ${f}`), `js-yaml gave up on the value ${f}`);
      assert.ok(agree(`---\nl:\n- ${f}\n- x\n`, `list item ${f}`), `js-yaml gave up on the list item ${f}`);
      // a key: those the yaml library makes into a timestamp (a Date key) or a collection are left to it
      if (!/^\d{4}-|^[[{]/.test(f)) assert.ok(agree(`---\n${f}: v\n`, `key ${f}`), `js-yaml gave up on the key ${f}`);
    }
  });

  it('agrees on scalars made of any printable first character and the tails of every YAML 1.1 form', () => {
    // the fast reader tries a tag only on the first characters its forms can have: a character left out would read as a string
    const tails = ['', '3', '.5', 'e3', '.inf', 'ull', 'es', 'rue', 'alse', 'n', 'ff', '0', 'x1F', 'b1', '1:30', '001-12-14', '_1'];
    let read = 0;
    for (let c = 0x21; c < 0x7f; c++) {
      for (const tail of tails) {
        const v = String.fromCharCode(c) + tail;
        if (agree(`---\nk: ${v}\n`, `value ${v}`)) read++;
      }
    }
    assert.ok(read > 1000, `js-yaml read only ${read}`);
  });

  it('keeps each document text from its --- to the next, as helm sends it', () => {
    const text = '---\n# Source: a/x.yaml\napiVersion: v1\nkind: A\nmetadata: {name: x}\n---\n# Source: a/y.yaml\n# note\napiVersion: v1\nkind: B\nmetadata: {name: yy}\ndata:\n  s: |\n    ---not a marker\n    --- indented\n\n\n--- \n# Source: a/z.yaml\nkind: C\nmetadata: {name: z}\n---\n';
    assert.ok(agree(text, 'three documents'));
    assert.deepEqual(
      fastDocuments(text)!.map((d) => d.text.split('\n')[1]),
      ['# Source: a/x.yaml', '# Source: a/y.yaml', '# Source: a/z.yaml', ''],
    );
    assert.deepEqual(
      renderedObjects(text, 'ns').map((o) => [o.kind, o.source]),
      [['A', 'a/x.yaml'], ['B', 'a/y.yaml'], ['C', 'a/z.yaml']],
    );
  });

  it('anchors, aliases, merge keys, block scalars, quoting and CRLF read the same', () => {
    const cases = [
      '---\nbase: &b {a: 1, b: 2}\nx:\n  <<: *b\n  c: 3\nz: [*b, *b]\n',
      '---\nbase: &b {a: 1}\nm: &m {b: 2}\ny:\n  <<: [*b, *m]\n  c: 3\n',
      '---\nlit: |\n  one\n  two\nfold: >-\n  a\n  b\n\n  c\nkeep: |+\n  x\n\nstrip: |-\n  y\nindented: |2\n    z\n',
      '---\nd: "a\\nb\\x41\\u263A"\ns: \'a\n  b\'\np: plain\n  continued\n',
      '---\r\na: 1\r\nb:\r\n  - yes\r\n---\r\nc: d\r\n',
      '---\nempty:\nlist: []\nmap: {}\nnested: [[1, [2]], {a: [b]}]\n',
      '---\n? complex\n: value\n"quoted key": 1\n\'0644\': octal key quoted\n',
      '---\n__proto__: {polluted: true}\nconstructor: x\n',
    ];
    for (const c of cases) assert.ok(agree(c, JSON.stringify(c)), `js-yaml gave up on ${JSON.stringify(c)}`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('gives up where it could read differently, and yaml reads the text', () => {
    const left = {
      'an explicit binary tag': '---\na: !!binary aGVsbG8=\n',
      'a local tag': '---\na: !thing x\n',
      'an explicit int tag': '---\na: !!int "12"\n',
      'a duplicate key': '---\na: 1\na: 2\n',
      'a complex key': '---\n[1, 2]: d\n',
      'a timestamp key': '---\n2001-12-14: d\n',
      'a directive': '%YAML 1.1\n---\na: 1\n',
      'a document end': '---\na: 1\n...\n---\nb: 2\n',
      'no leading marker': 'a: 1\n',
      'a scalar that starts like a marker': '---foo: 1\n',
      'four dashes': '----\na: 1\n',
      'invalid YAML': '---\na: [1\n',
      'deeper than 100': `---\n${'['.repeat(150)}${']'.repeat(150)}\n`,
    };
    for (const [what, text] of Object.entries(left)) {
      assert.equal(fastDocuments(text), undefined, what);
      // the manifest reader still reads (or refuses) it, through yaml
      assert.deepEqual(
        (() => {
          try {
            return renderedObjects(text, 'ns', { skipInvalid: true }).length;
          } catch (err) {
            return String(err);
          }
        })(),
        yamlDocuments(text).filter((d) => d.error === undefined && typeof d.js === 'object' && d.js !== null && !Array.isArray(d.js) && 'kind' in d.js).length,
        what,
      );
    }
  });
});
