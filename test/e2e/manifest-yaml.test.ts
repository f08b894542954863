// The fast manifest reader (src/model/manifest-yaml.ts, js-yaml) against the
// `yaml` library on what real helm renders from real public charts (no
// cluster needed): every chart of test/charts that renders on its own, with
// its test values, through `helm template --include-crds`, Helm 3 and 4. Both
// readers give the same objects and document texts; js-yaml reads nearly
// every manifest itself (the check is not passed by giving up).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin } from '../../fleet/tools.ts';
import { fastDocuments } from '../../src/model/manifest-yaml.ts';
import { yamlDocuments } from '../../src/model/manifest.ts';
import { helmMajors } from './support/cascade.ts';

const CHARTS = join(import.meta.dirname, '../charts');
// postgresql's library dependency is not vendored and umbrella's is built by `helm dependency build`: both render in charts.test.ts
const STANDALONE = ['ingress-nginx', 'traefik', 'cert-manager', 'redis', 'grafana', 'kube-state-metrics', 'prometheus-node-exporter', 'istio-base', 'istiod'];

async function rendered(bin: string, chart: string): Promise<string> {
  const values = join(CHARTS, `${chart}.values.yaml`);
  const r = await execa(bin, ['template', 'r', join(CHARTS, chart), '--namespace', 'corpus', '--include-crds', ...(existsSync(values) ? ['-f', values] : [])], { reject: false });
  assert.equal(r.exitCode, 0, `helm template ${chart}: ${r.stderr}`);
  return r.stdout;
}

for (const major of helmMajors()) {
  describe(`fast manifest reader on public charts, Helm ${major}`, () => {
    it('reads every rendered manifest as the yaml library does', async () => {
      let docs = 0;
      for (const chart of STANDALONE) {
        const text = await rendered(helmBin(major), chart);
        const fast = fastDocuments(text);
        assert.ok(fast !== undefined, `js-yaml gave up on ${chart}'s manifest`);
        const slow = yamlDocuments(text);
        assert.equal(fast.length, slow.length, `${chart}: documents`);
        fast.forEach((d, i) => {
          assert.equal(slow[i]!.error, undefined, `${chart} document ${i}`);
          assert.equal(d.text.trimEnd(), slow[i]!.text.trimEnd(), `${chart} document ${i}: text`);
          assert.deepStrictEqual(d.js, slow[i]!.js, `${chart} document ${i}: value`);
        });
        docs += fast.length;
      }
      assert.ok(docs > 150, `only ${docs} documents`);
    });
  });
}
