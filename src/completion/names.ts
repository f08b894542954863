// The names a completion offers from the deploy repository: waves, clusters
// and tracks from clusters.yaml, release names from the release files. Read on
// every TAB, so it reads as little as it can (no schema, no validation) and
// never fails: a file that is missing or half-written offers what it can.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { WaveSpec } from '../model/spec.ts';
import { effectiveWaves } from '../model/waves.ts';

/** The kinds whose names `helm-cascade __complete <kind>` prints from the repository. */
export const REPO_KINDS = ['wave', 'cluster', 'release', 'track'] as const;
export type RepoKind = (typeof REPO_KINDS)[number];

export interface RepoPaths {
  /** --clusters as given (default ./clusters.yaml). */
  clustersFile: string;
  /** --releases as given (default: releases/ beside clusters.yaml). */
  releasesDir: string | undefined;
  cwd: string;
}

type Json = Record<string, unknown>;

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function readYaml(file: string): unknown {
  try {
    return parse(readFileSync(file, 'utf8'), { prettyErrors: false });
  } catch {
    return undefined;
  }
}

/** The waves as the rollout has them: clusters.yaml's, else the defaults (one per track). */
function waveNames(doc: Json, file: string): string[] {
  const given = Array.isArray(doc.waves);
  const waves: WaveSpec[] = (given ? (doc.waves as unknown[]) : []).filter(isMap).flatMap((w) => (typeof w.name === 'string' ? [{ name: w.name, tracks: strings(w.tracks), pos: { file, line: 1, col: 1 } }] : []));
  return effectiveWaves({ wavesGiven: given, waves, tracks: strings(doc.tracks), file }).map((w) => w.name);
}

/** A release file's `name:` (a top-level key read off the text; the YAML parsed only when that fails). */
function releaseName(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^name:[ \t]*(["']?)([A-Za-z0-9][-A-Za-z0-9_.]*)\1[ \t]*(?:#.*)?$/m.exec(text);
  if (m) return m[2];
  try {
    const doc: unknown = parse(text);
    return isMap(doc) && typeof doc.name === 'string' ? doc.name : undefined;
  } catch {
    return undefined;
  }
}

function releaseNames(dir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));
  } catch {
    return [];
  }
  return files.map((f) => releaseName(join(dir, f))).filter((n): n is string => n !== undefined);
}

/** --clusters and --releases as a command line gives them (`--clusters F` or `--clusters=F`; the last wins). */
export function repoPathsOf(words: readonly string[]): Omit<RepoPaths, 'cwd'> {
  const out: Omit<RepoPaths, 'cwd'> = { clustersFile: './clusters.yaml', releasesDir: undefined };
  words.forEach((w, i) => {
    const m = /^--(clusters|releases)(?:=(.*))?$/.exec(w);
    const value = m?.[2] ?? (m ? words[i + 1] : undefined);
    if (!m || !value) return;
    if (m[1] === 'clusters') out.clustersFile = value;
    else out.releasesDir = value;
  });
  return out;
}

/** The names of one kind, unique (waves in rollout order, the others sorted); none when the repository cannot be read. */
export function repoNames(kind: RepoKind, paths: RepoPaths): string[] {
  const clustersFile = resolve(paths.cwd, paths.clustersFile);
  let names: string[] = [];
  if (kind === 'release') {
    names = releaseNames(paths.releasesDir ? resolve(paths.cwd, paths.releasesDir) : join(dirname(clustersFile), 'releases'));
  } else {
    const doc = readYaml(clustersFile);
    if (!isMap(doc)) return [];
    if (kind === 'cluster') names = isMap(doc.clusters) ? Object.keys(doc.clusters) : [];
    else if (kind === 'track') names = strings(doc.tracks);
    else return [...new Set(waveNames(doc, clustersFile))];
  }
  return [...new Set(names)].sort();
}
