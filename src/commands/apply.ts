// helm-cascade apply: plan, preflight (reachable, not locked, not stuck), then
// execute the waves with health gates; report (text or listr2 tree, JSON,
// JUnit). Exit 0 / 3 gate failed / 5 refused / 1 helm failed / 130|143.
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { CascadeError, GateFailedError, InterruptedError, PreflightError, UsageError } from '../errors.ts';
import type { Helm } from '../helm/helm.ts';
import { acquireLeaseVia } from '../kube/lease.ts';
import { unitId } from '../model/identity.ts';
import { planUnits, summaryLine } from '../plan/assemble.ts';
import { makePlan } from '../plan/make-plan.ts';
import type { Plan, PlannedUnit } from '../plan/types.ts';
import { writeJunit } from '../report/junit.ts';
import { renderPlanText } from '../report/plan-text.ts';
import { startListrView } from '../report/run-listr.ts';
import { formatRunEvent, formatRunSummary } from '../report/run-text.ts';
import { executePlan } from '../run/execute.ts';
import type { RunEvent } from '../run/execute.ts';
import { createUnitOps, lockHolder, newRunId } from '../run/ops.ts';
import { validatePlan } from '../plan/validate-on-server.ts';
import type { RunResult } from '../run/types.ts';
import type { GateResult } from '../health/gate.ts';
import type { ListFn } from '../kube/live.ts';
import { LivePoller } from '../health/poller.ts';
import { listObjects } from '../kube/live.ts';
import { KubeProxies } from '../kube/proxy.ts';
import { checkWaveFlag, commandContext, planOptions, setFlags } from './common.ts';
import type { CommonOptions } from './common.ts';

const PENDING = /^pending-/;

export async function run(raw: Record<string, unknown>, _cmd?: Command): Promise<number> {
  const set = setFlags(raw);
  const dryRun = raw.dryRun === true;
  const ctx = commandContext(raw);
  const { opts, repo, kubeconfig, helm } = ctx;
  const wave = checkWaveFlag(repo, 'wave', raw.wave);
  const fromWave = checkWaveFlag(repo, 'from-wave', raw.fromWave);
  const planOnce = () => makePlan(repo, planOptions(ctx, raw, set, wave), { helm });

  let plan = await planOnce();
  // preflight: releases stuck in pending-* (a killed helm) must be recovered first
  const stuck = planUnits(plan).filter((u) => u.deployedStatus !== undefined && PENDING.test(u.deployedStatus));
  if (stuck.length) {
    if (raw.recover !== true || dryRun) {
      throw new PreflightError(
        `releases stuck in a pending state (a helm call was interrupted):\n${stuck.map((u) => `  ${unitId(u)}: ${u.deployedStatus} (revision ${u.deployedRevision})`).join('\n')}\nRun again with --recover to roll them back to their last deployed revision first.`,
      );
    }
    await recover(helm, kubeconfig, repo.config.clusters, stuck, (l) => process.stderr.write(`${l}\n`));
    plan = await planOnce();
  }
  if (typeof raw.plan === 'string') plan = checkSavedPlan(raw.plan, plan);
  if (fromWave !== undefined) {
    const from = plan.waves.findIndex((w) => w.name === fromWave);
    plan = { ...plan, waves: plan.waves.slice(Math.max(0, from)) };
  }
  // One `kubectl proxy` per context serves every API call from here on: the server-side
  // validation, the leases, the gates' reads (an HTTP request each, no kubectl process).
  const proxies = new KubeProxies();
  try {
    const checked = await validatePlan(plan, repo.config.clusters, kubeconfig, proxies);
    plan = checked.plan;
    const { validation } = checked;
    if (opts.verbose) for (const [id, why] of validation.unchecked) process.stderr.write(`» server-side validation left to helm for ${id}: ${why.join('; ')}\n`);
    const broken = planUnits(plan).filter((u) => u.error);
    if (broken.length) {
      process.stdout.write(renderPlanText(plan, { color: opts.color, explain: false }));
      const lines = broken.flatMap((u) => u.error!.split('\n').map((l) => `  ${unitId(u)}: ${l}`));
      throw new CascadeError(`${broken.length} release(s) failed to render or have objects the API server refuses; nothing was applied:\n${lines.join('\n')}`);
    }
    const changes = planUnits(plan).filter((u) => u.action !== 'unchanged').length;
    if (!opts.yes && changes > 0 && !dryRun) {
      process.stdout.write(renderPlanText(plan, { color: opts.color, explain: false }));
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`Apply ${changes} change(s)? Only "yes" is accepted: `);
      rl.close();
      if (answer.trim() !== 'yes') {
        process.stdout.write('Apply cancelled; nothing was changed.\n');
        return 0;
      }
    }

    const contexts = new Map(repo.config.clusters.map((c) => [c.name, c.context]));
    const holder = lockHolder();
    const gateResults = new Map<string, GateResult>();
    const list: ListFn = async (target, ns, kinds, kopts) => {
      const proxy = await proxies.for(target).catch(() => undefined);
      return proxy ? proxy.list(ns, kinds) : listObjects(target, ns, kinds, kopts);
    };
    const poller = new LivePoller({ list });
    const ops = createUnitOps({
      poller,
      list,
      api: (target) => proxies.for(target),
      validated: validation.validated,
      helm,
      kubeconfig,
      contexts,
      runId: newRunId(),
      repo: repo.config.repoName,
      gateResults,
      lock: (target, u) => acquireLeaseVia(proxies, { target, cluster: u.cluster, namespace: u.namespace, release: u.helmName, holder }),
    });

    const abort = new AbortController();
    let signal: 'SIGINT' | 'SIGTERM' | undefined;
    const onSignal = (s: 'SIGINT' | 'SIGTERM') => () => {
      if (signal) return; // a second signal changes nothing: in-flight helm calls must finish
      signal = s;
      process.stderr.write(`\n${s}: starting nothing new; letting in-flight helm calls finish, then rolling back the wave and releasing locks\n`);
      abort.abort();
    };
    const onInt = onSignal('SIGINT');
    const onTerm = onSignal('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);

    const tty = process.stdout.isTTY === true && opts.output === 'text' && !process.env.CI;
    const view = tty ? startListrView(plan) : undefined;
    const out = opts.output === 'json' ? process.stderr : process.stdout;
    const emit = (e: RunEvent) => {
      if (view) return view.emit(e);
      const line = formatRunEvent(e, new Date());
      if (line) out.write(`${line}\n`);
    };
    if (!view) out.write(`${summaryLine(plan.summary)}${dryRun ? ' (dry-run)' : ''}\n`);
    let result: RunResult;
    try {
      result = await executePlan(plan, ops, { concurrency: opts.concurrency, onFailure: repo.config.onFailure, dryRun, signal: abort.signal, emit });
    } finally {
      await view?.close();
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    }
    if (signal) {
      result.outcome = 'interrupted';
      result.signal = signal;
    }
    writeReports(opts, result, gateResults);
    switch (result.outcome) {
      case 'succeeded':
        return 0;
      case 'gate-failed':
        throw new GateFailedError(`health gate failed in wave "${result.failedWave}" (see above)`);
      case 'lock-refused':
        throw new PreflightError(`a release is locked by another run (see above); nothing more was changed`);
      case 'interrupted':
        throw new InterruptedError(signal ?? 'SIGTERM');
      case 'helm-failed':
        throw new CascadeError(`helm failed in wave "${result.failedWave}" (see above)`);
    }
  } finally {
    await proxies.stopAll();
  }
}

function writeReports(opts: CommonOptions, result: RunResult, gates: Map<string, GateResult>): void {
  const details = result.units.map((u) => {
    const g = gates.get(u.id);
    return g ? { ...u, gate: { reason: g.reason, durationMs: g.durationMs, failingPods: g.failingPods, objects: g.objects, probes: g.probes } } : u;
  });
  if (opts.output === 'json') process.stdout.write(`${JSON.stringify({ ...result, units: details }, null, 2)}\n`);
  else {
    for (const g of gates.values()) {
      if (g.passed || g.failingPods.length === 0) continue;
      process.stdout.write(`\n${g.unit}: ${g.reason}\n`);
      for (const p of g.failingPods) {
        process.stdout.write(`  pod ${p.name}: ${p.reason} — ${p.message} (restarts: ${p.restarts})\n`);
        for (const e of p.events) process.stdout.write(`    event: ${e}\n`);
        process.stdout.write(`    logs: ${p.logs.split('\n').join('\n          ')}\n`);
      }
    }
    process.stdout.write(`${formatRunSummary(result).join('\n')}\n`);
  }
  if (opts.junit) {
    const byWave = new Map<string, typeof result.units>();
    for (const u of result.units) byWave.set(u.wave, [...(byWave.get(u.wave) ?? []), u]);
    const xml = writeJunit(
      [...byWave].map(([wave, units]) => ({
        name: `helm-cascade apply: wave ${wave}`,
        timestamp: result.startedAt,
        cases: units.map((u) => {
          const time = u.startedAt && u.finishedAt ? (Date.parse(u.finishedAt) - Date.parse(u.startedAt)) / 1000 : 0;
          const g = gates.get(u.id);
          const body = g?.failingPods.map((p) => `${p.name}: ${p.reason} ${p.message}\n${p.events.join('\n')}\n${p.logs}`).join('\n\n');
          const c = { name: u.id, classname: `apply.${wave}`, time };
          if (u.outcome === 'gate-failed' || u.outcome === 'helm-failed' || ((u.outcome === 'rolled-back' || u.outcome === 'left') && u.reason)) {
            return { ...c, failure: { message: u.reason ?? u.outcome, type: u.outcome, ...(body ? { body } : {}), ...(u.rollback ? { body: `${body ?? ''}\n${u.rollback}`.trim() } : {}) } };
          }
          if (u.outcome === 'not-started') return { ...c, skipped: u.reason ?? 'not started' };
          if (u.outcome === 'skipped') return { ...c, skipped: 'unchanged' };
          return c;
        }),
      })),
    );
    writeFileSync(opts.junit, xml);
  }
}

/** Rolls stuck releases back to their last deployed revision (or uninstalls a stuck first install). */
async function recover(helm: Helm, kubeconfig: string, clusters: { name: string; context: string }[], stuck: PlannedUnit[], say: (l: string) => void): Promise<void> {
  for (const u of stuck) {
    const kubeContext = clusters.find((c) => c.name === u.cluster)!.context;
    const t = { kubeContext, kubeconfig, releaseName: u.helmName, namespace: u.namespace };
    const hist = await helm.history(t, 50);
    const good = [...hist].reverse().find((h) => h.status === 'deployed' || h.status === 'superseded');
    if (good) {
      say(`recover: ${unitId(u)} ${u.deployedStatus} -> rolling back to revision ${good.revision}`);
      await helm.rollback({ ...t, revision: good.revision, wait: true, timeoutMs: u.health.timeoutMs });
    } else {
      say(`recover: ${unitId(u)} ${u.deployedStatus} with no deployed revision -> uninstalling`);
      await helm.uninstall({ ...t, wait: true, timeoutMs: u.health.timeoutMs });
    }
  }
}

/** `--plan FILE`: apply exactly the reviewed plan, refusing (exit 5) if anything moved since. */
function checkSavedPlan(file: string, fresh: Plan): Plan {
  let saved: Plan;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as Plan;
  } catch (err) {
    throw new UsageError(`--plan ${file}: cannot read the plan (${(err as Error).message})`);
  }
  if (saved.version !== 1 || !Array.isArray(saved.waves)) throw new UsageError(`--plan ${file}: not a helm-cascade plan`);
  const freshById = new Map(planUnits(fresh).map((u) => [unitId(u), u]));
  const savedIds = new Set<string>();
  const moved: string[] = [];
  for (const s of planUnits(saved)) {
    const id = unitId(s);
    savedIds.add(id);
    const f = freshById.get(id);
    if (!f) moved.push(`${id}: no longer in the plan`);
    else if (f.action !== s.action) moved.push(`${id}: planned ${s.action}, now ${f.action}`);
    else {
      for (const k of ['chart', 'values', 'manifest', 'deployedRevision'] as const) {
        if (String(f.digest[k]) !== String(s.digest[k])) moved.push(`${id}: ${k === 'deployedRevision' ? `deployed revision was ${s.digest[k]}, is ${f.digest[k]}` : `${k} changed since the plan was made`}`);
      }
    }
  }
  for (const id of freshById.keys()) if (!savedIds.has(id) && freshById.get(id)!.action !== 'unchanged') moved.push(`${id}: a change not in the saved plan`);
  if (moved.length) throw new PreflightError(`the saved plan ${file} is stale; make a new one with \`helm-cascade plan --out ${file}\`:\n  ${moved.join('\n  ')}`);
  return fresh;
}
