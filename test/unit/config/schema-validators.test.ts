// The JSON Schemas compiled ahead of time: the generated validators answer as
// Ajv does; a cache entry is keyed by the schema files' content, so a changed
// schema is compiled again, never served stale.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateValidatorCode, loadSchemaValidators } from '../../../src/config/schema-validators.ts';
import { tempDir } from '../../support/tmp.ts';

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
    const cache = tempDir('hc-schema-cache-');
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
  const keyOf = (code: string) => /exports\.key = "([0-9a-f]{32})";/.exec(code)![1]!;
  /** Code that passes for cached validators of `key` and answers every value with `answer`. */
  const planted = (key: string, answer: string) => `exports.key = ${JSON.stringify(key)};\nexports.clusters = () => ${JSON.stringify(answer)};\nexports.release = () => ${JSON.stringify(answer)};\n`;

  it('a cache entry of the right key is used as it is, without compiling', () => {
    const cache = tempDir('hc-schema-cache-');
    const key = keyOf(generateValidatorCode(texts));
    const dir = join(cache, 'helm-cascade', 'schema-validators');
    loadSchemaValidators(texts, { XDG_CACHE_HOME: cache });
    assert.deepEqual(readdirSync(dir), [`${key}.cjs`]);
    writeFileSync(join(dir, `${key}.cjs`), planted(key, 'from the cache'));
    const v = loadSchemaValidators(texts, { XDG_CACHE_HOME: cache });
    assert.equal(v.clusters({}), 'from the cache');
    assert.equal(v.release({}), 'from the cache');
  });

  it('an entry whose code names another key is compiled again and replaced, never served', () => {
    const cache = tempDir('hc-schema-cache-');
    const key = keyOf(generateValidatorCode(texts));
    const file = join(cache, 'helm-cascade', 'schema-validators', `${key}.cjs`);
    loadSchemaValidators(texts, { XDG_CACHE_HOME: cache });
    writeFileSync(file, planted('0'.repeat(32), 'stale'));
    const v = loadSchemaValidators(texts, { XDG_CACHE_HOME: cache });
    assert.equal(v.clusters({ clusters: { a: { context: 'x' } } }), true);
    assert.equal(v.clusters({}), false);
    assert.equal(keyOf(readFileSync(file, 'utf8')), key, 'the entry is rewritten');
  });

  it('the cache entry is readable by its owner only', () => {
    const cache = tempDir('hc-schema-cache-');
    loadSchemaValidators(texts, { XDG_CACHE_HOME: cache });
    const dir = join(cache, 'helm-cascade', 'schema-validators');
    assert.equal(statSync(join(dir, readdirSync(dir)[0]!)).mode & 0o777, 0o600);
  });

  it('without XDG_CACHE_HOME (or with it empty) the cache is ~/.cache', () => {
    const home = process.env.HOME;
    try {
      for (const env of [{}, { XDG_CACHE_HOME: '' }]) {
        process.env.HOME = tempDir('hc-home-');
        loadSchemaValidators(texts, env);
        assert.equal(readdirSync(join(process.env.HOME, '.cache', 'helm-cascade', 'schema-validators')).length, 1);
      }
    } finally {
      if (home === undefined) delete process.env.HOME;
      else process.env.HOME = home;
    }
  });
});
