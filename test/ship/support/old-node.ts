// A Node.js older than helm-cascade's minimum (22.18), for the test that the
// installed command refuses it with the right advice. The system's /usr/bin/node
// when it is old enough; otherwise the official Node 20 build as the npm registry
// ships it (the package node-linux-<arch>, fetched by `npm pack`, which checks its
// integrity), cached by version under ~/.cache/helm-cascade: a machine whose
// system Node is new still runs the test.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { x as untar } from 'tar';

const OLD = '20.19.5';
const MINIMUM: [number, number] = [22, 18];

function versionOf(bin: string): string | undefined {
  if (!existsSync(bin)) return undefined;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function olderThanMinimum(version: string): boolean {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number) as [number, number];
  return major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1]);
}

/** [path, version] of a Node.js older than 22.18. */
export async function oldNode(): Promise<{ bin: string; version: string }> {
  const system = versionOf('/usr/bin/node');
  if (system && olderThanMinimum(system)) return { bin: '/usr/bin/node', version: system };
  const pkg = `node-linux-${process.arch}`;
  const dir = join(homedir(), '.cache', 'helm-cascade', `${pkg}-${OLD}`);
  const bin = join(dir, 'bin', 'node');
  if (!versionOf(bin)) {
    mkdirSync(join(dir, '..'), { recursive: true });
    const tmp = mkdtempSync(`${dir}.tmp-`);
    const packed = spawnSync('npm', ['pack', `${pkg}@${OLD}`, '--pack-destination', tmp, '--silent'], { encoding: 'utf8', cwd: tmp });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (packed.status !== 0 || !tgz) throw new Error(`npm pack ${pkg}@${OLD}: ${packed.stderr}`);
    await untar({ file: join(tmp, tgz), cwd: tmp });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), dir);
    rmSync(tmp, { recursive: true, force: true });
  }
  const version = versionOf(bin);
  if (!version || !olderThanMinimum(version)) throw new Error(`${bin} is ${version ?? 'not runnable'}: not older than ${MINIMUM.join('.')}`);
  return { bin, version };
}
