// `helm-cascade import helmfile`, the I/O around the pure mapping (map.ts):
// run the engine once per environment, read the helmfiles' text for file:line,
// map, then write the new repository into a temporary folder, check it with
// the same loader `validate` uses, and only then move it to --out. With gaps
// and without --partial nothing is written.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadDeployRepo } from '../config/load.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { writeFileAtomically } from '../files.ts';
import { redactor } from '../redact.ts';
import { loadHelmfile } from './engine.ts';
import type { EngineResult } from './engine-types.ts';
import { makeLocator } from './locate.ts';
import { mapHelmfile } from './map.ts';
import type { Finding, ImportResult } from './map.ts';
import { clustersYaml, releaseYaml } from './repo-files.ts';
import { scaffoldFiles } from './scaffold.ts';

export interface ImportHelmfileOptions {
  /** helmfile.yaml, helmfile.yaml.gotmpl, a helmfile.d/ folder or the folder holding one of them. */
  source: string;
  /** Environments, in rollout order; none: helmfile's "default". */
  environments: string[];
  /** The new repository's folder (created; must not hold clusters.yaml or releases/ yet). */
  out: string;
  /** Write what maps even when something does not (gaps listed, exit 0). */
  partial: boolean;
  /** The context of releases that name none (default: the kubeconfig's current context). */
  currentContext?: string;
  cwd: string;
}

export interface ImportHelmfileResult {
  result: ImportResult;
  /** Where the repository was written; undefined when nothing was (gaps without --partial). */
  written: string | undefined;
  units: number;
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** The current context of $KUBECONFIG (its first file that names one) or ~/.kube/config; undefined when none. */
function kubeconfigCurrentContext(): string | undefined {
  for (const file of (process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config')).split(delimiter).filter(Boolean)) {
    try {
      const current = (parse(readFileSync(file, 'utf8')) as { 'current-context'?: unknown } | null)?.['current-context'];
      if (typeof current === 'string' && current) return current;
    } catch {
      // a missing or unreadable kubeconfig names no current context
    }
  }
  return undefined;
}

/** Refuses an --out that already holds a deploy repository. */
function checkOut(out: string): void {
  if (existsSync(join(out, 'clusters.yaml'))) throw new UsageError(`${out} already holds a clusters.yaml: import into a new folder (--out DIR)`);
  if (isDir(join(out, 'releases')) && readdirSync(join(out, 'releases')).length) throw new UsageError(`${out}/releases is not empty: import into a new folder (--out DIR)`);
}

/** Every file the engine read as a helmfile, with its text (for file:line). */
function sourcesOf(results: readonly EngineResult[]): Map<string, string> {
  const sources = new Map<string, string>();
  for (const r of results) {
    for (const u of r.usage) if (u.kind === 'file' && u.detail === 'helmfile' && !sources.has(u.what)) sources.set(u.what, readFileSync(u.what, 'utf8'));
  }
  return sources;
}

function header(from: string, environments: readonly string[]): string[] {
  return [`Imported by helm-cascade import helmfile from ${from}${environments.length ? ` (environments: ${environments.join(', ')})` : ''}.`];
}

/** Every file of the new repository, written or copied into `dir`. */
function writeRepo(dir: string, result: ImportResult, o: { from: string; show: (abs: string) => string }): void {
  const files = scaffoldFiles();
  const waves = result.environments.length > 1 ? result.environments.map((e) => ({ name: e, environment: e })) : undefined;
  files.set(
    'clusters.yaml',
    clustersYaml({
      header: header(o.from, result.environments),
      clusters: result.clusters.map((c) => ({ name: c.name, context: c.context, provider: c.provider, labels: { environment: c.environment }, comment: `environment ${c.environment}` })),
      repositories: result.repositories,
      ...(waves ? { waves } : {}),
      extra: '# helmfile passes charts no cascade.* values: neither does this repository\ncascadeValues: never\n',
    }),
  );
  for (const r of result.releases) files.set(`releases/${String(r.spec.name)}.yaml`, releaseYaml(r.spec, [`Imported from ${r.from.file}:${r.from.line} (environments: ${r.environments.join(', ')}).`]));
  for (const [path, text] of result.files) files.set(path, text);
  for (const [path, text] of files) writeFileAtomically(join(dir, path), text);
  for (const [path, src] of result.copies) cpSync(src, join(dir, path), { recursive: true, filter: (s) => basename(s) !== '.git' });
}

/** Moves the checked repository from the temporary folder into --out. */
function moveInto(tmp: string, out: string): void {
  mkdirSync(out, { recursive: true });
  for (const e of readdirSync(tmp)) {
    const target = join(out, e);
    if (existsSync(target) && isDir(target) && isDir(join(tmp, e))) {
      cpSync(join(tmp, e), target, { recursive: true });
      continue;
    }
    rmSync(target, { recursive: true, force: true });
    renameSync(join(tmp, e), target);
  }
}

export async function importHelmfile(o: ImportHelmfileOptions): Promise<ImportHelmfileResult> {
  const source = resolve(o.cwd, o.source);
  if (!existsSync(source)) throw new UsageError(`${o.source}: no such file or folder (give helmfile.yaml, helmfile.yaml.gotmpl, helmfile.d/ or the folder holding it)`);
  const out = resolve(o.cwd, o.out);
  checkOut(out);
  const rootDir = isDir(source) ? source : dirname(source);
  const within = relative(out, rootDir);
  if (!within.startsWith('..') && !isAbsolute(within)) throw new UsageError(`--out ${o.out} holds the helmfile itself: its values files would be overwritten; write the new repository to a folder of its own (--out DIR)`);
  const environments = o.environments.length ? o.environments : ['default'];
  const results: EngineResult[] = [];
  for (const env of environments) results.push(await loadHelmfile(source, env));
  // what templates read from the environment never shows in what the import prints
  for (const u of results.flatMap((r) => r.usage)) if (u.kind === 'env' && process.env[u.what]) redactor.add(process.env[u.what]!);
  const show = (abs: string) => {
    const rel = relative(o.cwd, abs);
    return rel === '' ? '.' : rel.startsWith('..') ? abs : rel;
  };
  const rootFile = source;
  const currentContext = o.currentContext ?? kubeconfigCurrentContext();
  const result = mapHelmfile({ envs: results, rootDir, rootFile, locate: makeLocator(sourcesOf(results), show), isDir, ...(currentContext ? { currentContext } : {}) });
  const units = result.releases.reduce((n, r) => n + (r.spec.clusters ? Object.values(r.spec.clusters as Record<string, { enabled?: boolean }>).filter((c) => c.enabled !== false).length : result.clusters.length), 0);
  if (result.gaps.length && !o.partial) return { result, written: undefined, units };
  mkdirSync(dirname(out), { recursive: true });
  const tmp = mkdtempSync(join(dirname(out), `.${basename(out)}.import-`));
  try {
    writeRepo(tmp, result, { from: show(source), show });
    const check = loadDeployRepo({ clustersFile: join(tmp, 'clusters.yaml'), cwd: tmp });
    if (check.diagnostics.length) {
      throw new ConfigError(
        check.diagnostics.map((d) => ({ ...d, message: `${d.message} (in the imported repository: a bug of the import, please report it)` })),
        'the imported repository does not validate',
      );
    }
    moveInto(tmp, out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { result, written: out, units };
}

/** The findings as text lines: `file:line:col: message`. */
export function findingLines(fs: readonly Finding[]): string[] {
  return fs.map((f) => `${f.file}:${f.line}:${f.col}: ${f.message}`);
}
