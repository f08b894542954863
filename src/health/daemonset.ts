// DaemonSet health, after gitops-engine's health_daemonset.go and
// `kubectl rollout status daemonset`.
import type { DaemonSet } from '../model/live-views.ts';
import { observedCurrent, staleAgainstBaseline } from './baseline.ts';
import type { AssessContext } from './baseline.ts';
import { healthy, progressing } from './status.ts';
import type { HealthResult } from './status.ts';

export function assessDaemonSet(d: DaemonSet, ctx?: AssessContext): HealthResult {
  const name = d.metadata.name;
  const stale = staleAgainstBaseline(d, ctx);
  if (stale) return stale;
  if (!observedCurrent(d)) return progressing('Waiting for rollout to finish: observed daemon set generation less than desired generation');
  const st = d.status;
  const desired = st.desiredNumberScheduled ?? 0;
  const updated = st.updatedNumberScheduled ?? 0;
  const available = st.numberAvailable ?? 0;
  if (d.spec.updateStrategy.type === 'OnDelete') {
    if (available < desired) return progressing(`Waiting for daemon set "${name}" pods: ${available} of ${desired} are available`);
    return healthy(`${available}/${desired} pods available; updateStrategy is OnDelete, so pods are only updated when deleted`);
  }
  if (updated < desired) return progressing(`Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated`);
  if (available < desired) return progressing(`Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available`);
  if (desired === 0) return healthy('no node matches the daemon set: 0 pods scheduled');
  return healthy(`${available}/${desired} pods updated and available`);
}
