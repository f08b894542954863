// The health of a deployed release now (status and drift): its manifest's
// objects judged on a snapshot of live objects by the gates' own evaluator,
// as a gate that has already soaked would see it (pure).
import type { LiveObject } from '../model/objects.ts';
import type { HealthSpec } from '../model/spec.ts';
import { evaluateGate } from './evaluate.ts';
import type { GateEvaluation } from './evaluate.ts';
import { ownedRefs } from './owned.ts';

export function releaseHealthNow(manifest: string, namespace: string, objects: readonly LiveObject[], health: HealthSpec, now = Date.now()): GateEvaluation {
  return evaluateGate({
    owned: ownedRefs(manifest, namespace),
    snapshot: { objects, fetchedAt: now },
    baseline: {},
    specChanged: new Set(),
    health: { ...health, soakMs: 0 },
    elapsedMs: 0,
    soakStartedMs: 0,
    restartBaseline: {},
  });
}

/** "Healthy", "Progressing: why" or "Degraded: why", for one table cell. */
export function healthLabel(e: GateEvaluation): string {
  return e.phase === 'failed' ? `Degraded: ${e.reason}` : e.phase === 'rolling-out' ? `Progressing: ${e.reason}` : 'Healthy';
}
