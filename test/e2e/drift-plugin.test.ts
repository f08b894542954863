// helm-cascade as a Helm plugin: `helm plugin install <checkout>` with the
// real helm 3 and helm 4, then `helm cascade --help` and `helm cascade drift --help`.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../support/tmp.ts';

const ROOT = join(import.meta.dirname, '..', '..');

for (const major of [3, 4]) {
  describe(`helm ${major} plugin`, () => {
    it('installs from the checkout and runs helm-cascade', () => {
      const helm = join(ROOT, 'node_modules', '.helm-cascade', `helm-v${major}`, 'helm');
      const home = tempDir(`helm${major}-plugin-`);
      // helm 4.1 links a local plugin into $HELM_DATA_HOME/plugins whatever HELM_PLUGINS says: give it a scratch data home
      const env: Record<string, string | undefined> = { ...process.env, HELM_DATA_HOME: join(home, 'data'), HELM_CONFIG_HOME: join(home, 'config'), HELM_CACHE_HOME: join(home, 'cache'), HELM_PLUGINS: undefined };
      delete env.HELM_PLUGINS;
      try {
        const install = spawnSync(helm, ['plugin', 'install', ROOT], { encoding: 'utf8', env });
        assert.equal(install.status, 0, install.stdout + install.stderr);
        const list = spawnSync(helm, ['plugin', 'list'], { encoding: 'utf8', env });
        assert.match(list.stdout, /^cascade\s+0\.1\.0/m);
        const help = spawnSync(helm, ['cascade', '--help'], { encoding: 'utf8', env });
        assert.equal(help.status, 0, help.stderr);
        assert.match(help.stdout, /Usage: helm-cascade/);
        assert.match(help.stdout, /drift/);
        const drift = spawnSync(helm, ['cascade', 'drift', '--help'], { encoding: 'utf8', env });
        assert.match(drift.stdout, /--format <formats>/);
        assert.match(drift.stdout, /--notify <url>/);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  });
}
