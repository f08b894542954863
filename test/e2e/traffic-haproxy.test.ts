// The helm-values router on the fleet with the real helm 3 and helm 4 and a
// real HAProxy: the example's HAProxy variant installs its router release
// (charts/haproxy-router renders haproxy.cfg into a ConfigMap) through
// `helm-cascade apply`; each move upgrades that release with only the moved
// weights changed; HAProxy is started with the haproxy.cfg read back from the
// ConfigMap on the cluster and routes real requests, with and without the
// X-Traffic-Group header, to local backends standing for the track Services.
// The observed split matches the weights within 2 points over 2,000 requests
// at each weight, and is 0 % canary once a weight is back at 0. A weight set
// by hand with helm is drift.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin } from '../../fleet/tools.ts';
import { loadDeployRepoOrThrow } from '../../src/config/load.ts';
import { createHelm } from '../../src/helm/helm.ts';
import { KubeClients } from '../../src/kube/client.ts';
import { markerLabels } from '../../src/model/release.ts';
import type { ReleaseSpec, TrafficSpec } from '../../src/model/spec.ts';
import { weightDrift } from '../../src/traffic/drift.ts';
import { helmValuesRouter } from '../../src/traffic/helm-values.ts';
import { finalWeights, routerRef } from '../../src/traffic/plan.ts';
import { cascade, CONTEXTS, helmMajors } from './support/cascade.ts';
import { fleetState } from './support/fleet-state.ts';
import { exampleRepo, haproxySuite, localRouterValues, measureSplit, renderedHaproxyCfg, share } from './support/traffic.ts';

const PARIS = CONTEXTS.paris;
const N = 2000;

for (const major of helmMajors()) {
  describe(`helm-values router: HAProxy's split of real requests (helm ${major})`, { timeout: 600_000 }, () => {
    const suite = haproxySuite(`thp-${major}`);
    const state = fleetState(major, () => suite.kubeconfig);

    it('each weight the router release is upgraded with is the split HAProxy makes of real requests', async () => {
      const { kubeconfig, clients } = suite;
      const ns = suite.nss.next();
      const edge = suite.nss.next();
      const dir = exampleRepo({ ns, edgeNs: edge, clusters: [{ name: 'onprem-paris', context: PARIS }] });
      const socket = suite.socketPath();
      localRouterValues(dir, socket, suite.backends); // the local backends stand for the track Services

      const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
      const applied = await run(['apply', '--yes', '--releases', 'releases-haproxy', '-l', 'name=haproxy']);
      assert.equal(applied.exitCode, 0, applied.stdout + applied.stderr);

      const repo = loadDeployRepoOrThrow({ clustersFile: join(dir, 'clusters.yaml'), releasesDir: join(dir, 'releases-haproxy') });
      const rel = repo.releases.find((r) => r.name === 'account-service') as ReleaseSpec & { traffic: TrafficSpec };
      const ref = routerRef(rel, 'onprem-paris', repo.releases.find((r) => r.name === 'haproxy'));
      assert.equal(ref.kind, 'helm-values');
      const router = helmValuesRouter({
        helm: createHelm({ bin: helmBin(major) }),
        client: clients.for({ name: 'onprem-paris', context: PARIS }),
        ref: ref as Extract<typeof ref, { kind: 'helm-values' }>,
        chart: join(dir, 'charts', 'haproxy-router'),
        labels: markerLabels({ release: 'haproxy', track: undefined, cluster: 'onprem-paris' }, repo.config.repoName),
        description: 'helm-cascade traffic e2e',
      });

      /** Restarts HAProxy with the haproxy.cfg on the cluster and measures the FREE group, requests without the header, and (when asked) INTERNAL. */
      const split = async (internal = false) => {
        await suite.restartHaproxy(await renderedHaproxyCfg(kubeconfig, PARIS, edge), socket);
        return { free: await measureSplit(socket, { header: 'FREE', n: N }), internal: internal ? await measureSplit(socket, { header: 'INTERNAL', n: N }) : {}, other: await measureSplit(socket, { n: N }) };
      };
      const near = (counts: Record<string, number>, track: string, want: number, what: string) => {
        const got = share(counts, track, N);
        assert.ok(Math.abs(got - want) <= 2, `${what}: ${track} answered ${got.toFixed(2)} % of ${N} requests, want ${want} % (within 2 points): ${JSON.stringify(counts)}`);
      };

      // as installed: the final weights of the values file
      let s = await split(true);
      near(s.free, 'free', 5, 'FREE');
      near(s.free, 'production', 95, 'FREE');
      near(s.internal, 'internal', 100, 'INTERNAL');
      near(s.other, 'paid', 5, 'no header');
      near(s.other, 'production', 95, 'no header');

      // drained before an upgrade, then walked: 0 -> 1 -> 50, paid left alone
      for (const w of [0, 1, 50]) {
        const readBack = await router.set({ free: w });
        assert.deepEqual(readBack.map((r) => [r.track, r.weight]), [['internal', 100], ['free', w], ['paid', 5]]);
        s = await split();
        near(s.free, 'free', w, `FREE at weight ${w}`);
        near(s.free, 'production', 100 - w, `FREE at weight ${w}`);
        near(s.other, 'paid', 5, `no header while free is at ${w}`);
        if (w === 0) assert.equal(s.free.free ?? 0, 0, 'weight 0: not one request reaches the canary');
      }
      // a failed step: back to 0 at once, 0 % canary
      await router.set({ free: 0 });
      s = await split();
      assert.deepEqual(s.free, { production: N }, 'after the failed step every FREE request goes to production');
      near(s.other, 'paid', 5, 'no header');
      // a revision with step weights is not what the repository says: plan renders it and sees the difference
      const planHaproxy = ['plan', '--detailed-exitcode', '--releases', 'releases-haproxy', '-l', 'name=haproxy'];
      const pending = await run(planHaproxy);
      assert.equal(pending.exitCode, 2, pending.stdout + pending.stderr);
      assert.match(pending.stdout, /~ haproxy \(\S+\) {2}upgrade {2}haproxy-router 1\.0\.0 {2}\(manifest-changed, values-changed\)/);
      assert.match(pending.stdout, /^\s+-\s+server free \S+ weight 0\n\s+-\s+server production \S+ weight 100\n\s+\+\s+server free \S+ weight 5\n\s+\+\s+server production \S+ weight 95$/m);
      const history = await state.history(PARIS, edge, 'haproxy');
      assert.deepEqual(history.at(-1), [5, 'deployed'], 'install + 4 weight moves: 5 revisions');

      // drift: live weights against the final ones; then a weight set by hand with helm
      const finals = finalWeights(rel.traffic);
      assert.deepEqual((weightDrift({ release: 'account-service', cluster: 'onprem-paris', finals, readings: await router.read() })).map((d) => d.message), [
        `weight of track free is 0, want 5 (release ${edge}/haproxy on onprem-paris value backends.free.weight)`,
      ]);
      await router.set({ free: 5 });
      assert.deepEqual(weightDrift({ release: 'account-service', cluster: 'onprem-paris', finals, readings: await router.read() }), []);
      const atRest = await run(planHaproxy);
      assert.equal(atRest.exitCode, 0, `weights back at their final values: the router release is unchanged\n${atRest.stdout}${atRest.stderr}`);
      await execa(helmBin(major), ['upgrade', 'haproxy', join(dir, 'charts', 'haproxy-router'), '-n', edge, '--reuse-values', '--set', 'backends.paid.weight=50', '--kube-context', PARIS, '--kubeconfig', kubeconfig]);
      assert.deepEqual((weightDrift({ release: 'account-service', cluster: 'onprem-paris', finals, readings: await router.read() })).map((d) => [d.track, d.live, d.want]), [['paid', 50, 5]]);
      s = await split();
      near(s.other, 'paid', 50, 'no header, paid set to 50 by hand');
    });
  });
}
