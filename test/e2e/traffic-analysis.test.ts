// The analysis held during a step's pause, against a real Prometheus (Debian's
// package) scraping an exporter the test controls, and a local HTTP server:
// the example repository's traffic block (query made to read the exporter's
// gauge), planned by the traffic planner for the free track on a cluster, its
// {{track}}, {{cluster}} and {{release}} filled in. Under max it holds the
// whole pause; over max it fails at once naming the query and its value;
// when the value rises during the pause the hold ends within one interval of
// Prometheus answering the new value; the http checks are the gates' own.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadDeployRepoOrThrow } from '../../src/config/load.ts';
import { describeFailure, holdAnalysis } from '../../src/traffic/analysis.ts';
import { planWaveTraffic } from '../../src/traffic/plan.ts';
import type { TrafficMove } from '../../src/traffic/plan.ts';
import { listenLocal, startPrometheus, startSeriesExporter } from './support/prometheus.ts';
import type { Prometheus, SeriesExporter } from './support/prometheus.ts';
import { exampleRepo } from './support/traffic.ts';

const QUERY = 'max(cascade_error_ratio{track="{{track}}",cluster="{{cluster}}",release="{{release}}"})';
const INTERVAL_MS = 500;

type Hold = Extract<TrafficMove, { kind: 'analysis-pause' }>;

describe('traffic analysis against a real Prometheus', { timeout: 300_000 }, () => {
  let exporter: SeriesExporter;
  let prometheus: Prometheus;
  let holds: (cluster: string, pause?: string) => Hold[];

  before(async () => {
    exporter = await startSeriesExporter('cascade_error_ratio');
    const series = (track: string, cluster: string) => ({ track, cluster, release: 'account-service' });
    exporter.set(series('free', 'onprem-paris'), 0.1);
    exporter.set(series('paid', 'onprem-paris'), 0.9); // another track over max: not free's business
    exporter.set(series('free', 'gke-europe-west1'), 0.7);
    prometheus = await startPrometheus(exporter.url);
    await prometheus.waitFor('count(cascade_error_ratio)', 3);
    holds = (cluster, pause = '1500ms') => {
      const dir = exampleRepo({ ns: 'accounts', edgeNs: 'edge', clusters: [{ name: 'onprem-paris', context: 'dc-paris' }, { name: 'gke-europe-west1', context: 'gke' }], prometheusUrl: prometheus.url, query: QUERY, pause, interval: `${INTERVAL_MS}ms` });
      const repo = loadDeployRepoOrThrow({ clustersFile: join(dir, 'clusters.yaml') });
      const [plan] = planWaveTraffic({ releases: repo.releases, units: [{ release: 'account-service', track: 'free', cluster, namespace: 'accounts', helmName: 'account-service-free', action: 'upgrade' }] });
      return plan!.tracks[0]!.after.filter((m): m is Hold => m.kind === 'analysis-pause');
    };
  });
  after(async () => {
    await prometheus?.stop();
    await exporter?.close();
  });

  it('under max: holds the whole pause, checking every interval, with the placeholders filled in', async () => {
    const [first] = holds('onprem-paris');
    assert.equal(first!.analysis?.prometheus?.query, 'max(cascade_error_ratio{track="free",cluster="onprem-paris",release="account-service"})');
    const r = await holdAnalysis({ analysis: first!.analysis, pauseMs: first!.pauseMs });
    assert.equal(r.passed, true, JSON.stringify(r));
    assert.ok(r.elapsedMs >= 1500, `held ${r.elapsedMs} ms`);
    assert.ok(r.rounds >= 4, `${r.rounds} rounds in 1.5 s at one every ${INTERVAL_MS} ms`);
    assert.deepEqual(r.checks, [{ name: `prometheus ${first!.analysis!.prometheus!.query}`, query: first!.analysis!.prometheus!.query, max: 0.5, ok: true, message: '0.1 <= max 0.5', value: 0.1 }]);
  });

  it('over max: the step fails at once, naming the step, the query, its value and the limit', async () => {
    const [, second] = holds('gke-europe-west1');
    const r = await holdAnalysis({ analysis: second!.analysis, pauseMs: second!.pauseMs });
    assert.equal(r.passed, false);
    assert.equal(r.rounds, 1);
    assert.equal(r.failed?.value, 0.7);
    const query = 'max(cascade_error_ratio{track="free",cluster="gke-europe-west1",release="account-service"})';
    assert.match(describeFailure({ ...second!.step, weight: second!.weight }, r), new RegExp(`^step 2 of 3 \\(weight 2\\), after [0-9.]+s: query ${query.replace(/[(){}|]/g, '\\$&')} = 0\\.7, over max 0\\.5$`));
  });

  it('a value rising during the pause ends the hold within one interval of Prometheus answering it', async () => {
    const [, second] = holds('onprem-paris', '30s');
    const query = second!.analysis!.prometheus!.query;
    const started = Date.now();
    const hold = holdAnalysis({ analysis: second!.analysis, pauseMs: second!.pauseMs });
    setTimeout(() => exporter.set({ track: 'free', cluster: 'onprem-paris', release: 'account-service' }, 0.8), 1500);
    // when Prometheus first answers the new value (polled every 50 ms)
    let visibleAt = 0;
    while (!visibleAt) {
      if ((await prometheus.query(query)) === 0.8) visibleAt = Date.now();
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const r = await hold;
    const endedAt = started + r.elapsedMs;
    assert.equal(r.passed, false);
    assert.equal(r.failed?.value, 0.8);
    assert.ok(r.rounds > 1, 'it passed before the value rose');
    assert.ok(endedAt - visibleAt <= INTERVAL_MS + 250, `ended ${endedAt - visibleAt} ms after Prometheus answered 0.8 (interval ${INTERVAL_MS} ms)`);
    assert.ok(r.elapsedMs < 10_000, `ended after ${r.elapsedMs} ms of a 30 s pause`);
    exporter.set({ track: 'free', cluster: 'onprem-paris', release: 'account-service' }, 0.1);
    await prometheus.waitFor(query, 0.1);
  });

  it("the http checks are the gates' own: 200 holds, 503 fails the step", async () => {
    const web = await listenLocal((req, res) => void res.writeHead(req.url === '/free/healthz' ? 200 : 503).end());
    try {
      const ok = await holdAnalysis({ analysis: { http: [{ url: `${web.url}/free/healthz`, expectStatus: 200 }], intervalMs: 200 }, pauseMs: 500 });
      assert.equal(ok.passed, true);
      assert.deepEqual(ok.checks, [{ name: `http ${web.url}/free/healthz`, ok: true, message: 'answered 200' }]);
      const bad = await holdAnalysis({ analysis: { http: [{ url: `${web.url}/paid/healthz`, expectStatus: 200 }], intervalMs: 200 }, pauseMs: 500 });
      assert.deepEqual(bad.failed, { name: `http ${web.url}/paid/healthz`, ok: false, message: 'answered 503, expected 200' });
      assert.match(describeFailure({ index: 1, of: 2, weight: 1 }, bad), /^step 1 of 2 \(weight 1\), after [0-9.]+s: http http:\/\/127\.0\.0\.1:\d+\/paid\/healthz: answered 503, expected 200$/);
    } finally {
      await new Promise((resolve) => web.server.close(resolve));
    }
  });

  it('without analysis a pause only waits', async () => {
    const r = await holdAnalysis({ analysis: undefined, pauseMs: 300 });
    assert.deepEqual({ passed: r.passed, rounds: r.rounds }, { passed: true, rounds: 0 });
    assert.ok(r.elapsedMs >= 300);
  });
});
