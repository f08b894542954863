// The Helm interface: one method per verb. `createHelm` runs the real binary
// with execa; a failed call becomes a ToolError showing argv (secrets hidden),
// exit status and stderr, passed through the redactor (helm may quote a value
// it was given). The binary's version is checked once per instance.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ToolError, UsageError } from '../errors.ts';
import { shown } from '../redact.ts';
import {
  formatArgv,
  historyCommand,
  pullCommand,
  rollbackCommand,
  showCommand,
  templateCommand,
  uninstallCommand,
  upgradeInstallCommand,
  userValuesCommand,
  versionCommand,
} from './argv.ts';
import type { HelmCommand, HelmMajor, PullArgs, ReleaseArgs, RollbackArgs, ShowArgs, TemplateArgs, UninstallArgs, UpgradeArgs, ValueFlags } from './argv.ts';

export interface HelmVersion {
  version: string; // e.g. v3.17.3
  major: HelmMajor;
  minor: number;
}

interface HelmHistoryEntry {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  app_version: string;
  description: string;
}

export interface Helm {
  readonly bin: string;
  version(): Promise<HelmVersion>;
  /** Renders the chart; stdout is the manifest (hooks excluded, as helm's release record stores it). */
  template(a: TemplateArgs): Promise<string>;
  upgradeInstall(a: UpgradeArgs): Promise<string>;
  rollback(a: RollbackArgs): Promise<string>;
  uninstall(a: UninstallArgs): Promise<string>;
  history(a: ReleaseArgs, max?: number): Promise<HelmHistoryEntry[]>;
  /** Pulls an OCI chart into `destination` (helm names the file NAME-VERSION.tgz). */
  pull(a: PullArgs): Promise<void>;
  show(a: ShowArgs): Promise<string>;
  /** The command-line values merged by helm itself ({} when none are given); a malformed flag is a UsageError. */
  userValues(f: ValueFlags): Promise<Record<string, unknown>>;
}

/** helm's message about a malformed value flag without the values it quotes (`failed parsing --set-json data a={...`). */
function hideFlagValues(text: string, f: ValueFlags): string {
  const flags = [...f.set, ...f.setString, ...f.setJson, ...f.setLiteral, ...f.setFile];
  const valueOf = (p: string) => (p.indexOf('=') > 0 ? [p.slice(p.indexOf('=') + 1)] : []);
  // the value after the first '=' (a --set-json document holds commas), and each pair's value
  const parts = flags.flatMap((s) => [...valueOf(s), ...s.split(',').flatMap(valueOf)]);
  const needles = [...new Set(parts.filter((p) => p.length >= 3))].sort((a, b) => b.length - a.length);
  return needles.reduce((t, n) => t.split(n).join('(hidden)'), text);
}

export interface HelmOptions {
  bin: string;
  /** Called with every command line before it runs (for --verbose). */
  log?: (line: string) => void;
  env?: Record<string, string>;
}

const MIN_HELM3_MINOR = 17;

/** The helm binary is not there: say how to point at one (exit 4: bad input, nothing touched). */
function missingHelm(bin: string): UsageError {
  return new UsageError(`helm binary "${bin}" not found`, {
    hint: 'install Helm 3.17+ or Helm 4 on PATH, or point at one with --helm PATH or HELM_BIN=PATH (a checkout has both under node_modules/.helm-cascade/helm-v3/helm and helm-v4/helm after npm ci)',
  });
}

/** "v3.17.3" -> version info; throws UsageError for unsupported helms. */
export function parseHelmVersion(text: string, bin: string): HelmVersion {
  const m = /v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  if (!m) throw new UsageError(`${bin}: cannot read helm's version from "${text.trim()}"`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const version = `v${m[1]}.${m[2]}.${m[3]}`;
  if (major === 4) return { version, major: 4, minor };
  if (major === 3 && minor >= MIN_HELM3_MINOR) return { version, major: 3, minor };
  throw new UsageError(`${bin} is helm ${version}; helm-cascade needs Helm 3.${MIN_HELM3_MINOR}+ or Helm 4 (use --helm PATH or HELM_BIN)`);
}

export function createHelm(opts: HelmOptions): Helm {
  const bin = opts.bin;
  let versionP: Promise<HelmVersion> | undefined;

  async function exec(cmd: HelmCommand): Promise<string> {
    opts.log?.(formatArgv(bin, cmd.argv));
    let r;
    try {
      // detached: a Ctrl-C on the terminal reaches helm-cascade only, which lets in-flight helm calls finish (a killed helm leaves pending-*)
      r = await execa(bin, cmd.argv, { input: cmd.input ?? '', reject: false, stripFinalNewline: false, env: opts.env, maxBuffer: 512 * 1024 * 1024, detached: true });
    } catch (err) {
      throw new ToolError(shown(`${formatArgv(bin, cmd.argv)}\n  could not run: ${(err as Error).message}`), undefined, '');
    }
    if (r.code === 'ENOENT') throw missingHelm(bin);
    if (r.failed) {
      const stderr = shown(String(r.stderr ?? '').trim());
      const status = r.exitCode !== undefined ? `exit status ${r.exitCode}` : r.signal ? `killed by ${r.signal}` : (r.code ?? 'failed to start');
      throw new ToolError(shown(`${formatArgv(bin, cmd.argv)}\n  ${status}${stderr ? `\n  ${stderr.replace(/\n/g, '\n  ')}` : ''}`), r.exitCode, stderr);
    }
    return String(r.stdout ?? '');
  }

  const major = async () => (await helm.version()).major;

  const helm: Helm = {
    bin,
    version() {
      versionP ??= exec(versionCommand()).then((out) => parseHelmVersion(out, bin));
      return versionP;
    },
    async template(a) {
      return exec(templateCommand(await major(), a));
    },
    async upgradeInstall(a) {
      return exec(upgradeInstallCommand(await major(), a));
    },
    async rollback(a) {
      return exec(rollbackCommand(await major(), a));
    },
    async uninstall(a) {
      return exec(uninstallCommand(await major(), a));
    },
    async history(a, max) {
      return JSON.parse(await exec(historyCommand(await major(), a, max))) as HelmHistoryEntry[];
    },
    async pull(a) {
      await exec(pullCommand(await major(), a));
    },
    async show(a) {
      return exec(showCommand(await major(), a));
    },
    userValues: (f) => userValues(exec, f),
  };
  return helm;
}

/** See userValuesCommand: a throwaway chart printing `.Values`, rendered by helm with the user's flags. */
async function userValues(exec: (cmd: HelmCommand) => Promise<string>, f: ValueFlags): Promise<Record<string, unknown>> {
  if (Object.values(f).every((l) => l.length === 0)) return {};
  const dir = mkdtempSync(join(tmpdir(), 'helm-cascade-values-'));
  try {
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: cascade-values\nversion: 0.0.0\n');
    writeFileSync(join(dir, 'templates', 'values.json'), '{{ .Values | toJson }}\n');
    let out: string;
    try {
      out = await exec(userValuesCommand(dir, f));
    } catch (err) {
      if (err instanceof ToolError) throw new UsageError(`command-line values: ${hideFlagValues(err.stderr.replace(/^Error: /, '').trim(), f)}`);
      throw err;
    }
    const json = out.split('\n').filter((l) => l.trim() && !l.startsWith('---') && !l.startsWith('#')).join('\n');
    return JSON.parse(json) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
