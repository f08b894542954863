// validate on a repository that deploys nothing: a warning (exit 0), and
// exit 4 with --strict; the same with -o json (warnings listed) and for
// releases that make no helm release anywhere.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { tempDir } from '../support/tmp.ts';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'helm-cascade.js');
const cli = (args: string[], cwd: string) => execa(process.execPath, [bin, ...args], { cwd, reject: false, env: { NO_COLOR: '1' } });

function repo(releases: Record<string, string>): string {
  const dir = tempDir('hc-validate-empty-');
  writeFileSync(join(dir, 'clusters.yaml'), 'clusters:\n  a: { context: ctx-a }\n');
  mkdirSync(join(dir, 'releases'));
  mkdirSync(join(dir, 'charts', 'web'), { recursive: true });
  writeFileSync(join(dir, 'charts', 'web', 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 1.0.0\n');
  for (const [name, text] of Object.entries(releases)) writeFileSync(join(dir, 'releases', name), text);
  return dir;
}

describe('validate of a repository that deploys nothing', () => {
  it('no release files: a warning naming the folder, exit 0; --strict: exit 4', async () => {
    const dir = repo({});
    const r = await cli(['validate'], dir);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stderr, 'helm-cascade: warning: releases/ holds no release files (*.yaml): the repository deploys nothing');
    assert.match(r.stdout, /0 releases, 0 helm releases in 1 waves: valid \(1 warning\)\.$/m);
    const strict = await cli(['validate', '--strict'], dir);
    assert.equal(strict.exitCode, 4);
    assert.equal(strict.stdout, '');
    assert.match(strict.stderr, /warning: releases\/ holds no release files/);
    assert.match(strict.stderr, /^helm-cascade: --strict: 1 warning \(above\); nothing was touched$/m);
  });

  it('-o json lists the warnings; another folder is named as given (absolute outside the working folder)', async () => {
    const dir = repo({});
    const r = await cli(['validate', '-o', 'json', '--clusters', join(dir, 'clusters.yaml')], tempDir('hc-validate-cwd-'));
    assert.equal(r.exitCode, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { valid: boolean; releases: number; warnings: string[] };
    assert.equal(out.valid, true);
    assert.equal(out.releases, 0);
    assert.deepEqual(out.warnings, [`${join(dir, 'releases')}/ holds no release files (*.yaml): the repository deploys nothing`]);
  });

  it('releases that are installed nowhere warn too; a repository that deploys something has no warning', async () => {
    const off = repo({ 'web.yaml': 'name: web\nnamespace: web\nchart: { ref: ./charts/web }\nclusters:\n  a: { enabled: false }\n' });
    const r = await cli(['validate', '--strict'], off);
    assert.equal(r.exitCode, 4);
    assert.match(r.stderr, /warning: no release of releases\/ is installed on any cluster/);
    const on = repo({ 'web.yaml': 'name: web\nnamespace: web\nchart: { ref: ./charts/web }\n' });
    const ok = await cli(['validate', '--strict'], on);
    assert.equal(ok.exitCode, 0, ok.stderr);
    assert.equal(ok.stderr, '');
    assert.match(ok.stdout, /1 releases, 1 helm releases in 1 waves: valid\.$/m);
  });
});
