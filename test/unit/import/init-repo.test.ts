import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { initFiles } from '../../../src/import/init-repo.ts';
import { clusterNameOf, guessProvider, guessRegion } from '../../../src/import/providers.ts';
import { tempDir } from '../../support/tmp.ts';

describe('init: providers, names and the files of a new repository', () => {
  it('guesses providers and regions from context names as their tools write them', () => {
    assert.equal(guessProvider('gke_shop_europe-west1_prod'), 'gke');
    assert.equal(guessRegion('gke_shop_europe-west1_prod'), 'europe-west1');
    assert.equal(guessProvider('arn:aws:eks:eu-west-1:123456789012:cluster/main'), 'eks');
    assert.equal(guessRegion('arn:aws:eks:eu-west-1:123456789012:cluster/main'), 'eu-west-1');
    assert.equal(guessProvider('prod-aks-weu'), 'aks');
    assert.equal(guessProvider('kind-dev'), 'local');
    assert.equal(guessProvider('dc-paris'), 'onprem');
    assert.equal(clusterNameOf('gke_shop_europe-west1_prod'), 'gke-europe-west1-prod');
    assert.equal(clusterNameOf('arn:aws:eks:eu-west-1:123456789012:cluster/main'), 'eks-eu-west-1-main');
    assert.equal(clusterNameOf('Admin@Cluster.Local'), 'admin-cluster-local');
  });

  it('writes a repository that validates: two clusters, the example release and its chart, schemas, editor wiring', () => {
    const files = initFiles([
      { context: 'gke_shop_europe-west1_prod', provider: 'gke' },
      { context: 'dc-paris', provider: 'onprem' },
    ]);
    assert.deepEqual([...files.keys()].sort(), [
      '.gitignore',
      '.vscode/extensions.json',
      '.vscode/settings.json',
      'charts/hello/Chart.yaml',
      'charts/hello/templates/deployment.yaml',
      'charts/hello/templates/service.yaml',
      'charts/hello/values.yaml',
      'clusters.yaml',
      'releases/hello.yaml',
      'schema/clusters.schema.json',
      'schema/release.schema.json',
      'values/hello/common.yaml',
    ]);
    const dir = tempDir('hc-init-');
    for (const [p, text] of files) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    const { repo, diagnostics } = loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir });
    assert.deepEqual(diagnostics, []);
    assert.deepEqual(repo!.config.clusters.map((c) => [c.name, c.context, c.provider, c.region]), [
      ['gke-europe-west1-prod', 'gke_shop_europe-west1_prod', 'gke', 'europe-west1'],
      ['dc-paris', 'dc-paris', 'onprem', ''],
    ]);
    assert.match(files.get('releases/hello.yaml')!, /^# yaml-language-server: \$schema=\.\.\/schema\/release\.schema\.json\n/);
    assert.match(files.get('.gitignore')!, /^\.helm-cascade\/$/m);
  });
});
