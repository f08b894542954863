// drift's metrics flags as a user types them: bad input exits 4 before any cluster is read.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';

const root = join(import.meta.dirname, '..', '..');
const cli = (args: string[], env: Record<string, string> = {}) => execa(process.execPath, [join(root, 'bin', 'helm-cascade.js'), ...args], { cwd: root, reject: false, env: { NO_COLOR: '1', ...env } });

describe('helm-cascade drift: metrics flags', () => {
  it('--pushgateway without an http(s) URL: exit 4, the value named', async () => {
    const r = await cli(['drift', '--pushgateway', 'pushgateway:9091']);
    assert.equal(r.exitCode, 4);
    assert.equal(r.stderr.trim(), 'helm-cascade: --pushgateway expects the http(s) URL of a Prometheus Pushgateway (e.g. http://pushgateway:9091), not "pushgateway:9091"');
  });
  it('$HELM_CASCADE_PUSHGATEWAY_URL is checked the same way', async () => {
    const r = await cli(['drift'], { HELM_CASCADE_PUSHGATEWAY_URL: 'ftp://gw' });
    assert.equal(r.exitCode, 4);
    assert.equal(r.stderr.trim(), 'helm-cascade: --pushgateway expects the http(s) URL of a Prometheus Pushgateway (e.g. http://pushgateway:9091), not "ftp://gw"');
  });
  it('prometheus and text both on standard output: exit 4', async () => {
    const r = await cli(['drift', '--format', 'prometheus,text']);
    assert.equal(r.exitCode, 4);
    assert.equal(r.stderr.trim(), 'helm-cascade: --format prometheus,text: only one format can go to standard output; give the others a file (e.g. json=drift.json)');
  });
});
