// helm-cascade validate: every problem in every file, at once; exit 4 if any.
// --online also renders every release against its cluster and judges the
// rendered objects by the house rules (a deny violation: exit 4).
import { loadDeployRepo } from '../config/load.ts';
import { BadInputError, ConfigError } from '../errors.ts';
import type { Diagnostic } from '../errors.ts';
import type { DeployRepo } from '../model/spec.ts';
import { unitId } from '../model/identity.ts';
import { expandUnits } from '../model/units.ts';
import { assignWaves } from '../model/waves.ts';
import type { CommandResult } from './io.ts';
import { note } from './io.ts';
import type { ValidateOptions } from './options.ts';

// What only --online needs (kubeconfigs, helm, the plan) is imported when it is asked for: a plain validate loads none of it.

/** --online: every context must exist in the kubeconfig. */
async function contextProblems(repo: DeployRepo, flag: string | undefined): Promise<Diagnostic[]> {
  const [{ resolveKubeconfig }, { kubeconfigContexts }] = await Promise.all([import('./context.ts'), import('../kube/kubeconfig.ts')]);
  const kubeconfig = resolveKubeconfig(flag, repo.config);
  const { contexts, missingFiles } = kubeconfigContexts(kubeconfig);
  const problems: Diagnostic[] = missingFiles.map((f) => ({ file: repo.config.file, line: 1, col: 1, message: `kubeconfig not found: ${f}` }));
  for (const c of repo.config.clusters) {
    if (!contexts.has(c.context)) problems.push({ ...c.pos, message: `cluster "${c.name}": context "${c.context}" is not in the kubeconfig (${kubeconfig})` });
  }
  return problems;
}

/** --online with house rules: every release rendered as plan renders it, every object judged; deny violations (and render errors) refuse. */
async function checkRendered(o: ValidateOptions, repo: DeployRepo): Promise<void> {
  if (!(repo.config.policies ?? []).length) return;
  const [{ withContext }, { makePlan }, { checkPlanPolicies, planWarnings }, { planUnits }] = await Promise.all([import('./context.ts'), import('../plan/make-plan.ts'), import('../plan/policies.ts'), import('../plan/assemble.ts')]);
  const plan = await withContext({ ...o, selector: {}, concurrency: undefined }, async (ctx) =>
    checkPlanPolicies(await makePlan(repo, { kubeconfig: ctx.kubeconfig, liveDrift: false, ...(ctx.log ? { log: ctx.log } : {}) }, { helm: ctx.helm, clients: ctx.clients }), repo, { unchanged: true }),
  );
  for (const w of planWarnings(plan)) note(`helm-cascade: warning: ${w}`);
  const lines = planUnits(plan).flatMap((u) => (u.kind === 'failed' ? u.error.split('\n').map((l) => `  ${unitId(u)}: ${l}`) : []));
  if (lines.length) throw new BadInputError(`the rendered releases break house rules (or fail to render); nothing was touched:\n${lines.join('\n')}`);
}

export async function run(o: ValidateOptions): Promise<CommandResult> {
  const { repo, diagnostics } = loadDeployRepo({ clustersFile: o.clustersFile, allowRoots: o.allowRoots, ...(o.releasesDir ? { releasesDir: o.releasesDir } : {}) });
  const problems = [...diagnostics, ...(repo && o.online ? await contextProblems(repo, o.kubeconfig) : [])];
  if (problems.length || !repo) throw new ConfigError(problems);
  if (o.online) await checkRendered(o, repo);
  const units = expandUnits(repo);
  const { waves } = assignWaves(repo.config, units);
  const { config } = repo;
  const output =
    o.output === 'json'
      ? `${JSON.stringify({ valid: true, clusters: config.clusters.length, releases: repo.releases.length, units: units.length, waves: waves.map((w) => ({ name: w.name, units: w.steps.flat().length })) }, null, 2)}\n`
      : `${config.file}: ${config.clusters.length} clusters, ${repo.releases.length} releases, ${units.length} helm releases in ${waves.length} waves: valid.\n`;
  return { outcome: 'success', output };
}
