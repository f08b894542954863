// The render cache on disk: a render read back by its key, other keys miss,
// rendered Secrets kept in owner-only files, an unwritable folder costs only
// a render.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diskRenderCache, renderCacheKey } from '../../../src/plan/render-cache.ts';

describe('render cache', () => {
  it('keys on the inputs, IsUpgrade and the exact helm version', () => {
    const k = renderCacheKey('digest', true, 'v3.17.3');
    assert.match(k, /^[0-9a-f]{64}$/);
    assert.notEqual(renderCacheKey('digest', false, 'v3.17.3'), k);
    assert.notEqual(renderCacheKey('digest', true, 'v3.18.0'), k);
    assert.notEqual(renderCacheKey('other', true, 'v3.17.3'), k);
  });

  it('gives back what was stored, in a 0600 file under a 0700 folder; other keys miss', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hc-rc-'));
    const c = diskRenderCache(dir);
    const k = renderCacheKey('d', false, 'v4.1.4');
    assert.equal(c.get(k), undefined);
    c.set(k, 'kind: Secret\n');
    assert.equal(c.get(k), 'kind: Secret\n');
    assert.equal(c.get(renderCacheKey('e', false, 'v4.1.4')), undefined);
    const file = join(dir, 'renders', k.slice(0, 2), `${k}.yaml`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'renders', k.slice(0, 2))).mode & 0o777, 0o700);
  });

  it('a folder it cannot write to is no error', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hc-rc-')), 'not-a-folder');
    writeFileSync(file, '');
    const c = diskRenderCache(file);
    c.set('ab12', 'x');
    assert.equal(c.get('ab12'), undefined);
  });
});
