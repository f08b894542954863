// The Helm plugin archive (scripts/plugin-archive.mjs) as a user installs it,
// into fresh helm homes, with the real Helm 3.17 and Helm 4.1:
// - Helm 3: from a URL (Helm 3 installs no local .tgz), and unpacked into a folder;
// - Helm 4: a local .tgz and a URL with --verify=false, a signed .tgz verified
//   against a keyring (and a tampered one refused), and the refusal without either.
// Then from outside the checkout, with only Node 24: `helm cascade validate`,
// completion through helm, and the message when Node is missing.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exampleRepo, HELM, helmHome, PKG, pluginArchive, ROOT, run, runAsync, scratch, serveFiles, userPath } from './support/ship.ts';

const ARCHIVE = `helm-cascade-plugin-${PKG.version}.tgz`;

describe('helm plugin archive', { timeout: 600_000 }, () => {
  let archive = '';
  let signed = '';
  let keyring = '';
  let server: Awaited<ReturnType<typeof serveFiles>>;
  let repo = '';
  before(async () => {
    archive = pluginArchive();
    // a throwaway signing key, as a release pipeline would hold one
    const gnupg = mkdtempSync(join(scratch('gpg'), 'home-'));
    const gen = run('gpg', ['--homedir', gnupg, '--batch', '--passphrase', '', '--pinentry-mode', 'loopback', '--quick-gen-key', 'helm-cascade release <release@example.invalid>', 'ed25519', 'sign', 'never']);
    assert.equal(gen.code, 0, gen.err);
    keyring = join(gnupg, 'pubring.gpg');
    const exported = run('gpg', ['--homedir', gnupg, '--batch', '--export', '--output', keyring, 'release@example.invalid']);
    assert.equal(exported.code, 0, exported.err);
    signed = pluginArchive({ sign: { key: 'release@example.invalid', homedir: gnupg } });
    server = await serveFiles([archive]);
    repo = exampleRepo();
  });
  after(() => server?.close());

  it('completion.yaml is what the CLI says (scripts/completion-yaml.mjs --check)', () => {
    const r = run(process.execPath, [join(ROOT, 'scripts', 'completion-yaml.mjs'), '--check'], { cwd: ROOT });
    assert.equal(r.code, 0, r.err);
  });

  it('holds the compiled package with its dependencies, no symlink, plugin.yaml first', () => {
    const list = run('tar', ['-tvzf', archive]);
    assert.equal(list.code, 0, list.err);
    const entries = list.out.trim().split('\n');
    assert.match(entries[0] ?? '', / plugin\.yaml$/);
    assert.deepEqual(entries.filter((e) => !/^[-d]/.test(e)), [], 'only files and folders');
    const names = entries.map((e) => e.split(/\s+/).slice(5).join(' '));
    for (const n of ['helm-cascade-plugin/plugin.yaml', 'helm-cascade-plugin/dist/cli.js', 'helm-cascade-plugin/schema/clusters.schema.json', 'helm-cascade-plugin/node_modules/commander/package.json', 'helm-cascade-plugin/node_modules/yaml/package.json', 'completion.yaml']) {
      assert.ok(names.includes(n), `${n} missing`);
    }
    assert.ok(!names.some((n) => /(^|\/)(src|test|fleet)\//.test(n.replace(/^helm-cascade-plugin\/node_modules\/.*/, ''))), 'checkout folders in the archive');
    assert.ok(!names.some((n) => n.includes('node_modules/typescript/') || n.includes('node_modules/node/')), 'dev dependencies in the archive');
  });

  const installs: { major: 3 | 4; how: string; args: (url: string) => string[] }[] = [
    { major: 3, how: 'from a URL', args: (url) => [url] },
    { major: 4, how: 'a local .tgz with --verify=false', args: () => [archive, '--verify=false'] },
    { major: 4, how: 'from a URL with --verify=false', args: (url) => [url, '--verify=false'] },
    { major: 4, how: 'a signed .tgz, verified against the keyring', args: () => [signed, '--keyring', keyring] },
  ];
  for (const { major, how, args } of installs) {
    it(`Helm ${major}: installs ${how}, then \`helm cascade validate\` runs from outside the checkout`, async () => {
      const env = { ...helmHome(), PATH: userPath(), NO_COLOR: '1' };
      const install = await runAsync(HELM[major], ['plugin', 'install', ...args(server.url(archive))], { env });
      assert.equal(install.code, 0, install.out + install.err);
      assert.match(install.out, /Installed plugin: cascade/);
      if (how.startsWith('a signed')) assert.match(install.out, /Signed by: helm-cascade release <release@example\.invalid>/);
      await checkInstalled(major, env, repo);
    });
  }

  it('Helm 3: installs the archive unpacked into a folder', async () => {
    const env = { ...helmHome(), PATH: userPath(), NO_COLOR: '1' };
    const dir = join(scratch('unpacked'), 'helm-cascade');
    mkdirSync(dir);
    assert.equal(run('tar', ['-xzf', archive, '-C', dir]).code, 0);
    const install = run(HELM[3], ['plugin', 'install', dir], { env });
    assert.equal(install.code, 0, install.out + install.err);
    await checkInstalled(3, env, repo);
  });

  it('Helm 4 refuses the archive without provenance unless told --verify=false, and a tampered signed one', () => {
    const env = { ...helmHome(), PATH: userPath() };
    const plain = run(HELM[4], ['plugin', 'install', archive], { env });
    assert.notEqual(plain.code, 0);
    assert.match(plain.err, /no provenance file \(\.prov\) found/);
    // the same bytes under another name: the provenance names the file it signed
    const dir = scratch('tampered');
    const other = join(dir, `helm-cascade-plugin-${PKG.version}.tgz`);
    writeFileSync(other, Buffer.concat([readFileSync(signed), Buffer.from([0])]));
    copyFileSync(`${signed}.prov`, `${other}.prov`);
    const tampered = run(HELM[4], ['plugin', 'install', other, '--keyring', keyring], { env });
    assert.notEqual(tampered.code, 0);
    assert.match(tampered.err, /sha256 sum does not match/);
  });

  for (const major of [3, 4] as const) {
    it(`Helm ${major}: with HELM_PLUGINS outside HELM_DATA_HOME, "Installed plugin: cascade" and then not found (helm's own behaviour); the fix in docs/install.md works`, async () => {
      const home = helmHome();
      const env = { ...home, HELM_PLUGINS: join(scratch('elsewhere'), 'plugins'), PATH: userPath(), NO_COLOR: '1' };
      const install = await runAsync(HELM[major], ['plugin', 'install', server.url(archive), ...(major === 4 ? ['--verify=false'] : [])], { env });
      assert.equal(install.code, 0, install.out + install.err);
      assert.match(install.out, /Installed plugin: cascade/);
      // helm unpacked it under $HELM_DATA_HOME/plugins, and looks for plugins in $HELM_PLUGINS only
      assert.ok(existsSync(join(home.HELM_DATA_HOME!, 'plugins', 'helm-cascade-plugin', 'plugin.yaml')), 'not under HELM_DATA_HOME/plugins');
      const lost = run(HELM[major], ['cascade', 'version'], { env });
      assert.notEqual(lost.code, 0);
      assert.match(lost.err, /unknown command "cascade" for "helm"/);
      assert.doesNotMatch(run(HELM[major], ['plugin', 'list'], { env }).out, /^cascade/m);
      // the fix: HELM_PLUGINS is a list; add $HELM_DATA_HOME/plugins to it (or leave HELM_PLUGINS unset)
      const listed = run(HELM[major], ['cascade', 'version'], { env: { ...env, HELM_PLUGINS: `${env.HELM_PLUGINS}:${join(home.HELM_DATA_HOME!, 'plugins')}` } });
      assert.equal(listed.code, 0, listed.err);
      assert.match(listed.out, new RegExp(`^helm-cascade\\s+${PKG.version.replace(/\./g, '\\.')}$`, 'm'));
      const { HELM_PLUGINS: _unset, ...withoutPlugins } = env;
      assert.equal(run(HELM[major], ['cascade', 'version'], { env: withoutPlugins }).code, 0);
    });

    it(`Helm ${major}: without Node.js, \`helm cascade\` says what to install`, async () => {
      const env = { ...helmHome(), PATH: userPath(), NO_COLOR: '1' };
      assert.equal((await runAsync(HELM[major], ['plugin', 'install', server.url(archive), ...(major === 4 ? ['--verify=false'] : [])], { env })).code, 0);
      // a PATH with sh and dirname only: no node anywhere
      const bare = scratch('bare-path');
      for (const tool of ['sh', 'dirname']) symlinkSync(`/bin/${tool}`, join(bare, tool));
      const r = run(HELM[major], ['cascade', 'validate'], { env: { ...env, PATH: bare }, cwd: repo });
      assert.notEqual(r.code, 0);
      assert.match(r.err, /helm cascade: Node\.js >= 22\.18 is needed to run helm-cascade, and `node` was not found on PATH/);
      // an old Node: the launcher's own message
      const old = scratch('old-node');
      symlinkSync('/usr/bin/node', join(old, 'node'));
      const r2 = run(HELM[major], ['cascade', 'validate'], { env: { ...env, PATH: `${old}:${bare}` }, cwd: repo });
      assert.notEqual(r2.code, 0);
      assert.match(r2.err, /helm-cascade needs Node\.js >= 22\.18 \(this is Node\.js v/);
      assert.doesNotMatch(r2.err, /npm ci/);
    });
  }
});

/** plugin list, help, validate in a deploy repository outside the checkout, completion through helm. */
async function checkInstalled(major: 3 | 4, env: NodeJS.ProcessEnv, repo: string): Promise<void> {
  const list = run(HELM[major], ['plugin', 'list'], { env });
  assert.match(list.out, new RegExp(`^cascade\\s+${PKG.version.replace(/\./g, '\\.')}`, 'm'), list.out + list.err);
  const plugins = env.HELM_PLUGINS as string;
  assert.ok(existsSync(plugins), `${plugins} missing`);
  const help = run(HELM[major], ['cascade', '--help'], { env, cwd: repo });
  assert.equal(help.code, 0, help.err);
  assert.match(help.out, /Usage: helm-cascade/);
  const validate = run(HELM[major], ['cascade', 'validate'], { env, cwd: repo });
  assert.equal(validate.code, 0, validate.out + validate.err);
  assert.match(validate.out, /4 clusters, 2 releases, 16 helm releases in 4 waves: valid\./);
  // exit codes come through helm: bad input is 4
  const bad = run(HELM[major], ['cascade', 'validate', '--clusters', 'nope.yaml'], { env, cwd: repo });
  assert.equal(bad.code, 4, bad.out + bad.err);
  // completion: helm reads the plugin's completion.yaml
  const cmds = run(HELM[major], ['__complete', 'cascade', ''], { env, cwd: repo });
  for (const c of ['validate', 'plan', 'apply', 'drift', 'status', 'rollback']) assert.match(cmds.out, new RegExp(`^${c}$`, 'm'), cmds.out + cmds.err);
  const flags = run(HELM[major], ['__complete', 'cascade', 'plan', '--det'], { env, cwd: repo });
  assert.match(flags.out, /^--detailed-exitcode$/m, flags.out + flags.err);
  // helm reads completion.yaml as YAML 1.1: a bare `yes` was the boolean true, offered as --true
  const yes = run(HELM[major], ['__complete', 'cascade', 'apply', '--'], { env, cwd: repo });
  assert.match(yes.out, /^--yes$/m, yes.out + yes.err);
  assert.doesNotMatch(yes.out, /^--(true|false)$/m);
  const shells = run(HELM[major], ['__complete', 'cascade', 'completion', ''], { env, cwd: repo });
  assert.deepEqual(shells.out.split('\n').filter((l) => /^[a-z]+$/.test(l)), ['bash', 'zsh', 'fish']);
  // plugin.complete: values from the deploy repository of the working folder, in cobra's protocol
  const waves = run(HELM[major], ['__complete', 'cascade', 'apply', '--wave', ''], { env, cwd: repo });
  assert.deepEqual(waves.out.split('\n').filter((l) => l && !l.startsWith(':') && !l.startsWith('Completion ended')), ['internal', 'canary', 'production-onprem', 'production-gke'], waves.out + waves.err);
  const names = run(HELM[major], ['__complete', 'cascade', 'plan', '-l', 'name=e'], { env, cwd: repo });
  assert.match(names.out, /^name=edge-gateway$/m, names.out + names.err);
}
