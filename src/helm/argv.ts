// helm argv builders (pure), one per verb. The same builder feeds the real
// run and --dry-run (helm's own server dry run, a flag of the same command),
// so they cannot drift apart. Helm 3 vs 4 differences live here and nowhere else:
//   - rollback on failure: Helm 3 `--atomic`, Helm 4 `--rollback-on-failure`
//   - waiting: Helm 3 `--wait` (legacy readiness), Helm 4 `--wait=watcher` (kstatus);
//     Helm 4's default is `hookOnly`, so helm-cascade always says what it wants
//   - Helm 4 applies server-side by default (`--server-side=auto`); we keep its default
// Values are piped to `-f -` as JSON; helm reads every number there as a
// float64, so each int64 of the values (a bigint: model/json.ts) is given
// again with `--set path=digits` after it, the one way helm makes an int64.
// The values are final (command-line flags already merged, plan/values.ts),
// so those `--set`s change only the kind of numbers already there.

import { delimiter } from 'node:path';
import type { KubeTarget } from '../model/identity.ts';
import { isPlainObject } from '../model/json.ts';
import type { Values } from '../model/json.ts';

export type HelmMajor = 3 | 4;

export interface HelmCommand {
  argv: string[]; // without the binary
  /** Piped to stdin (merged values as YAML/JSON for `-f -`); never shown. */
  input?: string;
  /** The environment of a call that reaches a cluster: $KUBECONFIG, its target's kubeconfig (see target()). */
  env?: { KUBECONFIG: string };
}


export interface TemplateArgs {
  releaseName: string;
  namespace: string;
  chart: string; // local folder or .tgz
  values: Values; // final: int64s are bigints
  kubeVersion?: string;
  apiVersions?: string[];
  isUpgrade?: boolean;
  /**
   * Render against this cluster (`--dry-run=server`): `lookup` is answered by
   * it and the capabilities are its own, as in `helm upgrade`.
   */
  server?: KubeTarget;
}

export interface UpgradeArgs extends KubeTarget {
  releaseName: string;
  namespace: string;
  chart: string;
  values: Values; // final: int64s are bigints
  labels: Record<string, string>; // release-record labels (the helm-cascade marker)
  wait?: boolean;
  timeoutMs?: number;
  rollbackOnFailure?: boolean;
  dryRun?: 'server' | 'client';
  description?: string;
  /** Helm 4 only: "true" | "false" | "auto" (helm's default). */
  serverSide?: 'true' | 'false' | 'auto';
  /** Helm 4 only, server-side apply: take fields back from other managers (kubectl scale/edit). */
  forceConflicts?: boolean;
  /** Skip helm's client-side OpenAPI validation (helm-cascade validated every object on the server first). */
  disableOpenApiValidation?: boolean;
}

export interface ReleaseArgs extends KubeTarget {
  releaseName: string;
  namespace: string;
}

export interface RollbackArgs extends ReleaseArgs {
  revision?: number; // default: the previous one
  /** Helm 4 only, server-side apply: take fields back from other managers. */
  forceConflicts?: boolean;
  wait?: boolean;
  timeoutMs?: number;
  dryRun?: boolean;
}

export interface UninstallArgs extends ReleaseArgs {
  wait?: boolean;
  timeoutMs?: number;
  dryRun?: boolean;
}

/** Command-line values exactly as a user would give them to helm (CLI order kept within each kind). */
export interface ValueFlags {
  values: string[]; // -f / --values FILE
  set: string[];
  setString: string[];
  setFile: string[];
  setJson: string[];
  setLiteral: string[];
}

export interface PullArgs {
  ref: string; // oci://host/path/name
  version: string;
  destination: string;
  plainHttp?: boolean;
}

export interface ShowArgs {
  chart: string;
  what: 'chart' | 'values' | 'readme';
}

/** A map key as a `--set` path segment: helm's strvals ends a key at `.`, `[`, `=` and `,`, and `\\` escapes. */
function setKey(k: string): string {
  return k.replace(/[\\.[=,]/g, (c) => `\\${c}`);
}

/** Every int64 of a values tree as `path=digits` (a key that is empty cannot be named with --set and stays a float64). */
export function int64Assignments(v: unknown, path = ''): string[] {
  if (typeof v === 'bigint') return path ? [`${path}=${v}`] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => int64Assignments(x, `${path}[${i}]`));
  if (!isPlainObject(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => (k === '' ? [] : int64Assignments(x, path ? `${path}.${setKey(k)}` : setKey(k))));
}

/** Largest `--set` argument (Linux takes 128 KiB per argument). */
const MAX_SET_ARG = 64 * 1024;

/** `-f -` (the values as JSON, on stdin), then the int64s again as `--set` (commas join them, each argument under 64 KiB). */
export function valueArgs(values: Values): { argv: string[]; input: string } {
  const argv = ['-f', '-'];
  let chunk = '';
  for (const a of int64Assignments(values)) {
    if (chunk && chunk.length + a.length + 1 > MAX_SET_ARG) {
      argv.push('--set', chunk);
      chunk = '';
    }
    chunk = chunk ? `${chunk},${a}` : a;
  }
  if (chunk) argv.push('--set', chunk);
  return { argv, input: JSON.stringify(values) };
}

/** A KUBECONFIG-style list of files is no --kubeconfig (helm takes one file there): helm then reads it from $KUBECONFIG (targetEnv), as kubectl merges it. */
function target(t: KubeTarget): string[] {
  return t.kubeconfig.includes(delimiter) ? ['--kube-context', t.context] : ['--kube-context', t.context, '--kubeconfig', t.kubeconfig];
}

/** The environment of a call with a target: its kubeconfig as $KUBECONFIG (a list is merged by helm as kubectl merges it). */
function targetEnv(t: KubeTarget): { env: { KUBECONFIG: string } } {
  return { env: { KUBECONFIG: t.kubeconfig } };
}

function timeout(ms: number | undefined): string[] {
  return ms === undefined ? [] : ['--timeout', `${Math.max(1, Math.ceil(ms / 1000))}s`];
}

function wait(major: HelmMajor, on: boolean | undefined): string[] {
  if (!on) return [];
  return major === 4 ? ['--wait=watcher'] : ['--wait'];
}

export function versionCommand(): HelmCommand {
  return { argv: ['version', '--template', '{{.Version}}'] };
}

/**
 * `helm template` as the plan renders: the release's manifest, its hooks
 * (tests left out) and the CRDs of crds/ folders, so the plan can show all
 * three (plan/rendered.ts tells them apart).
 */
/**
 * `helm template` as `helm upgrade --install` renders. Helm 4 runs install's
 * ownership check on a `--dry-run=server` render (Helm 3's template stays
 * client-only for it), and with `--include-crds` that check covers the CRDs of
 * crds/ folders, which `helm install` never puts in the release: it creates
 * them when missing and skips them when present. So a Helm 4 render against
 * the cluster leaves crds/ out; the renderer takes them from a client render
 * (plan/render.ts, `crdsRenderedApart`).
 */
export function templateCommand(major: HelmMajor, a: TemplateArgs): HelmCommand {
  const values = valueArgs(a.values);
  const crds = crdsRenderedApart(major, a) ? [] : ['--include-crds'];
  const argv = ['template', a.releaseName, a.chart, '--namespace', a.namespace, ...crds, '--skip-tests', ...values.argv];
  if (a.server) argv.push('--dry-run=server', ...target(a.server));
  else {
    if (a.kubeVersion) argv.push('--kube-version', a.kubeVersion);
    if (a.apiVersions?.length) argv.push('--api-versions', a.apiVersions.join(','));
  }
  if (a.isUpgrade) argv.push('--is-upgrade');
  return { argv, input: values.input, ...(a.server ? targetEnv(a.server) : {}) };
}

/** A render whose crds/ CRDs come from a client-only render of the same chart and values (see templateCommand). */
export function crdsRenderedApart(major: HelmMajor, a: Pick<TemplateArgs, 'server'>): boolean {
  return major === 4 && a.server !== undefined;
}

export function upgradeInstallCommand(major: HelmMajor, a: UpgradeArgs): HelmCommand {
  const values = valueArgs(a.values);
  const argv = ['upgrade', '--install', a.releaseName, a.chart, '--namespace', a.namespace, '--create-namespace', ...target(a), ...values.argv];
  const labels = Object.entries(a.labels);
  if (labels.length) argv.push('--labels', labels.map(([k, v]) => `${k}=${v}`).join(','));
  if (a.rollbackOnFailure) argv.push(major === 4 ? '--rollback-on-failure' : '--atomic');
  argv.push(...wait(major, a.wait || a.rollbackOnFailure), ...timeout(a.timeoutMs));
  if (a.dryRun) argv.push(`--dry-run=${a.dryRun}`);
  if (a.description) argv.push('--description', a.description);
  if (major === 4 && a.serverSide) argv.push(`--server-side=${a.serverSide}`);
  if (major === 4 && a.forceConflicts) argv.push('--force-conflicts');
  if (a.disableOpenApiValidation) argv.push('--disable-openapi-validation');
  return { argv, input: values.input, ...targetEnv(a) };
}

export function rollbackCommand(major: HelmMajor, a: RollbackArgs): HelmCommand {
  const argv = ['rollback', a.releaseName];
  if (a.revision !== undefined) argv.push(String(a.revision));
  argv.push('--namespace', a.namespace, ...target(a), ...wait(major, a.wait), ...timeout(a.timeoutMs));
  if (a.dryRun) argv.push('--dry-run');
  if (major === 4 && a.forceConflicts) argv.push('--force-conflicts');
  return { argv, ...targetEnv(a) };
}

export function uninstallCommand(major: HelmMajor, a: UninstallArgs): HelmCommand {
  const argv = ['uninstall', a.releaseName, '--namespace', a.namespace, ...target(a), ...wait(major, a.wait), ...timeout(a.timeoutMs)];
  if (a.dryRun) argv.push('--dry-run');
  return { argv, ...targetEnv(a) };
}

export function historyCommand(_major: HelmMajor, a: ReleaseArgs, max = 20): HelmCommand {
  return { argv: ['history', a.releaseName, '--namespace', a.namespace, ...target(a), '--max', String(max), '-o', 'json'], ...targetEnv(a) };
}

/** Each value flag in the order helm applies them (pkg/cli/values MergeValues): -f files, then --set-json, --set, --set-string, --set-file, --set-literal. */
export function valueFlagList(f: ValueFlags): { flag: string; value: string }[] {
  const kinds = [['--values', f.values], ['--set-json', f.setJson], ['--set', f.set], ['--set-string', f.setString], ['--set-file', f.setFile], ['--set-literal', f.setLiteral]] as const;
  return kinds.flatMap(([flag, list]) => list.map((value) => ({ flag, value })));
}

/**
 * `helm template` of the values probe (helm.ts: a chart whose one template
 * prints `.Values` with its kinds), given `base` on stdin and the user's
 * flags after it: helm itself merges the command-line values into the
 * repository's, exactly as `helm upgrade` with those flags would.
 */
export function valuesProbeCommand(chart: string, base: string, flags: readonly { flag: string; value: string }[]): HelmCommand {
  const argv = ['template', 'cascade-values', chart, '-f', '-'];
  for (const { flag, value } of flags) argv.push(flag, value);
  return { argv, input: base };
}

export function pullCommand(_major: HelmMajor, a: PullArgs): HelmCommand {
  const argv = ['pull', a.ref, '--version', a.version, '--destination', a.destination];
  if (a.plainHttp) argv.push('--plain-http');
  return { argv };
}

export function showCommand(_major: HelmMajor, a: ShowArgs): HelmCommand {
  return { argv: ['show', a.what, a.chart] };
}

const HIDDEN_VALUE_FLAGS = new Set(['--set', '--set-string', '--set-json', '--set-file', '--set-literal', '--password', '--values-content']);

/** argv as shown in logs and errors: --set values and passwords hidden; piped values are never part of argv. */
export function redactArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    if (eq > 0 && HIDDEN_VALUE_FLAGS.has(a.slice(0, eq))) {
      out.push(`${a.slice(0, eq)}=${hideSetValue(a.slice(eq + 1))}`);
    } else if (HIDDEN_VALUE_FLAGS.has(a) && i + 1 < argv.length) {
      const v = argv[++i]!;
      out.push(a, a === '--password' ? '(hidden)' : hideSetValue(v));
    } else if ((a === '-f' || a === '--values') && argv[i + 1] === '-') {
      out.push(a, '(values from stdin, hidden)');
      i++;
    } else out.push(a);
  }
  return out;
}

/** `a.b=x,c=y` -> `a.b=(hidden),c=(hidden)`: the keys help, the values may be secret. */
function hideSetValue(v: string): string {
  return v
    .split(',')
    .map((p) => {
      const eq = p.indexOf('=');
      return eq > 0 ? `${p.slice(0, eq)}=(hidden)` : '(hidden)';
    })
    .join(',');
}

/** A shell-ish rendering for messages (quotes what needs it). */
export function formatArgv(bin: string, argv: string[]): string {
  return [bin, ...redactArgv(argv)].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
