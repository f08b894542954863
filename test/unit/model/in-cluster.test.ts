import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../src/errors.ts';
import { IN_CLUSTER_CONTEXT } from '../../../src/model/identity.ts';
import { inClusterNames, withInClusterContexts } from '../../../src/model/in-cluster.ts';

const clusters = [
  { name: 'paris', context: 'ctx-paris' },
  { name: 'home', context: IN_CLUSTER_CONTEXT },
  { name: 'lyon', context: 'ctx-lyon' },
];

describe('inClusterNames', () => {
  it('holds the clusters marked inCluster: true (their context is the in-cluster one)', () => {
    assert.equal(IN_CLUSTER_CONTEXT, 'helm-cascade/in-cluster');
    assert.deepEqual([...inClusterNames(clusters, {})], ['home']);
    assert.deepEqual([...inClusterNames([{ name: 'a', context: 'a' }], {})], []);
  });

  it('adds the one HELM_CASCADE_IN_CLUSTER names, blanks around it ignored', () => {
    assert.deepEqual([...inClusterNames(clusters, { HELM_CASCADE_IN_CLUSTER: 'lyon' })], ['home', 'lyon']);
    assert.deepEqual([...inClusterNames(clusters, { HELM_CASCADE_IN_CLUSTER: ' paris\n' })], ['home', 'paris']);
  });

  it('an empty or blank HELM_CASCADE_IN_CLUSTER names none', () => {
    assert.deepEqual([...inClusterNames(clusters, { HELM_CASCADE_IN_CLUSTER: '' })], ['home']);
    assert.deepEqual([...inClusterNames(clusters, { HELM_CASCADE_IN_CLUSTER: '  ' })], ['home']);
  });

  it('a name that is no cluster of clusters.yaml is a UsageError listing the clusters', () => {
    assert.throws(
      () => inClusterNames(clusters, { HELM_CASCADE_IN_CLUSTER: 'tokyo' }),
      (e: unknown) => e instanceof UsageError && e.message === 'HELM_CASCADE_IN_CLUSTER=tokyo: no such cluster in clusters.yaml (clusters: paris, home, lyon)',
    );
  });

  it('reads process.env when no environment is given', () => {
    const saved = process.env.HELM_CASCADE_IN_CLUSTER;
    process.env.HELM_CASCADE_IN_CLUSTER = 'paris';
    try {
      assert.deepEqual([...inClusterNames(clusters)], ['home', 'paris']);
      assert.deepEqual(withInClusterContexts(clusters).map((c) => c.context), [IN_CLUSTER_CONTEXT, IN_CLUSTER_CONTEXT, 'ctx-lyon']);
    } finally {
      if (saved === undefined) delete process.env.HELM_CASCADE_IN_CLUSTER;
      else process.env.HELM_CASCADE_IN_CLUSTER = saved;
    }
  });
});

describe('withInClusterContexts', () => {
  it('points the named cluster at the in-cluster context, as a copy with its other fields', () => {
    const withRegion = clusters.map((c) => ({ ...c, region: `r-${c.name}` }));
    const out = withInClusterContexts(withRegion, { HELM_CASCADE_IN_CLUSTER: 'lyon' });
    assert.deepEqual(out, [
      { name: 'paris', context: 'ctx-paris', region: 'r-paris' },
      { name: 'home', context: IN_CLUSTER_CONTEXT, region: 'r-home' },
      { name: 'lyon', context: IN_CLUSTER_CONTEXT, region: 'r-lyon' },
    ]);
    assert.equal(withRegion[2]!.context, 'ctx-lyon', 'the input is left as it was');
  });

  it('returns the clusters it does not change as they are (the same objects)', () => {
    const out = withInClusterContexts(clusters, {});
    assert.equal(out.length, 3);
    for (const [i, c] of clusters.entries()) assert.equal(out[i], c);
  });
});
