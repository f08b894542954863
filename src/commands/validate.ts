// helm-cascade validate: every problem in every file, at once; exit 4 if any.
import { loadDeployRepo } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import type { Diagnostic } from '../errors.ts';
import { kubeconfigContexts } from '../kube/kubeconfig.ts';
import { expandUnits } from '../model/units.ts';
import { assignWaves } from '../model/waves.ts';
import { commonOptions, resolveKubeconfig } from './common.ts';

export async function run(raw: Record<string, unknown>): Promise<number> {
  const opts = commonOptions(raw);
  const { repo, diagnostics } = loadDeployRepo({ clustersFile: opts.clustersFile, releasesDir: opts.releasesDir });
  const problems: Diagnostic[] = [...diagnostics];
  if (repo && raw.online === true) {
    const kubeconfig = resolveKubeconfig(opts, repo.config);
    const { contexts, missingFiles } = kubeconfigContexts(kubeconfig);
    for (const f of missingFiles) problems.push({ file: repo.config.file, line: 1, col: 1, message: `kubeconfig not found: ${f}` });
    for (const c of repo.config.clusters) {
      if (!contexts.has(c.context)) {
        problems.push({ ...c.pos, message: `cluster "${c.name}": context "${c.context}" is not in the kubeconfig (${kubeconfig})` });
      }
    }
  }
  if (problems.length || !repo) throw new ConfigError(problems);
  const units = expandUnits(repo);
  const { waves } = assignWaves(repo.config, units);
  if (opts.output === 'json') {
    process.stdout.write(`${JSON.stringify({ valid: true, clusters: repo.config.clusters.length, releases: repo.releases.length, units: units.length, waves: waves.map((w) => ({ name: w.name, units: w.steps.flat().length })) }, null, 2)}\n`);
  } else {
    process.stdout.write(
      `${repo.config.file}: ${repo.config.clusters.length} clusters, ${repo.releases.length} releases, ${units.length} helm releases in ${waves.length} waves: valid.\n`,
    );
  }
  return 0;
}
