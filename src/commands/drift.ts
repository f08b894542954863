// helm-cascade drift: flags -> drift/collect.ts -> the Pushgateway and the
// webhook -> the outcome -> every format asked for. Every readable cluster is
// reported even when some are not. Exit (drift/outcome.ts): 0 nothing
// drifted; 2 drift found; 5 a cluster could not be read (after reporting the
// others); 1 the repository could not be rendered and nothing else drifted
// (drift was not fully checked), or the webhook or the Pushgateway refused.
import { collectDrift } from '../drift/collect.ts';
import { pushDriftMetrics } from '../drift/metrics.ts';
import { driftMessage, postWebhook, redactUrl } from '../drift/notify.ts';
import { settleDrift } from '../drift/outcome.ts';
import type { Delivery, DriftReport } from '../drift/types.ts';
import { UsageError } from '../errors.ts';
import { writeFileAtomically } from '../files.ts';
import { shownDeep } from '../redact.ts';
import { FormatSyntaxError, parseFormats, renderDriftFormat } from '../report/drift-formats.ts';
import type { FormatTarget } from '../report/drift-formats.ts';
import { driftHeadline } from '../report/drift-matrix.ts';
import { withContext } from '../context/command-context.ts';
import { parseShardSpec, repoOfShard } from '../model/shard.ts';
import { contextRequest } from './context.ts';
import type { CommandResult } from './io.ts';
import { note, shownText } from './io.ts';
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

/** Writes the file targets (redacted, as every text that leaves the process); returns what goes to standard output. */
async function writeFormats(report: DriftReport, targets: FormatTarget[], o: DriftOptions): Promise<string> {
  let stdout = '';
  for (const t of targets) {
    const text = await renderDriftFormat(report, t.format, { color: t.file === undefined && o.color, verbose: o.verbose });
    if (t.file === undefined) stdout += text;
    else writeFileAtomically(t.file, shownText(text));
  }
  if (!targets.some((t) => t.file === undefined)) note(`helm-cascade drift: ${driftHeadline(report)}; wrote ${targets.map((t) => t.file).join(', ')}`);
  return stdout;
}

/** Posts the summary when something drifted, a cluster was not read, or always. */
async function notify(report: DriftReport, o: DriftOptions, log: ((l: string) => void) | undefined): Promise<Delivery[]> {
  if (!o.notify || !(report.outcome.result !== 'success' || o.notifyAlways)) return [];
  const to = redactUrl(o.notify);
  try {
    await postWebhook(o.notify, driftMessage(report, process.env.BUILD_URL ? { link: process.env.BUILD_URL } : {}));
    log?.(`notified ${to}`);
    return [{ what: 'notify', to, ok: true }];
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    note(`helm-cascade: could not notify ${to}: ${error}`);
    return [{ what: 'notify', to, ok: false, error }];
  }
}

/** --pushgateway: the metrics, grouped by deploy repository (and shard: the shards of a run never replace each other's). */
async function push(report: DriftReport, o: DriftOptions, repo: string, log: ((l: string) => void) | undefined): Promise<Delivery[]> {
  if (!o.pushgateway) return [];
  const to = redactUrl(o.pushgateway);
  try {
    await pushDriftMetrics(o.pushgateway, report, { repo, ...(report.shard ? { shard: `${report.shard.index}-of-${report.shard.count}` } : {}) });
    log?.(`pushed the metrics to ${to}`);
    return [{ what: 'push', to, ok: true }];
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    note(`helm-cascade: could not push the metrics to ${to}: ${error}`);
    return [{ what: 'push', to, ok: false, error }];
  }
}

/**
 * The drift run: collect, deliver (the Pushgateway, the webhook), decide the
 * outcome once (drift/outcome.ts), then write every format with it; the exit
 * code is the one every format reports.
 */
export async function run(o: DriftOptions): Promise<CommandResult> {
  const targets = driftTargets(o);
  // drift's --shard is a share of the clusters, not apply's share of a wave: the context's selection check must not see it
  const { shard: shardText, ...contextOptions } = o;
  const shard = shardText === undefined ? undefined : parseShardSpec(shardText); // exit 4 before any cluster is read
  return withContext(contextRequest(contextOptions), async (ctx) => {
    await ctx.helm.version(); // a missing or too old helm: bad input (exit 4) before any cluster is asked
    const repo = shard ? repoOfShard(ctx.repo, shard) : ctx.repo;
    // every string of the report redacted once, before it is escaped into any format or posted
    const collected = shownDeep(await collectDrift({ ...ctx, repo, say: note }, { selector: o.selector, concurrency: Math.min(runConcurrency(o), 16), renderConcurrency: renderConcurrency(o), cache: cacheFlags(o) }));
    const found: DriftReport = shard ? { ...collected, shard } : collected;
    for (const c of found.clusters) if (!c.readable) note(`helm-cascade: cluster "${c.name}" could not be read: ${c.error ?? ''}`);
    const pushed = settleDrift(found, await push(found, o, ctx.repo.config.repoName, ctx.log));
    const report = settleDrift(pushed, await notify(pushed, o, ctx.log));
    const output = await writeFormats(report, targets, o);
    return { outcome: report.outcome.result, output };
  });
}
