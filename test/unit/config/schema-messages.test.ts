// The JSON Schema errors of config/schema.ts as a user reads them: each Ajv
// keyword turned into one plain message at the offending value's file:line:col
// (a repository written to a temporary folder, then loaded).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { tempDir } from '../../support/tmp.ts';

const CHART = { 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n' };
const ONE = 'clusters:\n  a: { context: ca }\n';

/** Writes the files (paths relative to the repository) into a temp folder, loads clusters.yaml there, and returns every diagnostic as file:line:col: message. */
function check(files: Record<string, string>): string[] {
  const dir = tempDir('hc-schema-messages-');
  mkdirSync(join(dir, 'releases'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir }).diagnostics.map(formatDiagnostic);
}

/** A release file `releases/web.yaml` (with `extra` appended) beside a one-cluster clusters.yaml. */
const web = (extra: string, head = 'name: web\nnamespace: web\n') => ({ 'clusters.yaml': ONE, 'releases/web.yaml': `${head}chart: { ref: charts/web }\n${extra}`, ...CHART });

describe('schema messages: patterns', () => {
  it('a bad duration, a URL that is not http(s), a name that is not a name: each with its own hint', () => {
    assert.deepEqual(check({ 'clusters.yaml': `${ONE}health: { timeout: 5 minutes }\nrepositories:\n  - { name: r, url: "ftp://x" }\ntracks: [Canary]\n` }), [
      'clusters.yaml:3:20: health.timeout: bad duration "5 minutes" (write e.g. 30s, 5m, 1h30m)',
      'clusters.yaml:5:21: repositories[0].url: "ftp://x" is not an http(s) URL',
      `clusters.yaml:6:10: tracks[0]: "Canary" is not a valid name (lower-case letters, digits and '-')`,
    ]);
  });

  it('a bad key name is reported once, by its pattern, not again by propertyNames', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  A_b: { context: ca }\n' }), [`clusters.yaml:2:3: clusters: "A_b" is not a valid name (lower-case letters, digits and '-')`]);
  });
});

describe('schema messages: the offending value, quoted or described', () => {
  const preset = (v: string) => check({ 'clusters.yaml': `${ONE}policies:\n  - { preset: ${v} }\n` });
  const prefix = 'clusters.yaml:4:15: policies[0].preset must be one of resources, probes, required-labels, no-latest, placement, got ';

  it('a short printable word is quoted, up to 40 bytes', () => {
    assert.deepEqual(preset('limits'), [`${prefix}"limits"`]);
    assert.deepEqual(preset('x'.repeat(40)), [`${prefix}"${'x'.repeat(40)}"`]);
  });

  it('a longer value, or one with a character outside printable ASCII (at either end), is only described', () => {
    assert.deepEqual(preset('x'.repeat(41)), [`${prefix}a string (41 bytes)`]);
    assert.deepEqual(preset('"\\u00e9tiquette"'), [`${prefix}a string (10 bytes)`]);
    assert.deepEqual(preset('"etiquett\\u00e9"'), [`${prefix}a string (10 bytes)`]);
    assert.deepEqual(preset('"ab\\tcd"'), [`${prefix}a string (5 bytes)`]);
  });
});

describe('schema messages: types, with the expected type in words', () => {
  it('a map, a list, a string, an integer, a number, true or false', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { context: 7, labels: x, api: { burst: 1.5, qps: x } }\npolicies: { x: 1 }\n' }), [
      'clusters.yaml:2:17: clusters.a.context must be a string, got a whole number',
      'clusters.yaml:2:28: clusters.a.labels must be a map, got a string (1 byte)',
      'clusters.yaml:2:45: clusters.a.api.burst must be an integer, got a number',
      'clusters.yaml:2:55: clusters.a.api.qps must be a number, got a string (1 byte)',
      'clusters.yaml:3:11: policies must be a list, got a map (1 key)',
    ]);
    assert.deepEqual(check(web('clusters:\n  a: { enabled: "no" }\n')), ['releases/web.yaml:5:17: clusters.a.enabled must be true or false, got a string (2 bytes)']);
  });
});

describe('schema messages: paths', () => {
  it('list indexes of more than one digit in brackets, keys that only start with a digit as keys; the position is the value\'s', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { context: ca, labels: { 2x: 1 } }\ntracks: [t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, Bad]\n' }), [
      'clusters.yaml:2:35: clusters.a.labels.2x must be a string, got a whole number',
      `clusters.yaml:3:50: tracks[10]: "Bad" is not a valid name (lower-case letters, digits and '-')`,
    ]);
  });

  it('a key with "/" and "~" in it is named as written, at its value', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { context: ca, labels: { "a/b~c": 1 } }\n' }), ['clusters.yaml:2:40: clusters.a.labels.a/b~c must be a string, got a whole number']);
  });
});

describe('schema messages: one keyword, one sentence', () => {
  it('context and inCluster together', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { context: ca, inCluster: true }\n' }), ['clusters.yaml:2:6: clusters.a: give either context: or inCluster: true, not both']);
  });

  it('an empty map, an empty list, an empty string', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters: {}\n' }), ['clusters.yaml:1:11: clusters must not be empty']);
    assert.deepEqual(check({ 'clusters.yaml': `${ONE}policies:\n  - { name: r, match: { kinds: [] }, expression: "true" }\n` }), ['clusters.yaml:4:32: policies[0].match.kinds must not be empty']);
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { context: "" }\n' }), ['clusters.yaml:2:17: clusters.a.context must not be empty']);
  });

  it('the same entry twice', () => {
    assert.deepEqual(check({ 'clusters.yaml': `${ONE}tracks: [canary, canary]\n` }), ['clusters.yaml:3:9: tracks lists the same entry twice']);
  });

  it('out of range, below and above', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { context: ca, api: { burst: 0, qps: 0 } }\n' }), [
      'clusters.yaml:2:35: clusters.a.api.burst must be >= 1',
      'clusters.yaml:2:43: clusters.a.api.qps must be > 0',
    ]);
  });

  it('too long, with the limit', () => {
    assert.deepEqual(check(web('', `name: ${'a'.repeat(41)}\nnamespace: web\n`)), ['releases/web.yaml:1:7: name is too long (must NOT have more than 40 characters)']);
  });

  it('any other keyword: the schema\'s own sentence', () => {
    assert.deepEqual(check({ 'clusters.yaml': 'clusters:\n  a: { inCluster: false }\n' }), ['clusters.yaml:2:19: clusters.a.inCluster must be equal to constant']);
  });
});

describe('schema messages: unknown keys', () => {
  it('a near miss of a long key gets a guess (up to a third of its length off); a far one the list of keys', () => {
    assert.deepEqual(check({ 'clusters.yaml': `${ONE}policies:\n  - { name: r, match: { kinds: [Pod] }, expression: "true", mesageExpresio: x, zz: 1 }\n` }), [
      'clusters.yaml:4:61: unknown key "mesageExpresio" in policies[0] (did you mean "messageExpression"?)',
      'clusters.yaml:4:80: unknown key "zz" in policies[0] (allowed: name, preset, match, variables, expression, message, messageExpression, action, labels, require, providers)',
    ]);
  });
});
