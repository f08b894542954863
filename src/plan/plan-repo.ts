// The one pipeline of every command that plans (plan, apply, drift,
// validate --online): make the plan (make-plan.ts), let the caller shape it
// (apply recovers stuck releases, keeps its shard, checks a saved plan, starts
// at --from-wave), judge it by the house rules (policies.ts), then have each
// cluster's API server validate what would be installed or upgraded
// (validate-on-server.ts). A unit that breaks a `deny` rule is never sent to
// the API server; both kinds of refusal become unit errors.
import type { KubeClient } from '../kube/client.ts';
import type { DeployRepo } from '../model/spec.ts';
import { makePlan } from './make-plan.ts';
import type { MakePlanOptions, PlanDeps } from './make-plan.ts';
import { checkPlanPolicies, planWarnings } from './policies.ts';
import type { Plan } from './types.ts';
import { validatePlan } from './validate-on-server.ts';

export interface PlanRepoOptions extends MakePlanOptions {
  /** Judge the units left unchanged by the house rules too (`validate --online` judges the whole repository). */
  judgeUnchanged?: boolean;
  /** What the caller does to the plan before it is judged (see the header); may plan again through `replan`. */
  shape?: (plan: Plan, replan: () => Promise<Plan>) => Promise<Plan> | Plan;
}

export interface PlanRepoDeps extends PlanDeps {
  /** The client of a cluster of the repository, by clusters.yaml name: the server-side validation asks it. */
  client: (cluster: string) => KubeClient;
}

/** A plan, judged: what every command that plans gets back. */
export interface RepoPlan {
  /** Units that failed to render, break a `deny` house rule or have objects their API server refuses are `failed`. */
  plan: Plan;
  /** Ids of the units whose every object the API server validated: helm may skip its own OpenAPI check (`--disable-openapi-validation`). */
  validated: ReadonlySet<string>;
  /** Unit id -> why some of its objects were left to helm's own validation (for --verbose). */
  unchecked: ReadonlyMap<string, readonly string[]>;
  /** `unit: line` for every `warn` house rule broken. */
  warnings: string[];
}

export async function planRepo(repo: DeployRepo, opts: PlanRepoOptions, deps: PlanRepoDeps): Promise<RepoPlan> {
  const { judgeUnchanged, shape, ...make } = opts;
  const replan = () => makePlan(repo, make, deps);
  const made = await replan();
  const shaped = shape ? await shape(made, replan) : made;
  // house rules before the API servers see anything: a unit that breaks a deny rule is not sent
  const judged = checkPlanPolicies(shaped, repo, { unchanged: judgeUnchanged === true });
  const { plan, validation } = await validatePlan(judged, deps.client);
  return { plan, validated: validation.validated, unchecked: validation.unchecked, warnings: planWarnings(plan) };
}
