// helm-cascade plan: render every unit, diff against what is deployed, have
// the API servers validate what would be installed or upgraded (dry-run), print
// the waves. Exit: 0; 2 with --detailed-exitcode when changes are pending;
// 4 when a unit failed to render, an object was refused or broke a house rule (bad input; the rest
// of the plan is still shown).
import { writeFileSync } from 'node:fs';
import { planOutcome } from '../plan/assemble.ts';
import { makePlan } from '../plan/make-plan.ts';
import { checkPlanPolicies } from '../plan/policies.ts';
import { validatePlan } from '../plan/validate-on-server.ts';
import { planForDisplay, renderPlanText } from '../report/plan-text.ts';
import { checkWaveFlag, withContext } from './context.ts';
import type { CommandResult } from './io.ts';
import { renderConcurrency } from './options.ts';
import type { PlanOptions } from './options.ts';

export async function run(o: PlanOptions): Promise<CommandResult> {
  return withContext(o, async (ctx) => {
    const wave = checkWaveFlag(ctx.repo, 'wave', o.wave);
    const planOpts = { kubeconfig: ctx.kubeconfig, selector: o.selector, ...(wave !== undefined ? { wave } : {}), valueFlags: o.valueFlags, prune: o.prune, liveDrift: o.liveDrift, explain: o.explain, concurrency: renderConcurrency(o), ...(ctx.log ? { log: ctx.log } : {}) };
    const made = await makePlan(ctx.repo, planOpts, { helm: ctx.helm, clients: ctx.clients });
    // house rules first: a unit that breaks one is an error, not sent to the API server
    const { plan } = await validatePlan(checkPlanPolicies(made, ctx.repo), ctx.client);
    // --out: no values, no manifests (they carry secrets): `apply --plan` re-plans and
    // compares each unit's digests (chart, values, manifest, deployed revision)
    if (o.out !== undefined) writeFileSync(o.out, `${JSON.stringify(planForDisplay(plan), null, 2)}\n`);
    const output = o.output === 'json' ? `${JSON.stringify(planForDisplay(plan), null, 2)}\n` : renderPlanText(plan, { color: o.color, explain: o.explain });
    const found = planOutcome(plan);
    return { outcome: found === 'changes' && !o.detailedExitcode ? 'success' : found, output };
  });
}
