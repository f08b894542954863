// helm-cascade plan: render every unit, diff against what is deployed, print
// the waves. Exit: 0; 2 with --detailed-exitcode when changes are pending;
// 1 when a unit failed to render (the rest of the plan is still shown).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { planExitCode } from '../plan/assemble.ts';
import { makePlan } from '../plan/make-plan.ts';
import { planForDisplay, renderPlanText } from '../report/plan-text.ts';
import { checkWaveFlag, commandContext, setFlags } from './common.ts';

export async function run(raw: Record<string, unknown>, _cmd?: Command): Promise<number> {
  const set = setFlags(raw);
  const { opts, repo, kubeconfig, log, helm, renderConcurrency } = commandContext(raw);
  const wave = checkWaveFlag(repo, 'wave', raw.wave);
  const plan = await makePlan(
    repo,
    {
      kubeconfig,
      selector: opts.selector,
      ...(wave !== undefined ? { wave } : {}),
      set,
      prune: raw.prune === true,
      liveDrift: raw.ignoreLiveDrift !== true,
      concurrency: renderConcurrency,
      ...(log ? { log } : {}),
    },
    { helm },
  );
  if (typeof raw.out === 'string') {
    // no values, no manifests (they carry secrets): `apply --plan` re-plans and
    // compares each unit's digests (chart, values, manifest, deployed revision)
    writeFileSync(raw.out, `${JSON.stringify(planForDisplay(plan), null, 2)}\n`);
  }
  if (opts.output === 'json') process.stdout.write(`${JSON.stringify(planForDisplay(plan), null, 2)}\n`);
  else process.stdout.write(renderPlanText(plan, { color: opts.color, explain: raw.explain === true }));
  return planExitCode(plan, raw.detailedExitcode === true);
}
