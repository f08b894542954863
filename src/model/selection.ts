// Nothing selected is bad input: a `-l` selector, a `--wave` or a `--shard`
// that leaves nothing to do because it matches nothing is exit 4, naming the
// value and the nearest names, found from the repository before any cluster
// is called (a typo in a Jenkins job must not be a green build that deployed
// nothing). A selection that matches units that are all unchanged is still
// "nothing to change" (exit 0): that is decided later, by the plan.
//
// With --prune, name=, track= and namespace= may select a deployed release
// the repository no longer lists; those are checked once the plan has read
// the clusters (plan/make-plan.ts checkPruneSelection).
//
// A selection that passes has a scope, computed here once from the
// repository alone: the clusters it may read or change (its run lock) and,
// with --shard, its share of the wave.
import { UsageError } from '../errors.ts';
import { matchesGlob, matchesSelector, matchesUnit, nearestNames, selectorMisses, selectorText, shortText } from './selectors.ts';
import type { SelectorKey, SelectorNames, UnitSelector } from './selectors.ts';
import { shardClusters, shardOfWave } from './shard.ts';
import type { Shard } from './shard.ts';
import type { ClusterSpec, ClustersFileSpec, DeployRepo } from './spec.ts';
import { expandUnits } from './units.ts';
import type { UnitSpec } from './units.ts';
import { assignWaves, effectiveWaves } from './waves.ts';

/** What a command selects with: -l, and (plan, apply, rollback) --wave, (apply) --from-wave, --shard, --prune. */
export interface Selection {
  selector: UnitSelector;
  wave?: string | undefined;
  fromWave?: string | undefined;
  /** apply's --shard i/n, parsed with the flags (it needs --wave). */
  shard?: Shard | undefined;
  prune?: boolean | undefined;
}

/** What a selection may touch, from the repository alone. */
export interface SelectionScope {
  /** The clusters it reads or changes (the run lock's): those its cluster glob and wave reach, cut to its shard. */
  clusters: ClusterSpec[];
  /** --shard: the clusters of its share of the wave. */
  shard: Set<string> | undefined;
}

/** Every name each selector key can match: the repository's releases, tracks, clusters and namespaces. */
function namesOf(repo: DeployRepo, units: readonly UnitSpec[]): SelectorNames {
  return {
    name: repo.releases.map((r) => r.name),
    track: [...repo.config.tracks, ...units.flatMap((u) => (u.track === undefined ? [] : [u.track]))],
    cluster: repo.config.clusters.map((c) => c.name),
    namespace: units.map((u) => u.namespace),
  };
}

const list = (xs: readonly (string | undefined)[]) => [...new Set(xs.filter((x): x is string => x !== undefined))].sort().join(', ') || 'none';

/** Every key matches something, but no unit has them all: say where the selected releases are. */
function noUnitMessage(sel: UnitSelector, units: readonly UnitSpec[]): string {
  const named = sel.name === undefined ? [] : units.filter((u) => matchesUnit(u, { name: sel.name }));
  const where = named.length ? `; ${sel.name} is on clusters ${list(named.map((u) => u.cluster))}, tracks ${list(named.map((u) => u.track))}, namespaces ${list(named.map((u) => u.namespace))}` : '';
  return `-l ${shortText(selectorText(sel), 200)} matches no release: no unit has all of these at once${where}`;
}

/** --wave: a wave of the repository. */
function unknownWave(repo: DeployRepo, wave: string | undefined): string | undefined {
  const names = effectiveWaves(repo.config).map((w) => w.name);
  return wave === undefined || names.includes(wave) ? undefined : `--wave ${shortText(wave)}: no such wave${nearestNames(wave, names)}`;
}

/** --wave: the wave holds some selected unit. */
function waveProblem(repo: DeployRepo, units: UnitSpec[], s: Selection): string | undefined {
  if (s.wave === undefined) return undefined;
  const waves = assignWaves(repo.config, units).waves;
  const inWave = waves.find((w) => w.name === s.wave)!.steps.flat().filter((u) => matchesUnit(u, s.selector));
  if (inWave.length) return undefined;
  const elsewhere = waves.filter((w) => w.steps.flat().some((u) => matchesUnit(u, s.selector))).map((w) => w.name);
  const what = Object.keys(s.selector).length ? `no unit matching -l ${shortText(selectorText(s.selector), 200)}` : 'no unit';
  return `--wave ${s.wave} holds ${what}${elsewhere.length ? ` (they are in waves: ${elsewhere.join(', ')})` : ''}`;
}

/**
 * apply's --shard i/n: a share of the wave that holds at least one cluster.
 * drift's --shard is a share of the whole repository (model/shard.ts
 * repoOfShard), no selection: drift keeps it to itself.
 */
function shardProblem(repo: DeployRepo, units: UnitSpec[], s: Selection): string | undefined {
  const shard = s.shard;
  if (s.wave === undefined || !shard) return undefined;
  const inWave = (assignWaves(repo.config, units).waves.find((w) => w.name === s.wave)?.steps.flat() ?? []).filter((u) => matchesUnit(u, s.selector));
  if (shardClusters(inWave, shard, repo.config.clusters).size > 0) return undefined;
  const clusters = [...new Set(inWave.map((u) => u.cluster))].sort();
  return `--shard ${shard.index}/${shard.count} of wave ${s.wave} gets no cluster: the wave's selected units are on ${clusters.length} cluster(s) and failover chains (${clusters.join(', ')}); use fewer shards`;
}

/** Refuses (exit 4) a selection that leaves nothing to do; see the top of this file. */
function checkSelection(repo: DeployRepo, s: Selection): void {
  const wave = unknownWave(repo, s.wave);
  if (wave) throw new UsageError(wave);
  const units = expandUnits(repo);
  const deferred: SelectorKey[] = s.prune ? ['name', 'track', 'namespace'] : [];
  const keys = (['name', 'track', 'cluster', 'namespace'] as const).filter((k) => !deferred.includes(k));
  const misses = selectorMisses(s.selector, namesOf(repo, units), keys);
  if (misses.length) throw new UsageError(misses.join('\n'), { hint: 'globs (*, ?) match whole names: name=web selects web, not webhook; name=web* selects both' });
  const repoMatches = units.some((u) => matchesUnit(u, s.selector));
  if (!repoMatches && !s.prune && Object.keys(s.selector).length) throw new UsageError(noUnitMessage(s.selector, units));
  // --prune: the wave (or the shard) may hold only releases the repository no longer lists
  if (!repoMatches || s.prune) return;
  const problem = waveProblem(repo, units, s) ?? shardProblem(repo, units, s);
  if (problem) throw new UsageError(problem);
}

/** --from-wave names a wave of the repository. */
function checkFromWave(repo: DeployRepo, fromWave: string | undefined): void {
  const names = effectiveWaves(repo.config).map((w) => w.name);
  if (fromWave !== undefined && !names.includes(fromWave)) throw new UsageError(`--from-wave "${fromWave}": no such wave (waves: ${names.join(', ')})`);
}

/** The clusters a run reads or changes: those the selector's cluster glob and the chosen wave can reach. */
export function lockScope(config: ClustersFileSpec, o: { cluster?: string | undefined; wave?: string | undefined }): ClusterSpec[] {
  const waves = effectiveWaves(config).filter((w) => o.wave === undefined || w.name === o.wave);
  return config.clusters.filter((c) => (o.cluster === undefined || matchesGlob(c.name, o.cluster)) && (o.wave === undefined || waves.some((w) => matchesSelector(c, w.clusters))));
}

/** The selection checked (exit 4 when it leaves nothing to do, before any cluster is called), and what it may touch. */
export function selectionScope(repo: DeployRepo, s: Selection): SelectionScope {
  checkSelection(repo, s);
  checkFromWave(repo, s.fromWave);
  // a shard locks only its own clusters: the shards of one wave run side by side
  const shard = s.shard && shardOfWave(repo, { wave: s.wave, selector: s.selector, shard: s.shard });
  const reach = lockScope(repo.config, { cluster: s.selector.cluster, wave: s.wave });
  return { clusters: reach.filter((c) => !shard || shard.has(c.name)), shard };
}
