// A values file as plan reads it and validate checks it: empty is no values,
// anything but a map is refused at file:line:col, naming only its type and size.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_LIMITS } from '../../../src/config/limits.ts';
import { readValuesFile } from '../../../src/config/values-file.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { tempDir } from '../../support/tmp.ts';

function read(text: string): { values: unknown; lines: string[] } {
  const dir = tempDir('hc-values-file-');
  writeFileSync(join(dir, 'v.yaml'), text);
  const r = readValuesFile(join(dir, 'v.yaml'), 'values/v.yaml', DEFAULT_LIMITS);
  return { values: r.values, lines: r.diagnostics.map(formatDiagnostic) };
}

describe('values files', () => {
  it('an empty file, a comment only, or a null document is no values', () => {
    for (const text of ['', '# nothing yet\n', '~\n', 'null\n', '---\n']) assert.deepEqual(read(text), { values: {}, lines: [] }, JSON.stringify(text));
  });

  it('a map is the values', () => {
    assert.deepEqual(read('replicas: 2\nimage: { tag: v1 }\n'), { values: { replicas: 2, image: { tag: 'v1' } }, lines: [] });
  });

  it('anything but a map is refused where the document starts, by type and size only', () => {
    assert.deepEqual(read('- a\n- b\n'), { values: undefined, lines: ['values/v.yaml:1:1: a values file must be a map, got a list (2 items)'] });
    assert.deepEqual(read('# header\nsecret-text\n'), { values: undefined, lines: ['values/v.yaml:2:1: a values file must be a map, got a string (11 bytes)'] });
    assert.deepEqual(read('yes\n'), { values: undefined, lines: ['values/v.yaml:1:1: a values file must be a map, got true or false'] });
    assert.deepEqual(read('0x10\n'), { values: undefined, lines: ['values/v.yaml:1:1: a values file must be a map, got a whole number'] });
  });

  it('a file that does not parse has only its parse problem', () => {
    assert.deepEqual(read('a: 1\na: 2\n'), { values: undefined, lines: ['values/v.yaml:2:1: YAML syntax: Map keys must be unique'] });
  });
});
