// helm-cascade plan: render every unit, diff against what is deployed, have
// the API servers validate what would be installed or upgraded (dry-run), print
// the waves. Exit: 0; 2 with --detailed-exitcode when changes are pending;
// 1 when a unit failed to render or an object was refused (the rest of the
// plan is still shown).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KubeProxies } from '../kube/proxy.ts';
import { planExitCode } from '../plan/assemble.ts';
import { validatePlan } from '../plan/validate-on-server.ts';
import { makePlan } from '../plan/make-plan.ts';
import { planForDisplay, renderPlanText } from '../report/plan-text.ts';
import { checkWaveFlag, commandContext, planOptions, setFlags } from './common.ts';

export async function run(raw: Record<string, unknown>, _cmd?: Command): Promise<number> {
  const set = setFlags(raw);
  const ctx = commandContext(raw);
  const { opts, repo, helm, kubeconfig } = ctx;
  let plan = await makePlan(repo, planOptions(ctx, raw, set, checkWaveFlag(repo, 'wave', raw.wave)), { helm });
  const proxies = new KubeProxies();
  try {
    plan = (await validatePlan(plan, repo.config.clusters, kubeconfig, proxies)).plan;
  } finally {
    await proxies.stopAll();
  }
  if (typeof raw.out === 'string') {
    // no values, no manifests (they carry secrets): `apply --plan` re-plans and
    // compares each unit's digests (chart, values, manifest, deployed revision)
    writeFileSync(raw.out, `${JSON.stringify(planForDisplay(plan), null, 2)}\n`);
  }
  if (opts.output === 'json') process.stdout.write(`${JSON.stringify(planForDisplay(plan), null, 2)}\n`);
  else process.stdout.write(renderPlanText(plan, { color: opts.color, explain: raw.explain === true }));
  return planExitCode(plan, raw.detailedExitcode === true);
}
