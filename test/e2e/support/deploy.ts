// Sets up deployed state for tests and benchmarks: every planned install or
// upgrade through the real helm, with the marker labels apply puts on its
// releases (the input digest included), but without apply's locks and gates.
import type { Helm } from '../../../src/helm/helm.ts';
import { INPUTS_LABEL, markerLabels } from '../../../src/model/release.ts';
import type { DeployRepo } from '../../../src/model/spec.ts';
import { planUnits } from '../../../src/plan/assemble.ts';
import type { Plan, RenderedUnit } from '../../../src/plan/types.ts';
import { makePlan } from '../../../src/plan/make-plan.ts';
import type { MakePlanOptions } from '../../../src/plan/make-plan.ts';
import { KubeClients } from '../../../src/kube/client.ts';
import pLimit from 'p-limit';

export async function deployPlanned(repo: DeployRepo, plan: Plan, kubeconfig: string, helm: Helm, concurrency = 4): Promise<void> {
  const ctx = new Map(repo.config.clusters.map((c) => [c.name, c.context]));
  const pool = pLimit(concurrency);
  await Promise.all(
    renderedUnits(plan)
      .filter((u) => u.action === 'install' || u.action === 'upgrade')
      .map((u) =>
        pool(() =>
          helm.upgradeInstall({ releaseName: u.helmName, namespace: u.namespace, chart: u.chart.path, values: u.values, cluster: u.cluster, context: ctx.get(u.cluster)!, kubeconfig, labels: { ...markerLabels(u, repo.config.repoName), [INPUTS_LABEL]: u.inputs } }),
        ),
      ),
  );
}

/** The rendered units of a plan (what helm can install). */
export function renderedUnits(plan: Plan): RenderedUnit[] {
  return planUnits(plan).filter((u): u is RenderedUnit => u.kind === 'rendered');
}

/** makePlan with KubeClients of its own, closed afterwards (tests and benchmarks plan outside any command). */
export async function planOnce(repo: DeployRepo, opts: MakePlanOptions, helm: Helm): Promise<Plan> {
  const clients = new KubeClients({ kubeconfig: opts.kubeconfig });
  try {
    return await makePlan(repo, opts, { helm, clients });
  } finally {
    await clients.close();
  }
}
