// The render-size limit on the local fleet (real helm): a release whose
// rendered output is over HELM_CASCADE_MAX_RENDER_BYTES is a unit error, exit 4,
// named with its size and the limit; nothing is installed.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { cascade, CONTEXTS, helmMajors, kubectl, scratchRepo, sharedFleet, suffix } from './support/cascade.ts';

const CLUSTERS = `clusters:\n  paris: { context: ${CONTEXTS.paris}, provider: onprem, region: europe }\n`;

for (const major of helmMajors()) {
  describe(`limits on the local fleet (helm ${major})`, { timeout: 300_000 }, () => {
    let kubeconfig = '';
    before(async () => {
      kubeconfig = await sharedFleet();
    });

    it('a release rendering more than HELM_CASCADE_MAX_RENDER_BYTES is refused (exit 4), nothing installed', async () => {
      const ns = `i16-lim-${major}-${suffix()}`;
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': `name: web\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\n` });
      const env = { HELM_CASCADE_MAX_RENDER_BYTES: '1024' };
      const plan = await cascade(dir, ['plan'], { kubeconfig, helm: major, env });
      assert.equal(plan.exitCode, 4, plan.stderr);
      assert.match(plan.stdout, /^ {8}rendered output is \d+ KiB, over the limit of 1 KiB per release \(HELM_CASCADE_MAX_RENDER_BYTES\)$/m);
      const apply = await cascade(dir, ['apply', '--yes'], { kubeconfig, helm: major, env });
      assert.equal(apply.exitCode, 4, apply.stderr);
      await assert.rejects(kubectl(kubeconfig, CONTEXTS.paris, ['get', 'namespace', ns]), /not found/);
      const fine = await cascade(dir, ['plan'], { kubeconfig, helm: major });
      assert.equal(fine.exitCode, 0, fine.stderr);
    });
  });
}
