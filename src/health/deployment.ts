// Deployment health, after gitops-engine's health_deployment.go and
// `kubectl rollout status`: observedGeneration current, then
// updated = desired = available replicas, no old replicas left.
import type { Deployment } from '../model/live-views.ts';
import { conditionOf, observedCurrent, staleAgainstBaseline } from './baseline.ts';
import type { AssessContext } from './baseline.ts';
import { degraded, healthy, progressing, suspended } from './status.ts';
import type { HealthResult } from './status.ts';

export function assessDeployment(d: Deployment, ctx?: AssessContext): HealthResult {
  const name = d.metadata.name;
  const stale = staleAgainstBaseline(d, ctx);
  if (stale) return stale;
  if (d.spec.paused === true) return suspended(`Deployment ${name} is paused: resume it (kubectl rollout resume deployment/${name}) to let the rollout finish`);
  if (!observedCurrent(d)) return progressing('Waiting for rollout to finish: observed deployment generation less than desired generation');
  const cond = conditionOf(d, 'Progressing');
  if (cond?.reason === 'ProgressDeadlineExceeded') return degraded(`Deployment "${name}" exceeded its progress deadline${cond.message ? `: ${cond.message}` : ''}`);
  const desired = d.spec.replicas ?? 1;
  const s = d.status;
  const updated = s.updatedReplicas ?? 0;
  const replicas = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (updated < desired) return progressing(`Waiting for rollout to finish: ${updated} out of ${desired} new replicas have been updated`);
  if (replicas > updated) return progressing(`Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination`);
  if (available < updated) return progressing(`Waiting for rollout to finish: ${available} of ${updated} updated replicas are available`);
  return healthy(`${available}/${desired} replicas updated and available`);
}
