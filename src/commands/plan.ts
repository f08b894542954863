// helm-cascade plan: render every unit, diff against what is deployed, have
// the API servers validate what would be installed or upgraded (dry-run), print
// the waves. Exit: 0; 2 with --detailed-exitcode when changes are pending;
// 4 when a unit failed to render, an object was refused or broke a house rule (bad input; the rest
// of the plan is still shown).
import { writeFileSync } from 'node:fs';
import { planCommandOutcome } from '../plan/assemble.ts';
import { planRepo } from '../plan/plan-repo.ts';
import { planForDisplay, renderPlanText } from '../report/plan-text.ts';
import { runsInProgress } from '../run/run-lock.ts';
import { trafficOfPlan } from '../traffic/plan.ts';
import { withLiveWeights } from '../traffic/read.ts';
import { withContext } from '../context/command-context.ts';
import { contextRequest } from './context.ts';
import type { CommandResult } from './io.ts';
import { note, shownText } from './io.ts';
import { cacheFlags, renderConcurrency } from './options.ts';
import type { PlanOptions } from './options.ts';

export async function run(o: PlanOptions): Promise<CommandResult> {
  return withContext(contextRequest(o), async (ctx) => {
    const wave = o.wave; // a wave of the repository: the selection check (model/selection.ts) refused any other
    await ctx.helm.version(); // a missing or too old helm: bad input (exit 4) before any cluster is asked
    const planOpts = { kubeconfig: ctx.kubeconfig, selector: o.selector, ...(wave !== undefined ? { wave } : {}), valueFlags: o.valueFlags, prune: o.prune, liveDrift: o.liveDrift, explain: o.explain, concurrency: renderConcurrency(o), ...cacheFlags(o), ...(ctx.log ? { log: ctx.log } : {}) };
    const { plan } = await planRepo(ctx.repo, planOpts, { helm: ctx.helm, clients: ctx.clients, client: ctx.client });
    // plan takes no run lock; it says when a run of this repository is in progress (its changes are not final)
    for (const line of await runsInProgress(ctx.repo.config.repoName, ctx.scope.clusters, ctx.client)) note(`note: ${line}`);
    // --out: no values, no manifests (they carry secrets): `apply --plan` re-plans and
    // compares each unit's digests (chart, values, manifest, deployed revision)
    // the weight moves of the canary tracks the plan changes: their own lines, and in the saved plan (apply --plan checks them)
    const tracks = trafficOfPlan(plan, ctx.repo.releases);
    const saved = { ...planForDisplay(plan), ...(tracks.size ? { traffic: [...tracks.values()] } : {}) };
    if (o.out !== undefined) writeFileSync(o.out, shownText(`${JSON.stringify(saved, null, 2)}\n`));
    const traffic = o.output === 'json' || !tracks.size ? undefined : await withLiveWeights(tracks, ctx.client);
    const output = o.output === 'json' ? `${JSON.stringify(saved, null, 2)}\n` : renderPlanText(plan, { color: o.color, explain: o.explain, ...(traffic ? { traffic } : {}) });
    return { outcome: planCommandOutcome(plan, o.detailedExitcode), output };
  });
}
