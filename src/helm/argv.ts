// helm argv builders (pure). The same builder feeds the real run and the
// dry-run preview, so they cannot drift apart. Helm 3 vs 4 differences live
// here and nowhere else:
//   - rollback on failure: Helm 3 `--atomic`, Helm 4 `--rollback-on-failure`
//   - waiting: Helm 3 `--wait` (legacy readiness), Helm 4 `--wait=watcher` (kstatus);
//     Helm 4's default is `hookOnly`, so helm-cascade always says what it wants
//   - Helm 4 applies server-side by default (`--server-side=auto`); we keep its default
// Values never go on the command line: they are piped to `-f -`.

import { delimiter } from 'node:path';
import type { KubeTarget } from '../model/identity.ts';

export type HelmMajor = 3 | 4;

export interface HelmCommand {
  argv: string[]; // without the binary
  /** Piped to stdin (merged values as YAML/JSON for `-f -`); never shown. */
  input?: string;
  /** Reads run in dry-run too; writes are only printed there (release-it style). */
  effect: 'read' | 'write';
}


export interface TemplateArgs {
  releaseName: string;
  namespace: string;
  chart: string; // local folder or .tgz
  values: string; // YAML or JSON text
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
  values: string;
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

/** A KUBECONFIG-style list of files is no --kubeconfig (helm takes one file there): helm then reads it from $KUBECONFIG, as kubectl merges it. */
function target(t: KubeTarget): string[] {
  return t.kubeconfig.includes(delimiter) ? ['--kube-context', t.context] : ['--kube-context', t.context, '--kubeconfig', t.kubeconfig];
}

function timeout(ms: number | undefined): string[] {
  return ms === undefined ? [] : ['--timeout', `${Math.max(1, Math.ceil(ms / 1000))}s`];
}

function wait(major: HelmMajor, on: boolean | undefined): string[] {
  if (!on) return [];
  return major === 4 ? ['--wait=watcher'] : ['--wait'];
}

export function versionCommand(): HelmCommand {
  return { argv: ['version', '--template', '{{.Version}}'], effect: 'read' };
}

/**
 * `helm template` as the plan renders: the release's manifest, its hooks
 * (tests left out) and the CRDs of crds/ folders, so the plan can show all
 * three (plan/rendered.ts tells them apart).
 */
export function templateCommand(_major: HelmMajor, a: TemplateArgs): HelmCommand {
  const argv = ['template', a.releaseName, a.chart, '--namespace', a.namespace, '--include-crds', '--skip-tests', '-f', '-'];
  if (a.server) argv.push('--dry-run=server', ...target(a.server));
  else {
    if (a.kubeVersion) argv.push('--kube-version', a.kubeVersion);
    if (a.apiVersions?.length) argv.push('--api-versions', a.apiVersions.join(','));
  }
  if (a.isUpgrade) argv.push('--is-upgrade');
  return { argv, input: a.values, effect: 'read' };
}

export function upgradeInstallCommand(major: HelmMajor, a: UpgradeArgs): HelmCommand {
  const argv = ['upgrade', '--install', a.releaseName, a.chart, '--namespace', a.namespace, '--create-namespace', ...target(a), '-f', '-'];
  const labels = Object.entries(a.labels);
  if (labels.length) argv.push('--labels', labels.map(([k, v]) => `${k}=${v}`).join(','));
  if (a.rollbackOnFailure) argv.push(major === 4 ? '--rollback-on-failure' : '--atomic');
  argv.push(...wait(major, a.wait || a.rollbackOnFailure), ...timeout(a.timeoutMs));
  if (a.dryRun) argv.push(`--dry-run=${a.dryRun}`);
  if (a.description) argv.push('--description', a.description);
  if (major === 4 && a.serverSide) argv.push(`--server-side=${a.serverSide}`);
  if (major === 4 && a.forceConflicts) argv.push('--force-conflicts');
  if (a.disableOpenApiValidation) argv.push('--disable-openapi-validation');
  return { argv, input: a.values, effect: a.dryRun ? 'read' : 'write' };
}

export function rollbackCommand(major: HelmMajor, a: RollbackArgs): HelmCommand {
  const argv = ['rollback', a.releaseName];
  if (a.revision !== undefined) argv.push(String(a.revision));
  argv.push('--namespace', a.namespace, ...target(a), ...wait(major, a.wait), ...timeout(a.timeoutMs));
  if (a.dryRun) argv.push('--dry-run');
  if (major === 4 && a.forceConflicts) argv.push('--force-conflicts');
  return { argv, effect: a.dryRun ? 'read' : 'write' };
}

export function uninstallCommand(major: HelmMajor, a: UninstallArgs): HelmCommand {
  const argv = ['uninstall', a.releaseName, '--namespace', a.namespace, ...target(a), ...wait(major, a.wait), ...timeout(a.timeoutMs)];
  if (a.dryRun) argv.push('--dry-run');
  return { argv, effect: a.dryRun ? 'read' : 'write' };
}

export function historyCommand(_major: HelmMajor, a: ReleaseArgs, max = 20): HelmCommand {
  return { argv: ['history', a.releaseName, '--namespace', a.namespace, ...target(a), '--max', String(max), '-o', 'json'], effect: 'read' };
}

export function statusCommand(_major: HelmMajor, a: ReleaseArgs): HelmCommand {
  return { argv: ['status', a.releaseName, '--namespace', a.namespace, ...target(a), '-o', 'json'], effect: 'read' };
}

export function getManifestCommand(_major: HelmMajor, a: ReleaseArgs): HelmCommand {
  return { argv: ['get', 'manifest', a.releaseName, '--namespace', a.namespace, ...target(a)], effect: 'read' };
}

/**
 * `helm template` of a chart whose only template prints `.Values` as JSON:
 * helm itself merges the command-line values (-f, --set, --set-string,
 * --set-file, --set-json, --set-literal), so they mean exactly what they mean to helm.
 */
export function userValuesCommand(chart: string, f: ValueFlags): HelmCommand {
  const argv = ['template', 'cascade-values', chart];
  for (const v of f.values) argv.push('--values', v);
  for (const [flag, list] of [['--set', f.set], ['--set-string', f.setString], ['--set-file', f.setFile], ['--set-json', f.setJson], ['--set-literal', f.setLiteral]] as const) {
    for (const v of list) argv.push(flag, v);
  }
  return { argv, effect: 'read' };
}

export function pullCommand(_major: HelmMajor, a: PullArgs): HelmCommand {
  const argv = ['pull', a.ref, '--version', a.version, '--destination', a.destination];
  if (a.plainHttp) argv.push('--plain-http');
  return { argv, effect: 'read' };
}

export function showCommand(_major: HelmMajor, a: ShowArgs): HelmCommand {
  return { argv: ['show', a.what, a.chart], effect: 'read' };
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
