#!/usr/bin/env node
// Entry point of the `helm-cascade` command: npm's bin, the Helm plugin and the
// container image all start here.
// - In the installed package (no src/), it runs the compiled JavaScript in dist/.
// - In a checkout (src/ present), it runs the TypeScript sources directly (Node
//   >= 22.18 strips types), so editing src/ needs no build step; on an older
//   Node it re-runs itself with the Node 24 that `npm ci` puts in node_modules/.bin.
// Written for old Nodes too (no top-level await, no newer syntax), so that even
// they get the version message below rather than a syntax error.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), '..');
const checkout = existsSync(join(root, 'src', 'cli.ts'));
const [major, minor] = process.versions.node.split('.').map(Number);

function tooOld() {
  const where = `this is Node.js ${process.version} at ${process.execPath}`;
  if (checkout) {
    const local = join(root, 'node_modules', '.bin', 'node');
    if (existsSync(local) && process.env.HELM_CASCADE_RELAUNCHED !== '1') {
      // node:child_process only here: importing it costs every run about 10ms of start-up
      const { spawnSync } = module.createRequire(import.meta.url)('node:child_process');
      const r = spawnSync(local, [self, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, HELM_CASCADE_RELAUNCHED: '1' } });
      process.exit(r.status ?? (r.signal === 'SIGINT' ? 130 : 143));
    }
    console.error(`helm-cascade needs Node.js >= 22.18 (${where}). In this checkout, \`npm ci\` installs Node 24 into node_modules/.bin.`);
  } else {
    console.error(`helm-cascade needs Node.js >= 22.18 (${where}). Install Node.js 22.18 or later (24 LTS recommended, https://nodejs.org/en/download) and put it first on PATH.`);
  }
  process.exit(1);
}

if (major < 22 || (major === 22 && minor < 18)) tooOld();
// Cache V8's compiled code between runs (a no-op where the cache dir is not writable).
if (typeof module.enableCompileCache === 'function') module.enableCompileCache();
const entry = checkout ? join(root, 'src', 'cli.ts') : join(root, 'dist', 'cli.js');
import(pathToFileURL(entry).href).then(
  (cli) => cli.main(process.argv),
  (err) => {
    if (!checkout && err && err.code === 'ERR_MODULE_NOT_FOUND') {
      console.error(`helm-cascade: ${entry} is missing: this copy of the package is incomplete (reinstall it).\n${err.message}`);
    } else {
      console.error(err);
    }
    process.exit(1);
  },
);
