// apply, end to end: the run lock on every cluster it reads or changes
// (run-lock.ts), plan, preflight (stuck releases, a saved plan that moved),
// server-side validation, approval, then the waves with their health gates;
// the run lock released on every exit path.
// The command (commands/apply.ts) only turns flags into an ApplyRequest and
// prints what this returns; the view of the run's events is its business too.
import { BadInputError, UsageError } from '../errors.ts';
import type { GateResult } from '../health/gate.ts';
import type { ClusterReader } from '../health/poller.ts';
import { WatchReader } from '../health/watcher.ts';
import type { Helm } from '../helm/helm.ts';
import type { KubeClient, KubeClients } from '../kube/client.ts';
import { checkContexts } from '../kube/kubeconfig.ts';
import { unitId } from '../model/identity.ts';
import { matchesUnit } from '../model/selectors.ts';
import { expandUnits } from '../model/units.ts';
import { assignWaves } from '../model/waves.ts';
import type { DeployRepo } from '../model/spec.ts';
import { planUnits, withPrunedOrphansInWaves } from '../plan/assemble.ts';
import { makePlan } from '../plan/make-plan.ts';
import { checkPlanPolicies, planWarnings } from '../plan/policies.ts';
import type { MakePlanOptions } from '../plan/make-plan.ts';
import type { Plan } from '../plan/types.ts';
import { validatePlan } from '../plan/validate-on-server.ts';
import { executePlan } from './execute.ts';
import type { RunEvent } from './execute.ts';
import { lockHolder, newRunId } from './identity.ts';
import { createUnitOps } from './ops.ts';
import { checkSavedPlan, recover, stuckError, stuckUnits } from './preflight.ts';
import { acquireRunLock, lockScope, runsInProgress } from './run-lock.ts';
import { planOfClusters, shardClusters } from './shard.ts';
import type { Shard } from './shard.ts';
import type { RunResult } from './types.ts';

export interface ApplyRequest {
  plan: Omit<MakePlanOptions, 'kubeconfig' | 'log'>;
  dryRun: boolean;
  /** --plan FILE: the reviewed plan to apply exactly. */
  planFile: string | undefined;
  fromWave: string | undefined;
  /** --shard i/n of the one wave selected (run/shard.ts). */
  shard?: Shard;
  recover: boolean;
  /** Consent given (--yes, or CI set). */
  yes: boolean;
  /** helm and kube operations in flight at once. */
  concurrency: number;
  /** --lock-timeout: how long to wait for another run's run lock (0: refuse at once). */
  lockTimeoutMs: number;
}

/** The run's I/O edges: where events and notes go, how consent is asked. */
export interface ApplyIo {
  emit(e: RunEvent): void;
  say(line: string): void;
  /** Shows the plan (before asking, or when it cannot be applied). */
  showPlan(plan: Plan): void;
  /** Asks for consent on a terminal; undefined when there is no terminal to ask on. */
  confirm: ((changes: number) => Promise<boolean>) | undefined;
  /** Called once the plan is final, before the first wave (the TTY view starts here). */
  started(plan: Plan): void;
  /** The abort signal of SIGINT/SIGTERM. */
  signal: AbortSignal;
}

export interface ApplyContext {
  repo: DeployRepo;
  kubeconfig: string;
  helm: Helm;
  clients: KubeClients;
  client: (cluster: string) => KubeClient;
  log: ((line: string) => void) | undefined;
}

export type ApplyRun = { kind: 'cancelled'; plan: Plan } | { kind: 'ran'; plan: Plan; result: RunResult; gateResults: Map<string, GateResult> };

/** The plan apply executes: made, stuck releases recovered (or refused), checked against --plan, cut at --from-wave. */
async function preparedPlan(ctx: ApplyContext, req: ApplyRequest, io: ApplyIo): Promise<Plan> {
  const planOnce = () => makePlan(ctx.repo, { ...req.plan, kubeconfig: ctx.kubeconfig, ...(ctx.log ? { log: ctx.log } : {}) }, { helm: ctx.helm, clients: ctx.clients });
  let plan = await planOnce();
  const stuck = stuckUnits(plan);
  if (stuck.length) {
    if (!req.recover || req.dryRun) throw stuckError(stuck);
    await recover(ctx.helm, ctx.client, stuck, io.say);
    plan = await planOnce();
  }
  const shard = req.shard && ownShard(plan, req.shard, shardScope(ctx.repo, req), io);
  if (shard) plan = shard.plan;
  if (req.planFile !== undefined) plan = checkSavedPlan(req.planFile, plan, shard ? shard.clusters : undefined);
  if (req.fromWave !== undefined) {
    const from = plan.waves.findIndex((w) => w.name === req.fromWave);
    plan = { ...plan, waves: plan.waves.slice(Math.max(0, from)) };
  }
  return plan;
}

/**
 * --shard i/n: the clusters of this agent's share of its wave, from the
 * repository alone (run/shard.ts): what it locks, plans and applies.
 */
function shardScope(repo: DeployRepo, req: ApplyRequest): Set<string> | undefined {
  if (!req.shard) return undefined;
  const wave = assignWaves(repo.config, expandUnits(repo)).waves.find((w) => w.name === req.plan.wave);
  const units = (wave?.steps.flat() ?? []).filter((u) => matchesUnit(u, req.plan.selector ?? {}));
  return shardClusters(units, req.shard, repo.config.clusters);
}

/** The plan cut to this agent's share of its wave (--shard i/n), said on the log. */
function ownShard(plan: Plan, shard: Shard, keep: Set<string> | undefined, io: ApplyIo): { plan: Plan; clusters: Set<string> } {
  const mine = planOfClusters(plan, keep ?? new Set());
  const units = planUnits(mine).length;
  const names = keep?.size ? [...keep].sort().join(', ') : 'no cluster';
  io.say(`shard ${shard.index}/${shard.count} of wave ${plan.waves.map((w) => w.name).join(', ')}: ${names} (${units} unit${units === 1 ? '' : 's'})`);
  return { plan: mine, clusters: keep ?? new Set() };
}

/** Refuses (exit 4, nothing changed) when a unit failed to render, has objects its API server refuses or breaks a house rule. */
function refuseBrokenUnits(plan: Plan, io: ApplyIo): void {
  const broken = planUnits(plan).flatMap((u) => (u.kind === 'failed' ? [u] : []));
  if (broken.length === 0) return;
  io.showPlan(plan);
  const lines = broken.flatMap((u) => u.error.split('\n').map((l) => `  ${unitId(u)}: ${l}`));
  throw new BadInputError(`${broken.length} release(s) failed to render or have objects the API server refuses or break a house rule; nothing was applied:\n${lines.join('\n')}`);
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

/** The run proper, under the run lock (or with none, for --dry-run). */
async function applyPlanned(ctx: ApplyContext, req: ApplyRequest, io: ApplyIo, runId: string, signal: AbortSignal): Promise<ApplyRun> {
  // house rules before the API servers see anything: a unit that breaks a deny rule is refused below
  const checked = await validatePlan(checkPlanPolicies(await preparedPlan(ctx, req, io), ctx.repo), ctx.client);
  const { plan, validation } = checked;
  for (const w of planWarnings(plan)) io.say(`helm-cascade: warning: ${w}`);
  if (ctx.log) for (const [id, why] of validation.unchecked) ctx.log(`server-side validation left to helm for ${id}: ${why.join('; ')}`);
  refuseBrokenUnits(plan, io);
  if (!(await approved(plan, req, io))) return { kind: 'cancelled', plan };
  const gateResults = new Map<string, GateResult>();
  // one watching reader per cluster, shared by every gate there; its watches stop with the run
  const readers = new Map<string, WatchReader>();
  const reader = (cluster: string): ClusterReader => {
    let r = readers.get(cluster);
    if (!r) readers.set(cluster, (r = WatchReader.of(ctx.client(cluster), ctx.log)));
    return r;
  };
  const ops = createUnitOps({ helm: ctx.helm, client: ctx.client, reader, runId, repo: ctx.repo.config.repoName, holder: lockHolder(), gateResults, validated: validation.validated, lockTimeoutMs: req.lockTimeoutMs });
  const executed = withPrunedOrphansInWaves(plan);
  io.started(executed);
  let result: RunResult;
  try {
    result = await executePlan(executed, ops, { concurrency: req.concurrency, onFailure: ctx.repo.config.onFailure, dryRun: req.dryRun, signal, emit: io.emit });
  } finally {
    for (const r of readers.values()) r.close();
  }
  return { kind: 'ran', plan, result, gateResults };
}

export async function applyRepo(ctx: ApplyContext, req: ApplyRequest, io: ApplyIo): Promise<ApplyRun> {
  const runId = newRunId();
  const { config } = ctx.repo;
  // a shard locks only its own clusters: the shards of one wave run side by side
  const shardOf = shardScope(ctx.repo, req);
  const clusters = lockScope(config, { cluster: req.plan.selector?.cluster, wave: req.plan.wave }).filter((c) => !shardOf || shardOf.has(c.name));
  checkContexts(clusters, ctx.kubeconfig);
  await ctx.helm.version(); // a missing or too old helm is bad input (exit 4): said before any cluster is touched
  if (req.dryRun) {
    // no lock: say when another run is in progress, its changes may not be final
    for (const line of await runsInProgress(config.repoName, clusters, ctx.client)) io.say(`note: ${line}`);
    return applyPlanned(ctx, req, io, runId, io.signal);
  }
  const lost = new AbortController();
  const onLost = (reason: string) => {
    io.say(`helm-cascade: ${reason}; starting nothing new`);
    lost.abort(reason);
  };
  const lock = await acquireRunLock({ repo: config.repoName, clusters, client: ctx.client, runId, command: 'apply', holder: lockHolder(), timeoutMs: req.lockTimeoutMs, signal: io.signal, say: io.say, onLost });
  try {
    const ran = await applyPlanned(ctx, req, io, runId, AbortSignal.any([io.signal, lost.signal]));
    if (ran.kind === 'ran' && lost.signal.aborted && !io.signal.aborted) ran.result.outcome = 'lock-refused';
    return ran;
  } finally {
    await lock.release();
  }
}
