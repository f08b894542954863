import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Values } from '../../../src/model/json.ts';
import { COMMAND_LINE_SOURCE, withCommandLine } from '../../../src/plan/command-line-values.ts';
import { mergeValues } from '../../../src/plan/values.ts';

/**
 * A stand-in for helm's merge of the value flags: it reads the base as helm
 * reads `-f -` (JSON, where every number is a float64), then lets `set`
 * change that tree as the flags would.
 */
function fakeHelm(set: (v: Values) => void, seen: Values[] = []): (base: Values) => Promise<Values> {
  return async (base) => {
    seen.push(base);
    const read = JSON.parse(JSON.stringify(base, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x))) as Values;
    set(read);
    return read;
  };
}

const repository = () =>
  mergeValues([{ source: 'values/app.yaml', values: { build: 9007199254740993n, image: { tag: 'old', pullPolicy: 'IfNotPresent' }, ratio: 1.5, flag: true, gone: null, ports: [80, 81], empty: {} } }]);

describe('withCommandLine', () => {
  it('the repository\'s values come back as they were (an int64 stays exact), the command line\'s merged in', async () => {
    const got = await withCommandLine(repository(), fakeHelm((v) => {
      (v.image as Values).tag = 'new';
      (v.ports as unknown[])[0] = 8443;
      v.added = 'by-set';
    }));
    assert.deepEqual(got.values, { build: 9007199254740993n, image: { tag: 'new', pullPolicy: 'IfNotPresent' }, ratio: 1.5, flag: true, gone: null, ports: [8443, 81], empty: {}, added: 'by-set' });
  });
  it('every leaf has its origin, sorted by path: the command line wherever helm changed or added it', async () => {
    const got = await withCommandLine(repository(), fakeHelm((v) => {
      (v.image as Values).tag = 'new';
      (v.ports as unknown[])[0] = 8443;
      v.added = 'by-set';
    }));
    assert.deepEqual(got.origins, [
      { path: 'added', value: 'by-set', source: COMMAND_LINE_SOURCE },
      { path: 'build', value: 9007199254740993n, source: 'values/app.yaml' },
      { path: 'empty', value: {}, source: 'values/app.yaml' },
      { path: 'flag', value: true, source: 'values/app.yaml' },
      { path: 'gone', value: null, source: 'values/app.yaml' },
      { path: 'image.pullPolicy', value: 'IfNotPresent', source: 'values/app.yaml' },
      { path: 'image.tag', value: 'new', source: COMMAND_LINE_SOURCE },
      { path: 'ports', value: [8443, 81], source: COMMAND_LINE_SOURCE },
      { path: 'ratio', value: 1.5, source: 'values/app.yaml' },
    ]);
  });
  it('helm is given every scalar as a marker string of its own; nulls, empty maps and lists keep their shape', async () => {
    const seen: Values[] = [];
    await withCommandLine(repository(), fakeHelm(() => {}, seen));
    const base = seen[0]!;
    assert.equal(base.gone, null);
    assert.deepEqual(base.empty, {});
    assert.ok(Array.isArray(base.ports) && base.ports.length === 2);
    const scalars = [base.build, (base.image as Values).tag, (base.image as Values).pullPolicy, base.ratio, base.flag, ...(base.ports as unknown[])];
    for (const s of scalars) assert.equal(typeof s, 'string');
    assert.equal(new Set(scalars).size, scalars.length);
    for (const original of ['old', 'IfNotPresent']) assert.ok(!scalars.includes(original));
  });
  it('nothing set: the values and their sources as the repository gave them', async () => {
    const merged = repository();
    const got = await withCommandLine(merged, fakeHelm(() => {}));
    assert.deepEqual(got, merged);
  });
});
