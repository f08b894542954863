// The JSON Schemas as editors show them (schema/*.json): every property of
// clusters.yaml and of a release file carries a description (an editor's
// hover), every default the schemas state is a valid value and the one the
// loader really applies (config/load.ts), so the schema never documents a
// default the tool does not have.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDuration } from '../../../src/config/duration.ts';
import { DEFAULT_HEALTH, loadDeployRepo } from '../../../src/config/load.ts';
import { tempDir } from '../../support/tmp.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
type Schema = Record<string, unknown>;
const read = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schema', name), 'utf8')) as Schema;
const SCHEMAS = { 'clusters.schema.json': read('clusters.schema.json'), 'release.schema.json': read('release.schema.json') };

interface Property {
  file: string;
  /** Readable: .clusters.*.enabled, #.health.timeout (# = definitions), .http[].url */
  path: string;
  /** JSON pointer into the file. */
  pointer: string;
  schema: Schema;
}

const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const VALUES = new Set(['examples', 'default', 'enum', 'const']);

/** Every property the schema declares (under properties, at any depth: definitions, items, additionalProperties, allOf...). */
function properties(file: string, node: unknown, at: { path: string; pointer: string }, out: Property[] = []): Property[] {
  if (Array.isArray(node)) node.forEach((n, i) => properties(file, n, { path: at.path, pointer: `${at.pointer}/${i}` }, out));
  if (!isObj(node)) return out;
  for (const [key, value] of Object.entries(node)) {
    const pointer = `${at.pointer}/${key}`;
    if (key === 'properties' && isObj(value)) {
      for (const [name, prop] of Object.entries(value)) {
        const here = { path: `${at.path}.${name}`, pointer: `${pointer}/${name}` };
        if (isObj(prop)) out.push({ file, ...here, schema: prop });
        properties(file, prop, here, out);
      }
    } else if (key === 'definitions' && isObj(value)) {
      for (const [name, def] of Object.entries(value)) properties(file, def, { path: `#.${name}`, pointer: `${pointer}/${name}` }, out);
    } else if (!VALUES.has(key)) {
      const path = key === 'items' ? `${at.path}[]` : key === 'additionalProperties' ? `${at.path}.*` : at.path;
      properties(file, value, { path, pointer }, out);
    }
  }
  return out;
}

const ALL = Object.entries(SCHEMAS).flatMap(([file, s]) => properties(file, s, { path: '', pointer: '' }));

describe('the JSON Schemas editors read', () => {
  it('walk every property (sanity: the walk finds what the files hold)', () => {
    assert.ok(ALL.length >= 86, `only ${ALL.length} properties found`);
    for (const p of ['.clusters', '.waves', '#.health.timeout', '#.policy.variables[].expression', '.clusters.*.enabled', '.ignoreDifferences[].jsonPointers', '#.layer.set']) {
      assert.ok(ALL.some((a) => a.path === p), `${p} not walked: ${ALL.map((a) => a.path).join(' ')}`);
    }
  });

  it('describe every property', () => {
    const missing = ALL.filter((p) => typeof p.schema.description !== 'string' || p.schema.description.trim().length < 8).map((p) => `${p.file} ${p.path}`);
    assert.deepEqual(missing, [], `properties without a description:\n${missing.join('\n')}`);
  });

  it('state only defaults that are valid values of the property', () => {
    const require = createRequire(import.meta.url);
    const Ajv = require('ajv').default as typeof import('ajv').default;
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const s of Object.values(SCHEMAS)) ajv.addSchema(s);
    const withDefault = ALL.filter((p) => 'default' in p.schema);
    assert.ok(withDefault.length >= 20, `only ${withDefault.length} defaults`);
    for (const p of withDefault) {
      const check = ajv.compile({ $ref: `${String(SCHEMAS[p.file as keyof typeof SCHEMAS].$id)}#${p.pointer}` });
      assert.ok(check(p.schema.default), `${p.file} ${p.path}: default ${JSON.stringify(p.schema.default)} is not valid: ${ajv.errorsText(check.errors)}`);
    }
    // the check can fail: a default of the wrong type is refused
    const timeout = ALL.find((p) => p.path === '#.health.timeout')!;
    assert.equal(ajv.compile({ $ref: `https://helm-cascade.dev/schema/clusters.schema.json#${timeout.pointer}` })(5), false);
  });
});

describe('the schemas\' defaults are the loader\'s', () => {
  const def = (file: keyof typeof SCHEMAS, path: string) => {
    const p = ALL.find((a) => a.file === file && a.path === path);
    assert.ok(p && 'default' in p.schema, `${file} ${path} has no default`);
    return p.schema.default;
  };
  const dir = tempDir('hc-schema-defaults-');
  mkdirSync(join(dir, 'releases'));
  mkdirSync(join(dir, 'charts', 'web'), { recursive: true });
  writeFileSync(join(dir, 'charts', 'web', 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 1.0.0\n');
  // nothing optional given, except one http check without expectStatus and one cluster overlay without enabled
  writeFileSync(join(dir, 'clusters.yaml'), 'clusters:\n  a: { context: ctx-a }\nhealth:\n  http: [{ url: "http://a.example/healthz" }]\n');
  writeFileSync(join(dir, 'releases', 'web.yaml'), 'name: web\nnamespace: web\nchart: { ref: ./charts/web }\nclusters:\n  a: {}\n');
  const { repo, diagnostics } = loadDeployRepo({ clustersFile: join(dir, 'clusters.yaml') });

  it('loads the repository that leaves everything out', () => {
    assert.deepEqual(diagnostics, []);
    assert.ok(repo);
  });

  it('health: timeout, soak, minReadyEndpoints, maxRestarts, restartWindow, maxRecentRestarts, http, expectStatus', () => {
    assert.equal(parseDuration(String(def('clusters.schema.json', '#.health.timeout'))), DEFAULT_HEALTH.timeoutMs);
    assert.equal(parseDuration(String(def('clusters.schema.json', '#.health.soak'))), DEFAULT_HEALTH.soakMs);
    assert.equal(def('clusters.schema.json', '#.health.minReadyEndpoints'), DEFAULT_HEALTH.minReadyEndpoints);
    assert.equal(def('clusters.schema.json', '#.health.maxRestarts'), DEFAULT_HEALTH.maxRestarts);
    assert.equal(parseDuration(String(def('clusters.schema.json', '#.health.restartWindow'))), DEFAULT_HEALTH.restartWindowMs);
    assert.equal(def('clusters.schema.json', '#.health.maxRecentRestarts'), DEFAULT_HEALTH.maxRecentRestarts);
    assert.deepEqual(def('clusters.schema.json', '#.health.http'), DEFAULT_HEALTH.http);
    const health = repo!.config.health;
    assert.equal(health.timeoutMs, DEFAULT_HEALTH.timeoutMs);
    assert.equal(health.http[0]?.expectStatus, def('clusters.schema.json', '#.health.http[].expectStatus'));
  });

  it('clusters.yaml: tracks, onFailure, cascadeValues, repositories, policies, labels', () => {
    const c = repo!.config;
    assert.deepEqual(c.tracks, def('clusters.schema.json', '.tracks'));
    assert.equal(c.onFailure, def('clusters.schema.json', '.onFailure'));
    assert.equal(c.cascadeValues, def('clusters.schema.json', '.cascadeValues'));
    assert.deepEqual(c.repositories, def('clusters.schema.json', '.repositories'));
    assert.deepEqual(c.policies, def('clusters.schema.json', '.policies'));
    assert.deepEqual(c.clusters[0]?.labels, def('clusters.schema.json', '#.cluster.labels'));
  });

  it('a release: enabled, repositories, ignoreDifferences, policyExceptions', () => {
    const r = repo!.releases[0]!;
    assert.equal(r.clusters[0]?.enabled, def('release.schema.json', '.clusters.*.enabled'));
    assert.deepEqual(r.repositories, def('release.schema.json', '.repositories'));
    assert.deepEqual(r.ignoreDifferences, def('release.schema.json', '.ignoreDifferences'));
    assert.deepEqual(r.policyExceptions, def('release.schema.json', '.policyExceptions'));
  });
});
