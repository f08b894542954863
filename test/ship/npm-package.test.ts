// The npm package as a user installs it: `npm pack` ships compiled JavaScript
// and nothing of the checkout's tooling; `npm install -g` of the tarball into a
// fresh prefix runs no install script; the installed `helm-cascade` works from
// outside the checkout on Node 24, refuses an old Node with the right advice,
// and starts fast.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { oldNode } from './support/old-node.ts';
import { exampleRepo, npmInstallGlobal, npmPack, PKG, ROOT, run, scratch, userPath } from './support/ship.ts';

const SHIPPED = /^(dist\/.+\.c?js|dist\/import\/engine\/(engine\.wasm|LICENSE-go)|bin\/helm-cascade\.js|bin\/helm-plugin\.sh|schema\/[a-z.-]+\.json|plugin\.yaml|plugin\.complete|completion\.yaml|README\.md|LICENSE|package\.json)$/;
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall', 'prepare'];

describe('npm package', { timeout: 300_000 }, () => {
  let pack: ReturnType<typeof npmPack>;
  let installed: ReturnType<typeof npmInstallGlobal>;
  before(() => {
    pack = npmPack();
    installed = npmInstallGlobal(pack.tgz);
  });

  it('ships dist/, bin/, schema/, plugin files, README and LICENSE only', () => {
    const stray = pack.files.filter((f) => !SHIPPED.test(f));
    assert.deepEqual(stray, [], 'files outside the whitelist');
    for (const f of ['dist/cli.js', 'dist/config/schema.js', 'dist/commands/plan.js', 'schema/clusters.schema.json', 'schema/release.schema.json', 'LICENSE', 'README.md', 'plugin.yaml', 'bin/helm-plugin.sh']) {
      assert.ok(pack.files.includes(f), `${f} is not in the package`);
    }
    for (const dir of ['src/', 'test/', 'fleet/', 'bench/', 'demo/', '.ci/', 'scripts/', 'deploy/', 'charts/']) {
      assert.ok(!pack.files.some((f) => f.startsWith(dir)), `${dir} is in the package`);
    }
    // every compiled module of src/ is there (a file the build forgot would fail at run time)
    const compiled = new Set(pack.files.filter((f) => f.startsWith('dist/')));
    const walk = (dir: string): string[] => readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : []));
    const missing = walk('src').map((f) => f.replace(/^src\//, 'dist/').replace(/\.ts$/, '.js')).filter((f) => !compiled.has(f));
    assert.deepEqual(missing, []);
  });

  it('has no install script and no runtime dependency on the node package', () => {
    const scripts = (pack.packageJson.scripts ?? {}) as Record<string, string>;
    assert.deepEqual(INSTALL_SCRIPTS.filter((s) => s in scripts), [], 'a user install would run these');
    const deps = (pack.packageJson.dependencies ?? {}) as Record<string, string>;
    assert.ok(!('node' in deps), 'node is a runtime dependency');
    assert.equal(pack.packageJson.bin && (pack.packageJson.bin as Record<string, string>)['helm-cascade'], 'bin/helm-cascade.js');
    assert.doesNotMatch(installed.log, /install-scripts|allowScripts/, 'npm asked to allow install scripts');
  });

  it('the global install runs `helm-cascade --help` and `validate` from outside the checkout', () => {
    assert.ok(existsSync(installed.bin));
    const env = { PATH: userPath(join(installed.prefix, 'bin')), NO_COLOR: '1' };
    const help = run('helm-cascade', ['--help'], { env, cwd: scratch('cwd') });
    assert.equal(help.code, 0, help.err);
    assert.match(help.out, /^Usage: helm-cascade/m);
    assert.doesNotMatch(help.err, /ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING|ExperimentalWarning/);
    assert.equal(run('helm-cascade', ['--version'], { env }).out.trim(), PKG.version);

    const repo = exampleRepo();
    const ok = run('helm-cascade', ['validate'], { env, cwd: repo });
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /4 clusters, 2 releases, 16 helm releases in 4 waves: valid\./);

    // the JSON Schemas are found from dist/ (schema errors name file:line:col)
    const broken = scratch('broken');
    cpSync(join(ROOT, 'test', 'fixtures', 'broken-repo'), broken, { recursive: true });
    const bad = run('helm-cascade', ['validate'], { env, cwd: broken });
    assert.equal(bad.code, 4, bad.out + bad.err);
    assert.match(bad.err, /^clusters\.yaml:6:5: unknown key "lables" in clusters\.onprem-paris/m);
  });

  it('on Node < 22.18 it says which Node it needs, without advising `npm ci`', async () => {
    // the system's Node when it is old, else Node 20 from nodejs.org (support/old-node.ts)
    const old = await oldNode();
    const r = run(old.bin, [installed.bin, '--help'], { env: { PATH: '/usr/bin:/bin' } });
    assert.equal(r.code, 1);
    const quoted = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    assert.match(r.err, new RegExp(`helm-cascade needs Node\\.js >= 22\\.18 \\(this is Node\\.js ${quoted(old.version)} at ${quoted(old.bin)}\\)\\. Install Node\\.js 22\\.18 or later`));
    assert.doesNotMatch(r.err, /npm ci/);
  });

  // How fast it starts is measured in bench/, never asserted here (a loaded
  // machine would make it flaky): here, only that the installed command runs.
  it('`helm-cascade --help` runs from the installed package', () => {
    const env = { PATH: userPath(join(installed.prefix, 'bin')) };
    const r = run('helm-cascade', ['--help'], { env });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Usage: helm-cascade /m);
  });
});
