// StatefulSet health, after gitops-engine's health_statefulset.go and
// `kubectl rollout status statefulset`.
import type { StatefulSet } from '../model/live-views.ts';
import { observedCurrent, staleAgainstBaseline } from './baseline.ts';
import type { AssessContext } from './baseline.ts';
import { healthy, progressing } from './status.ts';
import type { HealthResult } from './status.ts';

export function assessStatefulSet(s: StatefulSet, ctx?: AssessContext): HealthResult {
  const stale = staleAgainstBaseline(s, ctx);
  if (stale) return stale;
  if (!observedCurrent(s)) return progressing('Waiting for statefulset spec update to be observed');
  const desired = s.spec.replicas ?? 1;
  const st = s.status;
  const ready = st.readyReplicas ?? 0;
  const available = st.availableReplicas ?? ready;
  const updated = st.updatedReplicas ?? 0;
  if (ready < desired) return progressing(`Waiting for ${desired - ready} pods to be ready: ${ready} of ${desired} ready`);
  if (available < desired) return progressing(`Waiting for rollout to finish: ${available} of ${desired} pods are available`);
  const strategy = s.spec.updateStrategy.type ?? 'RollingUpdate';
  if (strategy === 'OnDelete') {
    return healthy(`${ready}/${desired} pods ready; updateStrategy is OnDelete, so pods are only updated when deleted`);
  }
  const partition = s.spec.updateStrategy.partition ?? 0;
  if (partition > 0) {
    const want = Math.max(0, desired - partition);
    if (updated < want) return progressing(`Waiting for partitioned roll out to finish: ${updated} out of ${want} new pods have been updated`);
    return healthy(`partitioned roll out complete: ${updated} new pods have been updated`);
  }
  if (st.updateRevision && st.currentRevision !== st.updateRevision) {
    return progressing(`Waiting for rollout to finish: ${updated} out of ${desired} new pods have been updated (revision ${st.updateRevision})`);
  }
  if (updated < desired) return progressing(`Waiting for rollout to finish: ${updated} out of ${desired} new pods have been updated`);
  return healthy(`${ready}/${desired} pods ready at revision ${st.currentRevision ?? '?'}`);
}
