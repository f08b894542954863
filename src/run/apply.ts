// apply, end to end, in the order it happens (the clusters it may touch, its
// --wave and --shard, come with its context: model/selection.ts): the
// kubeconfig's contexts, helm's version, the run lock on each of them
// (run-lock.ts), the plan (made once, checked by the house rules and the API
// servers, cut once to this run's share), preflight (stuck releases, a saved
// plan that moved), approval, then the run: its plan of steps (steps.ts)
// driven to the end (drive.ts, next.ts) by apply's runners (runners.ts), every
// event written to the run log. The run lock is released on every exit path.
// The command (commands/apply.ts) turns flags into an ApplyRequest, watches
// the log's events as they are written, and reports from the log.
import { BadInputError, UsageError } from '../errors.ts';
import { WatchReader } from '../health/watcher.ts';
import type { Helm } from '../helm/helm.ts';
import type { KubeClient, KubeClients } from '../kube/client.ts';
import { checkContexts } from '../kube/kubeconfig.ts';
import { unitId } from '../model/identity.ts';
import type { SelectionScope } from '../model/selection.ts';
import type { Shard } from '../model/shard.ts';
import type { DeployRepo } from '../model/spec.ts';
import { planUnits } from '../plan/assemble.ts';
import type { MakePlanOptions } from '../plan/make-plan.ts';
import { planRepo } from '../plan/plan-repo.ts';
import type { Plan } from '../plan/types.ts';
import { drive } from './drive.ts';
import type { RunEvent } from './events.ts';
import { lockHolder, newRunId } from './identity.ts';
import { defaultLogFile, openRunLog } from './log.ts';
import { checkSavedPlan, recover, stuckError, stuckUnits } from './preflight.ts';
import { runsInProgress, underRunLock } from './run-lock.ts';
import { applyRunners } from './runners.ts';
import { cutPlan } from './shard.ts';
import { planSteps } from './steps.ts';
import { trafficOfPlan } from '../traffic/plan.ts';
import { checkSavedTraffic } from './traffic-plan-file.ts';
import { trafficRunners } from './traffic-runners.ts';

export interface ApplyRequest {
  plan: Omit<MakePlanOptions, 'kubeconfig' | 'log'>;
  dryRun: boolean;
  /** --plan FILE: the reviewed plan to apply exactly. */
  planFile: string | undefined;
  fromWave: string | undefined;
  /** --shard i/n of the one wave selected (model/shard.ts). */
  shard: Shard | undefined;
  recover: boolean;
  /** Consent given (--yes, or CI set). */
  yes: boolean;
  /** helm and kube operations in flight at once. */
  concurrency: number;
  /** --lock-timeout: how long to wait for another run's run lock (0: refuse at once). */
  lockTimeoutMs: number;
  /** --log FILE; default: .helm-cascade/runs/RUN_ID.jsonl under the repository's root. */
  logFile: string | undefined;
}

/** The run's I/O edges: where notes go, how consent is asked, who watches the log. */
export interface ApplyIo {
  say(line: string): void;
  /** Shows the plan (before asking, or when it cannot be applied). */
  showPlan(plan: Plan): void;
  /** Asks for consent on a terminal; undefined when there is no terminal to ask on. */
  confirm: ((changes: number) => Promise<boolean>) | undefined;
  /** Every event of the run log as it is written (the header first: the live view starts there). */
  watch(e: RunEvent): void;
  /** The abort signal of SIGINT/SIGTERM (its reason: the signal's name). */
  signal: AbortSignal;
}

export interface ApplyContext {
  repo: DeployRepo;
  /** What the run may touch, from the repository alone (model/selection.ts): the clusters it locks, its --shard's clusters. */
  scope: SelectionScope;
  kubeconfig: string;
  helm: Helm;
  clients: KubeClients;
  client: (cluster: string) => KubeClient;
  log: ((line: string) => void) | undefined;
}

export type ApplyRun = { kind: 'cancelled' } | { kind: 'ran'; plan: Plan; events: RunEvent[]; logFile: string };

/** Refuses (exit 4, nothing changed) when a unit failed to render, has objects its API server refuses or breaks a house rule. */
function refuseBrokenUnits(plan: Plan, io: ApplyIo): void {
  const broken = planUnits(plan).flatMap((u) => (u.kind === 'failed' ? [u] : []));
  if (broken.length === 0) return;
  io.showPlan(plan);
  const lines = broken.flatMap((u) => u.error.split('\n').map((l) => `  ${unitId(u)}: ${l}`));
  throw new BadInputError(`${broken.length} release(s) failed to render or have objects the API server refuses or break a house rule; nothing was applied:\n${lines.join('\n')}`);
}

/**
 * The plan this run applies, through the one pipeline of every command that
 * plans (planRepo): made once (again after --recover put stuck releases
 * back), cut once to --shard and --from-wave, judged by the house rules,
 * validated by the API servers; refused if broken or moved since --plan.
 */
async function planToApply(ctx: ApplyContext, req: ApplyRequest, io: ApplyIo): Promise<{ plan: Plan; validated: ReadonlySet<string> }> {
  const { scope } = ctx;
  const shape = async (made: Plan, replan: () => Promise<Plan>): Promise<Plan> => {
    const stuck = stuckUnits(made);
    if (stuck.length && (!req.recover || req.dryRun)) throw stuckError(stuck);
    if (stuck.length) await recover(ctx.helm, ctx.client, stuck, io.say);
    return cutPlan(stuck.length ? await replan() : made, { clusters: scope.shard, fromWave: req.fromWave });
  };
  const { plan, validated, unchecked, warnings } = await planRepo(ctx.repo, { ...req.plan, kubeconfig: ctx.kubeconfig, ...(ctx.log ? { log: ctx.log } : {}), shape }, { helm: ctx.helm, clients: ctx.clients, client: ctx.client });
  if (ctx.log) for (const [id, why] of unchecked) ctx.log(`server-side validation left to helm for ${id}: ${why.join('; ')}`);
  if (req.shard) io.say(shardLine(plan, req.shard, scope.shard));
  for (const w of warnings) io.say(`helm-cascade: warning: ${w}`);
  refuseBrokenUnits(plan, io);
  if (req.planFile !== undefined) checkSavedPlan(req.planFile, plan, scope.shard);
  return { plan, validated };
}

function shardLine(plan: Plan, shard: Shard, clusters: ReadonlySet<string> | undefined): string {
  const units = planUnits(plan).length;
  const names = clusters?.size ? [...clusters].sort().join(', ') : 'no cluster';
  return `shard ${shard.index}/${shard.count} of wave ${plan.waves.map((w) => w.name).join(', ')}: ${names} (${units} unit${units === 1 ? '' : 's'})`;
}

/** Consent: given, asked on a terminal, or refused without one (as Terraform does). */
async function approved(plan: Plan, req: ApplyRequest, io: ApplyIo): Promise<boolean> {
  const changes = planUnits(plan).filter((u) => u.action !== 'unchanged').length;
  if (req.yes || req.dryRun || changes === 0) return true;
  if (!io.confirm) {
    throw new UsageError(`apply would change ${changes} release(s) and there is no terminal to ask for approval; nothing was changed`, { hint: 'review the plan, then run again with --yes (CI set counts as --yes), or apply a reviewed plan with --plan FILE --yes' });
  }
  io.showPlan(plan);
  return io.confirm(changes);
}

/** The run proper, under the run lock (or with none, for --dry-run): plan, consent, then the steps driven to the end on the run log. */
async function applyPlanned(ctx: ApplyContext, req: ApplyRequest, io: ApplyIo, run: { id: string; interrupts: AbortSignal }): Promise<ApplyRun> {
  const { plan, validated } = await planToApply(ctx, req, io);
  const traffic = trafficOfPlan(plan, ctx.repo.releases);
  if (req.planFile !== undefined) checkSavedTraffic(req.planFile, traffic, plan);
  if (!(await approved(plan, req, io))) return { kind: 'cancelled' };
  const { config } = ctx.repo;
  const steps = planSteps(plan, { dryRun: req.dryRun, onFailure: config.onFailure, concurrency: req.concurrency, lockWaitMs: req.lockTimeoutMs, validated, traffic });
  const file = req.logFile ?? defaultLogFile(config.root, run.id);
  const holder = lockHolder();
  const header = { command: 'apply' as const, repo: config.repoName, holder, ...(req.plan.wave !== undefined ? { wave: req.plan.wave } : {}), ...(req.shard ? { shard: req.shard, clusters: [...(ctx.scope.shard ?? [])].sort() } : {}), plan: steps };
  const opened = openRunLog(file, run.id, header, io.watch);
  io.say(`run log: ${file}`);
  // one watching reader per cluster, shared by every gate there; its watches stop with the run
  const readers = new Map<string, WatchReader>();
  const reader = (cluster: string) => readers.get(cluster) ?? readers.set(cluster, WatchReader.of(ctx.client(cluster), ctx.log)).get(cluster)!;
  const units = new Map([...planUnits(plan)].map((u) => [unitId(u), u]));
  try {
    const runners = { ...applyRunners({ helm: ctx.helm, client: ctx.client, reader, units, runId: run.id, repo: config.repoName, holder }), ...trafficRunners({ helm: ctx.helm, client: ctx.client, repo: ctx.repo, runId: run.id }) };
    await drive(steps, runners, opened.log, run.interrupts);
  } finally {
    for (const r of readers.values()) r.close();
    opened.close();
  }
  return { kind: 'ran', plan, events: opened.log.events, logFile: file };
}

export async function applyRepo(ctx: ApplyContext, req: ApplyRequest, io: ApplyIo): Promise<ApplyRun> {
  const id = newRunId();
  const lock = ctx.scope.clusters;
  checkContexts(lock, ctx.kubeconfig);
  await ctx.helm.version(); // a missing or too old helm is bad input (exit 4): said before any cluster is touched
  if (req.dryRun) {
    // no lock: say when another run is in progress, its changes may not be final
    for (const line of await runsInProgress(ctx.repo.config.repoName, lock, ctx.client)) io.say(`note: ${line}`);
    return applyPlanned(ctx, req, io, { id, interrupts: io.signal });
  }
  const runLock = { repo: ctx.repo.config.repoName, clusters: lock, client: ctx.client, runId: id, command: 'apply' as const, holder: lockHolder(), timeoutMs: req.lockTimeoutMs, signal: io.signal, say: io.say };
  return underRunLock(runLock, (interrupts) => applyPlanned(ctx, req, io, { id, interrupts }));
}
