// Chart sources against real servers on 127.0.0.1: an HTTP chart repository
// and an OCI registry (docker-registry). Ranges resolve to the highest match,
// each repository is read once per run, pulled charts are cached.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createChartResolver } from '../../src/helm/charts.ts';
import { createHelm } from '../../src/helm/helm.ts';
import type { ChartSpec } from '../../src/model/spec.ts';
import { helmBins, listTgz, packageCharts, pushCharts, serveChartRepo, startRegistry } from './plan-support/chart-servers.ts';
import type { ChartRepoServer, Registry } from './plan-support/chart-servers.ts';
import { tempDir } from '../support/tmp.ts';

const pos = { file: 'releases/x.yaml', line: 1, col: 1 };
const spec = (ref: string, version?: string): ChartSpec => (version === undefined ? { ref, pos } : { ref, version, pos });
const VERSIONS = ['1.0.0', '1.1.0', '1.1.3', '1.2.0-rc.1', '2.0.0'];

describe('chart sources', () => {
  let repo: ChartRepoServer;
  let registry: Registry | undefined;
  let tgzs: string[];

  before(async () => {
    const dir = tempDir('hc-repo-');
    tgzs = packageCharts(dir, 'webapp', VERSIONS);
    repo = await serveChartRepo(dir);
    registry = await startRegistry();
    pushCharts(tgzs, registry.host);
  });
  after(async () => {
    await repo?.close();
    await registry?.stop();
  });

  for (const { label, bin } of helmBins()) {
    it(`HTTP repository: ranges resolve to the highest match, index read once, charts cached (${label})`, async () => {
      const helm = createHelm({ bin });
      const cacheDir = tempDir('hc-cache-');
      const repos = [{ name: 'demo', url: repo.url }];
      const r = createChartResolver({ root: '/nonexistent', repositories: repos, helm, cacheDir });
      const before = repo.requests.length;
      const got = await Promise.all([r.resolve(spec('demo/webapp', '~1.1.0'), []), r.resolve(spec('demo/webapp', '^1'), []), r.resolve(spec('demo/webapp', '>=2'), []), r.resolve(spec('demo/webapp', '1.0.0'), [])]);
      assert.deepEqual(got.map((c) => c.version), ['1.1.3', '1.1.3', '2.0.0', '1.0.0']);
      const reqs = repo.requests.slice(before);
      assert.equal(reqs.filter((p) => p === '/index.yaml').length, 1, 'index.yaml fetched once per run');
      assert.equal(reqs.filter((p) => p.endsWith('.tgz')).length, 3);
      // helm renders the package unpacked in the cache (its Chart.yaml says which one)
      assert.match(readFileSync(join(got[0]!.path, 'Chart.yaml'), 'utf8'), /^version: 1\.1\.3$/m);
      assert.match(got[0]!.digest, /^[0-9a-f]{64}$/);
      // a second run uses the cache: only the index again
      const again = createChartResolver({ root: '/nonexistent', repositories: repos, helm, cacheDir });
      const mark = repo.requests.length;
      await again.resolve(spec('demo/webapp', '~1.1.0'), []);
      assert.deepEqual(repo.requests.slice(mark), ['/index.yaml']);
      // the resolved chart renders
      const out = await helm.template({ releaseName: 'x', namespace: 'n', chart: got[0]!.path, values: {} });
      assert.match(out, /version: "1\.1\.3"/);
      await assert.rejects(r.resolve(spec('demo/webapp', '~3.0.0'), []), /no version matches "~3\.0\.0"/);
    });

    it(`OCI registry: tags resolve to the highest match, pulled once (${label})`, async () => {
      const helm = createHelm({ bin });
      const cacheDir = tempDir('hc-cache-');
      const r = createChartResolver({ root: '/nonexistent', repositories: [], helm, cacheDir });
      const ref = `oci://${registry!.host}/charts/webapp`;
      const [a, b] = await Promise.all([r.resolve(spec(ref, '~1.1.0'), []), r.resolve(spec(ref, '*'), [])]);
      assert.equal(a.version, '1.1.3');
      assert.equal(b.version, '2.0.0');
      assert.equal(listTgz(join(cacheDir, `127.0.0.1_${registry!.host.split(':')[1]}_charts_webapp`)).length, 2);
      const out = await helm.template({ releaseName: 'x', namespace: 'n', chart: a.path, values: { greeting: 'hi' } });
      assert.match(out, /version: "1\.1\.3"/);
      assert.match(out, /greeting: "hi"/);
    });
  }
});
