// helm-cascade drift: flags -> drift/collect.ts -> every format asked for ->
// the webhook. Every readable cluster is reported even when some are not.
// Exit: 0 nothing drifted; 2 drift found; 5 a cluster could not be read
// (after reporting the others); 1 the repository could not be rendered and
// nothing else drifted (drift was not fully checked), or the webhook or the
// Pushgateway refused.
import { driftOutcome } from '../drift/assess.ts';
import { collectDrift } from '../drift/collect.ts';
import { pushDriftMetrics } from '../drift/metrics.ts';
import { driftMessage, postWebhook, redactUrl } from '../drift/notify.ts';
import type { DriftReport } from '../drift/types.ts';
import { UsageError } from '../errors.ts';
import { writeFileAtomically } from '../files.ts';
import type { Outcome } from '../errors.ts';
import { FormatSyntaxError, parseFormats, renderDriftFormat } from '../report/drift-formats.ts';
import type { FormatTarget } from '../report/drift-formats.ts';
import { driftHeadline } from '../report/drift-matrix.ts';
import { parseShardSpec, repoOfShard } from '../run/shard.ts';
import { withContext } from './context.ts';
import type { CommandResult } from './io.ts';
import { note } from './io.ts';
import { cacheFlags, renderConcurrency, runConcurrency } from './options.ts';
import type { DriftOptions } from './options.ts';

/** --format, plus the common --junit FILE and -o json. */
export function driftTargets(o: Pick<DriftOptions, 'formats' | 'formatGiven' | 'output' | 'junit'>): FormatTarget[] {
  let targets: FormatTarget[];
  try {
    targets = parseFormats(o.formats);
  } catch (err) {
    if (err instanceof FormatSyntaxError) throw new UsageError(err.message);
    throw err;
  }
  if (!o.formatGiven && o.output === 'json') targets = [{ format: 'json', file: undefined }];
  if (o.junit !== undefined) targets.push({ format: 'junit', file: o.junit });
  return targets;
}

/** Writes the file targets; returns what goes to standard output. */
async function writeFormats(report: DriftReport, targets: FormatTarget[], o: DriftOptions): Promise<string> {
  let stdout = '';
  for (const t of targets) {
    const text = await renderDriftFormat(report, t.format, { color: t.file === undefined && o.color, verbose: o.verbose });
    if (t.file === undefined) stdout += text;
    else writeFileAtomically(t.file, text);
  }
  if (!targets.some((t) => t.file === undefined)) note(`helm-cascade drift: ${driftHeadline(report)}; wrote ${targets.map((t) => t.file).join(', ')}`);
  return stdout;
}

/** Posts the summary when something drifted (or always); a refused post makes a clean run exit 1. */
async function notify(report: DriftReport, o: DriftOptions, outcome: Outcome, log: ((l: string) => void) | undefined): Promise<Outcome> {
  if (!o.notify || !(report.summary.drifted > 0 || outcome !== 'success' || o.notifyAlways)) return outcome;
  try {
    await postWebhook(o.notify, driftMessage(report, process.env.BUILD_URL ? { link: process.env.BUILD_URL } : {}));
    log?.(`notified ${redactUrl(o.notify)}`);
    return outcome;
  } catch (err) {
    note(`helm-cascade: could not notify ${redactUrl(o.notify)}: ${err instanceof Error ? err.message : String(err)}`);
    return outcome === 'success' ? 'failed' : outcome;
  }
}

/** --pushgateway: the metrics, grouped by deploy repository (and shard: the shards of a run never replace each other's); a refused push makes a clean run exit 1. */
async function push(report: DriftReport, o: DriftOptions, outcome: Outcome, repo: string, log: ((l: string) => void) | undefined): Promise<Outcome> {
  if (!o.pushgateway) return outcome;
  try {
    await pushDriftMetrics(o.pushgateway, report, { repo, ...(report.shard ? { shard: `${report.shard.index}-of-${report.shard.count}` } : {}) });
    log?.(`pushed the metrics to ${redactUrl(o.pushgateway)}`);
    return outcome;
  } catch (err) {
    note(`helm-cascade: could not push the metrics to ${redactUrl(o.pushgateway)}: ${err instanceof Error ? err.message : String(err)}`);
    return outcome === 'success' ? 'failed' : outcome;
  }
}

export async function run(o: DriftOptions): Promise<CommandResult> {
  const targets = driftTargets(o);
  const shard = o.shard === undefined ? undefined : parseShardSpec(o.shard); // exit 4 before any cluster is read
  return withContext(o, async (ctx) => {
    await ctx.helm.version(); // a missing or too old helm: bad input (exit 4) before any cluster is asked
    const repo = shard ? repoOfShard(ctx.repo, shard) : ctx.repo;
    const collected = await collectDrift({ ...ctx, repo, say: note }, { selector: o.selector, concurrency: Math.min(runConcurrency(o), 16), renderConcurrency: renderConcurrency(o), cache: cacheFlags(o) });
    const report: DriftReport = shard ? { ...collected, shard } : collected;
    const output = await writeFormats(report, targets, o);
    for (const c of report.clusters) if (!c.readable) note(`helm-cascade: cluster "${c.name}" could not be read: ${c.error ?? ''}`);
    let outcome = driftOutcome(report);
    if (outcome === 'success' && !report.pendingChecked && report.clusters.some((c) => c.readable)) outcome = 'failed';
    outcome = await push(report, o, outcome, ctx.repo.config.repoName, ctx.log);
    return { outcome: await notify(report, o, outcome, ctx.log), output };
  });
}
