// Issue 22's "Done when", with the example repository on the fleet, through
// the real `helm-cascade` CLI (apply, plan, drift, report), helm 3 and 4, the
// real Gateway API CRDs, a real Prometheus and a real HAProxy. The test only
// reads the run log as apply writes it (to raise the error rate at the second
// step, to read the haproxy.cfg the router release holds at each move):
// - a rollout through the tracks moves each track's weight 0 -> steps ->
//   final only after that track's gate passed, cluster by cluster (the
//   failover cluster starts after its primary's walk ended), production's
//   upgrade moves no weight, and a re-plan afterwards is unchanged;
// - `plan` shows the weight moves; a saved plan whose moves changed is refused;
// - the analysis over its limit at the second step of free: exit 3, the free
//   weight 0 within one interval of Prometheus showing it, free rolled back,
//   production never received the new version, and the JSON, JUnit, run log
//   and HTML reports name the step, the query, its value and the limit;
// - `drift` reports the weight left at 0 and a weight changed by hand;
// - the HAProxy variant: the same through real requests, HAProxy started
//   with the haproxy.cfg the router release held at each move (0 % canary
//   after the failed step).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RunEvent } from '../../src/run/events.ts';
import { cascade, cascadeProcess, CONTEXTS, helmMajors, kubectl, sharedFleet } from './support/cascade.ts';
import type { HelmMajor } from '../../fleet/tools.ts';
import { namespaces } from './support/fleet-state.ts';
import { installGatewayApi } from './support/gateway-api.ts';
import { startPrometheus, startSeriesExporter } from './support/prometheus.ts';
import type { Prometheus, SeriesExporter } from './support/prometheus.ts';
import { exampleRepo, followRunLog, haproxySuite, imageTag, localRouterValues, measureSplit, renderedHaproxyCfg, setTrack, setVersion } from './support/traffic.ts';
import { tempDir } from '../support/tmp.ts';

const PARIS = CONTEXTS.paris;
const EUROPE = CONTEXTS.europe;
const CONTEXT: Record<string, string> = { 'onprem-paris': PARIS, 'gke-europe-west1': EUROPE };
const QUERY = 'max(cascade_error_ratio{track="{{track}}",cluster="{{cluster}}"})';
const INTERVAL_MS = 250;
/** Short pauses for the rollout; the free track's, when it is to fail, long enough for the test to raise the error rate and Prometheus to scrape it (every 1s) at the second step. */
const PAUSE = '200ms';
const FREE_FAILS = '3s';

let exporter: SeriesExporter;
let prometheus: Prometheus;
const errorRatio = (track: string, cluster: string, v: number) => exporter.set({ track, cluster }, v);
/** Sets the ratio and returns when Prometheus first answers it. */
async function raise(track: string, cluster: string, v: number): Promise<number> {
  errorRatio(track, cluster, v);
  await prometheus.waitFor(`max(cascade_error_ratio{track="${track}",cluster="${cluster}"})`, v, 30_000);
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

type StepEnd = Extract<RunEvent, { event: 'step-end' }>;
const readLog = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RunEvent);
const ends = (events: RunEvent[]) => events.filter((e): e is StepEnd => e.event === 'step-end');
const at = (e: RunEvent) => Date.parse(e.at);
/** The weights a track's unit walked on a cluster (do phase), in order. */
const walked = (events: RunEvent[], cluster: string, track: string) => ends(events).filter((e) => e.kind === 'weight' && e.phase === 'do' && e.cluster === cluster && e.unit.endsWith(`/account-service-${track}`)).map((e) => e.details?.weight);
const logFile = () => join(tempDir('hc-traffic-log-'), 'run.jsonl');

async function image(kubeconfig: string, cluster: string, ns: string, track: string): Promise<string> {
  return imageTag(await kubectl(kubeconfig, CONTEXT[cluster]!, ['-n', ns, 'get', 'deployment', `account-service-${track}`, '-o', 'json']));
}

function gatewayScenario(major: HelmMajor) {
  describe(`issue 22 scenario with the example repository, gateway-api (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const nss = namespaces(`tsc-${major}`, [PARIS, EUROPE], () => kubeconfig);
    let dir = '';
    let ns = '';
    const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
    const routeWeights = async (cluster: string) => {
      const r = JSON.parse(await kubectl(kubeconfig, CONTEXT[cluster]!, ['-n', ns, 'get', 'httproute', 'account-service', '-o', 'json'])) as { spec: { rules: { backendRefs: { name: string; weight: number }[] }[] } };
      return r.spec.rules.map((rule) => rule.backendRefs.map((b) => `${b.name.replace('account-service-', '')}=${b.weight}`).join(' '));
    };

    before(async () => {
      kubeconfig = await sharedFleet();
      await Promise.all([installGatewayApi(kubeconfig, PARIS), installGatewayApi(kubeconfig, EUROPE)]);
      ns = nss.next();
      dir = exampleRepo({ ns, edgeNs: ns, clusters: [{ name: 'onprem-paris', context: PARIS }, { name: 'gke-europe-west1', context: EUROPE, failoverFor: 'onprem-paris' }], prometheusUrl: prometheus.url, query: QUERY, pause: PAUSE, interval: `${INTERVAL_MS}ms` });
      const route = await run(['apply', '--yes', '-l', 'name=account-route']);
      assert.equal(route.exitCode, 0, route.stdout + route.stderr);
    });
    after(async () => assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted'));

    it('a rollout through the tracks: 0 -> steps -> final after each gate, cluster by cluster; a re-plan is unchanged', async () => {
      const log = logFile();
      const r = await run(['apply', '--yes', '-l', 'name=account-service', '--log', log]);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      const events = readLog(log);
      for (const cluster of ['onprem-paris', 'gke-europe-west1']) {
        assert.deepEqual(walked(events, cluster, 'internal'), [0, 100]);
        assert.deepEqual(walked(events, cluster, 'free'), [0, 1, 2, 5]);
        assert.deepEqual(walked(events, cluster, 'paid'), [0, 1, 5]);
        assert.deepEqual(walked(events, cluster, 'production'), [], 'the stable track moves no weight');
      }
      // a step's weight rises only after its unit's gate passed
      for (const e of ends(events).filter((x) => x.kind === 'weight' && x.phase === 'do' && !x.step.endsWith('#weight-drain'))) {
        const gate = ends(events).find((g) => g.step === `${e.unit}#gate` && g.result === 'passed');
        assert.ok(gate && gate.seq < e.seq, `${e.step} after ${e.unit}'s gate passed`);
      }
      // cluster by cluster: the failover cluster's first step starts after Paris's walk ended
      for (const wave of ['internal', 'free', 'paid', 'production']) {
        const paris = events.filter((e) => 'wave' in e && e.wave === wave && 'cluster' in e && e.cluster === 'onprem-paris' && e.event === 'step-end' && e.phase === 'do');
        const gke = events.find((e) => 'wave' in e && e.wave === wave && 'cluster' in e && e.cluster === 'gke-europe-west1' && e.event === 'step-start');
        assert.ok(paris.length && gke && paris.at(-1)!.seq < gke.seq, `${wave}: Paris walked to its end before the failover cluster started`);
      }
      for (const cluster of ['onprem-paris', 'gke-europe-west1']) {
        assert.deepEqual(await routeWeights(cluster), ['free=5 production=95', 'internal=100 production=0', 'paid=5 production=95']);
        for (const track of ['internal', 'free', 'paid', 'production']) assert.equal(await image(kubeconfig, cluster, ns, track), '1.4.2', `${track} on ${cluster}`);
      }
      const replan = await run(['plan', '--detailed-exitcode']);
      assert.equal(replan.exitCode, 0, replan.stdout + replan.stderr);
    });

    it('the analysis over its limit at the second step of free: exit 3, weight 0 within one interval, free rolled back, production untouched; every report names it; drift sees the weights', async () => {
      setVersion(dir, 'releases/account-service.yaml', '1.5.0');
      setTrack(join(dir, 'releases/account-service.yaml'), 'free', { pause: FREE_FAILS });
      const plan = await run(['plan', '-l', 'name=account-service', '--out', 'plan.json']);
      assert.equal(plan.exitCode, 0, plan.stdout + plan.stderr);
      assert.match(plan.stdout, new RegExp(`~ weight free on onprem-paris \\(HTTPRoute ${ns}/account-service on onprem-paris\\): 5 -> 0 before the upgrade; after the gate: 1 -> hold 3s, analysis -> 2 -> hold 3s, analysis -> 5 -> hold 3s, analysis; 0 if a step fails`));
      assert.doesNotMatch(plan.stdout, /weight production/, 'the stable track moves no weight');
      // a saved plan whose weight moves changed since is refused, nothing changed
      const file = join(dir, 'releases/account-service.yaml');
      const text = readFileSync(file, 'utf8');
      setTrack(file, 'free', { steps: [2, 5] });
      const stale = await run(['apply', '--yes', '--plan', 'plan.json', '-l', 'name=account-service']);
      writeFileSync(file, text);
      assert.equal(stale.exitCode, 5, stale.stdout + stale.stderr);
      assert.match(stale.stderr, new RegExp(`onprem-paris/${ns}/account-service-free: the weight moves changed since the plan was saved`));

      const log = logFile();
      let visibleAt = 0;
      const follow = followRunLog(log, async (e) => {
        if (e.event === 'step-end' && e.phase === 'do' && e.step === `onprem-paris/${ns}/account-service-free#weight-2`) visibleAt = await raise('free', 'onprem-paris', 0.8);
      });
      const r = await cascadeProcess(dir, ['apply', '--yes', '--plan', 'plan.json', '-l', 'name=account-service', '-o', 'json', '--log', log, '--junit', 'apply.xml'], { kubeconfig, helm: major });
      await follow.stop();
      errorRatio('free', 'onprem-paris', 0.1);
      assert.equal(r.exitCode, 3, String(r.stdout) + String(r.stderr));

      const query = 'max(cascade_error_ratio{track="free",cluster="onprem-paris"})';
      const said = new RegExp(`analysis of free failed at step 2 of 3 \\(weight 2\\), after [0-9.]+m?s: query ${query.replace(/[(){}]/g, '\\$&')} = 0\\.8, over max 0\\.5`);
      const events = readLog(log);
      const failed = ends(events).find((e) => e.result === 'failed')!;
      assert.equal(failed.step, `onprem-paris/${ns}/account-service-free#analysis-2`);
      assert.match(failed.reason ?? '', said);
      assert.deepEqual([failed.details?.query, failed.details?.value, failed.details?.max], [query, 0.8, 0.5]);
      const json = JSON.parse(String(r.stdout)) as { outcome: string; failedWave: string; units: { id: string; outcome: string; reason?: string }[] };
      assert.deepEqual([json.outcome, json.failedWave], ['gate-failed', 'free']);
      const free = json.units.find((u) => u.id === `onprem-paris/${ns}/account-service-free`)!;
      assert.equal(free.outcome, 'rolled-back');
      assert.match(free.reason ?? '', said);
      assert.match(readFileSync(join(dir, 'apply.xml'), 'utf8'), /analysis of free failed at step 2 of 3 \(weight 2\).*= 0\.8, over max 0\.5/);
      const html = await run(['report', log, '--format', 'html']);
      assert.equal(html.exitCode, 0, html.stderr);
      assert.match(html.stdout, /analysis of free failed at step 2 of 3 \(weight 2\)/);

      // the weight back to 0 within one interval of Prometheus showing 0.8 (and a little for the apply itself)
      const restored = ends(events).find((e) => e.phase === 'undo' && e.step === `onprem-paris/${ns}/account-service-free#weight-2`)!;
      assert.equal(restored.result, 'passed');
      assert.ok(at(restored) - visibleAt <= INTERVAL_MS + 1500, `weight 0 ${at(restored) - visibleAt} ms after Prometheus showed 0.8 (interval ${INTERVAL_MS} ms)`);
      const rollback = ends(events).find((e) => e.phase === 'undo' && e.step === `onprem-paris/${ns}/account-service-free#change`)!;
      assert.ok(rollback.seq > restored.seq, 'the weight was 0 before the release was rolled back');
      assert.deepEqual(await routeWeights('onprem-paris'), ['free=0 production=100', 'internal=100 production=0', 'paid=5 production=95']);
      assert.equal(await image(kubeconfig, 'onprem-paris', ns, 'free'), '1.4.2', 'free rolled back in Paris');
      for (const cluster of ['onprem-paris', 'gke-europe-west1']) assert.equal(await image(kubeconfig, cluster, ns, 'internal'), '1.5.0', `internal passed on ${cluster} and stays`);
      assert.equal(await image(kubeconfig, 'gke-europe-west1', ns, 'free'), '1.4.2', 'the failover cluster never started the free wave');
      assert.deepEqual(await routeWeights('gke-europe-west1'), ['free=5 production=95', 'internal=100 production=0', 'paid=5 production=95']);
      for (const cluster of ['onprem-paris', 'gke-europe-west1']) {
        assert.equal(await image(kubeconfig, cluster, ns, 'production'), '1.4.2', `production on ${cluster} never received 1.5.0`);
        assert.equal(await image(kubeconfig, cluster, ns, 'paid'), '1.4.2');
      }

      // drift: the weight left at 0 in Paris, and a weight changed by hand on the failover cluster
      await kubectl(kubeconfig, EUROPE, ['-n', ns, 'patch', 'httproute', 'account-service', '--type=json', '-p', '[{"op":"replace","path":"/spec/rules/2/backendRefs/0/weight","value":30},{"op":"replace","path":"/spec/rules/2/backendRefs/1/weight","value":70}]']);
      const drift = await run(['drift', '-l', 'name=account-service', '--format', 'text,json=drift.json']);
      assert.equal(drift.exitCode, 2, drift.stdout + drift.stderr);
      const report = JSON.parse(readFileSync(join(dir, 'drift.json'), 'utf8')) as { units: { id: string; findings: { kind: string; summary: string }[] }[] };
      const traffic = report.units.flatMap((u) => u.findings.filter((f) => f.summary.startsWith('traffic:')).map((f) => `${u.id} ${f.kind} ${f.summary}`));
      assert.deepEqual(traffic.sort(), [
        `gke-europe-west1/${ns}/account-service-paid live traffic: weight of track paid is 30, want 5 (HTTPRoute ${ns}/account-service rule 3)`,
        `onprem-paris/${ns}/account-service-free live traffic: weight of track free is 0, want 5 (HTTPRoute ${ns}/account-service rule 1)`,
      ]);
      assert.match(drift.stdout, /weight of track paid is 30, want 5/);
    });
  });
}

function haproxyScenario(major: HelmMajor) {
  describe(`issue 22 scenario, the HAProxy variant through real requests (helm ${major})`, { timeout: 600_000 }, () => {
    const suite = haproxySuite(`tsh-${major}`);

    it('a failed second step of free sends no FREE request to the canary; exit 3, free rolled back, production untouched', async () => {
      const { kubeconfig } = suite;
      const ns = suite.nss.next();
      const edge = suite.nss.next();
      const dir = exampleRepo({ ns, edgeNs: edge, clusters: [{ name: 'onprem-paris', context: PARIS }], prometheusUrl: prometheus.url, query: QUERY, pause: PAUSE, interval: `${INTERVAL_MS}ms` });
      const socket = suite.socketPath();
      localRouterValues(dir, socket, suite.backends);
      const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
      // the router release first (every track's weight moves on it), then the free track and production
      for (const args of [['-l', 'name=haproxy'], ['-l', 'name=account-service', '--wave', 'free'], ['-l', 'name=account-service', '--wave', 'production']]) {
        const installed = await run(['apply', '--yes', '--releases', 'releases-haproxy', ...args]);
        assert.equal(installed.exitCode, 0, installed.stdout + installed.stderr);
      }
      const N = 2000;
      // at each move of free, the haproxy.cfg the router release rendered on the cluster, read as the run goes
      const moves: { what: string; weight: number; cfg: string }[] = [];
      let visible: Promise<number> | undefined;
      const unit = `onprem-paris/${ns}/account-service-free`;
      const log = logFile();
      const follow = followRunLog(log, async (e) => {
        if (e.event !== 'step-end' || e.unit !== unit || e.kind !== 'weight') return;
        const weight = e.details?.weight as number;
        // the error rate rises at once at the second step
        if (e.phase === 'do' && weight === 2) visible = raise('free', 'onprem-paris', 0.8);
        moves.push({ what: `${e.phase} ${e.step.split('#')[1]}`, weight, cfg: await renderedHaproxyCfg(kubeconfig, PARIS, edge) });
      });
      setVersion(dir, 'releases-haproxy/account-service.yaml', '1.5.0');
      setTrack(join(dir, 'releases-haproxy/account-service.yaml'), 'free', { pause: '5s' });
      const r = await cascadeProcess(dir, ['apply', '--yes', '--releases', 'releases-haproxy', '--wave', 'free', '-o', 'json', '--log', log], { kubeconfig, helm: major });
      await follow.stop();
      const visibleAt = (await visible) ?? 0;
      errorRatio('free', 'onprem-paris', 0.1);
      assert.equal(r.exitCode, 3, String(r.stdout) + String(r.stderr));
      const events = readLog(log);
      const failed = ends(events).find((e) => e.result === 'failed')!;
      assert.deepEqual([failed.step, failed.details?.step, failed.details?.value], [`${unit}#analysis-2`, 2, 0.8]);
      assert.ok(at(failed) - visibleAt <= INTERVAL_MS + 1000, `the step failed ${at(failed) - visibleAt} ms after Prometheus showed 0.8`);
      // real requests through HAProxy started with each of those configurations
      const freeShare: [string, number, number][] = [];
      for (const m of moves) {
        await suite.restartHaproxy(m.cfg, socket);
        const counts = await measureSplit(socket, { header: 'FREE', n: N });
        freeShare.push([m.what, m.weight, (100 * (counts.free ?? 0)) / N]);
      }
      assert.deepEqual(freeShare.map(([what, w]) => `${what} ${w}`), ['do weight-drain 0', 'do weight-1 1', 'do weight-2 2', 'undo weight-2 0', 'undo weight-1 0']);
      for (const [what, w, got] of freeShare) assert.ok(Math.abs(got - w) <= 2, `${what} ${w}: free answered ${got} % of ${N} FREE requests`);
      assert.equal(freeShare.at(-1)![2], 0, 'after the failed step not one FREE request reaches the canary');
      assert.equal(await image(kubeconfig, 'onprem-paris', ns, 'free'), '1.4.2', 'free rolled back');
      assert.equal(await image(kubeconfig, 'onprem-paris', ns, 'production'), '1.4.2', 'production never received 1.5.0');
    });
  });
}

for (const major of helmMajors()) {
  gatewayScenario(major);
  haproxyScenario(major);
}
