// The traffic planner (pure): a wave's units x the releases' `traffic:` ->
// per cluster, for each canary track the wave changes, the ordered weight
// moves around its upgrade (SPEC "Traffic that follows health"):
//   before the upgrade: its weight to 0 (its traffic group goes to stable);
//   after its health gate passed: each of `steps`, held `pause` with the
//   analysis running; the last step is the final `weight`;
//   on a failed step or gate: back to 0.
// The stable track's upgrade moves no weight; an unchanged track moves none.
// The moves are data: the run turns them into its `set-weight` and
// `analysis-pause` steps, plan prints them, --plan files carry them.
import { unitId } from '../model/identity.ts';
import type { UnitRef } from '../model/identity.ts';
import type { AnalysisSpec, ReleaseSpec, TrafficSpec } from '../model/spec.ts';
import { fillPlaceholders, trackService } from '../model/traffic.ts';
import type { TrafficVars } from '../model/traffic.ts';

/** A unit of the wave, as far as traffic cares: who it is and what the wave does to it. */
export interface TrafficUnit extends UnitRef {
  action: 'install' | 'upgrade' | 'unchanged' | 'uninstall';
}

/** Where one release's weights live on one cluster, with every name resolved. */
export type RouterRef =
  | { kind: 'gateway-api'; cluster: string; route: { name: string; namespace: string }; services: Record<string, string>; stableService: string }
  | { kind: 'helm-values'; cluster: string; release: string; namespace: string; helmName: string; paths: Record<string, string> };

/** Which step of a walk: 1 of 3. */
interface StepIndex {
  index: number;
  of: number;
}

interface MoveBase {
  release: string;
  track: string;
  cluster: string;
  /** The track's weight once the move is made (stable gets the rest of its traffic group). */
  weight: number;
}

/** Set the track's weight: `drain` before the upgrade, `step` after the gate, `restore` (to 0) after a failure. */
interface SetWeightMove extends MoveBase {
  kind: 'set-weight';
  phase: 'drain' | 'step' | 'restore';
  step?: StepIndex;
}

/** Hold the weight `pauseMs`, the analysis checked every `intervalMs` (its placeholders filled in); one failure fails the step. */
interface AnalysisPauseMove extends MoveBase {
  kind: 'analysis-pause';
  step: StepIndex;
  pauseMs: number;
  analysis: AnalysisSpec | undefined;
}

export type TrafficMove = SetWeightMove | AnalysisPauseMove;

/** One canary track's traffic around its unit's change, on one cluster. */
export interface TrackTraffic {
  /** unitId of the track's unit (cluster/namespace/helmName). */
  unit: string;
  release: string;
  track: string;
  cluster: string;
  router: RouterRef;
  /** The final weight (`weight:`); what drift compares the live weight with. */
  final: number;
  /** Before the unit's upgrade (or uninstall): the drain to 0. */
  before: SetWeightMove[];
  /** After the unit's gate passed: set, hold, set, hold... ending at `final`. */
  after: TrafficMove[];
  /** When a step or the gate fails: back to 0. */
  onFailure: SetWeightMove;
}

/** The traffic of one cluster of a wave, tracks in the order of the wave's units. */
export interface ClusterTraffic {
  cluster: string;
  tracks: TrackTraffic[];
}

/** The analysis with {{cluster}}, {{track}} and {{release}} filled in. */
function resolveAnalysis(a: AnalysisSpec | undefined, vars: TrafficVars): AnalysisSpec | undefined {
  if (!a) return undefined;
  const out: AnalysisSpec = { http: a.http.map((h) => ({ ...h, url: fillPlaceholders(h.url, vars, 'double') })), intervalMs: a.intervalMs };
  if (a.prometheus) out.prometheus = { ...a.prometheus, query: fillPlaceholders(a.prometheus.query, vars, 'double') };
  return out;
}

/** The values path of each track's weight on a helm-values router. */
export function weightPaths(valuePath: string, release: string, tracks: readonly string[]): Record<string, string> {
  return Object.fromEntries(tracks.map((track) => [track, fillPlaceholders(valuePath, { release, track, cluster: '' }, 'single')]));
}

/** The router of a release on a cluster. `routerRelease`: the helm-values router's ReleaseSpec (its namespace). */
export function routerRef(rel: ReleaseSpec & { traffic: TrafficSpec }, cluster: string, routerRelease?: Pick<ReleaseSpec, 'name' | 'namespace'>): RouterRef {
  const t = rel.traffic;
  const tracks = Object.keys(t.tracks);
  if (t.router.kind === 'gateway-api') {
    const services = Object.fromEntries(tracks.map((track) => [track, trackService(t, rel.name, track)]));
    return { kind: 'gateway-api', cluster, route: { ...t.router.route }, services, stableService: trackService(t, rel.name, t.stable) };
  }
  const ns = routerRelease?.namespace ?? rel.namespace;
  return { kind: 'helm-values', cluster, release: t.router.release, namespace: ns, helmName: t.router.release, paths: weightPaths(t.router.value, rel.name, tracks) };
}

/** The moves of one track whose unit the wave changes. */
function trackTraffic(rel: ReleaseSpec & { traffic: TrafficSpec }, u: TrafficUnit & { track: string }, router: RouterRef): TrackTraffic {
  const t = rel.traffic;
  const spec = t.tracks[u.track]!;
  const base = { release: rel.name, track: u.track, cluster: u.cluster };
  const steps = u.action === 'uninstall' ? [] : spec.steps;
  const analysis = resolveAnalysis(t.analysis, base);
  const after: TrafficMove[] = [];
  steps.forEach((weight, i) => {
    const step = { index: i + 1, of: steps.length };
    after.push({ kind: 'set-weight', ...base, weight, phase: 'step', step });
    if (spec.pauseMs > 0 || analysis) after.push({ kind: 'analysis-pause', ...base, weight, step, pauseMs: spec.pauseMs, analysis });
  });
  return {
    unit: unitId(u),
    ...base,
    router,
    final: spec.weight,
    before: [{ kind: 'set-weight', ...base, weight: 0, phase: 'drain' }],
    after,
    onFailure: { kind: 'set-weight', ...base, weight: 0, phase: 'restore' },
  };
}

export interface WaveTrafficInput {
  /** Every release of the repository (routers are found among them). */
  releases: readonly ReleaseSpec[];
  /** The wave's units, in the wave's order. */
  units: readonly TrafficUnit[];
}

/** Per cluster (in the order the units give), the traffic of every canary track the wave changes. */
export function planWaveTraffic(input: WaveTrafficInput): ClusterTraffic[] {
  const byName = new Map(input.releases.map((r) => [r.name, r]));
  const out = new Map<string, TrackTraffic[]>();
  for (const u of input.units) {
    const rel = byName.get(u.release);
    if (!rel?.traffic || u.track === undefined || u.action === 'unchanged') continue;
    if (!(u.track in rel.traffic.tracks) || u.track === rel.traffic.stable) continue;
    const withTraffic = rel as ReleaseSpec & { traffic: TrafficSpec };
    const routerRelease = rel.traffic.router.kind === 'helm-values' ? byName.get(rel.traffic.router.release) : undefined;
    const tt = trackTraffic(withTraffic, { ...u, track: u.track }, routerRef(withTraffic, u.cluster, routerRelease));
    const list = out.get(u.cluster) ?? [];
    list.push(tt);
    out.set(u.cluster, list);
  }
  return [...out].map(([cluster, tracks]) => ({ cluster, tracks }));
}

/** The final weight of every canary track of a release (what drift compares the live weights with). */
export function finalWeights(t: TrafficSpec): Record<string, number> {
  return Object.fromEntries(Object.entries(t.tracks).map(([track, s]) => [track, s.weight]));
}
