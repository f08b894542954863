// Hostile deploy repositories, as a pull request could make them, run through
// the CLI as Jenkins runs it (a subprocess; no cluster needed: every one is
// refused while the files are read, before any cluster is called). For each:
// exit 4, the problem named at file:line:col, and no byte of the outside
// file's content (a unique marker) in stdout, stderr, or the reports.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { tempDir } from '../support/tmp.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'helm-cascade.js');
const MARKER = `HOSTILE-${process.pid}-c0ffee-MARKER`;

const CLUSTERS = 'clusters:\n  a: { context: ctx-a }\n';
const release = (extra: string, ref = 'charts/web') => `name: web\nnamespace: web\nchart:\n  ref: ${ref}\n${extra}`;

/** A temp folder: repo/ (clusters.yaml, releases/web.yaml, charts/web) and outside/secret.yaml holding the marker. */
const made: string[] = [];
after(() => {
  for (const b of made) rmSync(b, { recursive: true, force: true });
});

function hostile(files: Record<string, string>, setup?: (base: string) => void): string {
  const base = tempDir('hc-hostile-');
  made.push(base);
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.yaml'), `${MARKER}: ${MARKER}\n`);
  writeFileSync(join(base, 'outside', 'Chart.yaml'), `apiVersion: v2\nname: ${MARKER}\nversion: 1.0.0\n`);
  const all = { 'clusters.yaml': CLUSTERS, 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n', ...files };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(join(base, 'repo', name, '..'), { recursive: true });
    writeFileSync(join(base, 'repo', name), text.replaceAll('BASE', base));
  }
  mkdirSync(join(base, 'repo', 'releases'), { recursive: true });
  setup?.(base);
  return base;
}

/** validate, plan -o json, apply --junit -o json and drift in every format: each exits 4 with `expected` on stderr and no marker anywhere. */
async function refusedEverywhere(base: string, expected: string, extra: string[] = []): Promise<void> {
  const repo = join(base, 'repo');
  const reports = join(base, 'reports');
  mkdirSync(reports, { recursive: true });
  const env = { NO_COLOR: '1', KUBECONFIG: join(base, 'no-such-kubeconfig'), CI: '1' };
  const runs = [
    ['validate', ...extra],
    ['plan', '-o', 'json', '--explain', ...extra],
    ['apply', '--yes', '-o', 'json', '--junit', join(reports, 'apply.xml'), ...extra],
    ['drift', '--format', `text,json=${join(reports, 'drift.json')},junit=${join(reports, 'drift.xml')},markdown=${join(reports, 'drift.md')},html=${join(reports, 'drift.html')}`, ...extra],
  ];
  for (const args of runs) {
    const r = await execa(process.execPath, [bin, ...args], { cwd: repo, reject: false, env });
    assert.equal(r.exitCode, 4, `${args[0]}: exit ${r.exitCode}\n${r.stderr}`);
    assert.ok(r.stderr.split('\n').includes(expected), `${args[0]}: expected line\n${expected}\ngot:\n${r.stderr}`);
    assert.match(r.stderr, /problems? found; nothing was touched\.$/m);
    for (const out of [r.stdout, r.stderr]) assert.ok(!out.includes(MARKER), `${args[0]} printed the marker`);
  }
  // refused before anything ran: none of the reports asked for was written (so none can hold the marker)
  assert.deepEqual(readdirSync(reports), [], 'a refused run wrote a report');
}

const outside = (what: string, path: string, via = '') => `leads outside the deploy repository${via} (paths must stay inside the folder holding clusters.yaml); nothing was read`.replace(/^/, `${what} ${JSON.stringify(path)} `);

describe('hostile repositories (CLI, no cluster)', () => {
  it('a values file up and out of the repository (relative)', async () => {
    const base = hostile({ 'releases/web.yaml': release('values: [../outside/secret.yaml]\n') });
    await refusedEverywhere(base, `releases/web.yaml:5:10: ${outside('values file', '../outside/secret.yaml')}`);
  });

  it('a values file by absolute path', async () => {
    const base = hostile({ 'releases/web.yaml': release('values: [BASE/outside/secret.yaml]\n') });
    await refusedEverywhere(base, `releases/web.yaml:5:10: ${outside('values file', `${base}/outside/secret.yaml`)}`);
  });

  it('a values file that is a symlink out', async () => {
    const base = hostile({ 'releases/web.yaml': release('values: [values/shared.yaml]\n') }, (b) => {
      mkdirSync(join(b, 'repo', 'values'));
      symlinkSync(join(b, 'outside', 'secret.yaml'), join(b, 'repo', 'values', 'shared.yaml'));
    });
    await refusedEverywhere(base, `releases/web.yaml:5:10: ${outside('values file', 'values/shared.yaml', ' through a symlink')}`);
  });

  it('a local chart outside (relative) and through a symlink', async () => {
    const rel = hostile({ 'releases/web.yaml': release('', '../outside') });
    await refusedEverywhere(rel, `releases/web.yaml:4:8: ${outside('chart folder', '../outside')}`);
    const link = hostile({ 'releases/web.yaml': release('', 'charts/linked') }, (b) => symlinkSync(join(b, 'outside'), join(b, 'repo', 'charts', 'linked')));
    await refusedEverywhere(link, `releases/web.yaml:4:8: ${outside('chart folder', 'charts/linked', ' through a symlink')}`);
  });

  it('a release file that is a symlink to a file elsewhere on the machine', async () => {
    const base = hostile({}, (b) => symlinkSync(join(b, 'outside', 'secret.yaml'), join(b, 'repo', 'releases', 'evil.yaml')));
    await refusedEverywhere(base, `releases/evil.yaml:1:1: ${outside('release file', 'releases/evil.yaml', ' through a symlink')}`);
  });

  it('--releases pointing outside the repository', async () => {
    const base = hostile({});
    await refusedEverywhere(base, `${base}/outside:1:1: ${outside('the releases folder', '../outside')}`, ['--releases', '../outside']);
  });

  it('a YAML alias bomb in a values file', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [i, c] of [...'bcdefghi'].entries()) lines.push(`${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`);
    const base = hostile({ 'releases/web.yaml': release('values: [values/bomb.yaml]\n'), 'values/bomb.yaml': `# ${MARKER}\n${lines.join('\n')}\n` });
    await refusedEverywhere(base, 'values/bomb.yaml:3:8: YAML: more than 1000 alias expansions (HELM_CASCADE_MAX_YAML_ALIASES); refused as an alias bomb');
  });

  it('a 50 MB values file', async () => {
    const base = hostile({ 'releases/web.yaml': release('values: [values/big.yaml]\n') }, (b) => {
      mkdirSync(join(b, 'repo', 'values'));
      writeFileSync(join(b, 'repo', 'values', 'big.yaml'), `big: "${MARKER}${'x'.repeat(50 * 1024 * 1024)}"\n`);
    });
    await refusedEverywhere(base, 'values/big.yaml:1:1: file is 50.0 MiB, over the limit of 10 MiB per file (HELM_CASCADE_MAX_FILE_BYTES); nothing was parsed');
  });

  it('a release file that is not a map names its type and size, not its text', async () => {
    const base = hostile({ 'releases/web.yaml': `"${MARKER}"\n` });
    await refusedEverywhere(base, `releases/web.yaml:1:1: the file must be a map, got a string (${Buffer.byteLength(MARKER)} bytes)`);
  });
});

describe('--allow-root, and clusters.yaml itself', () => {
  it('--allow-root lets values come from a folder outside the repository', async () => {
    const base = hostile({ 'releases/web.yaml': release('values: [../outside/secret.yaml]\n') });
    const refused = await execa(process.execPath, [bin, 'validate'], { cwd: join(base, 'repo'), reject: false, env: { NO_COLOR: '1' } });
    assert.equal(refused.exitCode, 4, refused.stderr);
    const allowed = await execa(process.execPath, [bin, 'validate', '--allow-root', '../outside'], { cwd: join(base, 'repo'), reject: false, env: { NO_COLOR: '1' } });
    assert.equal(allowed.exitCode, 0, allowed.stderr);
    assert.equal(allowed.stdout, 'clusters.yaml: 1 clusters, 1 releases, 1 helm releases in 1 waves: valid.');
  });

  it('a clusters.yaml that is a symlink to a file elsewhere is refused', async () => {
    const base = hostile({}, (b) => {
      writeFileSync(join(b, 'outside', 'clusters.yaml'), CLUSTERS);
      mkdirSync(join(b, 'linked', 'releases'), { recursive: true });
      symlinkSync(join(b, 'outside', 'clusters.yaml'), join(b, 'linked', 'clusters.yaml'));
    });
    const r = await execa(process.execPath, [bin, 'validate', '--clusters', join(base, 'linked', 'clusters.yaml')], { cwd: base, reject: false, env: { NO_COLOR: '1' } });
    assert.equal(r.exitCode, 4, r.stderr);
    assert.equal(r.stderr.split('\n')[0], `linked/clusters.yaml:1:1: clusters file "${join(base, 'linked', 'clusters.yaml')}" leads outside the deploy repository through a symlink (paths must stay inside the folder holding clusters.yaml); nothing was read`);
  });
});

describe('limits on the command line', () => {
  it('a --set path deeper than the limit is refused (exit 4) before helm or a cluster is called', async () => {
    const base = hostile({ 'releases/web.yaml': release('') });
    const deep = `${Array.from({ length: 40 }, (_, i) => `k${i}`).join('.')}=${MARKER}`;
    const r = await execa(process.execPath, [bin, 'plan', '--set', deep], { cwd: join(base, 'repo'), reject: false, env: { NO_COLOR: '1' } });
    assert.equal(r.exitCode, 4, r.stderr);
    assert.equal(r.stderr.trim(), 'helm-cascade: --set: a key path 40 keys deep, over the limit of 30 (HELM_CASCADE_MAX_SET_DEPTH)');
  });

  it('a bad limit setting is bad input', async () => {
    const base = hostile({ 'releases/web.yaml': release('') });
    const r = await execa(process.execPath, [bin, 'validate'], { cwd: join(base, 'repo'), reject: false, env: { NO_COLOR: '1', HELM_CASCADE_MAX_FILE_BYTES: 'lots' } });
    assert.equal(r.exitCode, 4, r.stderr);
    assert.equal(r.stderr.trim(), 'helm-cascade: HELM_CASCADE_MAX_FILE_BYTES must be a positive whole number, got a string (4 bytes)');
  });
});
