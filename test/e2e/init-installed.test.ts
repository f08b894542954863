// `helm-cascade init` and `import helmfile` as a new user runs them: the npm
// tarball installed globally, from a folder outside the checkout. init writes
// a repository that validates and plans on the fleet, whose schema modelines
// and editor settings resolve inside the new repository itself; the installed
// package's helmfile engine (WebAssembly) imports a real helmfile.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import { ensureFleet } from '../../fleet/fleet-api.ts';
import { kubectlBin } from '../../fleet/tools.ts';
import { HELM, npmInstallGlobal, npmPack, ROOT, run, scratch, userPath } from '../ship/support/ship.ts';
import { CONTEXTS } from './support/cascade.ts';

describe('init and import helmfile from the installed package', { timeout: 600_000 }, () => {
  let kubeconfig = '';
  let bin = '';
  before(async () => {
    kubeconfig = (await ensureFleet({ clustersFile: join(ROOT, 'clusters.yaml'), log: () => undefined })).kubeconfig;
    bin = npmInstallGlobal(npmPack().tgz).bin;
  });

  it('init --from-kubeconfig: clusters from chosen contexts, an example release; validate and plan on the fleet', () => {
    const env = { PATH: userPath(dirname(bin), dirname(kubectlBin())), KUBECONFIG: kubeconfig, HELM_BIN: HELM[3], NO_COLOR: '1' };
    const cwd = scratch('init');
    const init = run('helm-cascade', ['init', '--from-kubeconfig', '--context', CONTEXTS.paris, '--context', CONTEXTS.europe, 'deploy'], { env, cwd });
    assert.equal(init.code, 0, init.out + init.err);
    const repo = join(cwd, 'deploy');
    const clusters = readFileSync(join(repo, 'clusters.yaml'), 'utf8');
    assert.match(clusters, /^ {2}dc-paris:\n {4}context: dc-paris\n {4}provider: onprem$/m);
    assert.match(clusters, /^ {2}gke-europe-west1-main:\n {4}context: gke_demo_europe-west1_main\n {4}provider: gke\n {4}region: europe-west1$/m);
    assert.match(readFileSync(join(repo, '.gitignore'), 'utf8'), /^\.helm-cascade\/$/m);

    // every schema reference resolves inside the new repository: the modelines and VS Code's yaml.schemas
    for (const file of ['clusters.yaml', 'releases/hello.yaml']) {
      const schema = /# yaml-language-server: \$schema=(\S+)/.exec(readFileSync(join(repo, file), 'utf8'))?.[1];
      assert.ok(schema && existsSync(resolve(dirname(join(repo, file)), schema)), `${file}: modeline ${schema} does not resolve in ${repo}`);
    }
    const settings = JSON.parse(readFileSync(join(repo, '.vscode', 'settings.json'), 'utf8')) as { 'yaml.schemas': Record<string, string[]> };
    for (const schema of Object.keys(settings['yaml.schemas'])) assert.ok(existsSync(join(repo, schema)), `.vscode/settings.json: ${schema}`);
    assert.equal(readFileSync(join(repo, 'schema', 'release.schema.json'), 'utf8'), readFileSync(join(ROOT, 'schema', 'release.schema.json'), 'utf8'));

    const validate = run('helm-cascade', ['validate'], { env, cwd: repo });
    assert.equal(validate.code, 0, validate.out + validate.err);
    assert.match(validate.out, /2 clusters, 1 releases, 2 helm releases in 1 waves: valid\./);
    const plan = run('helm-cascade', ['plan'], { env, cwd: repo });
    assert.equal(plan.code, 0, plan.out + plan.err);
    assert.match(plan.out, /^ {4}\+ hello \(hello\) {2}install {2}hello 0\.1\.0/m);
    assert.match(plan.out, /^Plan: 2 to install, 0 to upgrade, 0 unchanged, 0 to uninstall\.$/m);
  });

  it('import helmfile with the shipped engine: a real helmfile.d/ becomes a repository that validates', () => {
    const env = { PATH: userPath(dirname(bin)), NO_COLOR: '1' };
    const cwd = scratch('import');
    cpSync(join(ROOT, 'test', 'import', 'helmfiles', 'tutorial'), join(cwd, 'tutorial'), { recursive: true });
    const r = run('helm-cascade', ['import', 'helmfile', 'tutorial', '-e', 'dev', '--current-context', 'kind-helmfile-tutorial', '--partial', '--out', 'deploy'], { env, cwd });
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /releases: 2 imported, 2 helm releases/);
    const v = run('helm-cascade', ['validate'], { env, cwd: join(cwd, 'deploy') });
    assert.equal(v.code, 0, v.out + v.err);
  });
});
