// Command-line values mean exactly what they mean to helm: helm itself merges
// -f, --set, --set-string, --set-file, --set-json and --set-literal (real
// helm 3 and 4; no cluster needed).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { helmBin } from '../../fleet/tools.ts';
import { UsageError } from '../../src/errors.ts';
import type { ValueFlags } from '../../src/helm/argv.ts';
import { createHelm } from '../../src/helm/helm.ts';
import { helmMajors } from './support/cascade.ts';

const none: ValueFlags = { values: [], set: [], setString: [], setFile: [], setJson: [], setLiteral: [] };

for (const major of helmMajors()) {
  describe(`command-line values as helm ${major} parses them`, () => {
    const helm = createHelm({ bin: helmBin(major) });
    const dir = mkdtempSync(join(tmpdir(), 'hc-values-'));

    it('--set: commas split pairs, lists, escapes, types', async () => {
      const v = await helm.userValues({ ...none, set: ['a=1,b=2', 'list[0]=x,list[1]=y', 'dotted\\.key=v', 'flag=true', 'ver=1.4.2', 'empty=', 'nested.deep.x=3'] });
      assert.deepEqual(v, { a: 1, b: 2, list: ['x', 'y'], 'dotted.key': 'v', flag: true, ver: '1.4.2', empty: '', nested: { deep: { x: 3 } } });
    });

    it('--set-string keeps strings, --set-json takes JSON, --set-literal keeps commas, --set-file reads a file', async () => {
      const file = join(dir, 'cert.pem');
      writeFileSync(file, '-----BEGIN X-----\nabc\n');
      const v = await helm.userValues({ ...none, setString: ['port=8080'], setJson: ['obj={"k":[1,2]}'], setLiteral: ['csv=a,b,c'], setFile: [`cert=${file}`] });
      assert.deepEqual(v, { port: '8080', obj: { k: [1, 2] }, csv: 'a,b,c', cert: '-----BEGIN X-----\nabc\n' });
    });

    it('-f files merge in order, --set wins over them', async () => {
      const a = join(dir, 'a.yaml');
      const b = join(dir, 'b.yaml');
      writeFileSync(a, 'image: { tag: "1.0", repo: r }\nreplicas: 1\n');
      writeFileSync(b, 'image: { tag: "2.0" }\n');
      const v = await helm.userValues({ ...none, values: [a, b], set: ['replicas=3'] });
      assert.deepEqual(v, { image: { tag: '2.0', repo: 'r' }, replicas: 3 });
    });

    it('no flags: no helm call, no values; a malformed flag is bad input naming it', async () => {
      assert.deepEqual(await createHelm({ bin: '/nonexistent/helm' }).userValues(none), {});
      await assert.rejects(helm.userValues({ ...none, set: ['novalue'] }), (e: unknown) => e instanceof UsageError && /command-line values: .*novalue/.test(e.message));
    });

    it('a malformed value is named by its flag, not quoted', async () => {
      await assert.rejects(helm.userValues({ ...none, setJson: ['a={Q7-not-json-9x'] }), (e: unknown) => e instanceof UsageError && e.message === 'command-line values: failed parsing --set-json data a=(hidden)');
    });
  });
}
