// helm-cascade validate: every problem in every file, at once; exit 4 if any.
// --online, with house rules, also plans the whole repository as plan does
// (plan/plan-repo.ts): every release rendered against its cluster, every
// rendered object judged by the house rules, what would be installed or
// upgraded validated by its API server (a deny violation or a refusal: exit 4).
// Warnings (a repository that deploys nothing, a house rule that only warns)
// are printed; --strict makes them bad input too (exit 4).
import { loadDeployRepo } from '../config/load.ts';
import { relative, resolve } from 'node:path';
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
  const { kubeconfigContexts, resolveKubeconfig } = await import('../kube/kubeconfig.ts');
  const kubeconfig = resolveKubeconfig(flag, repo.config);
  const { contexts, missingFiles } = kubeconfigContexts(kubeconfig);
  const problems: Diagnostic[] = missingFiles.map((f) => ({ file: repo.config.file, line: 1, col: 1, message: `kubeconfig not found: ${f}` }));
  for (const c of repo.config.clusters) {
    if (!contexts.has(c.context)) problems.push({ ...c.pos, message: `cluster "${c.name}": context "${c.context}" is not in the kubeconfig (${kubeconfig})` });
  }
  return problems;
}

/** --online with house rules: the repository planned (every object judged, unchanged units too); deny violations, refusals and render errors refuse. Returns the warnings. */
async function checkRendered(o: ValidateOptions, repo: DeployRepo): Promise<string[]> {
  if (!(repo.config.policies ?? []).length) return [];
  const [{ withContext }, { contextRequest }, { planRepo }, { planUnits }] = await Promise.all([import('../context/command-context.ts'), import('./context.ts'), import('../plan/plan-repo.ts'), import('../plan/assemble.ts')]);
  const { plan, warnings } = await withContext(contextRequest({ ...o, selector: {}, concurrency: undefined }), (ctx) =>
    planRepo(repo, { kubeconfig: ctx.kubeconfig, liveDrift: false, judgeUnchanged: true, ...(ctx.log ? { log: ctx.log } : {}) }, { helm: ctx.helm, clients: ctx.clients, client: ctx.client }),
  );
  const lines = planUnits(plan).flatMap((u) => (u.kind === 'failed' ? u.error.split('\n').map((l) => `  ${unitId(u)}: ${l}`) : []));
  if (lines.length) throw new BadInputError(`the rendered releases break house rules (or fail to render, or have objects their API server refuses); nothing was touched:\n${lines.join('\n')}`);
  return warnings;
}

/** A repository that would deploy nothing: no release files, or releases that make no helm release anywhere. */
function emptyWarnings(o: ValidateOptions, repo: DeployRepo, units: number): string[] {
  const abs = o.releasesDir ? resolve(o.releasesDir) : resolve(repo.config.root, 'releases');
  const rel = relative(process.cwd(), abs);
  const dir = `${rel.startsWith('..') ? abs : rel || '.'}/`;
  if (repo.releases.length === 0) return [`${dir} holds no release files (*.yaml): the repository deploys nothing`];
  if (units === 0) return [`no release of ${dir} is installed on any cluster (every one disabled or matching no cluster): the repository deploys nothing`];
  return [];
}

/** --online with traffic: every gateway-api release's HTTPRoute exists with backendRefs for its tracks, each rule adding up to 100. */
async function checkTraffic(o: ValidateOptions, repo: DeployRepo): Promise<void> {
  if (!repo.releases.some((r) => r.traffic?.router.kind === 'gateway-api')) return;
  const [{ withContext }, { contextRequest }, { onlineTrafficProblems }] = await Promise.all([import('../context/command-context.ts'), import('./context.ts'), import('../traffic/online.ts')]);
  const problems = await withContext(contextRequest({ ...o, selector: {}, concurrency: undefined }), (ctx) => onlineTrafficProblems(repo, ctx.client));
  if (problems.length) throw new ConfigError(problems);
}

export async function run(o: ValidateOptions): Promise<CommandResult> {
  const { repo, diagnostics } = loadDeployRepo({ clustersFile: o.clustersFile, allowRoots: o.allowRoots, ...(o.releasesDir ? { releasesDir: o.releasesDir } : {}) });
  const problems = [...diagnostics, ...(repo && o.online ? await contextProblems(repo, o.kubeconfig) : [])];
  if (problems.length || !repo) throw new ConfigError(problems);
  if (o.online) {
    // every secret reference resolved on its clusters, nothing printed but the problems
    const { checkSecretsOnline } = await import('../secrets/online.ts');
    const unresolved = await checkSecretsOnline(repo);
    if (unresolved.length) throw new ConfigError(unresolved);
  }
  const rendered = o.online ? await checkRendered(o, repo) : [];
  if (o.online) await checkTraffic(o, repo);
  const units = expandUnits(repo);
  const warnings = [...emptyWarnings(o, repo, units.filter((u) => u.enabled).length), ...rendered];
  for (const w of warnings) note(`helm-cascade: warning: ${w}`);
  if (o.strict && warnings.length) throw new BadInputError(`--strict: ${warnings.length} warning${warnings.length === 1 ? '' : 's'} (above); nothing was touched`);
  const { waves } = assignWaves(repo.config, units);
  const { config } = repo;
  const output =
    o.output === 'json'
      ? `${JSON.stringify({ valid: true, clusters: config.clusters.length, releases: repo.releases.length, units: units.length, waves: waves.map((w) => ({ name: w.name, units: w.steps.flat().length })), warnings }, null, 2)}\n`
      : `${config.file}: ${config.clusters.length} clusters, ${repo.releases.length} releases, ${units.length} helm releases in ${waves.length} waves: valid${warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? '' : 's'})` : ''}.\n`;
  return { outcome: 'success', output };
}
