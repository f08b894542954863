// Flags -> typed options, once, for every command. Each command declares
// the flags it uses (cli.ts registers only those) and gets its own options
// type; nothing downstream reads commander's raw option bag. Light imports
// only: this module loads for every command line, `--help` included. The
// commands that take files or value flags get their options checked in full
// (check-inputs.ts, loaded then) before the repository is read and before
// any cluster is called.
import { availableParallelism } from 'node:os';
import { parseDuration } from '../config/duration.ts';
import { LIMIT_ENV, limitsFromEnv, setFlagDepth } from '../config/limits.ts';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { redactor } from '../redact.ts';
import type { ValueFlags } from '../helm/argv.ts';
import { parseUnitSelector, SelectorSyntaxError } from '../model/selectors.ts';
import type { UnitSelector } from '../model/selectors.ts';
import type { Shard } from '../model/shard.ts';

/** commander's parsed flags, before they are checked. */
export type RawFlags = Record<string, unknown>;

/** Where the deploy repository is and how to show output: every command. */
interface RepoOptions {
  clustersFile: string;
  releasesDir: string | undefined;
  /** --allow-root: folders outside the repository that values files and local charts may come from. */
  allowRoots: string[];
  output: 'text' | 'json';
  color: boolean;
  verbose: boolean;
}

/** Commands that talk to clusters. */
export interface ClusterOptions extends RepoOptions {
  selector: UnitSelector;
  kubeconfig: string | undefined;
  helmBin: string | undefined;
  concurrency: number | undefined;
}

/** Where renders and charts are cached, and whether to render every unit anyway (plan, apply, drift). */
interface CacheOptions {
  /** --cache-dir; undefined: the default cache folder. */
  cacheDir: string | undefined;
  /** --render-all: no render is skipped or taken from the cache. */
  renderAll: boolean;
  /** --force-nondeterministic: upgrade nondeterministic units whose inputs are unchanged (plan, apply). */
  forceNondeterministic: boolean;
}

/** Commands that render (plan, apply). */
interface RenderOptions extends ClusterOptions, CacheOptions {
  /** -f/--values, --set, --set-string, --set-file, --set-json, --set-literal: merged by helm itself. */
  valueFlags: ValueFlags;
  wave: string | undefined;
  prune: boolean;
  liveDrift: boolean;
}

export interface ValidateOptions extends RepoOptions {
  online: boolean;
  /** --strict: warnings are bad input too (exit 4). */
  strict: boolean;
  kubeconfig: string | undefined;
  /** --online renders with it (house rules). */
  helmBin: string | undefined;
}

export interface PlanOptions extends RenderOptions {
  out: string | undefined;
  explain: boolean;
  detailedExitcode: boolean;
}

export interface ApplyOptions extends RenderOptions {
  yes: boolean;
  junit: string | undefined;
  dryRun: boolean;
  planFile: string | undefined;
  fromWave: string | undefined;
  /** --shard i/n of the one wave selected (model/shard.ts). */
  shard: Shard | undefined;
  recover: boolean;
  lockTimeoutMs: number;
  /** --log FILE: the run log (default .helm-cascade/runs/RUN_ID.jsonl under the repository's root). */
  logFile: string | undefined;
}

export interface DriftOptions extends ClusterOptions, CacheOptions {
  formats: string;
  /** --format given on the command line (else -o json picks the json format). */
  formatGiven: boolean;
  junit: string | undefined;
  notify: string | undefined;
  notifyAlways: boolean;
  /** --pushgateway URL (or $HELM_CASCADE_PUSHGATEWAY_URL): push the metrics there. */
  pushgateway: string | undefined;
  /** --shard i/n, as given (drift parses it: a share of the clusters, model/shard.ts). */
  shard: string | undefined;
}

export type StatusOptions = ClusterOptions;

export interface RollbackOptions extends ClusterOptions {
  wave: string | undefined;
  run: string | undefined;
  lockTimeoutMs: number;
  /** --log FILE: the run log. */
  logFile: string | undefined;
}

export interface ReportOptions {
  /** Run logs (JSON Lines), or drift JSON reports (merged), one or more. */
  logs: string[];
  format: 'html' | 'json' | 'junit' | 'markdown' | 'text';
  /** --out FILE; undefined: standard output. */
  out: string | undefined;
}

/** import helmfile [FILE|DIR] -e ENV... --out DIR --partial */
export interface ImportOptions {
  source: string;
  currentContext: string | undefined;
  environments: string[];
  out: string;
  partial: boolean;
  output: 'text' | 'json';
}

/** init [DIR] --from-kubeconfig --context NAME... --provider CONTEXT=PROVIDER... --yes */
export interface InitOptions {
  dir: string;
  fromKubeconfig: boolean;
  kubeconfig: string | undefined;
  contexts: string[];
  providers: Record<string, string>;
  yes: boolean;
  output: 'text' | 'json';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function selectorOf(v: unknown): UnitSelector {
  try {
    return parseUnitSelector(str(v));
  } catch (err) {
    if (err instanceof SelectorSyntaxError) throw new UsageError(err.message);
    throw err;
  }
}

function concurrencyOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--concurrency must be a positive whole number, got "${String(v)}"`);
  return n;
}

function durationOf(flag: string, v: unknown): number {
  if (v === undefined) return 0;
  const ms = parseDuration(String(v));
  if (ms === undefined) throw new UsageError(`--${flag} "${String(v)}": not a duration (write e.g. 30s, 5m, 1h30m)`);
  return ms;
}

/** Command-line --set keys no deeper than the limit (helm parses them; a path thousands of keys deep is refused first). */
function checkSetDepth(f: ValueFlags): void {
  const max = limitsFromEnv(process.env).maxSetDepth;
  const kinds = [['set', f.set], ['set-string', f.setString], ['set-file', f.setFile], ['set-json', f.setJson], ['set-literal', f.setLiteral]] as const;
  for (const [flag, list] of kinds) {
    for (const v of list) {
      const depth = setFlagDepth(v);
      if (depth > max) throw new UsageError(`--${flag}: a key path ${depth} keys deep, over the limit of ${max} (${LIMIT_ENV.maxSetDepth})`);
    }
  }
}

function repoOptions(raw: RawFlags): RepoOptions {
  return {
    clustersFile: str(raw.clusters) ?? './clusters.yaml',
    releasesDir: str(raw.releases),
    allowRoots: (raw.allowRoot as string[] | undefined) ?? [],
    output: raw.output === 'json' ? 'json' : 'text',
    color: raw.color !== false && !process.env.NO_COLOR && process.stdout.isTTY === true,
    verbose: raw.verbose === true,
  };
}

function clusterOptions(raw: RawFlags): ClusterOptions {
  return { ...repoOptions(raw), selector: selectorOf(raw.selector), kubeconfig: str(raw.kubeconfig), helmBin: str(raw.helm), concurrency: concurrencyOf(raw.concurrency) };
}

function cacheOptions(raw: RawFlags): CacheOptions {
  return { cacheDir: str(raw.cacheDir), renderAll: raw.renderAll === true, forceNondeterministic: raw.forceNondeterministic === true };
}

function renderOptions(raw: RawFlags): RenderOptions {
  const list = (k: string) => (raw[k] as string[] | undefined) ?? [];
  const valueFlags = { values: list('values'), set: list('set'), setString: list('setString'), setFile: list('setFile'), setJson: list('setJson'), setLiteral: list('setLiteral') };
  checkSetDepth(valueFlags);
  return { ...clusterOptions(raw), ...cacheOptions(raw), valueFlags, wave: str(raw.wave), prune: raw.prune === true, liveDrift: raw.ignoreLiveDrift !== true };
}

export function validateOptions(raw: RawFlags): ValidateOptions {
  return { ...repoOptions(raw), online: raw.online === true, strict: raw.strict === true, kubeconfig: str(raw.kubeconfig), helmBin: str(raw.helm) };
}

/** Where apply's --junit and plan's --out write: the folder must exist (found now, not after the run; drift makes its report folders). */
function checkOutputFolder(flag: string, file: string | undefined): void {
  if (file === undefined) return;
  const dir = dirname(resolve(file));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--${flag} ${JSON.stringify(file)}: the folder ${JSON.stringify(dirname(file))} does not exist`);
}

/** --verbose: the helm calls that check the value flags are listed like every other. */
function verboseLog(o: RepoOptions): ((line: string) => void) | undefined {
  return o.verbose ? (l: string) => process.stderr.write(`» ${l}\n`) : undefined;
}

export async function planOptions(raw: RawFlags): Promise<PlanOptions> {
  const o: PlanOptions = { ...renderOptions(raw), out: str(raw.out), explain: raw.explain === true, detailedExitcode: raw.detailedExitcode === true };
  const check = await import('./check-inputs.ts');
  checkOutputFolder('out', o.out);
  await check.checkValueFlags(o.valueFlags, o.helmBin, verboseLog(o));
  return o;
}

/** --wave runs one wave, --from-wave that wave and every later one: together they say two things. */
function checkWaveFlags(wave: string | undefined, fromWave: string | undefined): void {
  if (wave !== undefined && fromWave !== undefined) throw new UsageError(`--wave ${JSON.stringify(wave)} and --from-wave ${JSON.stringify(fromWave)} cannot be combined: --wave runs that one wave, --from-wave that wave and every later one; give one of them`);
}

/** `--yes`, or CI set (Jenkins sets it), counts as consent; without a TTY and without either, apply refuses (Terraform does too). */
export async function applyOptions(raw: RawFlags): Promise<ApplyOptions> {
  checkWaveFlags(str(raw.wave), str(raw.fromWave));
  const o: ApplyOptions = {
    ...renderOptions(raw),
    yes: raw.yes === true || Boolean(process.env.CI),
    junit: str(raw.junit),
    dryRun: raw.dryRun === true,
    planFile: str(raw.plan),
    fromWave: str(raw.fromWave),
    shard: undefined,
    recover: raw.recover === true,
    lockTimeoutMs: durationOf('lock-timeout', raw.lockTimeout),
    logFile: str(raw.log),
  };
  const [check, { parseShard }] = await Promise.all([import('./check-inputs.ts'), import('../model/shard.ts')]);
  checkOutputFolder('junit', o.junit);
  check.checkPlanFile(o.planFile);
  await check.checkValueFlags(o.valueFlags, o.helmBin, verboseLog(o));
  return { ...o, shard: parseShard(str(raw.shard), o.wave) }; // a bad --shard: exit 4, after the other flags, before the repository is read
}

/** A URL as a message may show it: no user information (it may hold a password), no more than 100 characters. */
export function urlShown(text: string): string {
  const at = text.lastIndexOf('@');
  const safe = at >= 0 ? `(credentials hidden)@${text.slice(at + 1)}` : text;
  return safe.length > 100 ? `${safe.slice(0, 80)}... (${safe.length} characters)` : safe;
}

/** An http(s) URL given for `flag`: its credentials registered with the redactor (never printed), anything else refused without printing it whole. */
function httpUrlOf(flag: string, text: string | undefined, expected: string): string | undefined {
  if (text === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url && (url.username || url.password)) {
    redactor.add(url.password, decodeURIComponent(url.password), `${url.username}:${url.password}`);
  }
  if (!url || !/^https?:$/.test(url.protocol) || !url.host) throw new UsageError(`--${flag} expects ${expected}, not "${urlShown(text)}"`);
  return text;
}

export function driftOptions(raw: RawFlags, formatGiven: boolean): DriftOptions {
  const notify = httpUrlOf('notify', str(raw.notify) ?? (process.env.HELM_CASCADE_NOTIFY_URL || undefined), 'an http(s) URL of a Slack-compatible webhook');
  const pushgateway = httpUrlOf('pushgateway', str(raw.pushgateway) ?? (process.env.HELM_CASCADE_PUSHGATEWAY_URL || undefined), 'the http(s) URL of a Prometheus Pushgateway (e.g. http://pushgateway:9091)');
  return { ...clusterOptions(raw), ...cacheOptions(raw), formats: str(raw.format) ?? 'text', formatGiven, junit: str(raw.junit), notify, notifyAlways: raw.notifyAlways === true, pushgateway, shard: str(raw.shard) };
}

export function statusOptions(raw: RawFlags): StatusOptions {
  return clusterOptions(raw);
}

export function rollbackOptions(raw: RawFlags): RollbackOptions {
  return { ...clusterOptions(raw), wave: str(raw.wave), run: str(raw.run), lockTimeoutMs: durationOf('lock-timeout', raw.lockTimeout), logFile: str(raw.log) };
}

export function reportOptions(logs: string[], raw: RawFlags): ReportOptions {
  const format = str(raw.format) ?? 'html';
  if (format !== 'html' && format !== 'json' && format !== 'junit' && format !== 'markdown' && format !== 'text') throw new UsageError(`--format "${format}": expected html, json, junit, markdown or text`);
  return { logs, format, out: str(raw.out) };
}

/** helm template is CPU-bound: one per core unless --concurrency says otherwise. */
export function renderConcurrency(o: ClusterOptions): number {
  return o.concurrency ?? availableParallelism();
}

/** helm and kube operations in flight at once: --concurrency, default 4 x cores. */
export function runConcurrency(o: ClusterOptions): number {
  return o.concurrency ?? availableParallelism() * 4;
}

/** The plan options of --cache-dir, --render-all and --force-nondeterministic. */
export function cacheFlags(o: CacheOptions): { cacheDir?: string; renderAll: boolean; forceNondeterministic?: boolean } {
  return { ...(o.cacheDir !== undefined ? { cacheDir: o.cacheDir } : {}), renderAll: o.renderAll, ...(o.forceNondeterministic ? { forceNondeterministic: true } : {}) };
}

export function importOptions(raw: RawFlags, args: readonly string[]): ImportOptions {
  const [kind, source] = args;
  if (kind !== 'helmfile') throw new UsageError(`import: unknown source kind "${String(kind)}" (helm-cascade import helmfile [FILE|DIR])`);
  const environments = (raw.environment as string[] | undefined) ?? [];
  for (const e of environments) if (!e.trim()) throw new UsageError('-e/--environment: an environment name is empty');
  return { source: source ?? '.', environments, out: str(raw.out) ?? 'deploy', partial: raw.partial === true, currentContext: str(raw.currentContext), output: raw.output === 'json' ? 'json' : 'text' };
}

export function initOptions(raw: RawFlags, args: readonly string[]): InitOptions {
  const providers: Record<string, string> = {};
  for (const p of (raw.provider as string[] | undefined) ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0 || eq === p.length - 1) throw new UsageError(`--provider "${p}": write CONTEXT=PROVIDER (e.g. gke_proj_europe-west1_main=gke)`);
    providers[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return {
    dir: args[0] ?? '.',
    fromKubeconfig: raw.fromKubeconfig === true,
    kubeconfig: str(raw.kubeconfig),
    contexts: (raw.context as string[] | undefined) ?? [],
    providers,
    yes: raw.yes === true || !!process.env.CI,
    output: raw.output === 'json' ? 'json' : 'text',
  };
}
