#!/usr/bin/env node
// Entry point. helm-cascade runs its TypeScript sources directly (Node >= 22.18
// strips types). On an older Node, it re-runs itself with the Node 24 that
// `npm ci` installs into node_modules/.bin.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const local = join(root, 'node_modules', '.bin', 'node');
  if (!existsSync(local)) {
    console.error(`helm-cascade needs Node >= 22.18 (this is ${process.version}); run \`npm ci\` to get one in node_modules/.bin.`);
    process.exit(1);
  }
  const r = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? (r.signal === 'SIGTERM' ? 143 : 130));
}
const { main } = await import('../src/cli.ts');
await main(process.argv);
