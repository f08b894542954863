// A chart as a folder tree: packaged charts (.tgz) unpacked, subcharts
// included as folders under charts/, each chart's .helmignore honoured as
// helm honours it when it loads the folder. On that tree: the content digest
// (what changes helm's output, nothing else) and what the chart does that
// matters to a plan (lookup, hooks, crds/, a values schema).
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ignore from 'ignore';
import type { Ignore } from 'ignore';
import * as tar from 'tar';
import { parse } from 'yaml';
import type { ChartFeatures } from '../model/release.ts';

export interface ChartMeta {
  name: string;
  version: string;
  dependencies: ChartDependency[];
}

export interface ChartDependency {
  name: string;
  version?: string;
  repository?: string;
  alias?: string;
}

const asDeps = (v: unknown): ChartDependency[] =>
  Array.isArray(v) ? v.filter((d): d is ChartDependency => typeof d === 'object' && d !== null && typeof (d as ChartDependency).name === 'string') : [];

/** Chart.yaml's name, version and dependencies. */
export function readChartMeta(dir: string): ChartMeta {
  const doc = (parse(readFileSync(join(dir, 'Chart.yaml'), 'utf8')) ?? {}) as { name?: unknown; version?: unknown; dependencies?: unknown };
  return { name: String(doc.name ?? ''), version: String(doc.version ?? ''), dependencies: asDeps(doc.dependencies) };
}

/** Chart.lock's pinned dependencies; undefined without a lock. */
export function readChartLock(dir: string): ChartDependency[] | undefined {
  const file = join(dir, 'Chart.lock');
  if (!existsSync(file)) return undefined;
  return asDeps((parse(readFileSync(file, 'utf8')) as { dependencies?: unknown } | null)?.dependencies);
}

/** The .helmignore rules of a chart folder (helm's defaults: none; the file's own patterns). */
function helmignoreOf(chartDir: string): Ignore {
  const ig = ignore();
  const file = join(chartDir, '.helmignore');
  if (existsSync(file)) ig.add(readFileSync(file, 'utf8'));
  return ig;
}

/** Every file helm loads from a chart folder, subcharts (folders under charts/) with their own .helmignore; sorted. */
function chartFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (chartRoot: string, ig: Ignore, d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      const rel = relative(chartRoot, p);
      if (ig.ignores(st.isDirectory() ? `${rel}/` : rel)) continue;
      if (st.isDirectory()) {
        const sub = existsSync(join(p, 'Chart.yaml')) && relative(chartRoot, d) === 'charts';
        if (sub) walk(p, helmignoreOf(p), p);
        else walk(chartRoot, ig, p);
      } else if (st.isFile()) out.push(p);
    }
  };
  walk(dir, helmignoreOf(dir), dir);
  return out;
}

/** Content digest of a chart tree: every loaded file's path and bytes (.helmignore'd files change nothing; the .helmignore itself does). */
export function chartDigest(dir: string): string {
  const h = createHash('sha256');
  for (const f of chartFiles(dir)) h.update(relative(dir, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex');
}

/** Unpacks the packaged charts (.tgz) under a chart's charts/ into folders, recursively (helm loads either). */
export function unpackSubcharts(dir: string): void {
  const charts = join(dir, 'charts');
  if (!existsSync(charts)) return;
  for (const f of readdirSync(charts)) {
    if (!f.endsWith('.tgz')) continue;
    const tmp = join(charts, `.${f}.unpacked`);
    mkdirSync(tmp, { recursive: true });
    tar.x({ file: join(charts, f), cwd: tmp, sync: true, strict: true });
    const [top] = readdirSync(tmp);
    if (!top) throw new Error(`${f}: an empty chart archive`);
    rmSync(join(charts, f));
    renameSync(join(tmp, top), join(charts, `${top}${existsSync(join(charts, top)) ? `-${f.replace(/\.tgz$/, '')}` : ''}`));
    rmSync(tmp, { recursive: true, force: true });
  }
  for (const d of readdirSync(charts)) if (existsSync(join(charts, d, 'Chart.yaml'))) unpackSubcharts(join(charts, d));
}

/**
 * A packaged chart unpacked into `into` (once: an existing `into` is reused),
 * its subcharts unpacked too. Returns the chart folder. Archive entries that
 * would leave the folder are refused by tar (no absolute paths, no `..`).
 */
export function unpackChart(tgz: string, into: string): string {
  const done = join(into, 'chart');
  if (existsSync(join(done, 'Chart.yaml'))) return done;
  const tmp = `${into}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  mkdirSync(tmp, { recursive: true });
  try {
    tar.x({ file: tgz, cwd: tmp, sync: true, strict: true });
    const [top] = readdirSync(tmp);
    if (!top || !existsSync(join(tmp, top, 'Chart.yaml'))) throw new Error(`${tgz}: not a chart archive (no <name>/Chart.yaml)`);
    unpackSubcharts(join(tmp, top));
    mkdirSync(into, { recursive: true });
    if (!existsSync(join(done, 'Chart.yaml'))) renameSync(join(tmp, top), done);
    return done;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A copy of a chart folder (to build its dependencies in, leaving the repository untouched). */
export function copyChart(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(join(to, '..'), { recursive: true });
  cpSync(from, to, { recursive: true, dereference: false });
  unpackSubcharts(to);
}

const LOOKUP = /\{\{[^}]*\blookup\b/;

/** `.Capabilities.APIVersions` uses: the literal of each `.Has "x"`, or undefined for any other use. */
function apiQueriesIn(text: string): (string | undefined)[] {
  return [...text.matchAll(/Capabilities\.APIVersions(?:\.Has\s+"([^"]+)")?/g)].map((m) => m[1]);
}

export function chartFeatures(dir: string): ChartFeatures {
  const f: ChartFeatures = { lookup: false, hooks: false, crdsDir: false, schema: undefined, apiQueries: [] };
  const queries = new Set<string>();
  let allApis = false;
  for (const file of chartFiles(dir)) {
    const rel = relative(dir, file).split('/');
    if (rel.includes('crds')) f.crdsDir = true;
    if (!rel.includes('templates')) continue;
    const text = readFileSync(file, 'utf8');
    if (!f.lookup && LOOKUP.test(text)) f.lookup = true;
    if (!f.hooks && text.includes('helm.sh/hook')) f.hooks = true;
    for (const q of apiQueriesIn(text)) {
      if (q === undefined) allApis = true;
      else queries.add(q);
    }
  }
  f.apiQueries = allApis ? 'all' : [...queries].sort();
  const schema = join(dir, 'values.schema.json');
  if (existsSync(schema)) f.schema = JSON.parse(readFileSync(schema, 'utf8')) as unknown;
  return f;
}
