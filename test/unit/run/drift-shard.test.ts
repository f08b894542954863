// drift --shard i/n (pure): the repository of one share holds whole clusters,
// the shares are disjoint and together hold every cluster of clusters.yaml
// (one that no release targets too), a failover chain stays in one share.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { UsageError } from '../../../src/errors.ts';
import type { DeployRepo } from '../../../src/model/spec.ts';
import { parseShardSpec, repoOfShard } from '../../../src/model/shard.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function example(): DeployRepo {
  const { repo, diagnostics } = loadDeployRepo({ clustersFile: join(ROOT, 'clusters.yaml') });
  assert.deepEqual(diagnostics, []);
  assert.ok(repo);
  return repo;
}

describe('drift --shard', () => {
  it('i/n without a wave; bad values refused (exit 4) as apply refuses them', () => {
    assert.deepEqual(parseShardSpec('2/4'), { index: 2, count: 4 });
    assert.throws(() => parseShardSpec('5/4'), (e: unknown) => e instanceof UsageError && e.message === '--shard "5/4": expected i/n with 1 <= i <= n (e.g. --shard 1/4)');
  });

  it('splits the clusters: disjoint, together every cluster, failover chains together, releases untouched', () => {
    const repo = example();
    for (const count of [1, 2, 3, 4, 6]) {
      const shares = Array.from({ length: count }, (_, i) => repoOfShard(repo, { index: i + 1, count }).config.clusters.map((c) => c.name));
      const all = shares.flat();
      assert.equal(new Set(all).size, all.length, `a cluster in two shares of ${count}`);
      assert.deepEqual([...all].sort(), repo.config.clusters.map((c) => c.name).sort(), `shares of ${count} miss a cluster`);
      const withParis = shares.find((s) => s.includes('onprem-paris'));
      assert.ok(withParis?.includes('gke-europe-west1'), 'the failover of onprem-paris is in another share');
      // three groups (onprem-paris with its failover, onprem-amsterdam, gke-us-east1): up to three shares, none empty
      if (count <= 3) assert.ok(shares.every((s) => s.length > 0), `an empty share of ${count}`);
    }
    const one = repoOfShard(repo, { index: 1, count: 2 });
    assert.equal(one.releases, repo.releases);
    assert.equal(repo.config.clusters.length, 4, 'the repository itself is left whole');
  });

  it('a cluster no release targets is still read by one shard (for releases nobody manages)', () => {
    const repo = example();
    const lonely = { ...repo.config.clusters[3]!, name: 'lonely', context: 'lonely' };
    const bigger: DeployRepo = { ...repo, config: { ...repo.config, clusters: [...repo.config.clusters, lonely] }, releases: repo.releases.map((r) => ({ ...r, clusters: [...r.clusters, { pattern: 'lonely', enabled: false, values: [], set: {}, tracks: {}, pos: r.pos }] })) };
    const shares = [1, 2].map((index) => repoOfShard(bigger, { index, count: 2 }).config.clusters.map((c) => c.name));
    assert.equal(shares.flat().filter((c) => c === 'lonely').length, 1);
  });
});
