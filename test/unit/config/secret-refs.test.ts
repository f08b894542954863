// validate's offline checks of secret references: where each problem is
// reported (file:line:col), what it says, and that each values file and each
// sops file is looked at once however many layers name it.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { makeBoundary } from '../../../src/config/boundary.ts';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { DEFAULT_LIMITS } from '../../../src/config/limits.ts';
import { quoteRef, secretRefDiagnostics } from '../../../src/config/secret-refs.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { tempDir } from '../../support/tmp.ts';

/** A repository on disk, loaded. */
function repoOf(files: Record<string, string>): { dir: string; load: ReturnType<typeof loadDeployRepo> } {
  const dir = tempDir('hc-secret-refs-');
  const all: Record<string, string> = {
    'clusters.yaml': 'clusters:\n  a: { context: ctx-a }\n',
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
    'secrets/s.enc.yaml': 'db:\n  password: ENC[AES256_GCM,data:x,type:str]\n  user: ENC[AES256_GCM,data:y,type:str]\nsops:\n  version: 3.8.1\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, load: loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir }) };
}

/** Every diagnostic of a repository as file:line:col: message. */
const problems = (files: Record<string, string>): string[] => repoOf(files).load.diagnostics.map(formatDiagnostic);

const release = (extra: string) => `name: web\nnamespace: web\nchart:\n  ref: charts/web\n${extra}`;
const notFound = (file: string) => `sops file not found: ${file} (paths are relative to the folder holding clusters.yaml)`;

describe('secret references, checked offline', () => {
  it('a long reference is quoted up to 200 characters', () => {
    const at200 = `ref+vault://${'p'.repeat(188)}`;
    assert.equal(quoteRef(at200), JSON.stringify(at200));
    assert.equal(quoteRef(`${at200}#key`), JSON.stringify(`${at200}...`));
    assert.equal(quoteRef('ref+sops://a "b"'), '"ref+sops://a \\"b\\""');
  });

  it('a sops reference to a present, encrypted file holding the value passes; so does a vault reference', () => {
    assert.deepEqual(problems({ 'releases/web.yaml': release('set:\n  pw: ref+sops://secrets/s.enc.yaml#/db/password\n  token: ref+vault://secret/data/web#token\n') }), []);
  });

  it('a sops file that is missing, a folder, unparsable, or not a sops-encrypted map', () => {
    const lines = problems({
      'releases/web.yaml': release(
        'set:\n  a: ref+sops://secrets/none.yaml#/x\n  b: ref+sops://secrets#/x\n  c: ref+sops://secrets/bad.yaml#/x\n  d: ref+sops://secrets/text.yaml#/x\n  e: ref+sops://secrets/empty.yaml#/x\n  f: ref+sops://secrets/plain.yaml#/x\n',
      ),
      'secrets/bad.yaml': 'x: [1\n',
      'secrets/text.yaml': 'just text\n',
      'secrets/empty.yaml': '',
      'secrets/plain.yaml': 'x: 1\n',
    });
    const unencrypted = (f: string) => `${f} is not sops-encrypted (no "sops" metadata): encrypt it with sops --encrypt`;
    assert.deepEqual(lines, [
      `releases/web.yaml:6:6: secret reference "ref+sops://secrets/none.yaml#/x": ${notFound('secrets/none.yaml')}`,
      `releases/web.yaml:7:6: secret reference "ref+sops://secrets#/x": ${notFound('secrets')}`,
      'releases/web.yaml:8:6: secret reference "ref+sops://secrets/bad.yaml#/x": sops file secrets/bad.yaml does not parse as YAML or JSON',
      `releases/web.yaml:9:6: secret reference "ref+sops://secrets/text.yaml#/x": ${unencrypted('secrets/text.yaml')}`,
      `releases/web.yaml:10:6: secret reference "ref+sops://secrets/empty.yaml#/x": ${unencrypted('secrets/empty.yaml')}`,
      `releases/web.yaml:11:6: secret reference "ref+sops://secrets/plain.yaml#/x": ${unencrypted('secrets/plain.yaml')}`,
    ]);
  });

  it('a value the sops file does not hold: the keys there are named, when there are any', () => {
    const lines = problems({ 'releases/web.yaml': release('set:\n  a: ref+sops://secrets/s.enc.yaml#/db/pass\n  b: ref+sops://secrets/s.enc.yaml#/db/user/x\n') });
    assert.deepEqual(lines, [
      'releases/web.yaml:6:6: secret reference "ref+sops://secrets/s.enc.yaml#/db/pass": secrets/s.enc.yaml has no /db/pass (keys there: password, user)',
      'releases/web.yaml:7:6: secret reference "ref+sops://secrets/s.enc.yaml#/db/user/x": secrets/s.enc.yaml has no /db/user/x',
    ]);
  });

  it('a values file named by several layers is checked once, at its own lines', () => {
    const lines = problems({
      'releases/web.yaml': release('values: [values/common.yaml]\nclusters:\n  a:\n    values: [values/common.yaml]\n'),
      'values/common.yaml': 'image: web\ndb:\n  password: ref+sops://secrets/s.enc.yaml#/db/pw\n',
    });
    assert.deepEqual(lines, ['values/common.yaml:3:13: secret reference "ref+sops://secrets/s.enc.yaml#/db/pw": secrets/s.enc.yaml has no /db/pw (keys there: password, user)']);
  });

  it('a values file with a problem of its own has only that problem reported', () => {
    const lines = problems({
      'releases/web.yaml': release('values: [values/tagged.yaml]\n'),
      'values/tagged.yaml': 'a: !custom x\nb: ref+sops://secrets/none.yaml#/x\n',
    });
    assert.deepEqual(lines, ['values/tagged.yaml:1:4: YAML syntax: Unresolved tag']);
  });
  it('asked directly: a values file named twice yields its problems once; without the release file\'s positions, set: problems are at its start', () => {
    const { dir, load } = repoOf({
      'releases/web.yaml': release('set: { token: "ref+vault://x" }\nvalues: [values/common.yaml]\nclusters:\n  a:\n    values: [values/common.yaml, values/none.yaml]\n'),
      'values/common.yaml': 'db:\n  password: ref+sops://secrets/s.enc.yaml#/db/pw\n',
    });
    const ctx = { root: dir, boundary: makeBoundary(dir), limits: DEFAULT_LIMITS, shown: (abs: string) => relative(dir, abs), files: new Map() };
    assert.deepEqual(secretRefDiagnostics(load.repo!, ctx).map(formatDiagnostic), [
      'releases/web.yaml:1:1: secret reference "ref+vault://x" names no key: write ref+vault://PATH#KEY (e.g. ref+vault://secret/data/app#password)',
      'values/common.yaml:2:13: secret reference "ref+sops://secrets/s.enc.yaml#/db/pw": secrets/s.enc.yaml has no /db/pw (keys there: password, user)',
    ]);
  });
});
