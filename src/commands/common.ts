// Flags shared by every command, turned into typed options once.
import { availableParallelism, homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { parseUnitSelector, SelectorSyntaxError } from '../model/selectors.ts';
import type { UnitSelector } from '../model/selectors.ts';
import type { ClustersFileSpec } from '../model/spec.ts';

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
