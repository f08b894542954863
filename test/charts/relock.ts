// Points a vendored chart's dependencies at another chart repository (the
// tests' local OCI registry) without changing what Chart.lock pins.
//
// `helm dependency build` refuses a Chart.lock whose `digest` is not the hash
// of Chart.yaml's `dependencies` and Chart.lock's `dependencies` ("the lock
// file (Chart.lock) is out of sync with the dependencies file (Chart.yaml)"),
// and that hash covers each dependency's `repository`. So moving a dependency
// to another registry means rewriting `dependencies[].repository` in BOTH
// files and recomputing `digest`, exactly as helm's resolver.HashReq does
// (helm 3 internal/resolver/resolver.go, the same in helm 4):
//
//   sha256( json.Marshal([2][]*chart.Dependency{ChartYaml.dependencies, ChartLock.dependencies}) )
//
// with chart.Dependency's JSON field order and omitempty rules.
// `version` in Chart.lock (the pinned version) and `generated` are left as they are.
//
//   node test/charts/relock.ts <chart dir> <from repository> <to repository>
//   e.g. node test/charts/relock.ts /tmp/x/postgresql oci://registry-1.docker.io/bitnamicharts oci://127.0.0.1:5000/charts
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface Dependency {
  name: string;
  version?: string;
  repository?: string;
  condition?: string;
  tags?: string[];
  enabled?: boolean;
  'import-values'?: unknown[];
  alias?: string;
}

/** Go's encoding/json for one value: map keys sorted, HTML characters escaped. */
function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${goString(k)}:${goJson(o[k])}`)
      .join(',')}}`;
  }
  if (typeof v === 'string') return goString(v);
  return JSON.stringify(v);
}

function goString(s: string): string {
  return JSON.stringify(s)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** One chart.Dependency as Go marshals it (field order of the struct, omitempty). */
function dependencyJson(d: Dependency): string {
  const parts: string[] = [`"name":${goString(String(d.name ?? ''))}`];
  if (d.version !== undefined && d.version !== null && String(d.version) !== '') parts.push(`"version":${goString(String(d.version))}`);
  parts.push(`"repository":${goString(String(d.repository ?? ''))}`);
  if (d.condition) parts.push(`"condition":${goString(d.condition)}`);
  if (d.tags && d.tags.length > 0) parts.push(`"tags":${goJson(d.tags)}`);
  if (d.enabled) parts.push(`"enabled":true`);
  if (d['import-values'] && d['import-values'].length > 0) parts.push(`"import-values":${goJson(d['import-values'])}`);
  if (d.alias) parts.push(`"alias":${goString(d.alias)}`);
  return `{${parts.join(',')}}`;
}

const list = (deps: Dependency[] | undefined): string => (deps && deps.length > 0 ? `[${deps.map(dependencyJson).join(',')}]` : 'null');

/** helm's resolver.HashReq(req, lock). */
export function hashReq(req: Dependency[] | undefined, lock: Dependency[] | undefined): string {
  return 'sha256:' + createHash('sha256').update(`[${list(req)},${list(lock)}]`).digest('hex');
}

/** The digest helm expects in `chartDir`/Chart.lock for the files as they are now. */
export function expectedDigest(chartDir: string): string {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { dependencies?: Dependency[] };
  const lock = parse(readFileSync(join(chartDir, 'Chart.lock'), 'utf8')) as { dependencies?: Dependency[] };
  return hashReq(chart.dependencies, lock.dependencies);
}

/**
 * Rewrites `repository: <from>` to `<to>` in Chart.yaml and Chart.lock of
 * `chartDir` (a scratch copy!) and sets Chart.lock's `digest` to match.
 * Returns the new digest.
 */
export function pointDependencies(chartDir: string, from: string, to: string): string {
  for (const f of ['Chart.yaml', 'Chart.lock']) {
    const p = join(chartDir, f);
    const text = readFileSync(p, 'utf8');
    const re = new RegExp(`^(\\s*-?\\s*repository:\\s*)["']?${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*$`, 'gm');
    if (!re.test(text)) throw new Error(`${p}: no dependency with repository ${from}`);
    writeFileSync(p, text.replace(re, `$1${to}`));
  }
  const digest = expectedDigest(chartDir);
  const lockPath = join(chartDir, 'Chart.lock');
  writeFileSync(lockPath, readFileSync(lockPath, 'utf8').replace(/^digest: .*$/m, `digest: ${digest}`));
  return digest;
}

if (import.meta.main) {
  const [dir, from, to] = process.argv.slice(2);
  if (!dir || !from || !to) {
    console.error('usage: node test/charts/relock.ts <chart dir> <from repository> <to repository>');
    process.exit(4);
  }
  console.log(pointDependencies(dir, from, to));
}
