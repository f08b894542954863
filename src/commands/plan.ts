// helm-cascade plan: render every unit, diff against what is deployed, print
// the waves. Exit: 0; 2 with --detailed-exitcode when changes are pending;
// 1 when a unit failed to render (the rest of the plan is still shown).
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { loadDeployRepoOrThrow } from '../config/load.ts';
import { UsageError } from '../errors.ts';
import { createHelm } from '../helm/helm.ts';
import { planExitCode } from '../plan/assemble.ts';
import { makePlan } from '../plan/make-plan.ts';
import { effectiveWaves } from '../plan/waves.ts';
import { parseSetFlags, SetFlagError } from '../plan/values.ts';
import { planForDisplay, renderPlanText } from '../report/plan-text.ts';
import { commonOptions, resolveKubeconfig } from './common.ts';

export async function run(raw: Record<string, unknown>, _cmd?: Command): Promise<number> {
  const opts = commonOptions(raw);
  const set = (raw.set as string[] | undefined) ?? [];
  try {
    parseSetFlags(set);
  } catch (err) {
    if (err instanceof SetFlagError) throw new UsageError(err.message);
    throw err;
  }
  const repo = loadDeployRepoOrThrow({ clustersFile: opts.clustersFile, ...(opts.releasesDir ? { releasesDir: opts.releasesDir } : {}) });
  const wave = raw.wave as string | undefined;
  if (wave !== undefined) {
    const names = effectiveWaves(repo.config).map((w) => w.name);
    if (!names.includes(wave)) throw new UsageError(`--wave "${wave}": no such wave (waves: ${names.join(', ')})`);
  }
  const log = opts.verbose ? (l: string) => process.stderr.write(`» ${l}\n`) : undefined;
  const helm = createHelm({ bin: opts.helmBin, ...(log ? { log } : {}) });
  const plan = await makePlan(
    repo,
    {
      kubeconfig: resolveKubeconfig(opts, repo.config),
      selector: opts.selector,
      ...(wave !== undefined ? { wave } : {}),
      set,
      prune: raw.prune === true,
      liveDrift: raw.ignoreLiveDrift !== true,
      // rendering is CPU-bound: one helm per core unless told otherwise
      concurrency: raw.concurrency !== undefined ? opts.concurrency : availableParallelism(),
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
