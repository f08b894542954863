// Flags shared by every command, turned into typed options once.
import { availableParallelism, homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { loadDeployRepoOrThrow } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { createHelm } from '../helm/helm.ts';
import type { Helm } from '../helm/helm.ts';
import type { MakePlanOptions } from '../plan/make-plan.ts';
import { parseSetFlags, SetFlagError } from '../plan/values.ts';
import { effectiveWaves } from '../model/waves.ts';
import { parseUnitSelector, SelectorSyntaxError } from '../model/selectors.ts';
import type { UnitSelector } from '../model/selectors.ts';
import type { ClustersFileSpec, DeployRepo } from '../model/spec.ts';

export interface CommonOptions {
  clustersFile: string;
  releasesDir: string | undefined;
  selector: UnitSelector;
  concurrency: number;
  output: 'text' | 'json';
  junit: string | undefined;
  color: boolean;
  helmBin: string;
  kubeconfig: string | undefined;
  yes: boolean;
  verbose: boolean;
}

export function commonOptions(raw: Record<string, unknown>): CommonOptions {
  let selector: UnitSelector;
  try {
    selector = parseUnitSelector(raw.selector as string | undefined);
  } catch (err) {
    if (err instanceof SelectorSyntaxError) throw new UsageError(err.message);
    throw err;
  }
  let concurrency = availableParallelism() * 4;
  if (raw.concurrency !== undefined) {
    concurrency = Number(raw.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError(`--concurrency must be a positive whole number, got "${String(raw.concurrency)}"`);
  }
  const color = raw.color !== false && !process.env.NO_COLOR && process.stdout.isTTY === true;
  return {
    clustersFile: String(raw.clusters ?? './clusters.yaml'),
    releasesDir: raw.releases as string | undefined,
    selector,
    concurrency,
    output: raw.output === 'json' ? 'json' : 'text',
    junit: raw.junit as string | undefined,
    color,
    helmBin: (raw.helm as string | undefined) ?? process.env.HELM_BIN ?? 'helm',
    kubeconfig: raw.kubeconfig as string | undefined,
    yes: raw.yes === true || !process.stdin.isTTY,
    verbose: raw.verbose === true,
  };
}

/** --kubeconfig, then clusters.yaml `kubeconfig:`, then $KUBECONFIG, then ~/.kube/config. */
export function resolveKubeconfig(opts: CommonOptions, config: ClustersFileSpec): string {
  const expand = (p: string) => (p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : p);
  if (opts.kubeconfig) return resolve(expand(opts.kubeconfig));
  if (config.kubeconfig) {
    const p = expand(config.kubeconfig);
    return isAbsolute(p) ? p : resolve(config.root, p);
  }
  if (process.env.KUBECONFIG) return process.env.KUBECONFIG;
  return resolve(homedir(), '.kube', 'config');
}

/** What every cluster-facing command starts from: options, the loaded repository, kubeconfig, helm. */
export interface CommandContext {
  opts: CommonOptions;
  repo: DeployRepo;
  kubeconfig: string;
  /** --verbose: every helm/kubectl call on stderr. */
  log: ((line: string) => void) | undefined;
  helm: Helm;
  /** helm template is CPU-bound: one per core unless --concurrency says otherwise. */
  renderConcurrency: number;
}

/** Parses the common flags and loads the repository (ConfigError, exit 4, before any cluster call). */
export function commandContext(raw: Record<string, unknown>): CommandContext {
  const opts = commonOptions(raw);
  const repo = loadDeployRepoOrThrow({ clustersFile: opts.clustersFile, ...(opts.releasesDir ? { releasesDir: opts.releasesDir } : {}) });
  const log = opts.verbose ? (l: string) => process.stderr.write(`» ${l}\n`) : undefined;
  return {
    opts,
    repo,
    kubeconfig: resolveKubeconfig(opts, repo.config),
    log,
    helm: createHelm({ bin: opts.helmBin, ...(log ? { log } : {}) }),
    renderConcurrency: raw.concurrency !== undefined ? opts.concurrency : availableParallelism(),
  };
}

/** --set k=v pairs, checked (bad input is exit 4). */
export function setFlags(raw: Record<string, unknown>): string[] {
  const set = (raw.set as string[] | undefined) ?? [];
  try {
    parseSetFlags(set);
  } catch (err) {
    if (err instanceof SetFlagError) throw new UsageError(err.message);
    throw err;
  }
  return set;
}

/** --wave / --from-wave must name a wave of the repository. */
export function checkWaveFlag(repo: DeployRepo, flag: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const names = effectiveWaves(repo.config).map((w) => w.name);
  if (!names.includes(String(value))) throw new UsageError(`--${flag} "${String(value)}": no such wave (waves: ${names.join(', ')})`);
  return String(value);
}

/** makePlan's options from the flags plan and apply share. */
export function planOptions(ctx: CommandContext, raw: Record<string, unknown>, set: string[], wave: string | undefined): MakePlanOptions {
  return {
    kubeconfig: ctx.kubeconfig,
    selector: ctx.opts.selector,
    ...(wave !== undefined ? { wave } : {}),
    set,
    prune: raw.prune === true,
    liveDrift: raw.ignoreLiveDrift !== true,
    explain: raw.explain === true,
    concurrency: ctx.renderConcurrency,
    ...(ctx.log ? { log: ctx.log } : {}),
  };
}
