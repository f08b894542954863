// `apply --wave W --shard i/n`: one agent's share of one wave (pure). A
// wave's units are split by cluster, never inside one: a cluster and its
// failover chain (failoverFor) go to the same shard, so a primary still
// passes its gate before its failover starts, a cluster's run lock and API
// server are one agent's, and no two agents ever touch one release. Groups
// are dealt largest first to the shard with the fewest units so far (ties:
// the lower shard; names break ties between groups): every agent computes
// the same split from the same repository, whatever each has applied meanwhile
// (every unit counts, unchanged ones too). Shards are disjoint and together
// hold every unit of the wave.
import { UsageError } from '../errors.ts';
import { matchesUnit } from './selectors.ts';
import type { UnitSelector } from './selectors.ts';
import type { ClusterSpec, DeployRepo } from './spec.ts';
import { expandUnits } from './units.ts';
import { assignWaves } from './waves.ts';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** `i/n` (1 <= i <= n); anything else is a UsageError (exit 4) quoting the value. */
export function parseShardSpec(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard "${text}": expected i/n with 1 <= i <= n (e.g. --shard 1/4)`);
  return { index, count };
}

/** apply's `--shard i/n`, which needs --wave. */
export function parseShard(text: string | undefined, wave: string | undefined): Shard | undefined {
  if (text === undefined) return undefined;
  const shard = parseShardSpec(text);
  if (wave === undefined) throw new UsageError(`--shard ${text} needs --wave: a shard is a share of one wave (run one stage per wave, one agent per shard)`);
  return shard;
}

/** The first cluster of a cluster's failover chain (itself when it is no failover). */
function chainRoot(cluster: string, failoverOf: ReadonlyMap<string, string | undefined>): string {
  const seen = new Set<string>();
  let c = cluster;
  for (let p = failoverOf.get(c); p !== undefined && !seen.has(p); p = failoverOf.get(c)) {
    seen.add(c);
    c = p;
  }
  return c;
}

/** Each chain root of the plan's units -> its shard (0-based), dealt as the header says. */
function assignShards(units: readonly { cluster: string }[], clusters: readonly Pick<ClusterSpec, 'name' | 'failoverFor'>[], count: number): Map<string, number> {
  const failoverOf = new Map(clusters.map((c) => [c.name, c.failoverFor]));
  const sizes = new Map<string, number>();
  for (const u of units) {
    const root = chainRoot(u.cluster, failoverOf);
    sizes.set(root, (sizes.get(root) ?? 0) + 1);
  }
  const load = Array.from({ length: count }, () => 0);
  const out = new Map<string, number>();
  for (const [root, size] of [...sizes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    const shard = load.indexOf(Math.min(...load));
    load[shard]! += size;
    out.set(root, shard);
  }
  return out;
}

/**
 * The clusters of one shard, from the units of its wave: the repository's
 * (release, track, cluster) units, never what is deployed, so every agent
 * computes the same split, before any plan and whatever others have applied.
 */
export function shardClusters(units: readonly { cluster: string }[], shard: Shard, clusters: readonly Pick<ClusterSpec, 'name' | 'failoverFor'>[]): Set<string> {
  const roots = assignShards(units, clusters, shard.count);
  const failoverOf = new Map(clusters.map((c) => [c.name, c.failoverFor]));
  return new Set(units.map((u) => u.cluster).filter((c) => roots.get(chainRoot(c, failoverOf)) === shard.index - 1));
}

/** The clusters of one shard of a wave, from the repository's units of that wave that the selector selects. */
export function shardOfWave(repo: DeployRepo, o: { wave: string | undefined; selector: UnitSelector; shard: Shard }): Set<string> {
  const wave = assignWaves(repo.config, expandUnits(repo)).waves.find((w) => w.name === o.wave);
  return shardClusters(
    (wave?.steps.flat() ?? []).filter((u) => matchesUnit(u, o.selector)),
    o.shard,
    repo.config.clusters,
  );
}

/**
 * drift --shard i/n: the repository with only the clusters of one share, split
 * as apply splits a wave but over every unit of every wave, each cluster
 * counted once more so that a cluster no release targets is still read (for
 * the releases nobody manages) by exactly one shard.
 */
export function repoOfShard(repo: DeployRepo, shard: Shard): DeployRepo {
  const units = [...expandUnits(repo), ...repo.config.clusters.map((c) => ({ cluster: c.name }))];
  const keep = shardClusters(units, shard, repo.config.clusters);
  return { ...repo, config: { ...repo.config, clusters: repo.config.clusters.filter((c) => keep.has(c.name)) } };
}
