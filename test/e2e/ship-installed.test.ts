// The installed copies against the local fleet, from outside the checkout:
// the npm tarball installed globally runs `plan`; the Helm plugin archive
// installed into Helm 3 and Helm 4 runs `helm cascade plan`, and every helm
// call it makes goes to the helm that invoked it (helm's $HELM_BIN).
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureFleet } from '../../fleet/fleet-api.ts';
import { kubectlBin } from '../../fleet/tools.ts';
import { exampleRepo, HELM, helmHome, npmInstallGlobal, npmPack, pluginArchive, run, runAsync, serveFiles, userPath } from '../ship/support/ship.ts';

const SUMMARY = /^Plan: \d+ to install, \d+ to upgrade, \d+ unchanged, \d+ to uninstall\.$/m;

describe('installed helm-cascade on the local fleet', { timeout: 600_000 }, () => {
  let kubeconfig = '';
  let repo = '';
  let bin = '';
  let archive = '';
  let server: Awaited<ReturnType<typeof serveFiles>>;
  // kubectl on PATH, as on a user's machine
  const kubectlDir = dirname(kubectlBin());
  before(async () => {
    kubeconfig = (await ensureFleet({ clustersFile: join(import.meta.dirname, '..', '..', 'clusters.yaml'), log: () => undefined })).kubeconfig;
    bin = npmInstallGlobal(npmPack().tgz).bin;
    archive = pluginArchive();
    server = await serveFiles([archive]);
    // the example repository in namespaces of this test's own: nothing of it is installed, whatever other tests left
    repo = exampleRepo({ namespaceSuffix: `si${process.pid.toString(36)}${Date.now().toString(36)}` });
  });
  after(() => server?.close());

  it('npm install -g: `helm-cascade plan` of the example repository', () => {
    const env = { PATH: userPath(dirname(bin), kubectlDir), KUBECONFIG: kubeconfig, HELM_BIN: HELM[3], NO_COLOR: '1' };
    const r = run('helm-cascade', ['plan', '--verbose'], { env, cwd: repo });
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, SUMMARY);
    assert.match(r.out, /^Wave 1: internal$/m);
    assert.match(r.err, new RegExp(`^» ${HELM[3]} `, 'm'), 'plan called no helm');
  });

  for (const major of [3, 4] as const) {
    it(`Helm ${major} plugin: \`helm cascade plan\` drives the helm that invoked it`, async () => {
      const env = { ...helmHome(), PATH: userPath(kubectlDir), KUBECONFIG: kubeconfig, NO_COLOR: '1' };
      const install = await runAsync(HELM[major], ['plugin', 'install', server.url(archive), ...(major === 4 ? ['--verify=false'] : [])], { env });
      assert.equal(install.code, 0, install.out + install.err);
      const r = run(HELM[major], ['cascade', 'plan', '--verbose'], { env, cwd: repo });
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, SUMMARY);
      // --verbose logs every helm and kubectl call as `» <binary> <args>`; API requests (`» GET /path (context)`),
      // rate-limit waits and render reasons are logged with the same mark: keep the lines whose binary is a helm
      const calls = r.err.split('\n').filter((l) => /^» (\S*\/)?helm[^/\s]* /.test(l));
      assert.ok(calls.length > 0, `no helm call logged:\n${r.err}`);
      const other = calls.filter((l) => !l.startsWith(`» ${HELM[major]} `));
      assert.deepEqual(other, [], `helm calls through another helm than Helm ${major}`);
      // exit codes come through helm: changes pending (edge-gateway is not installed in this test's namespaces) is 2
      const detailed = run(HELM[major], ['cascade', 'plan', '--detailed-exitcode', '-l', 'name=edge-gateway'], { env, cwd: repo });
      assert.equal(detailed.code, 2, detailed.out + detailed.err);
      assert.match(detailed.out, /^Plan: [1-9]\d* to install, 0 to upgrade, 0 unchanged, 0 to uninstall\.$/m);
    });
  }
});
