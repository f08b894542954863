// The run's traffic steps (pure): a canary track's weight moves around its
// unit's change (traffic/plan.ts TrackTraffic) as steps of the unit, so
// next() schedules, cancels and undoes them as it does every other step:
//   weight    sets the track's weight on its router (the drain to 0 before
//             the change; each of `steps` after the gate). Undo, once it
//             started, when its wave stops (a failed step or gate anywhere in
//             the wave, SIGINT/SIGTERM, the run lock lost), whatever
//             onFailure says: the weight back to 0. A step's undo comes
//             before the undos of the steps it came after, so the weight is 0
//             before the track's release is rolled back.
//   analysis  holds a step's weight `pause`, the analysis checked every
//             `interval`; its failure fails the wave (a gate failure: exit 3).
// In a unit:  lock -> weight(drain) -> change -> gate -> weight 1 -> analysis 1 -> ... -> weight N (final)
import type { AnalysisSpec } from '../model/spec.ts';
import type { RouterRef, TrackTraffic } from '../traffic/plan.ts';

/** Which step of a walk: 1 of 3. */
interface StepIndex {
  index: number;
  of: number;
}

interface TrafficStepBase {
  id: string;
  wave: string;
  unit: string;
  cluster: string;
  after: readonly string[];
  release: string;
  track: string;
  router: RouterRef;
}

export type WeightStep = TrafficStepBase & {
  kind: 'weight';
  weight: number;
  phase: 'drain' | 'step';
  step?: StepIndex;
  /** The weight back to 0 when the wave stops (none for the drain: it is 0 already). */
  undo?: { how: 'weight'; weight: 0 };
};

export type AnalysisStep = TrafficStepBase & { kind: 'analysis'; weight: number; step: StepIndex; pauseMs: number; analysis: AnalysisSpec | undefined };

export type TrafficStep = WeightStep | AnalysisStep;

/** The steps of a unit, as far as traffic needs to know them. */
interface UnitStepLike {
  id: string;
  kind: string;
  wave: string;
  after: readonly string[];
}

/** "drain", "set 2 (step 2 of 3)", "hold 2 (step 2 of 3, 500ms, analysis)": what a traffic step does, for people. */
export function trafficStepLine(s: TrafficStep): string {
  if (s.kind === 'weight') return s.phase === 'drain' ? `weight ${s.track} -> 0 before the change` : `weight ${s.track} -> ${s.weight} (step ${s.step!.index} of ${s.step!.of})`;
  return `hold ${s.track} at ${s.weight} (step ${s.step.index} of ${s.step.of})${s.analysis ? ' with analysis' : ''}`;
}

/**
 * A unit's steps with its track's traffic woven in: the drain before its
 * change (or uninstall), the walk after its last step (the gate). Returns the
 * steps unchanged when the unit has no change step.
 */
export function withTraffic<S extends UnitStepLike>(steps: readonly S[], t: TrackTraffic): (S | TrafficStep)[] {
  const at = steps.findIndex((s) => s.kind === 'change' || s.kind === 'uninstall');
  if (at < 0) return [...steps];
  const change = steps[at]!;
  const base = { wave: change.wave, unit: t.unit, cluster: t.cluster, release: t.release, track: t.track, router: t.router };
  const drain: WeightStep = { ...base, id: `${t.unit}#weight-drain`, kind: 'weight', weight: 0, phase: 'drain', after: change.after };
  const out: (S | TrafficStep)[] = [...steps.slice(0, at), drain, { ...change, after: [drain.id] }, ...steps.slice(at + 1)];
  let last = out.at(-1)!.id;
  for (const m of t.after) {
    const n = m.step!.index;
    const s: TrafficStep =
      m.kind === 'set-weight'
        ? { ...base, id: `${t.unit}#weight-${n}`, kind: 'weight', weight: m.weight, phase: 'step', step: m.step!, after: [last], undo: { how: 'weight', weight: 0 } }
        : { ...base, id: `${t.unit}#analysis-${n}`, kind: 'analysis', weight: m.weight, step: m.step, pauseMs: m.pauseMs, analysis: m.analysis, after: [last] };
    out.push(s);
    last = s.id;
  }
  return out;
}
