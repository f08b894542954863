// What apply checks before touching anything: no release stuck in pending-*
// (or, with --recover, put back first), and a saved plan (--plan) that still
// matches what the clusters say.
import { readFileSync } from 'node:fs';
import { PreflightError, UsageError } from '../errors.ts';
import type { Helm } from '../helm/helm.ts';
import type { KubeClient } from '../kube/client.ts';
import { unitId } from '../model/identity.ts';
import { planUnits } from '../plan/assemble.ts';
import type { Plan, PlannedUnit } from '../plan/types.ts';
import { undoRelease } from './undo.ts';
import type { PutBack } from './steps.ts';

const PENDING = /^pending-/;

/** Units whose release is stuck in pending-* (a killed helm). */
export function stuckUnits(plan: Plan): PlannedUnit[] {
  return planUnits(plan).filter((u) => u.deployedStatus !== undefined && PENDING.test(u.deployedStatus));
}

export function stuckError(stuck: readonly PlannedUnit[]): PreflightError {
  const lines = stuck.map((u) => `  ${unitId(u)}: ${u.deployedStatus} (revision ${u.deployedRevision})`).join('\n');
  return new PreflightError(`releases stuck in a pending state (a helm call was interrupted):\n${lines}`, { hint: 'run again with --recover to roll them back to their last deployed revision first (a stuck first install is uninstalled)' });
}

/** Rolls stuck releases back to their last deployed revision (or uninstalls a stuck first install), one by one. */
export async function recover(helm: Helm, client: (cluster: string) => KubeClient, stuck: readonly PlannedUnit[], say: (line: string) => void): Promise<void> {
  for (const u of stuck) {
    const target = client(u.cluster).target;
    const hist = await helm.history({ ...target, releaseName: u.helmName, namespace: u.namespace }, 50);
    const good = [...hist].reverse().find((h) => h.status === 'deployed' || h.status === 'superseded');
    const how: PutBack = good ? { how: 'rollback', revision: good.revision } : { how: 'uninstall' };
    say(`recover: ${unitId(u)} ${u.deployedStatus} -> ${good ? `rolling back to revision ${good.revision}` : 'no deployed revision: uninstalling'}`);
    await undoRelease(helm, { target, namespace: u.namespace, helmName: u.helmName, applyMethod: u.deployedApplyMethod, timeoutMs: u.health.timeoutMs }, how);
  }
}

/** Why a saved unit no longer matches the fresh plan ([] when it does). */
function unitMoved(s: PlannedUnit, f: PlannedUnit | undefined): string[] {
  const id = unitId(s);
  if (!f) return [`${id}: no longer in the plan`];
  if (f.action !== s.action) return [`${id}: planned ${s.action}, now ${f.action}`];
  const out: string[] = [];
  for (const k of ['chart', 'values', 'manifest', 'deployedRevision'] as const) {
    if (String(f.digest[k]) === String(s.digest[k])) continue;
    out.push(`${id}: ${k === 'deployedRevision' ? `deployed revision was ${s.digest[k]}, is ${f.digest[k]}` : `${k} changed since the plan was made`}`);
  }
  return out;
}

/** `--plan FILE`: apply exactly the reviewed plan (its waves and clusters this run applies), refusing (exit 5) if anything moved since. */
export function checkSavedPlan(file: string, fresh: Plan, clusters?: ReadonlySet<string>): Plan {
  let saved: Plan;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as Plan;
  } catch (err) {
    throw new UsageError(`--plan ${file}: cannot read the plan (${(err as Error).message})`);
  }
  if (saved.version !== 1 || !Array.isArray(saved.waves)) throw new UsageError(`--plan ${file}: not a helm-cascade plan`);
  const freshById = new Map(planUnits(fresh).map((u) => [unitId(u), u]));
  // --wave and --shard: only the saved units of what this run applies
  const waves = new Set(fresh.waves.map((w) => w.name));
  const savedUnits = planUnits(saved).filter((u) => waves.has(u.wave) && (!clusters || clusters.has(u.cluster)));
  const savedIds = new Set(savedUnits.map(unitId));
  const moved = savedUnits.flatMap((s) => unitMoved(s, freshById.get(unitId(s))));
  for (const [id, u] of freshById) if (!savedIds.has(id) && u.action !== 'unchanged') moved.push(`${id}: a change not in the saved plan`);
  if (moved.length) throw new PreflightError(`the saved plan ${file} is stale:\n  ${moved.join('\n  ')}`, { hint: `make a new one with \`helm-cascade plan --out ${file}\`` });
  return fresh;
}
