// The JSON Schemas compiled ahead of time: the generated validators answer as
// Ajv does; a cache entry is keyed by the schema files' content, so a changed
// schema is compiled again, never served stale.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateValidatorCode, loadSchemaValidators } from '../../../src/config/schema-validators.ts';

const schema = (n: string) => readFileSync(join(import.meta.dirname, '..', '..', '..', 'schema', `${n}.schema.json`), 'utf8');

describe('schema validators compiled ahead of time', () => {
  const texts = { clusters: schema('clusters'), release: schema('release') };

  it('generated code exports both validators and the key of the schema texts', () => {
    const code = generateValidatorCode(texts);
    assert.match(code, /exports\.clusters = /);
    assert.match(code, /exports\.release = /);
    assert.match(code, /exports\.key = "[0-9a-f]{32}";/);
    assert.doesNotMatch(code, /require\("ajv"\)/, 'only Ajv runtime helpers, not Ajv');
  });

  it('first use compiles into the cache; the cached code is used next; another schema gets its own entry', () => {
    const cache = mkdtempSync(join(tmpdir(), 'hc-schema-cache-'));
    const env = { XDG_CACHE_HOME: cache };
    const v = loadSchemaValidators(texts, env);
    assert.equal(v.clusters({ clusters: { a: { context: 'x' } } }), true);
    assert.equal(v.clusters({ clusters: { a: { provider: 'gke' } } }), false);
    assert.ok(v.clusters.errors?.some((e) => e.keyword === 'required'));
    const dir = join(cache, 'helm-cascade', 'schema-validators');
    assert.equal(readdirSync(dir).length, 1);
    assert.equal(loadSchemaValidators(texts, env).release({ name: 'a', namespace: 'n', chart: { ref: 'x' } }), true);
    const changed = { ...texts, release: texts.release.replace('"title"', '"$comment": "changed", "title"') };
    loadSchemaValidators(changed, env);
    assert.equal(readdirSync(dir).length, 2, 'a changed schema is compiled again');
    assert.ok(existsSync(dir));
  });
});
