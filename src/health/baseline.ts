// The guard against mistaking the old state for ready (helmfile's kubedog
// approach): before the upgrade the caller records each workload's
// {uid, generation}. When the upgrade changed the object's spec, the live
// object only counts once it is a NEW object (another uid) or its generation
// has moved past the recorded one; until then its status still describes the
// previous revision, however healthy it looks.
import { refKey } from '../model/objects.ts';
import type { Condition } from '../model/live-views.ts';
import type { Baseline, LiveIdentity, LiveObject, ObjectRef } from '../model/objects.ts';
import { progressing } from './status.ts';
import type { HealthResult } from './status.ts';

/** What an assessor knows about an object beyond the object itself. */
export interface AssessContext {
  /** uid and generation recorded before the upgrade; undefined when the object did not exist. */
  baseline?: LiveIdentity | undefined;
  /** The upgrade changed this object's spec, so its generation must move past the baseline. */
  specChanged?: boolean | undefined;
}

/** Progressing when the live object is still the one recorded before the upgrade; undefined otherwise. */
export function staleAgainstBaseline(obj: Pick<LiveObject, 'kind' | 'metadata'>, ctx: AssessContext | undefined): HealthResult | undefined {
  const b = ctx?.baseline;
  if (!b || !ctx?.specChanged) return undefined;
  if (obj.metadata.uid !== b.uid) return undefined;
  const generation = obj.metadata.generation ?? 0;
  if (generation > b.generation) return undefined;
  return progressing(
    `Waiting for the upgrade to reach ${obj.kind} ${obj.metadata.name}: generation ${generation} is still the one recorded before the upgrade`,
  );
}

/** The controller has seen the object's current spec (status.observedGeneration >= metadata.generation). */
export function observedCurrent(obj: { metadata: LiveObject['metadata']; status: { observedGeneration?: number | undefined } }): boolean {
  return (obj.status.observedGeneration ?? 0) >= (obj.metadata.generation ?? 0);
}

/** The condition of this type in an object's status. */
export function conditionOf(obj: { status: { conditions: readonly Condition[] } }, type: string): Condition | undefined {
  return obj.status.conditions.find((c) => c.type === type);
}

/** uid and generation of each ref among the objects just read (call before the upgrade); refs that do not exist are left out. */
export function baselineOf(refs: readonly ObjectRef[], objects: readonly LiveObject[]): Baseline {
  const wanted = new Set(refs.map(refKey));
  const out: Baseline = {};
  for (const o of objects) {
    const key = refKey({ kind: o.kind, namespace: o.metadata.namespace ?? '', name: o.metadata.name });
    if (wanted.has(key) && o.metadata.uid) out[key] = { uid: o.metadata.uid, generation: o.metadata.generation ?? 0 };
  }
  return out;
}
