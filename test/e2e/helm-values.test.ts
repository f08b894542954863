// Values exactly as helm puts them (real helm 3 and 4; no cluster needed):
//   - the command line's -f, --set, --set-string, --set-file, --set-json and
//     --set-literal are merged over a unit's values by helm itself, with its
//     types (int64 vs float64), list-index merges, escapes and nulls;
//   - a values file's scalars mean what they mean to helm (yes is true, 0777
//     is 511, every number a float64), checked against helm's own reading;
//   - the int64s of the final values reach the chart as int64s (rendered as
//     20240101, never 2.0240101e+07), through the same argv the plan uses.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin } from '../../fleet/tools.ts';
import { readValuesFile } from '../../src/config/values-file.ts';
import { DEFAULT_LIMITS } from '../../src/config/limits.ts';
import { UsageError } from '../../src/errors.ts';
import type { ValueFlags } from '../../src/helm/argv.ts';
import { createHelm } from '../../src/helm/helm.ts';
import type { Values } from '../../src/model/json.ts';
import { withCommandLine } from '../../src/plan/command-line-values.ts';
import { mergeValues } from '../../src/plan/values.ts';
import { helmMajors } from './support/cascade.ts';
import { tempDir } from '../support/tmp.ts';

const none: ValueFlags = { values: [], set: [], setString: [], setFile: [], setJson: [], setLiteral: [] };

/** A chart whose one template prints each value's Go kind and how `{{ .Values.x }}` prints it. */
function printingChart(dir: string): string {
  const chart = join(dir, 'printer');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: printer\nversion: 1.0.0\n');
  writeFileSync(join(chart, 'templates', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: printer\ndata:\n{{- range $k, $v := .Values }}\n  {{ $k }}: {{ printf "%s %v" (kindOf $v) $v | quote }}\n{{- end }}\n');
  return chart;
}

/** The scalars that differ between YAML 1.2 and helm's reading, one per key. */
const TRICKY = [
  'b_yes: yes', 'b_no: no', 'b_on: on', 'b_off: off', 'b_y: y', 'b_N: N', 'b_True: True', 'b_FALSE: FALSE',
  'n_tilde: ~', 'n_empty:', 'i_octal: 0777', 'i_hex: 0x1F', 'i_o: 0o17', 'i_bin: 0b101', 'i_under: 1_000', 'i_plus: +5',
  'i_big: 9007199254740993', 'i_date: 20240101', 'i_u64: 18446744073709551615', 'f_exp: 1e3', 'f_dot: .5', 'f_one: 1.0',
  'f_08: 08', 's_date: 2001-12-14', 's_sexa: 1:30', 's_nan: nan', 's_quoted: "yes"', 's_block: |\n  on', 'y: key y', '0x10: hex key',
];

for (const major of helmMajors()) {
  describe(`values as helm ${major} puts them`, () => {
    const bin = helmBin(major);
    const helm = createHelm({ bin });
    const dir = tempDir('hc-values-');
    const printer = printingChart(dir);
    const render = async (args: string[]) => {
      const r = await execa(bin, ['template', 'p', printer, ...args], { reject: false });
      assert.equal(r.exitCode, 0, r.stderr);
      return String(r.stdout);
    };

    it('a values file: every scalar as helm reads it (kinds and printed form agree with helm itself)', async () => {
      const file = join(dir, 'tricky.yaml');
      writeFileSync(file, `${TRICKY.join('\n')}\n`);
      const ours = readValuesFile(file, 'tricky.yaml', DEFAULT_LIMITS);
      assert.deepEqual(ours.diagnostics, []);
      // what helm renders from the file itself, and from our reading of it piped as JSON (what the plan does)
      const fromFile = await render(['-f', file]);
      const piped = await execa(bin, ['template', 'p', printer, '-f', '-'], { input: JSON.stringify(ours.values), reject: false });
      assert.equal(piped.exitCode, 0, piped.stderr);
      assert.equal(String(piped.stdout), fromFile);
      assert.match(fromFile, /b_yes: "bool true"/);
      assert.match(fromFile, /i_octal: "float64 511"/);
      assert.match(fromFile, /i_date: "float64 2.0240101e\+07"/);
      assert.match(fromFile, /"true": "string key y"|true: "string key y"/);
    });

    it('--set keeps integers int64 and merges list indexes into the lists below it', async () => {
      const base = mergeValues([{ source: 'values/app.yaml', values: { ingress: { hosts: [{ host: 'a.example.com', paths: ['/'] }] }, image: { tag: 'old' }, build: 20240101n } }]);
      const got = await withCommandLine(base, (b) => helm.mergeValueFlags(b, { ...none, set: ['image.tag=20240101,replicas=1000000', 'ingress.hosts[0].host=x', 'id=9007199254740993', 'ver=1.4.2', 'flag=true', 'gone=null', 'dotted\\.key=v'] }));
      assert.deepEqual(got.values, {
        ingress: { hosts: [{ host: 'x', paths: ['/'] }] },
        image: { tag: 20240101n },
        build: 20240101n,
        replicas: 1000000n,
        id: 9007199254740993n,
        ver: '1.4.2',
        flag: true,
        gone: null,
        'dotted.key': 'v',
      });
      const origin = (p: string) => got.origins.find((o) => o.path === p)?.source;
      assert.equal(origin('build'), 'values/app.yaml');
      assert.equal(origin('image.tag'), 'command line (-f/--set)');
      assert.equal(origin('ingress.hosts'), 'command line (-f/--set)');
    });

    it('--set-string, --set-json, --set-literal, --set-file and -f as helm applies them', async () => {
      const cert = join(dir, 'cert.pem');
      writeFileSync(cert, '-----BEGIN X-----\nabc\n');
      const over = join(dir, 'over.yaml');
      writeFileSync(over, 'image: { repo: r2 }\nport: 8080\nenabled: yes\n');
      const base = mergeValues([{ source: 'values/app.yaml', values: { image: { tag: '1', repo: 'r' }, keep: 'k' } }]);
      const flags = { ...none, values: [over], setString: ['port=8080'], setJson: ['obj={"k":[1,2]}'], setLiteral: ['csv=a,b,c'], setFile: [`cert=${cert}`] };
      const got = await withCommandLine(base, (b) => helm.mergeValueFlags(b, flags));
      assert.deepEqual(got.values, { image: { tag: '1', repo: 'r2' }, keep: 'k', port: '8080', enabled: true, obj: { k: [1, 2] }, csv: 'a,b,c', cert: '-----BEGIN X-----\nabc\n' });
      // -f's and --set-json's numbers are float64 (numbers), as helm has them
      assert.equal(typeof (got.values.obj as { k: unknown[] }).k[0], 'number');
    });

    it('the final values reach the chart with their kinds: what `helm template` with the same flags renders', async () => {
      const values = join(dir, 'app.yaml');
      writeFileSync(values, 'ingress:\n  hosts:\n    - host: a.example.com\n      paths: ["/"]\nratio: 1000000\n');
      const flags = ['--set', 'image.tag=20240101,replicas=1000000', '--set', 'ingress.hosts[0].host=x', '--set', 'id=9007199254740993'];
      const direct = await render(['-f', values, ...flags]);
      const file = readValuesFile(values, 'app.yaml', DEFAULT_LIMITS).values!;
      const merged = await withCommandLine(mergeValues([{ source: 'app.yaml', values: file }]), (b) => helm.mergeValueFlags(b, { ...none, set: flags.filter((_f, i) => i % 2 === 1) }));
      const viaPlan = await helm.template({ releaseName: 'p', namespace: 'default', chart: printer, values: merged.values });
      const body = (t: string) => t.slice(t.indexOf('data:')).trim();
      assert.equal(body(viaPlan), body(direct));
      assert.match(direct, /replicas: "int64 1000000"/);
      assert.match(direct, /ratio: "float64 1e\+06"/);
      assert.match(direct, /id: "int64 9007199254740993"/);
    });

    it('a malformed flag is bad input naming the flag and its key, never its value', async () => {
      // helm 3 refuses an unclosed index; helm 4 reads nothing from it: either way it is named
      await assert.rejects(helm.checkValueFlags({ ...none, set: ['a=1', 'ingress.hosts[0'] }), (e: unknown) => e instanceof UsageError && /^--set "ingress\.hosts\[0": (error parsing index: EOF|sets no value)/.test(e.message));
      await assert.rejects(helm.checkValueFlags({ ...none, set: ['novalue'] }), (e: unknown) => e instanceof UsageError && e.message.startsWith('--set "novalue": '));
      await assert.rejects(helm.checkValueFlags({ ...none, setJson: ['a={Q7-not-json-9x'] }), (e: unknown) => e instanceof UsageError && /^--set-json "a=\(hidden\)": /.test(e.message) && !e.message.includes('Q7'));
      await assert.rejects(helm.checkValueFlags({ ...none, setFile: [`k=${join(dir, 'absent.pem')}`] }), (e: unknown) => e instanceof UsageError && e.message.startsWith(`--set-file k=${join(dir, 'absent.pem')}: `));
      // only wrong together: the flag that breaks it is named
      await assert.rejects(helm.checkValueFlags({ ...none, set: ['a=1', 'b=2', 'a.b=3'] }), (e: unknown) => e instanceof UsageError && e.message.startsWith('--set "a.b=(hidden)": '));
      // wrong only over a unit's values: named when the unit is rendered
      await assert.rejects(helm.mergeValueFlags({ image: { tag: 'x' } }, { ...none, set: ['replicas=2', 'image.tag.major=3'] }), (e: unknown) => e instanceof UsageError && e.message.startsWith('--set "image.tag.major=(hidden)": '));
      await helm.checkValueFlags({ ...none, set: ['a=1,b[0].c=2'], setString: ['s=1'], setJson: ['j={"k":1}'], setLiteral: ['l=a,b'] });
    });

    it('no flags: the base as it is, no helm call', async () => {
      const base: Values = { a: 1n };
      assert.equal(await createHelm({ bin: '/nonexistent/helm' }).mergeValueFlags(base, none), base);
    });
  });
}
