// The CLI as a user runs it: a subprocess, exit codes and output.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { BROKEN_REPO_PROBLEMS } from '../fixtures/broken-repo-problems.ts';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'helm-cascade.js');

function cli(args: string[]) {
  return execa(process.execPath, [bin, ...args], { cwd: root, reject: false, env: { NO_COLOR: '1' } });
}

describe('helm-cascade CLI', () => {
  it('validate on the example repository exits 0', async () => {
    const r = await cli(['validate']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /4 clusters, 2 releases, 16 helm releases in 4 waves: valid\./);
  });

  it('validate on a broken repository lists every mistake with file:line:col and exits 4', async () => {
    const r = await cli(['validate', '--clusters', 'test/fixtures/broken-repo/clusters.yaml']);
    assert.equal(r.exitCode, 4);
    assert.equal(r.stdout, '');
    assert.deepEqual(r.stderr.split('\n'), [...BROKEN_REPO_PROBLEMS, '', '24 problems found; nothing was touched.']);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('validate --online reports contexts missing from the kubeconfig', async () => {
    const r = await cli(['validate', '--online', '--kubeconfig', join(root, 'test/fixtures/kubeconfig-partial.yaml')]);
    assert.equal(r.exitCode, 4);
    assert.match(r.stderr, /^clusters\.yaml:16:3: cluster "gke-europe-west1": context "gke_demo_europe-west1_main" is not in the kubeconfig/m);
    assert.match(r.stderr, /^clusters\.yaml:21:3: cluster "gke-us-east1": context "gke_demo_us-east1_main" is not in the kubeconfig/m);
    assert.doesNotMatch(r.stderr, /onprem-paris/);
  });

  it('validate --output json', async () => {
    const r = await cli(['validate', '-o', 'json']);
    assert.equal(r.exitCode, 0);
    const doc = JSON.parse(r.stdout) as { valid: boolean; units: number; waves: { name: string }[] };
    assert.equal(doc.valid, true);
    assert.equal(doc.units, 16);
    assert.deepEqual(doc.waves.map((w) => w.name), ['internal', 'canary', 'production-onprem', 'production-gke']);
  });

  it('--help for every command', async () => {
    for (const c of ['validate', 'plan', 'apply', 'drift', 'status', 'rollback']) {
      const r = await cli([c, '--help']);
      assert.equal(r.exitCode, 0, `${c}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Usage: helm-cascade ${c}`));
      assert.match(r.stdout, /--clusters <file>/);
    }
  });

  it('a bad selector or an unknown option is bad input (exit 4)', async () => {
    const bad = await cli(['plan', '-l', 'colour=blue']);
    assert.equal(bad.exitCode, 4);
    assert.match(bad.stderr, /bad selector "colour=blue"/);
    const unknown = await cli(['validate', '--frobnicate']);
    assert.equal(unknown.exitCode, 4);
    assert.match(unknown.stderr, /unknown option '--frobnicate'/);
  });

  it('a command accepts only the flags it uses', async () => {
    for (const [cmd, flag] of [['validate', '--junit'], ['validate', '--yes'], ['validate', '--concurrency'], ['status', '--junit'], ['status', '--yes'], ['rollback', '--junit'], ['rollback', '--yes'], ['plan', '--yes']] as const) {
      const r = await cli([cmd, flag, 'x']);
      assert.equal(r.exitCode, 4, `${cmd} ${flag}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`unknown option '${flag}'`), `${cmd} ${flag}`);
    }
  });

  it('a missing clusters file names it', async () => {
    const r = await cli(['validate', '--clusters', 'nope/clusters.yaml']);
    assert.equal(r.exitCode, 4);
    assert.match(r.stderr, /^nope\/clusters\.yaml:1:1: file not found/m);
  });
});
