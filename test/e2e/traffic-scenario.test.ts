// Issue 22's "Done when", with the example repository on the fleet, as far as
// it runs before the traffic steps are wired into the run: the wave walk is
// test/e2e/support/traffic-driver.ts (the CLI plans, upgrades, gates and
// rolls back; src/traffic/ plans and makes every weight move and holds every
// analysis), against the real Gateway API CRDs, helm 3 and 4, a real
// Prometheus and a real HAProxy.
//
// Covered here:
// - a rollout through the tracks moves each track's weight 0 -> steps ->
//   final only after that track's gate passed, cluster by cluster (the
//   failover cluster's drain starts after its primary's walk), production's
//   upgrade moves no weight, and a re-plan afterwards is unchanged;
// - the analysis over its limit at the second step of free: the free weight
//   is 0 within one interval of Prometheus showing it, the free release is
//   rolled back, production never received the new version, the failure
//   names the step and the query's value;
// - the HAProxy variant: the same through real requests (0 % canary after the
//   failed step);
// - a weight changed by hand is found by the weight drift comparison.
// Needs the step integration (next phase), so not asserted here: one
// `helm-cascade apply` doing all of this by itself; its exit code 3; the text,
// JSON and JUnit reports and the run log naming the step, the query and its
// value; `plan` printing the weight moves; `helm-cascade drift` reporting the
// hand-changed weight; --plan files, the run lock and SIGTERM covering the
// traffic steps.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { helmBin } from '../../fleet/tools.ts';
import { loadDeployRepoOrThrow } from '../../src/config/load.ts';
import { createHelm } from '../../src/helm/helm.ts';
import { KubeClients } from '../../src/kube/client.ts';
import { markerLabels } from '../../src/model/release.ts';
import { describeFailure } from '../../src/traffic/analysis.ts';
import { weightDrift } from '../../src/traffic/drift.ts';
import { gatewayApiRouter } from '../../src/traffic/gateway-api.ts';
import { helmValuesRouter } from '../../src/traffic/helm-values.ts';
import type { TrackTraffic } from '../../src/traffic/plan.ts';
import { cascade, CONTEXTS, helmMajors, kubectl, sharedFleet } from './support/cascade.ts';
import { namespaces } from './support/fleet-state.ts';
import { installGatewayApi } from './support/gateway-api.ts';
import { startPrometheus, startSeriesExporter } from './support/prometheus.ts';
import type { Prometheus, SeriesExporter } from './support/prometheus.ts';
import { imageTag, rollWave, setVersion } from './support/traffic-driver.ts';
import type { DriverOptions, MoveEvent } from './support/traffic-driver.ts';
import { exampleRepo, haproxySuite, localRouterValues, measureSplit, renderedHaproxyCfg } from './support/traffic.ts';

const PARIS = CONTEXTS.paris;
const EUROPE = CONTEXTS.europe;
const CONTEXT: Record<string, string> = { 'onprem-paris': PARIS, 'gke-europe-west1': EUROPE };
const QUERY = 'max(cascade_error_ratio{track="{{track}}",cluster="{{cluster}}"})';
const INTERVAL_MS = 250;
const WAVES = ['internal', 'free', 'paid', 'production'];

let exporter: SeriesExporter;
let prometheus: Prometheus;
const errorRatio = (track: string, cluster: string, v: number) => exporter.set({ track, cluster }, v);
/** Sets the ratio and returns when Prometheus first answers it. */
async function raise(track: string, cluster: string, v: number): Promise<number> {
  errorRatio(track, cluster, v);
  const q = `max(cascade_error_ratio{track="${track}",cluster="${cluster}"})`;
  await prometheus.waitFor(q, v, 30_000);
  return Date.now();
}

before(async () => {
  exporter = await startSeriesExporter('cascade_error_ratio');
  for (const track of ['internal', 'free', 'paid']) for (const cluster of Object.keys(CONTEXT)) errorRatio(track, cluster, 0.1);
  prometheus = await startPrometheus(exporter.url);
  await prometheus.waitFor('count(cascade_error_ratio)', 6);
});
after(async () => {
  await prometheus?.stop();
  await exporter?.close();
});

async function image(kubeconfig: string, cluster: string, ns: string, track: string): Promise<string> {
  return imageTag(await kubectl(kubeconfig, CONTEXT[cluster]!, ['-n', ns, 'get', 'deployment', `account-service-${track}`, '-o', 'json']));
}

for (const major of helmMajors()) {
  describe(`issue 22 scenario with the example repository, gateway-api (helm ${major})`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    const nss = namespaces(`tsc-${major}`, [PARIS, EUROPE], () => kubeconfig);
    let clients: KubeClients;
    let dir = '';
    let ns = '';
    let driver: DriverOptions;
    const routeWeights = async (cluster: string) => {
      const r = JSON.parse(await kubectl(kubeconfig, CONTEXT[cluster]!, ['-n', ns, 'get', 'httproute', 'account-service', '-o', 'json'])) as { spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } };
      return r.spec.rules.map((rule) => rule.backendRefs.map((b) => `${b.name.replace('account-service-', '')}=${b.weight}`).join(' '));
    };

    before(async () => {
      kubeconfig = await sharedFleet();
      await Promise.all([installGatewayApi(kubeconfig, PARIS), installGatewayApi(kubeconfig, EUROPE)]);
      clients = new KubeClients({ kubeconfig });
      ns = nss.next();
      dir = exampleRepo({ ns, edgeNs: ns, clusters: [{ name: 'onprem-paris', context: PARIS }, { name: 'gke-europe-west1', context: EUROPE, failoverFor: 'onprem-paris' }], prometheusUrl: prometheus.url, query: QUERY, pause: '500ms', interval: `${INTERVAL_MS}ms` });
      const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
      driver = { dir, release: 'account-service', run, routerFor: (t: TrackTraffic) => gatewayApiRouter(clients.for({ name: t.cluster, context: CONTEXT[t.cluster]! }), t.router as Extract<TrackTraffic['router'], { kind: 'gateway-api' }>) };
      const route = await run(['apply', '--yes', '-l', 'name=account-route']);
      assert.equal(route.exitCode, 0, route.stdout + route.stderr);
    });
    after(async () => {
      await clients?.close();
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('a rollout through the tracks: 0 -> steps -> final after each gate, cluster by cluster; a re-plan is unchanged', async () => {
      // the route exists (its release rides with the first wave); account-service's tracks are installed one wave after the other
      const seenOnGke: string[][] = [];
      driver.afterMove = async (e: MoveEvent) => {
        if (e.cluster === 'onprem-paris' && e.phase === 'drain') seenOnGke.push(await routeWeights('gke-europe-west1'));
      };
      const events: MoveEvent[] = [];
      for (const wave of WAVES) {
        const out = await rollWave(driver, wave, ['onprem-paris', 'gke-europe-west1']);
        assert.equal(out.failure, undefined, JSON.stringify(out.failure));
        for (const e of out.events.filter((x) => x.phase === 'step')) {
          const gate = out.gatePassedAt.get(`${e.cluster}/${ns}/account-service-${e.track}`);
          assert.ok(gate !== undefined && e.at > gate, `${wave}: ${e.track} on ${e.cluster} rose to ${e.weight} after its gate passed`);
        }
        const paris = out.events.filter((x) => x.cluster === 'onprem-paris');
        const gke = out.events.filter((x) => x.cluster === 'gke-europe-west1');
        if (paris.length && gke.length) assert.ok(paris.at(-1)!.at < gke[0]!.at, `${wave}: Paris walked to its end before the failover cluster was drained`);
        events.push(...out.events);
      }
      const walk = (cluster: string, track: string) => events.filter((e) => e.cluster === cluster && e.track === track && e.phase !== 'hold').map((e) => e.weight);
      for (const cluster of ['onprem-paris', 'gke-europe-west1']) {
        assert.deepEqual(walk(cluster, 'internal'), [0, 100]);
        assert.deepEqual(walk(cluster, 'free'), [0, 1, 2, 5]);
        assert.deepEqual(walk(cluster, 'paid'), [0, 1, 5]);
        assert.deepEqual(walk(cluster, 'production'), [], 'the stable track moves no weight');
      }
      const drained = events.find((e) => e.cluster === 'onprem-paris' && e.track === 'free' && e.phase === 'drain')!;
      assert.deepEqual(drained.readBack?.find((r) => r.track === 'free')?.weight, 0);
      assert.deepEqual(seenOnGke[1], ['free=5 production=95', 'internal=100 production=0', 'paid=5 production=95'], 'while Paris drained free, the failover cluster kept its weights');
      for (const cluster of ['onprem-paris', 'gke-europe-west1']) {
        assert.deepEqual(await routeWeights(cluster), ['free=5 production=95', 'internal=100 production=0', 'paid=5 production=95']);
        for (const track of ['internal', 'free', 'paid', 'production']) assert.equal(await image(kubeconfig, cluster, ns, track), '1.4.2', `${track} on ${cluster}`);
      }
      const replan = await driver.run(['plan', '--detailed-exitcode']);
      assert.equal(replan.exitCode, 0, replan.stdout + replan.stderr);
    });

    it('the analysis over its limit at the second step of free: weight 0 within one interval, free rolled back, production untouched', async () => {
      setVersion(dir, 'releases/account-service.yaml', '1.5.0');
      assert.equal((await rollWave(driver, 'internal', ['onprem-paris', 'gke-europe-west1'])).failure, undefined);
      let visibleAt = 0;
      driver.afterMove = async (e) => {
        if (e.cluster === 'onprem-paris' && e.track === 'free' && e.phase === 'step' && e.weight === 2) visibleAt = await raise('free', 'onprem-paris', 0.8);
      };
      const out = await rollWave(driver, 'free', ['onprem-paris', 'gke-europe-west1']);
      driver.afterMove = undefined;
      errorRatio('free', 'onprem-paris', 0.1);
      const f = out.failure;
      assert.ok(f, 'the free wave failed');
      assert.deepEqual([f.cluster, f.track, f.move.step, f.move.weight], ['onprem-paris', 'free', { index: 2, of: 3 }, 2]);
      const query = 'max(cascade_error_ratio{track="free",cluster="onprem-paris"})';
      assert.match(describeFailure({ ...f.move.step, weight: f.move.weight }, f.result), new RegExp(`^step 2 of 3 \\(weight 2\\), after [0-9.]+s: query ${query.replace(/[(){}]/g, '\\$&')} = 0\\.8, over max 0\\.5$`));
      const restore = out.events.find((e) => e.phase === 'restore')!;
      assert.ok(restore.at - visibleAt <= INTERVAL_MS + 500, `weight 0 ${restore.at - visibleAt} ms after Prometheus showed 0.8 (interval ${INTERVAL_MS} ms)`);
      assert.deepEqual(await routeWeights('onprem-paris'), ['free=0 production=100', 'internal=100 production=0', 'paid=5 production=95']);
      assert.equal(f.rollback.exitCode, 0, f.rollback.stdout + f.rollback.stderr);
      assert.equal(await image(kubeconfig, 'onprem-paris', ns, 'free'), '1.4.2', 'free rolled back in Paris');
      assert.equal(await image(kubeconfig, 'onprem-paris', ns, 'internal'), '1.5.0', 'internal passed and stays');
      assert.equal(await image(kubeconfig, 'gke-europe-west1', ns, 'free'), '1.4.2', 'the failover cluster never started the free wave');
      assert.deepEqual(await routeWeights('gke-europe-west1'), ['free=5 production=95', 'internal=100 production=0', 'paid=5 production=95']);
      for (const cluster of ['onprem-paris', 'gke-europe-west1']) {
        assert.equal(await image(kubeconfig, cluster, ns, 'production'), '1.4.2', `production on ${cluster} never received 1.5.0`);
        assert.equal(await image(kubeconfig, cluster, ns, 'paid'), '1.4.2');
      }

      // drift: the drained weight, and a weight changed by hand on the failover cluster
      await kubectl(kubeconfig, EUROPE, ['-n', ns, 'patch', 'httproute', 'account-service', '--type=json', '-p', '[{"op":"replace","path":"/spec/rules/2/backendRefs/0/weight","value":30},{"op":"replace","path":"/spec/rules/2/backendRefs/1/weight","value":70}]']);
      const finals = { internal: 100, free: 5, paid: 5 };
      const drift = async (cluster: string) => weightDrift({ release: 'account-service', cluster, finals, readings: await gatewayApiRouter(clients.for({ name: cluster, context: CONTEXT[cluster]! }), { kind: 'gateway-api', cluster, route: { name: 'account-service', namespace: ns }, services: { internal: 'account-service-internal', free: 'account-service-free', paid: 'account-service-paid' }, stableService: 'account-service-production' }).read() });
      assert.deepEqual((await drift('onprem-paris')).map((d) => d.message), [`weight of track free is 0, want 5 (HTTPRoute ${ns}/account-service rule 1)`]);
      assert.deepEqual((await drift('gke-europe-west1')).map((d) => d.message), [`weight of track paid is 30, want 5 (HTTPRoute ${ns}/account-service rule 3)`]);
    });
  });

  describe(`issue 22 scenario, the HAProxy variant through real requests (helm ${major})`, { timeout: 900_000 }, () => {
    const suite = haproxySuite(`tsh-${major}`);

    it('a failed second step of free sends no FREE request to the canary; free rolled back, production untouched', async () => {
      const { kubeconfig, clients } = suite;
      const ns = suite.nss.next();
      const edge = suite.nss.next();
      const dir = exampleRepo({ ns, edgeNs: edge, clusters: [{ name: 'onprem-paris', context: PARIS }], prometheusUrl: prometheus.url, query: QUERY, pause: '500ms', interval: `${INTERVAL_MS}ms` });
      const socket = suite.socketPath();
      localRouterValues(dir, socket, suite.backends);
      const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
      const installed = await run(['apply', '--yes', '--releases', 'releases-haproxy']);
      assert.equal(installed.exitCode, 0, installed.stdout + installed.stderr);
      const repoName = loadDeployRepoOrThrow({ clustersFile: join(dir, 'clusters.yaml'), releasesDir: join(dir, 'releases-haproxy') }).config.repoName;
      const helm = createHelm({ bin: helmBin(major) });
      const N = 2000;
      const freeShare: [string, number, number][] = [];
      let visibleAt = 0;
      const driver: DriverOptions = {
        dir,
        releasesDir: 'releases-haproxy',
        release: 'account-service',
        run,
        routerFor: (t) =>
          helmValuesRouter({ helm, client: clients.for({ name: t.cluster, context: PARIS }), ref: t.router as Extract<TrackTraffic['router'], { kind: 'helm-values' }>, chart: join(dir, 'charts', 'haproxy-router'), labels: markerLabels({ release: 'haproxy', track: undefined, cluster: t.cluster }, repoName) }),
        afterMove: async (e) => {
          if (e.track !== 'free') return;
          await suite.restartHaproxy(await renderedHaproxyCfg(kubeconfig, PARIS, edge), socket);
          const counts = await measureSplit(socket, { header: 'FREE', n: N });
          freeShare.push([e.phase, e.weight, (100 * (counts.free ?? 0)) / N]);
          if (e.phase === 'step' && e.weight === 2) visibleAt = await raise('free', 'onprem-paris', 0.8);
        },
      };
      setVersion(dir, 'releases-haproxy/account-service.yaml', '1.5.0');
      const out = await rollWave(driver, 'free', ['onprem-paris']);
      errorRatio('free', 'onprem-paris', 0.1);
      const f = out.failure;
      assert.ok(f, 'the free wave failed');
      assert.deepEqual([f.move.step, f.result.failed?.value], [{ index: 2, of: 3 }, 0.8]);
      assert.ok(f.result.elapsedMs < 10_000);
      const holdEnd = out.events.find((e) => e.phase === 'hold' && e.weight === 2)!.at;
      assert.ok(holdEnd - visibleAt <= INTERVAL_MS + 500, `the step failed ${holdEnd - visibleAt} ms after Prometheus showed 0.8`);
      assert.deepEqual(freeShare.map(([phase, w]) => `${phase} ${w}`), ['drain 0', 'step 1', 'step 2', 'restore 0']);
      for (const [phase, w, got] of freeShare) assert.ok(Math.abs(got - w) <= 2, `${phase} ${w}: free answered ${got} % of ${N} FREE requests`);
      assert.equal(freeShare.at(-1)![2], 0, 'after the failed step not one FREE request reaches the canary');
      assert.equal(f.rollback.exitCode, 0, f.rollback.stdout + f.rollback.stderr);
      assert.equal(await image(kubeconfig, 'onprem-paris', ns, 'free'), '1.4.2', 'free rolled back');
      assert.equal(await image(kubeconfig, 'onprem-paris', ns, 'production'), '1.4.2', 'production never received 1.5.0');
    });
  });
}
