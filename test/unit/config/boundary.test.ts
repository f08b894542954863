// The repository boundary and the limits of files a repository names, on
// hostile repositories written into temp folders: paths that leave the
// repository (relative, absolute, through a symlink) are refused by name,
// before anything outside is opened, and no diagnostic carries any byte of
// a file's content.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkBoundary, makeBoundary } from '../../../src/config/boundary.ts';
import { DEFAULT_LIMITS } from '../../../src/config/limits.ts';
import { loadDeployRepo } from '../../../src/config/load.ts';
import type { LoadOptions } from '../../../src/config/load.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { tempDir } from '../../support/tmp.ts';

const MARKER = 'MARKER-7f3c2a91-do-not-print';

const CLUSTERS = 'clusters:\n  a: { context: ctx-a }\n';
const CHART = { 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n' };

/** A temp folder holding `repo/` (the deploy repository) and `outside/secret.yaml` (a file with the marker). */
function world(files: Record<string, string>, opts: Partial<LoadOptions> = {}, setup?: (base: string) => void): { lines: string[]; base: string } {
  const base = tempDir('hc-boundary-');
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.yaml'), `token: ${MARKER}\n`);
  mkdirSync(join(base, 'repo', 'releases'), { recursive: true });
  writeFileSync(join(base, 'repo', 'clusters.yaml'), CLUSTERS);
  for (const [name, text] of Object.entries({ ...CHART, ...files })) {
    mkdirSync(join(base, 'repo', name, '..'), { recursive: true });
    writeFileSync(join(base, 'repo', name), text.replaceAll('BASE', base));
  }
  setup?.(base);
  const lines = loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: join(base, 'repo'), ...opts }).diagnostics.map(formatDiagnostic);
  for (const l of lines) assert.ok(!l.includes(MARKER) && !l.includes('token'), `content leaked: ${l}`);
  return { lines, base };
}

const release = (extra: string) => ({ 'releases/web.yaml': `name: web\nnamespace: web\nchart:\n  ref: charts/web\n${extra}` });

describe('the repository boundary', () => {
  it('refuses a values file that goes up and out, by name, at its position', () => {
    const { lines } = world(release('values: [../outside/secret.yaml]\n'));
    assert.deepEqual(lines, ['releases/web.yaml:5:10: values file "../outside/secret.yaml" leads outside the deploy repository (paths must stay inside the folder holding clusters.yaml); nothing was read']);
  });

  it('refuses an absolute values path outside the repository', () => {
    const { lines, base } = world(release('values: [BASE/outside/secret.yaml]\n'));
    assert.deepEqual(lines, [`releases/web.yaml:5:10: values file "${base}/outside/secret.yaml" leads outside the deploy repository (paths must stay inside the folder holding clusters.yaml); nothing was read`]);
  });

  it('refuses a values file inside the repository that is a symlink out, without opening its target (a FIFO would block)', () => {
    const { lines } = world(release('values: [values/shared.yaml]\n'), {}, (base) => {
      execFileSync('mkfifo', [join(base, 'outside', 'pipe')]);
      mkdirSync(join(base, 'repo', 'values'));
      symlinkSync(join(base, 'outside', 'pipe'), join(base, 'repo', 'values', 'shared.yaml'));
    });
    assert.deepEqual(lines, ['releases/web.yaml:5:10: values file "values/shared.yaml" leads outside the deploy repository through a symlink (paths must stay inside the folder holding clusters.yaml); nothing was read']);
  });

  it('refuses a folder symlinked out (the symlink in the middle of the path)', () => {
    const { lines } = world(release('values: [shared/secret.yaml]\n'), {}, (base) => symlinkSync(join(base, 'outside'), join(base, 'repo', 'shared')));
    assert.deepEqual(lines, ['releases/web.yaml:5:10: values file "shared/secret.yaml" leads outside the deploy repository through a symlink (paths must stay inside the folder holding clusters.yaml); nothing was read']);
  });

  it('accepts a values file from a folder the operator allowed (--allow-root)', () => {
    const base = tempDir('hc-boundary-');
    const { lines } = world(release(`values: [${join(base, 'shared.yaml')}]\n`), { allowRoots: [base] }, () => writeFileSync(join(base, 'shared.yaml'), 'a: 1\n'));
    assert.deepEqual(lines, []);
  });

  it('refuses local charts that leave the repository (relative, absolute, symlink)', () => {
    const outside = world({ 'releases/web.yaml': 'name: web\nnamespace: web\nchart:\n  ref: ../outside\n' });
    assert.deepEqual(outside.lines, ['releases/web.yaml:4:8: chart folder "../outside" leads outside the deploy repository (paths must stay inside the folder holding clusters.yaml); nothing was read']);
    const abs = world({ 'releases/web.yaml': 'name: web\nnamespace: web\nchart:\n  ref: BASE/outside\n' });
    assert.deepEqual(abs.lines, [`releases/web.yaml:4:8: chart folder "${abs.base}/outside" leads outside the deploy repository (paths must stay inside the folder holding clusters.yaml); nothing was read`]);
    const link = world({ 'releases/web.yaml': 'name: web\nnamespace: web\nchart:\n  ref: charts/linked\n' }, {}, (base) => symlinkSync(join(base, 'outside'), join(base, 'repo', 'charts', 'linked')));
    assert.deepEqual(link.lines, ['releases/web.yaml:4:8: chart folder "charts/linked" leads outside the deploy repository through a symlink (paths must stay inside the folder holding clusters.yaml); nothing was read']);
  });

  it('refuses a release file that is a symlink out, and a releases folder outside', () => {
    const file = world({}, {}, (base) => symlinkSync(join(base, 'outside', 'secret.yaml'), join(base, 'repo', 'releases', 'evil.yaml')));
    assert.deepEqual(file.lines, ['releases/evil.yaml:1:1: release file "releases/evil.yaml" leads outside the deploy repository through a symlink (paths must stay inside the folder holding clusters.yaml); nothing was read']);
    const dir = world({}, { releasesDir: '../outside' });
    assert.equal(dir.lines.length, 1);
    assert.match(dir.lines[0]!, /: the releases folder "\.\.\/outside" leads outside the deploy repository \(/);
  });

  it('checkBoundary: inside as written and as resolved; missing files inside are left to "not found"', () => {
    const base = tempDir('hc-boundary-');
    mkdirSync(join(base, 'repo'));
    const b = makeBoundary(join(base, 'repo'));
    assert.deepEqual(checkBoundary('x/../y.yaml', join(base, 'repo'), b), { inside: true, real: undefined });
    assert.deepEqual(checkBoundary('x/../../y.yaml', join(base, 'repo'), b), { inside: false, via: 'path' });
    assert.deepEqual(checkBoundary('/etc/passwd', join(base, 'repo'), b), { inside: false, via: 'path' });
  });
});

describe('values files: the limits plan applies, checked by validate', () => {
  it('an alias bomb is refused at its first alias', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]},*${'abcdefgh'[i]}]`)].join('\n');
    const { lines } = world({ ...release('values: [values/bomb.yaml]\n'), 'values/bomb.yaml': `${bomb}\n` });
    assert.deepEqual(lines, ['values/bomb.yaml:2:8: YAML: more than 1000 alias expansions (HELM_CASCADE_MAX_YAML_ALIASES); refused as an alias bomb']);
  });

  it('duplicate keys and a values file that is not a map are reported with file:line:col and no content', () => {
    const { lines } = world({ ...release('values: [values/dup.yaml, values/str.yaml]\n'), 'values/dup.yaml': `a: 1\na: ${MARKER}\n`, 'values/str.yaml': `"${MARKER}"\n` });
    assert.deepEqual(lines, ['values/dup.yaml:2:1: YAML syntax: Map keys must be unique', 'values/str.yaml:1:1: a values file must be a map, got a string (28 bytes)']);
  });

  it('a YAML message that would quote the source keeps only its fixed text', () => {
    const { lines } = world({ ...release('values: [values/tag.yaml]\n'), 'values/tag.yaml': `a: !${MARKER} x\n` });
    assert.deepEqual(lines, ['values/tag.yaml:1:4: YAML syntax: Unresolved tag']);
  });

  it('a file over the size limit is refused without being parsed', () => {
    const { lines } = world({ ...release('values: [values/big.yaml]\n'), 'values/big.yaml': `a: "${'x'.repeat(2000)}"\n` }, { limits: { ...DEFAULT_LIMITS, maxFileBytes: 1024 } });
    assert.deepEqual(lines, ['values/big.yaml:1:1: file is 2 KiB, over the limit of 1 KiB per file (HELM_CASCADE_MAX_FILE_BYTES); nothing was parsed']);
  });

  it('more release files than the limit are refused before any is read', () => {
    const files = Object.fromEntries(['a', 'b', 'c'].map((n) => [`releases/${n}.yaml`, `name: ${n}\nnamespace: x\nchart: { ref: charts/web }\n`]));
    const { lines } = world(files, { limits: { ...DEFAULT_LIMITS, maxReleases: 2 } });
    assert.deepEqual(lines, ['releases:1:1: 3 release files, over the limit of 2 (HELM_CASCADE_MAX_RELEASES); nothing was read']);
  });

  it('a set: path deeper than the limit is refused at the set key', () => {
    const { lines } = world(release(`set: { "a.b.c": { "d.e": 1 } }\n`), { limits: { ...DEFAULT_LIMITS, maxSetDepth: 4 } });
    assert.deepEqual(lines, ['releases/web.yaml:5:6: set: the path starting "a" is 5 keys deep, over the limit of 4 (HELM_CASCADE_MAX_SET_DEPTH)']);
  });
});

describe('symlinks inside a local chart', () => {
  it('a chart whose templates/ holds a symlink out is refused (helm would render the target)', () => {
    const { lines } = world(release(''), {}, (base) => {
      mkdirSync(join(base, 'repo', 'charts', 'web', 'templates'));
      symlinkSync(join(base, 'outside', 'secret.yaml'), join(base, 'repo', 'charts', 'web', 'templates', 'cm.yaml'));
    });
    assert.deepEqual(lines, ['releases/web.yaml:4:8: chart charts/web: the symlink "templates/cm.yaml" leads outside the deploy repository through a symlink (paths must stay inside the folder holding clusters.yaml); nothing was read']);
  });

  it('a symlink that stays inside the repository is fine', () => {
    const { lines } = world(release(''), {}, (base) => {
      writeFileSync(join(base, 'repo', 'shared.txt'), 'x');
      symlinkSync(join(base, 'repo', 'shared.txt'), join(base, 'repo', 'charts', 'web', 'shared.txt'));
    });
    assert.deepEqual(lines, []);
  });
});

describe('file:// dependencies of a local chart', () => {
  it('a dependency outside the repository is refused; one inside is fine', () => {
    const out = world({ ...release(''), 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - { name: lib, version: 1.0.0, repository: "file://../../../outside" }\n' });
    assert.deepEqual(out.lines, ['releases/web.yaml:4:8: chart charts/web: the file:// dependency "file://../../../outside" leads outside the deploy repository (paths must stay inside the folder holding clusters.yaml); nothing was read']);
    const inside = world({ ...release(''), 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - { name: lib, version: 1.0.0, repository: "file://../lib" }\n', 'charts/lib/Chart.yaml': 'apiVersion: v2\nname: lib\nversion: 1.0.0\n' });
    assert.deepEqual(inside.lines, []);
  });
});

describe('schema messages', () => {
  it('a short word in a fixed-choice field is quoted; anything longer is described, never printed', () => {
    const base = tempDir('hc-boundary-');
    mkdirSync(join(base, 'releases'));
    writeFileSync(join(base, 'clusters.yaml'), `${CLUSTERS}onFailure: "${MARKER}-and-then-some-more-text"\nhealth: { timeout: soon }\n`);
    const lines = loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: base }).diagnostics.map(formatDiagnostic);
    assert.deepEqual(lines, ['clusters.yaml:3:12: onFailure must be one of rollback, halt, got a string (52 bytes)', 'clusters.yaml:4:20: health.timeout: bad duration "soon" (write e.g. 30s, 5m, 1h30m)']);
  });
});
