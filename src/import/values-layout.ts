// Where each values file helm would receive lands in the new repository, and
// how a release's per-cluster lists fold into release and cluster layers.
// Plain files are copied as they are (comments kept); rendered .gotmpl files,
// inline maps and secrets references are written. The same file with the same
// content becomes one file, shared; different content per environment gets
// one file per cluster. Pure.
import { createHash } from 'node:crypto';
import { basename, extname, relative } from 'node:path';
import type { EngineValue } from './engine-types.ts';

/** One values file of one unit, with the identity that decides whether two units share it. */
export interface ValueItem {
  id: string;
  /** Where it would like to land (repository-relative). */
  want: string;
  /** Written content, or the absolute path copied as it is. */
  content?: string;
  copyFrom?: string;
  /** A sops file a secrets item refers to: copied beside. */
  sopsFile?: string;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

/** A repository path for a file of the helmfile's: its path under the helmfile's folder, inside values/. */
export function destFor(abs: string, rootDir: string): string {
  const rel = relative(rootDir, abs).split('\\').join('/');
  if (rel.startsWith('..') || rel.startsWith('/')) return `values/_outside/${basename(abs)}`;
  return rel.startsWith('values/') ? rel : `values/${rel}`;
}

const stripGotmpl = (p: string) => p.replace(/\.gotmpl$/, '');

/** The values items of one unit, in helm's order. */
export function valueItems(values: readonly EngineValue[], release: string, rootDir: string): ValueItem[] {
  let inline = 0;
  let secrets = 0;
  const out: ValueItem[] = [];
  for (const v of values) {
    if (v.skipped) continue;
    if (v.kind === 'file' && !v.rendered) out.push({ id: `file:${v.path}`, want: destFor(v.path!, rootDir), copyFrom: v.path! });
    else if (v.kind === 'file') out.push({ id: `tmpl:${v.path}:${hash(v.content)}`, want: stripGotmpl(destFor(v.path!, rootDir)), content: v.content });
    else if (v.kind === 'inline') out.push({ id: `inline:${release}:${hash(v.content)}`, want: `values/${release}/inline-${++inline}.yaml`, content: v.content });
    else out.push({ id: `secrets:${v.path}`, want: `values/${release}/secrets-${++secrets}.yaml`, content: v.content, sopsFile: v.path! });
  }
  return out;
}

/** Assigns every item a destination, unique per identity: a second content for the same path gets the cluster's name. */
export class Destinations {
  private byDest = new Map<string, string>();
  private byId = new Map<string, string>();

  place(item: ValueItem, cluster: string): string {
    const known = this.byId.get(item.id);
    if (known) return known;
    const ext = extname(item.want);
    const stem = item.want.slice(0, item.want.length - ext.length);
    const candidates = [item.want, `${stem}.${cluster}${ext}`];
    for (let i = 2; candidates.length < 50; i++) candidates.push(`${stem}.${cluster}-${i}${ext}`);
    const dest = candidates.find((c) => !this.byDest.has(c) || this.byDest.get(c) === item.id)!;
    this.byDest.set(dest, item.id);
    this.byId.set(item.id, dest);
    return dest;
  }

  /** Claims a path for something other than a values item (a copied sops file, a chart). */
  claim(dest: string, id: string): string {
    const taken = this.byDest.get(dest);
    if (taken === undefined || taken === id) {
      this.byDest.set(dest, id);
      return dest;
    }
    const ext = extname(dest);
    for (let i = 2; ; i++) {
      const d = `${dest.slice(0, dest.length - ext.length)}-${i}${ext}`;
      if (!this.byDest.has(d)) {
        this.byDest.set(d, id);
        return d;
      }
    }
  }
}

/** One cluster's layer of a release: its values files and set, in order. */
export interface ClusterLayer {
  values: string[];
  set: Record<string, unknown>;
}

export interface Layers {
  base: ClusterLayer;
  clusters: Map<string, ClusterLayer>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Folds per-cluster lists into helm-cascade's layers without changing any
 * cluster's order (release values < release set < cluster values < cluster
 * set): the values every cluster starts with go to the release; the set goes
 * to the release only when no cluster has values of its own and every cluster
 * has the same set.
 */
export function foldLayers(perCluster: ReadonlyMap<string, ClusterLayer>): Layers {
  const lists = [...perCluster.values()];
  if (!lists.length) return { base: { values: [], set: {} }, clusters: new Map() };
  let n = 0;
  while (lists.every((l) => l.values[n] !== undefined && l.values[n] === lists[0]!.values[n])) n++;
  const prefix = lists[0]!.values.slice(0, n);
  const setShared = lists.every((l) => l.values.length === n && same(l.set, lists[0]!.set));
  const base = { values: prefix, set: setShared ? lists[0]!.set : {} };
  const clusters = new Map([...perCluster].map(([c, l]) => [c, { values: l.values.slice(n), set: setShared ? {} : l.set }]));
  return { base, clusters };
}

/** Rewrites ref+sops:// references to absolute paths into references to the copies (repository-relative). */
export function rewriteSopsRefs(content: string, copies: ReadonlyMap<string, string>): string {
  let out = content;
  for (const [abs, dest] of copies) out = out.split(`ref+sops://${abs}#`).join(`ref+sops://${dest}#`);
  return out;
}

/** The ref+ schemes a text uses (vault, sops, awssecrets, ...). */
export function refSchemes(content: string): string[] {
  return [...new Set([...content.matchAll(/ref\+([a-z0-9]+):\/\//g)].map((m) => m[1]!))];
}
