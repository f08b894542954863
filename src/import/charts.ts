// A helmfile release's chart as a helm-cascade chart ref: a chart of a
// repository (repo/name with a version; OCI repositories become oci:// refs),
// an oci:// ref, or a local chart folder, copied into charts/. Pure.
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { EngineRepository } from './engine-types.ts';

export interface ChartMapping {
  ref: string;
  version?: string;
  /** A local chart: copy this folder (absolute) to `ref`. */
  copyFrom?: string;
  /** Why the chart cannot be imported. */
  gap?: string;
  /** A difference worth saying. */
  note?: string;
}

/** A release's chart; `isDir` says whether a path is a folder (local charts). */
export function mapChart(chart: string, version: string | undefined, o: { basePath: string; rootDir: string; repositories: ReadonlyMap<string, EngineRepository>; isDir: (abs: string) => boolean }): ChartMapping {
  if (chart.startsWith('oci://')) return version ? { ref: chart, version } : { ref: chart, version: '*', note: 'no chart version: helmfile takes the latest, "*" does the same' };
  const abs = isAbsolute(chart) ? chart : resolve(o.basePath, chart);
  const local = chart.startsWith('./') || chart.startsWith('../') || isAbsolute(chart) || o.isDir(abs);
  if (local) {
    if (!o.isDir(abs)) return { ref: chart, gap: `local chart folder not found: ${abs}` };
    const rel = relative(o.rootDir, abs).split('\\').join('/');
    const inside = rel && !rel.startsWith('..') && !isAbsolute(rel);
    const dest = inside ? (rel.startsWith('charts/') ? rel : join('charts', rel)) : join('charts', basename(abs));
    return { ref: `./${dest.split('\\').join('/')}`, copyFrom: abs, ...(version ? { note: `a local chart has no version to pick: "version: ${version}" is dropped` } : {}) };
  }
  const slash = chart.indexOf('/');
  const repo = slash > 0 ? o.repositories.get(chart.slice(0, slash)) : undefined;
  if (!repo) return { ref: chart, gap: `chart "${chart}": no repository "${chart.slice(0, Math.max(slash, 0))}" in repositories and no local folder of that name` };
  const name = chart.slice(slash + 1);
  const ref = repo.oci ? `oci://${repo.url.replace(/^oci:\/\//, '').replace(/\/+$/, '')}/${name}` : chart;
  return version ? { ref, version } : { ref, version: '*', note: 'no chart version: helmfile takes the latest, "*" does the same' };
}

/** Repository fields helm-cascade cannot carry (credentials, certificates, ...). */
export function repositoryExtras(r: EngineRepository): string[] {
  return Object.keys(r).filter((k) => !['name', 'url', 'oci', 'managed'].includes(k) && r[k] !== undefined && r[k] !== '' && r[k] !== false);
}
