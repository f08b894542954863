// The docs are checked like code (issue 25):
// - the reference pages are what scripts/docs-reference.mjs makes of the CLI
//   definition and the JSON Schemas today, and list every command and flag;
// - every relative link of README.md, CONTRIBUTING.md and docs/ resolves, to
//   a file and, with #anchor, to a heading of it;
// - every clusters.yaml or release file shown in README.md or docs/ validates
//   with the real loader (src/config/load.ts), as a user copying it would see.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { buildProgram } from '../../src/cli.ts';
import { loadDeployRepo } from '../../src/config/load.ts';
import { anchors, links, markdownFiles, splitFences } from './support/markdown.ts';
import { tempDir } from '../support/tmp.ts';

const root = resolve(import.meta.dirname, '..', '..');
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
const pages = ['README.md', 'CONTRIBUTING.md', ...markdownFiles(join(root, 'docs')).map((f) => `docs/${f}`)];

describe('docs/reference: generated from the CLI and the schemas', () => {
  it('is what scripts/docs-reference.mjs writes today', async () => {
    const r = await execa(process.execPath, [join(root, 'scripts', 'docs-reference.mjs'), '--check'], { reject: false });
    assert.equal(r.exitCode, 0, `${r.stderr}\nrun: node scripts/docs-reference.mjs`);
  });

  it('lists every visible command with every flag and argument it takes', () => {
    const ref = read('docs/reference/commands.md');
    const sections = new Map(ref.split(/^## /m).slice(1).map((s) => [s.split('\n')[0]?.trim(), s]));
    const commands = buildProgram().commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden);
    assert.ok(commands.length >= 10, `only ${commands.length} commands found`);
    const missing: string[] = [];
    for (const c of commands) {
      const section = sections.get(c.name());
      if (!section) {
        missing.push(`command ${c.name()}`);
        continue;
      }
      for (const o of c.options) if (!o.hidden && !section.includes(`\`${o.flags}\``)) missing.push(`${c.name()} ${o.flags}`);
      for (const a of c.registeredArguments) if (!section.includes(`\`${a.name()}\``)) missing.push(`${c.name()} argument ${a.name()}`);
    }
    assert.deepEqual(missing, []);
  });

  it('every command is in the README commands table', () => {
    const readme = read('README.md');
    const commands = buildProgram().commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden);
    const absent = commands.map((c) => c.name()).filter((n) => !new RegExp(`^\\| \`${n}[\` ]`, 'm').test(readme));
    assert.deepEqual(absent, []);
  });

  it('lists every key of both JSON Schemas', () => {
    for (const [schema, page] of [['clusters', 'clusters-yaml'], ['release', 'release-yaml']] as const) {
      const s = JSON.parse(read(`schema/${schema}.schema.json`)) as { properties: Record<string, unknown> };
      const ref = read(`docs/reference/${page}.md`);
      const absent = Object.keys(s.properties).filter((k) => !ref.includes(`| \`${k}\``));
      assert.deepEqual(absent, [], `docs/reference/${page}.md`);
    }
  });
});

function brokenLinks(page: string): string[] {
  const md = read(page);
  const out: string[] = [];
  for (const { target, line } of links(md)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
    const [path = '', anchor] = target.split('#');
    const file = path ? resolve(root, dirname(page), decodeURIComponent(path)) : join(root, page);
    const where = `${page}:${line}: ${target}`;
    if (!relative(root, file) || relative(root, file).startsWith('..')) {
      out.push(`${where} (leaves the repository)`);
      continue;
    }
    if (!existsSync(file)) {
      out.push(`${where} (no such file)`);
      continue;
    }
    if (anchor === undefined) continue;
    if (statSync(file).isDirectory() || !file.endsWith('.md')) out.push(`${where} (an #anchor on a file that is not Markdown)`);
    else if (!anchors(readFileSync(file, 'utf8')).has(anchor)) out.push(`${where} (no heading makes #${anchor})`);
  }
  return out;
}

describe('links', () => {
  it(`every relative link of README.md, CONTRIBUTING.md and docs/ resolves (${pages.length} pages)`, () => {
    assert.ok(pages.length > 20, pages.join(' '));
    assert.deepEqual(pages.flatMap(brokenLinks), []);
  });

  it('every page of docs/ is reachable from its index, docs/README.md', () => {
    const linked = new Set(links(read('docs/README.md')).map((l) => resolve(root, 'docs', l.target.split('#')[0] ?? '')));
    const orphans = pages.filter((p) => p.startsWith('docs/') && p !== 'docs/README.md' && !linked.has(join(root, p)));
    assert.deepEqual(orphans, []);
  });

  it('a broken link and a broken anchor are found', () => {
    const dir = mkdtempSync(join(root, '.docs-check-'));
    try {
      writeFileSync(join(dir, 'a.md'), '# A page\n\n## Two words\n\n[ok](#two-words) [gone](missing.md) [bad](#nope) `[code](missing.md)`\n\n```\n[fenced](missing.md)\n```\n');
      const rel = relative(root, join(dir, 'a.md'));
      const found = brokenLinks(rel).map((l) => l.replace(`${rel}:`, ''));
      assert.deepEqual(found, ['5: missing.md (no such file)', '5: #nope (no heading makes #nope)']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- example files -----------------------------------------------------------

interface Example {
  where: string;
  kind: 'clusters' | 'release';
  data: Record<string, unknown>;
  /** The clusters.yaml shown before it on the same page, if any (a release is validated against it). */
  clusters?: Record<string, unknown>;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** clusters.yaml (a `clusters:` map) and release files (`name` and `chart`) shown in yaml blocks, whole or as a part named by its first line. */
function examples(page: string): Example[] {
  const out: Example[] = [];
  let clusters: Record<string, unknown> | undefined;
  for (const b of splitFences(read(page)).blocks.filter((x) => x.lang === 'yaml')) {
    let data: unknown;
    try {
      data = parse(b.text);
    } catch {
      continue; // a fragment with placeholders; not a file
    }
    if (!isMap(data)) continue;
    const where = `${page}:${b.line}`;
    const named = /^#\s*(clusters\.yaml|releases\/([\w.-]+)\.ya?ml)\s*$/.exec(b.text.split('\n')[0] ?? '');
    const entries = isMap(data.clusters) ? Object.values(data.clusters) : [];
    // a fleet file (docs/fleet.md: clusters with `fleet:` settings) is read by fleet/, not by helm-cascade's loader
    const fleetFile = entries.some((c) => isMap(c) && 'fleet' in c);
    if (entries.length && !fleetFile && entries.every((c) => isMap(c) && ('context' in c || 'inCluster' in c))) {
      clusters = data;
      out.push({ where, kind: 'clusters', data });
    } else if (typeof data.name === 'string' && isMap(data.chart)) {
      out.push({ where, kind: 'release', data, ...(clusters ? { clusters } : {}) });
    } else if (named?.[1] === 'clusters.yaml') {
      // a part of clusters.yaml (`# clusters.yaml` first): shown in the example repository's
      clusters = { ...(parse(read('clusters.yaml')) as Record<string, unknown>), ...data };
      out.push({ where, kind: 'clusters', data: clusters });
    } else if (named?.[2]) {
      // a part of a release file (`# releases/NAME.yaml` first): the keys it shows on a minimal release
      out.push({ where, kind: 'release', data: { name: named[2], namespace: 'default', chart: { ref: 'charts/cascade-demo' }, ...data }, ...(clusters ? { clusters } : {}) });
    }
  }
  return out;
}

/** A scratch repository holding the example, with every values file and local chart it names (empty values, the demo chart). */
function scratchRepo(e: Example): string {
  const dir = tempDir('hc-docs-example-');
  const clusters = e.kind === 'clusters' ? e.data : (e.clusters ?? parse(read('clusters.yaml')));
  writeFileSync(join(dir, 'clusters.yaml'), stringify(clusters));
  mkdirSync(join(dir, 'releases'));
  if (e.kind === 'release') {
    writeFileSync(join(dir, 'releases', `${String(e.data.name)}.yaml`), stringify(e.data));
    const text = JSON.stringify(e.data);
    for (const m of text.matchAll(/"(values\/[^"]+\.ya?ml)"/g)) {
      mkdirSync(dirname(join(dir, m[1] ?? '')), { recursive: true });
      writeFileSync(join(dir, m[1] ?? ''), '{}\n');
    }
    // a release it needs that the page does not show stands for "a release of this repository"
    for (const need of Array.isArray(e.data.needs) ? e.data.needs.map(String) : []) {
      const [ns, name] = need.includes('/') ? need.split('/') : [e.data.namespace, need];
      const stub = { name, namespace: ns, chart: { ref: 'charts/cascade-demo' }, ...(isMap(e.data.tracks) ? { tracks: e.data.tracks } : {}) };
      writeFileSync(join(dir, 'releases', `${String(name)}.yaml`), stringify(stub));
      cpSync(join(root, 'charts', 'cascade-demo'), join(dir, 'charts', 'cascade-demo'), { recursive: true });
    }
    const ref = String((e.data.chart as Record<string, unknown>).ref);
    const repos = [clusters, e.data].flatMap((f) => (isMap(f) && Array.isArray(f.repositories) ? f.repositories : [])).map((r) => (isMap(r) ? r.name : undefined));
    const local = !ref.startsWith('oci://') && !repos.includes(ref.split('/')[0]);
    if (local && !existsSync(join(dir, ref))) cpSync(join(root, 'charts', 'cascade-demo'), join(dir, ref), { recursive: true });
  }
  return dir;
}

describe('example files in the docs validate with the real loader', () => {
  const all = pages.flatMap(examples);

  it('finds the examples (the README walk-through, the annotated files)', () => {
    const where = all.map((e) => `${e.kind} ${e.where.split(':')[0]}`);
    assert.ok(where.includes('clusters README.md') && where.includes('release README.md'), where.join('\n'));
    assert.ok(where.includes('clusters docs/files.md') && where.includes('release docs/files.md'), where.join('\n'));
  });

  for (const e of all) {
    it(`${e.where}: ${e.kind === 'clusters' ? 'clusters.yaml' : `releases/${String(e.data.name)}.yaml`}`, () => {
      const dir = scratchRepo(e);
      const { diagnostics } = loadDeployRepo({ clustersFile: join(dir, 'clusters.yaml'), cwd: dir });
      assert.deepEqual(diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`), []);
    });
  }

  it('a wrong example is caught', () => {
    const dir = scratchRepo({ where: 'test', kind: 'clusters', data: { clusters: { a: { context: 'x', lables: {} } } } });
    const { diagnostics } = loadDeployRepo({ clustersFile: join(dir, 'clusters.yaml'), cwd: dir });
    assert.match(diagnostics.map((d) => d.message).join('\n'), /unknown key "lables"/);
  });
});
