// helm-cascade drift: for every unit, desired vs deployed (plan's engine),
// deployed vs live (changed by hand), release status, version skew, and helm
// releases nobody manages. Every readable cluster is reported even when some
// are not. Exit: 0 nothing drifted; 2 drift found; 5 a cluster could not be
// read (after reporting the others); 1 the repository could not be rendered
// and nothing else drifted (drift was not fully checked).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { assessDrift, driftExitCode } from '../drift/assess.ts';
import type { ClusterRead, DesiredUnit } from '../drift/assess.ts';
import { driftMessage, postWebhook, redactUrl } from '../drift/notify.ts';
import { readClusterForDrift } from '../drift/read.ts';
import type { DriftReport } from '../drift/types.ts';
import { kubeconfigContexts } from '../kube/kubeconfig.ts';
import { unitId } from '../model/identity.ts';
import { matchesGlob } from '../model/selectors.ts';
import { makePlan } from '../plan/make-plan.ts';
import type { Plan } from '../plan/types.ts';
import type { DeployedRelease } from '../model/release.ts';
import { expandUnits } from '../model/units.ts';
import { FormatSyntaxError, parseFormats, renderDrift } from '../report/drift-formats.ts';
import { driftHeadline } from '../report/drift-matrix.ts';
import type { FormatTarget } from '../report/drift-formats.ts';
import { commandContext } from './common.ts';

/** --format, plus the common --junit FILE and -o json. */
export function driftTargets(raw: Record<string, unknown>, cmd?: Command): FormatTarget[] {
  let targets: FormatTarget[];
  try {
    targets = parseFormats(String(raw.format ?? 'text'));
  } catch (err) {
    if (err instanceof FormatSyntaxError) throw new UsageError(err.message);
    throw err;
  }
  const formatGiven = cmd ? cmd.getOptionValueSource('format') === 'cli' : raw.format !== undefined && raw.format !== 'text';
  if (!formatGiven && raw.output === 'json') targets = [{ format: 'json', file: undefined }];
  if (typeof raw.junit === 'string') targets.push({ format: 'junit', file: raw.junit });
  return targets;
}

function writeReport(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

export async function run(raw: Record<string, unknown>, cmd?: Command): Promise<number> {
  const targets = driftTargets(raw, cmd);
  const notifyUrl = (raw.notify as string | undefined) ?? (process.env.HELM_CASCADE_NOTIFY_URL || undefined);
  if (notifyUrl !== undefined && !/^https?:\/\//.test(notifyUrl)) throw new UsageError(`--notify expects an http(s) URL of a Slack-compatible webhook`);
  const { opts, repo, kubeconfig, log, helm, renderConcurrency } = commandContext(raw);

  const clusters = repo.config.clusters.filter((c) => opts.selector.cluster === undefined || matchesGlob(c.name, opts.selector.cluster));
  const units = expandUnits(repo).filter((u) => clusters.some((c) => c.name === u.cluster));
  const desired: DesiredUnit[] = units.map((u) => ({ release: u.release, track: u.track, cluster: u.cluster, namespace: u.namespace, helmName: u.helmName, enabled: u.enabled }));
  const knownIds = new Set(desired.map(unitId));

  // 1. read every cluster at once; an unreachable one does not stop the others
  const { contexts, missingFiles } = kubeconfigContexts(kubeconfig);
  const reads: ClusterRead[] = await Promise.all(
    clusters.map(async (c): Promise<ClusterRead> => {
      if (!contexts.has(c.context)) {
        const why = missingFiles.length ? `kubeconfig not found: ${missingFiles.join(', ')}` : `context "${c.context}" is not in the kubeconfig (${kubeconfig})`;
        return { cluster: c.name, error: why, releases: [], live: [] };
      }
      const t = { cluster: c.name, context: c.context, kubeconfig };
      return readClusterForDrift(t, (r) => knownIds.has(`${c.name}/${r.namespace}/${r.name}`), { kubectl: log ? { log } : {}, concurrency: Math.min(opts.concurrency, 16) });
    }),
  );
  const readable = new Set(reads.filter((r) => !r.error).map((r) => r.cluster));

  // 2. the repository vs what is deployed: plan's engine, on the readable clusters, reusing the records just read
  let plan: Plan | undefined;
  let planError: string | undefined;
  const readableClusters = repo.config.clusters.filter((c) => readable.has(c.name) && clusters.includes(c));
  if (readableClusters.length) {
    const deployedBy = new Map<string, DeployedRelease[]>(reads.map((r) => [r.cluster, r.releases]));
    try {
      plan = await makePlan(
        { ...repo, config: { ...repo.config, clusters: readableClusters } },
        {
          kubeconfig,
          selector: opts.selector,
          concurrency: renderConcurrency,
          ...(log ? { log } : {}),
        },
        { helm, readDeployed: async (t) => deployedBy.get(t.cluster) ?? [] },
      );
    } catch (err) {
      planError = err instanceof Error ? err.message.split('\n')[0] : String(err);
      process.stderr.write(`helm-cascade: warning: the repository could not be rendered, so pending changes were not checked: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  // 3. judge (pure)
  const report: DriftReport = assessDrift({
    clustersFile: repo.config.file,
    createdAt: new Date().toISOString(),
    clusters: clusters.map((c) => c.name),
    units: desired,
    reads,
    ...(plan ? { plan } : {}),
    ...(planError ? { planError } : {}),
    selector: opts.selector,
    repo: repo.config.repoName,
  });

  // 4. report
  for (const t of targets) {
    const text = renderDrift(report, t.format, { color: t.file === undefined && opts.color, verbose: opts.verbose });
    if (t.file === undefined) process.stdout.write(text);
    else writeReport(t.file, text);
  }
  if (!targets.some((t) => t.file === undefined)) {
    process.stderr.write(`helm-cascade drift: ${driftHeadline(report)}; wrote ${targets.map((t) => t.file).join(', ')}\n`);
  }
  for (const c of report.clusters) if (!c.readable) process.stderr.write(`helm-cascade: cluster "${c.name}" could not be read: ${c.error ?? ''}\n`);

  let code = driftExitCode(report);
  if (code === 0 && planError) code = 1;

  // 5. notify
  if (notifyUrl && (report.summary.drifted > 0 || code !== 0 || raw.notifyAlways === true)) {
    try {
      await postWebhook(notifyUrl, driftMessage(report, process.env.BUILD_URL ? { link: process.env.BUILD_URL } : {}));
      log?.(`notified ${redactUrl(notifyUrl)}`);
    } catch (err) {
      process.stderr.write(`helm-cascade: could not notify ${redactUrl(notifyUrl)}: ${err instanceof Error ? err.message : String(err)}\n`);
      if (code === 0) code = 1;
    }
  }
  return code;
}
