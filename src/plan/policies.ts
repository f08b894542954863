// House rules on what a plan would install or upgrade (pure): every rendered
// object of those units (hooks included) judged by the repository's rules,
// with the cluster and release it goes to. A `deny` violation makes its unit
// an error, like an object the API server refuses: plan exits 4 and apply
// changes nothing. A `warn` violation is kept on the unit and shown. Units
// left unchanged are not judged: nothing of theirs would be sent (drift
// judges their live pods).
import { unitId } from '../model/identity.ts';
import { renderedObjects } from '../model/manifest.ts';
import type { DeployRepo } from '../model/spec.ts';
import { PolicySet, violationLine } from '../policy/evaluate.ts';
import type { PolicySubject, PolicyViolation } from '../policy/evaluate.ts';
import { planUnits, withRefusedObjects } from './assemble.ts';
import type { Plan, PlannedUnit, RenderedUnit } from './types.ts';

/** One line of a unit's error or warning list. */
function policyLine(v: PolicyViolation): string {
  return `house rule ${v.action === 'deny' ? 'broken' : 'warning'}: ${violationLine(v)}`;
}

function subjectsOf(u: RenderedUnit): PolicySubject[] {
  return renderedObjects(`${u.extra}\n---\n${u.manifest}`, u.namespace, { skipInvalid: true }).map((o) => ({
    object: o.object,
    kind: o.kind,
    namespace: o.namespace,
    name: o.name,
    ...(o.source ? { source: o.source } : {}),
  }));
}

/** Each unit to install or upgrade (every rendered unit with `unchanged`) -> its violations. */
function violationsByUnit(plan: Plan, repo: DeployRepo, rules: PolicySet, unchanged: boolean): Map<string, PolicyViolation[]> {
  const clusters = new Map(repo.config.clusters.map((c) => [c.name, c]));
  const releases = new Map(repo.releases.map((r) => [r.name, r]));
  const out = new Map<string, PolicyViolation[]>();
  for (const u of planUnits(plan)) {
    if (u.kind !== 'rendered' || (u.action === 'unchanged' && !unchanged)) continue;
    const cluster = clusters.get(u.cluster);
    if (!cluster) continue;
    const found = rules.check(subjectsOf(u), { cluster, release: { name: u.release, namespace: u.namespace, track: u.track }, exceptions: releases.get(u.release)?.policyExceptions ?? [] });
    if (found.length) out.set(unitId(u), found);
  }
  return out;
}

/**
 * The plan judged by the house rules: units breaking a `deny` rule become
 * errors; `warn` violations land on their unit. `unchanged`: judge the units
 * left as they are too (`validate --online` judges the whole repository).
 */
export function checkPlanPolicies(plan: Plan, repo: DeployRepo, opts: { unchanged?: boolean } = {}): Plan {
  const specs = repo.config.policies ?? [];
  if (specs.length === 0) return plan;
  const found = violationsByUnit(plan, repo, new PolicySet(specs), opts.unchanged === true);
  if (found.size === 0) return plan;
  const withWarnings = (u: PlannedUnit): PlannedUnit => {
    const warns = (found.get(unitId(u)) ?? []).filter((v) => v.action === 'warn').map(policyLine);
    return warns.length ? { ...u, warnings: warns } : u;
  };
  const warned: Plan = { ...plan, waves: plan.waves.map((w) => ({ ...w, steps: w.steps.map((s) => s.map(withWarnings)) })) };
  const denied = new Map([...found].flatMap(([id, vs]) => {
    const lines = vs.filter((v) => v.action === 'deny').map(policyLine);
    return lines.length ? [[id, lines] as const] : [];
  }));
  return withRefusedObjects(warned, denied);
}

/** Every warning of the plan, as `unit: line`, for a run's log. */
export function planWarnings(plan: Plan): string[] {
  return planUnits(plan).flatMap((u) => (u.warnings ?? []).map((w) => `${unitId(u)}: ${w}`));
}
