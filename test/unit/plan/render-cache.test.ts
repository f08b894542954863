// The render cache on disk: a render read back by its key, other keys miss,
// owner-only files, a render holding a Secret never kept, what older versions
// kept removed, an unwritable folder costs only a render.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { diskRenderCache, holdsSecret, renderCacheKey } from '../../../src/plan/render-cache.ts';
import { tempDir } from '../../support/tmp.ts';

describe('render cache', () => {
  it('keys on the inputs, IsUpgrade and the exact helm version', () => {
    const k = renderCacheKey('digest', true, 'v3.17.3');
    assert.match(k, /^[0-9a-f]{64}$/);
    assert.notEqual(renderCacheKey('digest', false, 'v3.17.3'), k);
    assert.notEqual(renderCacheKey('digest', true, 'v3.18.0'), k);
    assert.notEqual(renderCacheKey('other', true, 'v3.17.3'), k);
  });

  it('gives back what was stored, in a 0600 file under a 0700 folder; other keys miss', () => {
    const dir = tempDir('hc-rc-');
    const c = diskRenderCache(dir);
    const k = renderCacheKey('d', false, 'v4.1.4');
    assert.equal(c.get(k), undefined);
    c.set(k, 'kind: ConfigMap\n');
    assert.equal(c.get(k), 'kind: ConfigMap\n');
    assert.equal(c.get(renderCacheKey('e', false, 'v4.1.4')), undefined);
    const file = join(dir, 'renders', 'v2', k.slice(0, 2), `${k}.yaml`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'renders', 'v2', k.slice(0, 2))).mode & 0o777, 0o700);
  });

  it('never keeps a render that holds a Secret (a document or a List item)', () => {
    const dir = tempDir('hc-rc-');
    const c = diskRenderCache(dir);
    const doc = '---\n# Source: db/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata: { name: db }\nstringData: { PASSWORD: "Zq8vN3-pass" }\n';
    const list = 'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: "Secret"\n    metadata: { name: db }\n';
    for (const [i, text] of [doc, list].entries()) {
      const k = renderCacheKey(`d${i}`, false, 'v3.19.0');
      c.set(k, text);
      assert.equal(c.get(k), undefined);
      assert.ok(!existsSync(join(dir, 'renders', 'v2', k.slice(0, 2), `${k}.yaml`)));
    }
    assert.ok(holdsSecret('  - kind: Secret\n'));
    assert.ok(!holdsSecret('kind: SecretProviderClass\n'));
    assert.ok(!holdsSecret('data:\n  note: "the kind: Secret of x"\n'));
  });

  it('removes what older versions kept (rendered Secrets among them) at first use', () => {
    const dir = tempDir('hc-rc-');
    mkdirSync(join(dir, 'renders', 'ab'), { recursive: true });
    writeFileSync(join(dir, 'renders', 'ab', 'ab12.yaml'), 'kind: Secret\nstringData: { PASSWORD: "old-clear-text" }\n');
    const c = diskRenderCache(dir);
    assert.equal(c.get('ab12'), undefined);
    assert.ok(!existsSync(join(dir, 'renders', 'ab')));
  });

  it('a folder it cannot write to is no error', () => {
    const file = join(tempDir('hc-rc-'), 'not-a-folder');
    writeFileSync(file, '');
    const c = diskRenderCache(file);
    c.set('ab12', 'x');
    assert.equal(c.get('ab12'), undefined);
  });
});
