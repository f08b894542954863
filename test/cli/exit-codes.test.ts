// The exit-code contract where no working cluster is needed: every cluster
// unreachable (contexts pointing at a closed port) is a preflight refusal
// (exit 5) naming the clusters, for apply, rollback, plan and drift alike; a
// missing helm binary is bad input (exit 4) with the fix; flags a command does
// not use are refused. Real kubectl (its proxy) and real helm, no fleet.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin, kubectlBin, repoRoot } from '../../fleet/tools.ts';
import { tempDir } from '../support/tmp.ts';

const bin = join(repoRoot, 'bin', 'helm-cascade.js');

/** A deploy repository of two clusters whose API servers are a closed port. */
function deadRepo(): string {
  const dir = tempDir('hc-exit-');
  const server = 'https://127.0.0.1:1';
  writeFileSync(
    join(dir, 'kubeconfig'),
    `apiVersion: v1
kind: Config
clusters:
  - { name: a, cluster: { server: "${server}", insecure-skip-tls-verify: true } }
  - { name: b, cluster: { server: "${server}", insecure-skip-tls-verify: true } }
users:
  - { name: u, user: { token: not-a-real-token } }
contexts:
  - { name: ctx-a, context: { cluster: a, user: u } }
  - { name: ctx-b, context: { cluster: b, user: u } }
current-context: ctx-a
`,
  );
  writeFileSync(join(dir, 'clusters.yaml'), 'kubeconfig: kubeconfig\nclusters:\n  east: { context: ctx-a }\n  west: { context: ctx-b }\n');
  return dir;
}

function releaseFile(dir: string): void {
  mkdirSync(join(dir, 'releases'), { recursive: true });
  writeFileSync(join(dir, 'releases', 'web.yaml'), 'name: web\nnamespace: web\nchart: { ref: charts/none }\n');
  mkdirSync(join(dir, 'charts', 'none', 'templates'), { recursive: true });
  writeFileSync(join(dir, 'charts', 'none', 'Chart.yaml'), 'apiVersion: v2\nname: none\nversion: 1.0.0\n');
}

function cli(dir: string, args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [bin, ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1', CI: 'true', HELM_BIN: helmBin(3), KUBECTL_BIN: kubectlBin(), ...env } });
}

describe('exit codes without a working cluster', { timeout: 180_000 }, () => {
  const dir = deadRepo();
  releaseFile(dir);

  for (const args of [['apply', '--yes'], ['rollback'], ['plan']]) {
    it(`${args[0]}: every cluster unreachable -> exit 5 naming each cluster, nothing else tried`, async () => {
      const r = await cli(dir, args);
      assert.equal(r.exitCode, 5, r.stderr);
      assert.match(r.stderr, /cluster "east" \(context "ctx-a"\) is unreachable/);
      assert.match(r.stderr, /cluster "west" \(context "ctx-b"\) is unreachable/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('drift: no cluster could be read says exactly that (not "2 drifted"), exit 5', async () => {
    const r = await cli(dir, ['drift']);
    assert.equal(r.exitCode, 5, r.stderr);
    assert.match(r.stdout, /^helm-cascade drift: no cluster could be read \(east, west\): drift was not checked$/m);
    assert.match(r.stdout, /^drift not checked for 2 releases: their cluster could not be read$/m);
    assert.doesNotMatch(r.stdout, /drifted|drift found/);
    const json = await cli(dir, ['drift', '--format', 'json']);
    assert.equal(json.exitCode, 5);
    const report = JSON.parse(json.stdout) as { summary: { drifted: number; unreadable: number } };
    assert.deepEqual([report.summary.drifted, report.summary.unreadable], [0, 2]);
  });

  it('a missing helm binary: exit 4 naming --helm, HELM_BIN and the bundled binaries, before any cluster is asked', async () => {
    for (const args of [['apply', '--yes'], ['rollback'], ['plan'], ['drift']]) {
      const r = await cli(dir, [...args, '--helm', '/nonexistent/helm']);
      assert.equal(r.exitCode, 4, r.stderr);
      assert.match(r.stderr, /^helm-cascade: helm binary "\/nonexistent\/helm" not found$/m);
      assert.match(r.stderr, /^hint: .*--helm PATH or HELM_BIN=PATH .*node_modules\/\.helm-cascade\/helm-v3\/helm and helm-v4\/helm/m);
      assert.doesNotMatch(r.stderr, /ENOENT|unreachable/);
    }
  });

  it('--lock-timeout takes a duration; anything else is bad input (exit 4)', async () => {
    const r = await cli(dir, ['apply', '--yes', '--lock-timeout', 'soon']);
    assert.equal(r.exitCode, 4, r.stderr);
    assert.match(r.stderr, /--lock-timeout "soon": not a duration \(write e\.g\. 30s, 5m, 1h30m\)/);
  });

  it('flags a command does not use are refused (exit 4), the ones it uses accepted', async () => {
    for (const [cmd, flag] of [['validate', '--lock-timeout'], ['plan', '--lock-timeout'], ['drift', '--lock-timeout'], ['status', '--lock-timeout'], ['status', '--concurrency'], ['drift', '--yes'], ['plan', '--junit'], ['rollback', '--dry-run']] as const) {
      const r = await cli(dir, [cmd, flag, '1']);
      assert.equal(r.exitCode, 4, `${cmd} ${flag}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`unknown option '${flag}'`), `${cmd} ${flag}`);
    }
    for (const cmd of ['apply', 'rollback']) {
      const r = await cli(dir, [cmd, '--help']);
      assert.match(r.stdout, /--lock-timeout <duration>/, cmd);
    }
  });
});
