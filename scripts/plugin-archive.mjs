// npm run plugin-archive: builds dist/helm-cascade-plugin-<version>.tgz, the Helm
// plugin archive for Helm 3.17+ and Helm 4:
//   helm plugin install https://.../helm-cascade-plugin-0.1.0.tgz      (Helm 3 and 4)
//   helm plugin install ./helm-cascade-plugin-0.1.0.tgz --verify=false (Helm 4)
//
// It carries the npm package exactly as `npm pack` makes it (compiled dist/,
// bin/, schema/, plugin.yaml, plugin.complete, completion.yaml) plus its production
// dependencies, copied from node_modules as package-lock.json pins them: real
// files only, no symlinks (Helm 4's extractor refuses them) and no ':' in any
// path (both majors refuse those).
//
// The layout serves helm's three ways of installing an archive:
//   plugin.yaml, completion.yaml,      at the root: Helm 3 and Helm 4 install a
//   plugin.complete
//                                      URL by extracting it and taking the folder
//                                      that holds plugin.yaml (Helm 3: the root only)
//   helm-cascade-plugin/               the package, with its own plugin.yaml:
//                                      Helm 4 installs a local .tgz from the folder
//                                      named after the file, minus "-<version>.tgz"
// The root plugin.yaml runs helm-cascade-plugin/bin/helm-plugin.sh; the inner one
// bin/helm-plugin.sh. Helm reads name and version from the first plugin.yaml in
// the archive, so the root one comes first. Helm 3 creates directories one level
// at a time (os.Mkdir): every directory has its own entry before its contents.
//
//   node scripts/plugin-archive.mjs [--out-dir DIR] [--sign KEY [--gpg-homedir DIR]]
//
// --sign KEY also writes <archive>.prov, the provenance Helm 4 verifies by
// default (`helm plugin install` without --verify=false, with --keyring naming
// a keyring that holds KEY's public key): a PGP clear-signed document, made with
// gpg, of the sha256 of the archive under its file name - what helm's own
// `helm plugin package --sign` writes (helm.sh/helm/v4 pkg/provenance).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { 'out-dir': { type: 'string', default: join(root, 'dist') }, sign: { type: 'string' }, 'gpg-homedir': { type: 'string' } },
});
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const PLUGIN_DIR = 'helm-cascade-plugin'; // = what Helm 4 strips the file name to
const archiveName = `${PLUGIN_DIR}-${pkg.version}.tgz`;

function fail(message) {
  console.error(`plugin-archive: ${message}`);
  process.exit(1);
}

const pluginYaml = readFileSync(join(root, 'plugin.yaml'), 'utf8');
const pluginVersion = /^version:\s*"?([^"\s]+)"?\s*$/m.exec(pluginYaml)?.[1];
if (pluginVersion !== pkg.version) fail(`plugin.yaml has version ${pluginVersion}, package.json ${pkg.version}: make them equal`);
if (!pluginYaml.includes('$HELM_PLUGIN_DIR/bin/helm-plugin.sh')) fail('plugin.yaml must run $HELM_PLUGIN_DIR/bin/helm-plugin.sh');

const work = mkdtempSync(join(tmpdir(), 'helm-cascade-plugin-'));
try {
  // 1. The npm package, as published (prepack compiles src/ to dist/).
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  const tgz = join(work, packed[0].filename);
  const stage = join(work, 'stage');
  const inner = join(stage, PLUGIN_DIR);
  mkdirSync(inner, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', inner, '--strip-components=1', '--no-same-owner']);
  if (!existsSync(join(inner, 'dist', 'cli.js'))) fail('the packed package has no dist/cli.js');

  // 2. Its production dependencies, at the versions package-lock.json pins.
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  let deps = 0;
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev || entry.link || !path.startsWith('node_modules/')) continue;
    if (entry.optional && !existsSync(join(root, path))) continue;
    const from = join(root, path);
    const installed = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8')).version;
    if (installed !== entry.version) fail(`${path} is ${installed}, package-lock.json says ${entry.version}: run npm ci`);
    // nested node_modules/ are entries of their own in the lock
    cpSync(from, join(inner, path), { recursive: true, dereference: false, filter: (src) => !relative(from, src).split('/').includes('node_modules') });
    deps++;
  }

  // 3. The root plugin.yaml (for URL installs), completion.yaml and plugin.complete (executable: helm runs it).
  writeFileSync(join(stage, 'plugin.yaml'), pluginYaml.replaceAll('$HELM_PLUGIN_DIR/bin/', `$HELM_PLUGIN_DIR/${PLUGIN_DIR}/bin/`));
  cpSync(join(inner, 'completion.yaml'), join(stage, 'completion.yaml'));
  cpSync(join(inner, 'plugin.complete'), join(stage, 'plugin.complete'));
  chmodSync(join(inner, 'plugin.complete'), 0o755);
  chmodSync(join(stage, 'plugin.complete'), 0o755);

  // 4. Check what helm would refuse, then tar it: root files first, sorted, fixed owner and time.
  const walk = (dir) => {
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) fail(`symlink in the archive (Helm 4 refuses them): ${relative(stage, p)}`);
      if (e.includes(':') || e.includes('\\')) fail(`':' or '\\' in a path (helm refuses them): ${relative(stage, p)}`);
      if (st.isDirectory()) walk(p);
      else if (!st.isFile()) fail(`not a regular file: ${relative(stage, p)}`);
    }
  };
  walk(stage);
  const epoch = process.env.SOURCE_DATE_EPOCH ?? gitTime() ?? String(Math.floor(Date.now() / 1000));
  const tar = execFileSync('tar', [
    '--create', '--file=-', '--format=gnu', '--sort=name', `--mtime=@${epoch}`, '--owner=0', '--group=0', '--numeric-owner',
    '--mode=u+rw,go+r,go-w', '--hard-dereference', '-C', stage, 'plugin.yaml', 'completion.yaml', 'plugin.complete', PLUGIN_DIR,
  ], { maxBuffer: 1 << 30 });
  mkdirSync(values['out-dir'], { recursive: true });
  const out = join(values['out-dir'], archiveName);
  writeFileSync(out, gzipSync(tar, { level: 9 }));
  rmSync(`${out}.prov`, { force: true }); // a provenance file of an older build would not match
  const size = (lstatSync(out).size / 1024 / 1024).toFixed(1);
  console.log(`${relative(process.cwd(), out) || out}: helm plugin "cascade" ${pkg.version}, ${deps} dependencies, ${size} MiB`);
  if (values.sign) {
    writeFileSync(`${out}.prov`, provenance(readFileSync(out), archiveName, values.sign, values['gpg-homedir']));
    console.log(`${relative(process.cwd(), out) || out}.prov: signed by ${values.sign}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** helm's provenance: plugin metadata, "...", the file's sha256, clear-signed (SHA-512, as helm signs). */
function provenance(data, filename, key, homedir) {
  const sha = createHash('sha256').update(data).digest('hex');
  const block = `apiVersion: legacy\nname: cascade\nversion: ${pkg.version}\n\n...\nfiles:\n  ${filename}: sha256:${sha}\n`;
  const args = ['--batch', '--yes', '--local-user', key, '--digest-algo', 'SHA512', '--clearsign'];
  if (homedir) args.unshift('--homedir', homedir);
  return execFileSync('gpg', args, { input: block, encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'] });
}

function gitTime() {
  try {
    return execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}
