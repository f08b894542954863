// The Helm interface: one method per verb. `createHelm` runs the real binary
// with execa; a failed call becomes a ToolError showing argv (secrets hidden),
// exit status and stderr, passed through the redactor (helm may quote a value
// it was given). The binary's version is checked once per instance. An
// instance knows only its binary: a call that reaches a cluster carries the
// cluster's context and kubeconfig in its own command (argv.ts target).
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ToolError, UsageError } from '../errors.ts';
import { shown } from '../redact.ts';
import { parseTypedJson } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import {
  formatArgv,
  historyCommand,
  pullCommand,
  rollbackCommand,
  showCommand,
  templateCommand,
  uninstallCommand,
  upgradeInstallCommand,
  valueFlagList,
  valuesProbeCommand,
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
  /**
   * `base` with the command-line value flags merged in by helm itself, as
   * `helm upgrade -f base <flags>` would: int64s as bigints, float64s as
   * numbers. A flag helm cannot apply is a UsageError naming it.
   */
  mergeValueFlags(base: Values, f: ValueFlags): Promise<Values>;
  /**
   * The command line's value flags checked by helm before anything else is
   * done (each alone, then all together, at once): a flag helm refuses, or a
   * --set that sets nothing (Helm 4 ignores `--set 'a[0'`), is a UsageError
   * naming it.
   */
  checkValueFlags(f: ValueFlags): Promise<void>;
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
      r = await execa(bin, cmd.argv, { input: cmd.input ?? '', reject: false, stripFinalNewline: false, ...(cmd.env ? { env: cmd.env } : {}), maxBuffer: 512 * 1024 * 1024, detached: true });
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
    mergeValueFlags: (base, f) => mergeValueFlags(exec, base, f),
    checkValueFlags: (f) => checkValueFlags(exec, f),
  };
  return helm;
}

/**
 * The values probe: a chart whose one template prints `.Values` as JSON with
 * helm's number kinds kept apart (an int64 as digits, a float64 always with
 * a `.` or an exponent; model/json.ts parseTypedJson reads it back). With no
 * values.yaml and no dependencies, `.Values` is exactly what helm merged
 * from -f and the --set flags, nulls included.
 */
const PROBE_TEMPLATE = `{{- define "cascade.typed" -}}
{{- $k := kindOf . -}}
{{- if eq $k "map" -}}
{{- $first := true -}}
{ {{- range $key, $val := . -}}
{{- if not $first }},{{ end -}}{{- $first = false -}}
{{- toJson $key -}}:{{- include "cascade.typed" $val -}}
{{- end -}} }
{{- else if eq $k "slice" -}}
[ {{- range $i, $e := . -}}{{- if $i }},{{ end -}}{{- include "cascade.typed" $e -}}{{- end -}} ]
{{- else if has $k (list "int" "int8" "int16" "int32" "int64" "uint" "uint8" "uint16" "uint32" "uint64") -}}
{{- printf "%d" . -}}
{{- else if has $k (list "float32" "float64") -}}
{{- $s := toJson . -}}{{- $s -}}{{- if not (or (contains "." $s) (contains "e" $s)) -}}.0{{- end -}}
{{- else -}}
{{- toJson . -}}
{{- end -}}
{{- end -}}
{{- include "cascade.typed" .Values }}
`;

/** helm's message about a value flag without the prefix naming its kind (the caller names the flag). */
function flagError(stderr: string, f: ValueFlags): string {
  const text = stderr.replace(/^Error: /, '').trim();
  return hideFlagValues(text.replace(/^failed (?:to )?pars(?:e|ing) (?:--[a-z-]+ data:? ?)?/, ''), f);
}

/** A value flag as an error names it: the key of each pair shown, the values hidden (they may be secret); -f and --set-file paths whole. */
function shownFlag(flag: { flag: string; value: string }): string {
  const short = (t: string) => (t.length > 80 ? `${t.slice(0, 60)}... (${t.length} characters)` : t);
  if (flag.flag === '--values' || flag.flag === '--set-file') return `${flag.flag === '--values' ? '-f' : flag.flag} ${short(flag.value)}`;
  const pairs = flag.flag === '--set-json' || flag.flag === '--set-literal' ? [flag.value] : flag.value.split(/(?<!\\),/);
  const shown = pairs.map((p) => {
    const eq = p.search(/(?<!\\)=/);
    return eq < 0 ? short(p) : `${short(p.slice(0, eq))}=(hidden)`;
  });
  return `${flag.flag} ${JSON.stringify(shown.join(','))}`;
}

interface ProbeRun {
  exec: (cmd: HelmCommand) => Promise<string>;
  chart: string;
}

/** Runs the probe; its typed output, or helm's error text. */
async function probe(p: ProbeRun, base: Values, flags: readonly { flag: string; value: string }[]): Promise<{ values: Values } | { error: ToolError }> {
  try {
    const out = await p.exec(valuesProbeCommand(p.chart, JSON.stringify(base), flags));
    const json = out.split('\n').filter((l) => l.trim() && !l.startsWith('---') && !l.startsWith('#')).join('\n');
    return { values: parseTypedJson(json) as Values };
  } catch (err) {
    if (err instanceof ToolError) return { error: err };
    throw err;
  }
}

/** The first flag (in the order helm applies them) after which helm fails: the one to name. */
async function blame(p: ProbeRun, base: Values, flags: readonly { flag: string; value: string }[]): Promise<number> {
  for (let k = 1; k < flags.length; k++) if ('error' in (await probe(p, base, flags.slice(0, k)))) return k - 1;
  return flags.length - 1;
}

/** The probe chart in a temporary folder for the time of `f`. */
async function withProbeChart<T>(exec: (cmd: HelmCommand) => Promise<string>, f: (p: ProbeRun) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'helm-cascade-values-'));
  try {
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: cascade-values\nversion: 0.0.0\n');
    writeFileSync(join(dir, 'templates', 'values.json'), PROBE_TEMPLATE);
    return await f({ exec, chart: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** See Helm.mergeValueFlags. */
async function mergeValueFlags(exec: (cmd: HelmCommand) => Promise<string>, base: Values, f: ValueFlags): Promise<Values> {
  const flags = valueFlagList(f);
  if (flags.length === 0) return base;
  return withProbeChart(exec, async (p) => {
    const r = await probe(p, base, flags);
    if ('values' in r) return r.values;
    const culprit = flags[await blame(p, base, flags)]!;
    throw new UsageError(`${shownFlag(culprit)}: ${flagError(r.error.stderr, f)}`);
  });
}

/** Flags whose whole point is a value (a -f file may be empty; --set-file always sets). */
const SETTING_FLAGS = new Set(['--set', '--set-string', '--set-json', '--set-literal']);

/** See Helm.checkValueFlags. */
async function checkValueFlags(exec: (cmd: HelmCommand) => Promise<string>, f: ValueFlags): Promise<void> {
  const flags = valueFlagList(f);
  if (flags.length === 0) return;
  await withProbeChart(exec, async (p) => {
    const alone = await Promise.all(flags.map((flag) => probe(p, {}, [flag])));
    alone.forEach((r, i) => {
      const flag = flags[i]!;
      if ('error' in r) throw new UsageError(`${shownFlag(flag)}: ${flagError(r.error.stderr, f)}`);
      if (SETTING_FLAGS.has(flag.flag) && Object.keys(r.values).length === 0) throw new UsageError(`${shownFlag(flag)}: sets no value (helm reads nothing from it: a missing "=", or an unclosed "[")`);
    });
    await mergeValueFlags(exec, {}, f);
  });
}
