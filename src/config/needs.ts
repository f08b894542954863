// Checks of `needs:` (release dependencies): every need names a release of the
// repository (in the namespace it says), needs form no cycle, and wherever a
// release is made the release it needs is made too, in the same wave or an
// earlier one, so that the order the scheduler follows always exists.
import { unitId } from '../model/identity.ts';
import { neededUnit } from '../model/needs.ts';
import type { DeployRepo, NeedSpec, ReleaseSpec, SourcePos } from '../model/spec.ts';
import type { UnitSpec } from '../model/units.ts';
import { assignWaves } from '../model/waves.ts';

type At = (pos: SourcePos, message: string) => void;
type Suggest = (name: string, known: string[]) => string;

const needText = (n: NeedSpec) => (n.namespace === undefined ? n.release : `${n.namespace}/${n.release}`);

/** Each need resolved to its release, or reported; the graph release -> releases it needs. */
function resolveNeeds(repo: DeployRepo, at: At, suggest: Suggest): Map<string, { need: NeedSpec; target: ReleaseSpec }[]> {
  const byName = new Map(repo.releases.map((r) => [r.name, r]));
  const names = [...byName.keys()];
  const graph = new Map<string, { need: NeedSpec; target: ReleaseSpec }[]>();
  for (const rel of repo.releases) {
    const out: { need: NeedSpec; target: ReleaseSpec }[] = [];
    for (const need of rel.needs ?? []) {
      const target = byName.get(need.release);
      if (!target) at(need.pos, `needs: unknown release "${needText(need)}"${suggest(need.release, names.filter((n) => n !== rel.name))}`);
      else if (target === rel) at(need.pos, `needs: release "${rel.name}" cannot need itself`);
      else if (need.namespace !== undefined && need.namespace !== target.namespace) at(need.pos, `needs: release "${need.release}" is in namespace "${target.namespace}", not "${need.namespace}"`);
      else out.push({ need, target });
    }
    graph.set(rel.name, out);
  }
  return graph;
}

/** Every cycle once, reported at the need that closes it: `a -> b -> a`. */
function cycleChecks(graph: Map<string, { need: NeedSpec; target: ReleaseSpec }[]>, at: At): void {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): void => {
    state.set(name, 'open');
    path.push(name);
    for (const { need, target } of graph.get(name) ?? []) {
      const s = state.get(target.name);
      if (s === 'open') {
        const cycle = [...path.slice(path.indexOf(target.name)), target.name];
        at(need.pos, `needs form a cycle: ${cycle.join(' -> ')}`);
      } else if (s === undefined) visit(target.name);
    }
    path.pop();
    state.set(name, 'done');
  };
  for (const name of [...graph.keys()].sort()) if (!state.has(name)) visit(name);
}

/** Where a release is made, the release it needs is made too (same track rule), enabled, not in a later wave: one message per kind of problem of each need, naming every cluster where it occurs. */
function placementChecks(repo: DeployRepo, units: readonly UnitSpec[], graph: Map<string, { need: NeedSpec; target: ReleaseSpec }[]>, at: At): void {
  const waveOf = new Map<string, { index: number; name: string }>();
  for (const w of assignWaves(repo.config, [...units]).waves) for (const u of w.steps.flat()) waveOf.set(unitId(u), { index: w.index, name: w.name });
  const byCluster = new Map<string, UnitSpec[]>();
  for (const u of units) byCluster.set(u.cluster, [...(byCluster.get(u.cluster) ?? []), u]);
  const found: { pos: SourcePos; message: string; cluster: string }[] = [];
  for (const u of units) {
    if (!u.enabled) continue;
    for (const { need, target } of graph.get(u.release) ?? []) {
      const v = neededUnit(u, need, byCluster.get(u.cluster) ?? []);
      const track = u.track ?? u.waveTrack;
      const mine = waveOf.get(unitId(u));
      const theirs = v && waveOf.get(unitId(v));
      const made = (byCluster.get(u.cluster) ?? []).some((c) => c.release === target.name);
      const message = !v
        ? `needs: release "${target.name}" ${made && target.tracks ? `has no track "${track}"` : 'is not made'} on cluster(s) {clusters} where "${u.release}" is`
        : !v.enabled
          ? `needs: release "${target.name}" is disabled (enabled: false) on cluster(s) {clusters} where "${u.release}" is enabled`
          : mine && theirs && theirs.index > mine.index
            ? `needs: "${v.helmName}" rolls out in wave "${theirs.name}", after "${u.helmName}" (wave "${mine.name}") on cluster(s) {clusters}; give "${target.name}" the track of the earlier wave (track: ${track ?? 'NAME'}) or drop the need`
            : undefined;
      if (message) found.push({ pos: need.pos, message, cluster: u.cluster });
    }
  }
  // one message per kind, at its first need, with every cluster where it occurs (in the order met)
  const problems = new Map<string, { pos: SourcePos; clusters: string[] }>();
  for (const f of found) {
    const p = problems.get(f.message) ?? problems.set(f.message, { pos: f.pos, clusters: [] }).get(f.message)!;
    if (!p.clusters.includes(f.cluster)) p.clusters.push(f.cluster);
  }
  for (const [message, p] of problems) at(p.pos, message.replace('{clusters}', p.clusters.join(', ')));
}

/** Every problem of every `needs:` entry, at the entry's file:line:col, over the repository's units (expanded once, by the caller). */
export function needsChecks(repo: DeployRepo, units: readonly UnitSpec[], report: { at: At; suggest: Suggest }): void {
  const graph = resolveNeeds(repo, report.at, report.suggest);
  cycleChecks(graph, report.at);
  placementChecks(repo, units, graph, report.at);
}
