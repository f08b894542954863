// Sets up deployed state for tests and benchmarks: every planned install or
// upgrade through the real helm, with the marker labels apply puts on its
// releases, but without apply's locks and gates.
import type { Helm } from '../../../src/helm/helm.ts';
import { markerLabels } from '../../../src/model/release.ts';
import type { DeployRepo } from '../../../src/model/spec.ts';
import { planUnits } from '../../../src/plan/assemble.ts';
import { limit } from '../../../src/plan/pool.ts';
import type { Plan } from '../../../src/plan/types.ts';

export async function deployPlanned(repo: DeployRepo, plan: Plan, kubeconfig: string, helm: Helm, concurrency = 4): Promise<void> {
  const ctx = new Map(repo.config.clusters.map((c) => [c.name, c.context]));
  const pool = limit(concurrency);
  await Promise.all(
    planUnits(plan)
      .filter((u) => u.action === 'install' || u.action === 'upgrade')
      .map((u) =>
        pool(() =>
          helm.upgradeInstall({ releaseName: u.helmName, namespace: u.namespace, chart: u.chart!.path, values: JSON.stringify(u.values), kubeContext: ctx.get(u.cluster)!, kubeconfig, labels: markerLabels(u, repo.config.repoName) }),
        ),
      ),
  );
}
