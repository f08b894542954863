// Every file and value flag given on the command line, checked before the
// repository is read, before any cluster is called and before any lock is
// taken (cli.ts awaits it as part of the options): -f files (a local file,
// UTF-8 YAML that parses, as helm reads it), --set-file files, every
// --set* flag as helm itself parses it (helm.ts checkValueFlags), the
// --plan file (JSON of a saved plan), and where --junit/--out will write.
// Each problem is bad input (exit 4) naming the flag and its value.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readValuesFile } from '../config/values-file.ts';
import { limitsFromEnv } from '../config/limits.ts';
import { utf8Problem } from '../config/yaml-file.ts';
import { ConfigError, UsageError } from '../errors.ts';
import type { ValueFlags } from '../helm/argv.ts';
import { createHelm } from '../helm/helm.ts';

/** A path as messages show it (relative paths as given). */
const shortText = (t: string, max = 120): string => (t.length > max ? `${t.slice(0, max - 30)}... (${t.length} characters)` : t);

/** -f FILE: a local file helm-cascade can read once and check (helm's stdin and URL forms are refused: the file is read once per unit). */
function checkValuesFileFlag(file: string): void {
  if (file.trim() === '-') throw new UsageError('-f -: values from standard input are not supported (every release reads them again); write them to a file and pass -f FILE');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) throw new UsageError(`-f ${shortText(file)}: a URL; download the file and pass -f FILE (helm-cascade checks every -f file before any cluster is called)`);
  const abs = resolve(file);
  if (!existsSync(abs)) throw new UsageError(`-f ${shortText(file)}: file not found`);
  const read = readValuesFile(abs, file, limitsFromEnv(process.env));
  if (read.diagnostics.length) throw new ConfigError(read.diagnostics);
}

/** The files of --set-file key=path[,key=path]: present, regular, within the size limit, UTF-8 (helm would carry the bytes into a string). */
function checkSetFileFlag(flag: string): void {
  const max = limitsFromEnv(process.env).maxFileBytes;
  for (const pair of flag.split(/(?<!\\),/)) {
    const eq = pair.search(/(?<!\\)=/);
    if (eq < 0) continue; // helm names it (checkValueFlags)
    const path = pair.slice(eq + 1);
    const key = pair.slice(0, eq);
    const at = `--set-file ${shortText(key)}=${shortText(path)}`;
    if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`${at}: file not found`);
    if (statSync(path).size > max) throw new UsageError(`${at}: the file is over the limit of ${max} bytes per file`);
    const bad = utf8Problem(readFileSync(path));
    if (bad) throw new UsageError(`${at}:${bad.line}:${bad.col}: ${bad.message}`);
  }
}

/** The value flags: files first (found and parsed here), then helm's own reading of every flag. */
export async function checkValueFlags(f: ValueFlags, helmBin: string | undefined, log?: (line: string) => void): Promise<void> {
  f.values.forEach(checkValuesFileFlag);
  f.setFile.forEach(checkSetFileFlag);
  const helm = createHelm({ bin: helmBin ?? process.env.HELM_BIN ?? 'helm', ...(log ? { log } : {}) });
  await helm.checkValueFlags(f);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with one saved unit, or undefined. */
function unitShape(u: unknown, where: string): string | undefined {
  if (!isObj(u)) return `${where} is not a unit`;
  for (const k of ['cluster', 'namespace', 'helmName', 'wave', 'action'] as const) if (typeof u[k] !== 'string') return `${where}.${k} is missing`;
  if (!isObj(u.digest)) return `${where}.digest is missing`;
  return undefined;
}

/** What is wrong with a saved plan's shape (the first thing), or undefined. */
export function planShapeProblem(p: unknown): string | undefined {
  if (!isObj(p) || p.version !== 1) return 'not a helm-cascade plan (no "version": 1)';
  if (!Array.isArray(p.waves)) return 'not a helm-cascade plan (no "waves" list)';
  for (const [i, w] of p.waves.entries()) {
    if (!isObj(w) || typeof w.name !== 'string' || !Array.isArray(w.steps)) return `waves[${i}] is not a wave (name and steps)`;
    for (const [j, step] of w.steps.entries()) {
      if (!Array.isArray(step)) return `waves[${i}].steps[${j}] is not a list`;
      for (const [k, u] of step.entries()) {
        const bad = unitShape(u, `waves[${i}].steps[${j}][${k}]`);
        if (bad) return bad;
      }
    }
  }
  if (p.orphans !== undefined && !Array.isArray(p.orphans)) return '"orphans" is not a list';
  return undefined;
}

/** --plan FILE: a file holding a saved plan (plan --out), checked now; apply compares it with a fresh plan later. */
export function checkPlanFile(file: string | undefined): void {
  if (file === undefined) return;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`--plan ${shortText(file)}: ${code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? 'error'})`}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the file: not printed (a file passed by mistake may hold anything)
    throw new UsageError(`--plan ${shortText(file)}: not JSON; make one with \`helm-cascade plan --out FILE\``);
  }
  const bad = planShapeProblem(parsed);
  if (bad) throw new UsageError(`--plan ${shortText(file)}: ${bad}; make one with \`helm-cascade plan --out FILE\``);
}
