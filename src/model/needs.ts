// Release dependencies (`needs:`) at the level of units. Within one wave and
// one cluster a unit starts only after every unit it needs passed its gate;
// uninstalls go the other way. Pure: the validation that every need resolves
// (config/needs.ts) runs before any of this.
import { unitId } from './identity.ts';
import type { UnitRef } from './identity.ts';
import type { NeedSpec, ReleaseSpec } from './spec.ts';

/** `from` waits for `to` (unit ids: cluster/namespace/helmName). */
export interface NeedEdge {
  from: string;
  to: string;
}

/** What the edges are computed from: a unit, its release's needs and the track it rides with. */
export interface NeedsUnit extends UnitRef {
  releaseSpec: Pick<ReleaseSpec, 'needs'>;
  waveTrack: string | undefined;
}

/**
 * The unit of `need` that `unit` waits for, among `candidates` (the units of
 * one cluster): the needed release's unit of the same track (its own track, or
 * the track it rides with), or its only unit when it has no tracks.
 */
export function neededUnit<U extends NeedsUnit>(unit: NeedsUnit, need: Pick<NeedSpec, 'release'>, candidates: readonly U[]): U | undefined {
  const track = unit.track ?? unit.waveTrack;
  return candidates.find((c) => c.cluster === unit.cluster && c.release === need.release && (c.track === undefined || c.track === track));
}

/**
 * The dependency edges among the units of one wave and one cluster, in the
 * units' order. A need whose unit is not among them (an earlier wave, or not
 * selected) is no edge: nothing in this set waits for it.
 */
export function needEdges(units: readonly NeedsUnit[]): NeedEdge[] {
  const edges: NeedEdge[] = [];
  for (const u of units) {
    for (const need of u.releaseSpec.needs ?? []) {
      const to = neededUnit(u, need, units);
      if (to && to !== u) edges.push({ from: unitId(u), to: unitId(to) });
    }
  }
  return edges;
}

/**
 * The units in layers: every unit of layer k waits only for units of earlier
 * layers, and each unit is in the earliest layer it can be. `install` puts the
 * needed units first; `uninstall` (and --prune) the units that need them.
 * Within a layer, the input order is kept. The units of a cycle (refused by
 * validation) make one last layer.
 */
export function needsLayers<U extends UnitRef>(units: readonly U[], edges: readonly NeedEdge[], direction: 'install' | 'uninstall' = 'install'): U[][] {
  const ids = units.map((u) => unitId(u));
  const known = new Set(ids);
  const waitsFor = new Map<string, Set<string>>(ids.map((id) => [id, new Set<string>()]));
  for (const e of edges) {
    if (!known.has(e.from) || !known.has(e.to)) continue;
    const [first, then] = direction === 'install' ? [e.to, e.from] : [e.from, e.to];
    waitsFor.get(then)!.add(first);
  }
  const layers: U[][] = [];
  const placed = new Set<string>();
  while (placed.size < units.length) {
    const layer = units.filter((u, i) => !placed.has(ids[i]!) && [...waitsFor.get(ids[i]!)!].every((d) => placed.has(d)));
    if (layer.length === 0) {
      // a cycle: validation refuses it before any plan; should one reach here, its units go last, as given
      layers.push(units.filter((_, i) => !placed.has(ids[i]!)));
      break;
    }
    for (const u of layer) placed.add(unitId(u));
    layers.push(layer);
  }
  return layers;
}

/** The units of one wave and cluster in the order they start (needed units first), edges included. */
export function needsOrder<U extends NeedsUnit>(units: readonly U[], direction: 'install' | 'uninstall' = 'install'): { order: U[]; edges: NeedEdge[] } {
  const edges = needEdges(units);
  return { order: needsLayers(units, edges, direction).flat(), edges };
}
