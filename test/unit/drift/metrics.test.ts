// drift's Prometheus metrics, read back by a real text-format parser from the
// npm registry (parse-prometheus-text-format), and pushed to a Pushgateway:
// a local HTTP server that records what arrives, and Debian's real
// prometheus-pushgateway (scripts/system-deps.mjs installs it).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import parse from 'parse-prometheus-text-format';
import { assessDrift } from '../../../src/drift/assess.ts';
import { driftMetricsText, pushDriftMetrics } from '../../../src/drift/metrics.ts';
import { renderDriftFormat } from '../../../src/report/drift-formats.ts';
import { CLUSTERS, cleanReads, deployed, desiredUnits } from './fixtures.ts';

const PUSHGATEWAY_BIN = '/usr/bin/prometheus-pushgateway';

/** paris: production crash-looping (one pod), internal clean; gke: internal failed, production clean. */
function report() {
  const reads = cleanReads();
  const pod = { namespace: 'accounts', name: 'account-service-production-7d9f-x1', reason: 'CrashLoopBackOff', message: 'container web: back-off', restarts: 4, events: [], logs: 'no logs available (the cluster served none)' };
  reads[0]!.health = new Map([['onprem-paris/accounts/account-service-production', { now: { status: 'Degraded' as const, message: 'pod account-service-production-7d9f-x1: CrashLoopBackOff: container web: back-off', pods: [pod], objects: [], podsChecked: 2 }, pods: [pod] }]]);
  reads[1]!.releases = [deployed('gke-europe-west1', 'account-service-internal', 'accounts', { status: 'failed' }), deployed('gke-europe-west1', 'account-service-production', 'accounts')];
  return assessDrift({ clustersFile: 'clusters.yaml', createdAt: '2026-11-22T01:00:00Z', clusters: CLUSTERS, units: desiredUnits(), reads, repo: 'deploy' });
}

const STATES = ['unreadable', 'broken', 'unhealthy', 'live', 'policy', 'pending', 'skew', 'unmanaged', 'clean'];

type Families = ReturnType<typeof parse>;
function family(fams: Families, name: string) {
  const f = fams.find((x) => x.name === name);
  assert.ok(f, `no family ${name} in ${fams.map((x) => x.name).join(', ')}`);
  return f;
}
/** The value of the one sample whose labels include `labels`. */
function value(fams: Families, name: string, labels: Record<string, string>): string {
  const hits = family(fams, name).metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  assert.equal(hits.length, 1, `${name}${JSON.stringify(labels)}: ${hits.length} samples`);
  return hits[0]!.value;
}

function checkFamilies(fams: Families): void {
  const prod = { cluster: 'onprem-paris', namespace: 'accounts', release: 'account-service', track: 'production', helm_release: 'account-service-production' };
  for (const s of STATES) assert.equal(value(fams, 'helm_cascade_release_state', { ...prod, state: s }), s === 'unhealthy' ? '1' : '0', `state ${s}`);
  assert.equal(value(fams, 'helm_cascade_release_state', { cluster: 'gke-europe-west1', helm_release: 'account-service-internal', state: 'broken' }), '1');
  assert.equal(value(fams, 'helm_cascade_release_state', { cluster: 'onprem-paris', helm_release: 'account-service-internal', state: 'clean' }), '1');
  // one series per release and cluster per state
  assert.equal(family(fams, 'helm_cascade_release_state').metrics.length, 4 * STATES.length);
  assert.equal(value(fams, 'helm_cascade_release_unhealthy_pods', prod), '1');
  assert.equal(value(fams, 'helm_cascade_release_unhealthy_pods', { cluster: 'gke-europe-west1', helm_release: 'account-service-production' }), '0');
  assert.deepEqual(Object.fromEntries(family(fams, 'helm_cascade_releases').metrics.map((m) => [m.labels?.state, m.value])), { unreadable: '0', broken: '1', unhealthy: '1', live: '0', policy: '0', pending: '0', skew: '0', unmanaged: '0', clean: '2' });
  assert.equal(value(fams, 'helm_cascade_cluster_readable', { cluster: 'onprem-paris' }), '1');
  assert.equal(value(fams, 'helm_cascade_drift_last_run_timestamp_seconds', {}), String(Date.parse('2026-11-22T01:00:00Z') / 1000));
}

describe('drift --format prometheus', () => {
  it('parses as the Prometheus text format: HELP and TYPE per family, one series per release, cluster and state', async () => {
    const text = await renderDriftFormat(report(), 'prometheus', { color: false });
    const fams = parse(text);
    assert.deepEqual(fams.map((f) => [f.name, f.type]), [
      ['helm_cascade_release_state', 'GAUGE'],
      ['helm_cascade_release_unhealthy_pods', 'GAUGE'],
      ['helm_cascade_releases', 'GAUGE'],
      ['helm_cascade_cluster_readable', 'GAUGE'],
      ['helm_cascade_drift_last_run_timestamp_seconds', 'GAUGE'],
    ]);
    for (const f of fams) assert.ok(f.help.length > 20, `${f.name} has a HELP line`);
    assert.ok(text.includes('# TYPE helm_cascade_release_state gauge\n'));
    checkFamilies(fams);
  });
});

async function recordingServer(status: number): Promise<{ url: string; got: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[]; close: () => void }> {
  const got: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.statusCode = status;
      res.end(status >= 400 ? 'pushed metrics are invalid or inconsistent' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, close: () => server.close() };
}

describe('drift --pushgateway', () => {
  it('PUTs the metrics to /metrics/job/helm_cascade_drift/repo/NAME, in the text format', async () => {
    const gw = await recordingServer(200);
    try {
      await pushDriftMetrics(gw.url, report(), { repo: 'deploy' });
      assert.equal(gw.got.length, 1);
      const req = gw.got[0]!;
      assert.equal(req.method, 'PUT');
      assert.equal(req.url, '/metrics/job/helm_cascade_drift/repo/deploy');
      assert.equal(req.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      assert.equal(req.body, await driftMetricsText(report()));
      checkFamilies(parse(req.body));
    } finally {
      gw.close();
    }
  });
  it('a gateway that refuses: the error says the status and what it answered', async () => {
    const gw = await recordingServer(400);
    try {
      await assert.rejects(pushDriftMetrics(gw.url, report(), { repo: 'deploy' }), { message: 'push failed with status 400, pushed metrics are invalid or inconsistent' });
    } finally {
      gw.close();
    }
  });
  it('the real Prometheus Pushgateway accepts them and serves them back with job and repo', async () => {
    assert.ok(existsSync(PUSHGATEWAY_BIN), `${PUSHGATEWAY_BIN} is not installed: npm test installs it (scripts/system-deps.mjs), or run apt-get install prometheus-pushgateway`);
    // port 0: the gateway binds a free port itself and logs the address it listens on
    const child = spawn(PUSHGATEWAY_BIN, ['--web.listen-address=127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let seen = '';
        child.stderr.on('data', (b: Buffer) => {
          seen += b.toString();
          const m = /msg="Listening on" address=(127\.0\.0\.1:\d+)/.exec(seen);
          if (m) resolve(`http://${m[1]}`);
        });
        child.on('exit', (code) => reject(new Error(`the pushgateway exited (${code}) before listening: ${seen}`)));
      });
      // wait for it to answer (an event: its /-/ready endpoint), never a fixed sleep
      for (let i = 0; ; i++) {
        const ok = await fetch(`${base}/-/ready`).then((r) => r.ok, () => false);
        if (ok) break;
        assert.ok(i < 200, 'the pushgateway never became ready');
        await new Promise((r) => setTimeout(r, 50));
      }
      await pushDriftMetrics(base, report(), { repo: 'deploy' });
      const fams = parse(await (await fetch(`${base}/metrics`)).text());
      assert.equal(value(fams, 'helm_cascade_release_state', { job: 'helm_cascade_drift', repo: 'deploy', cluster: 'onprem-paris', helm_release: 'account-service-production', state: 'unhealthy' }), '1');
      assert.equal(value(fams, 'helm_cascade_releases', { job: 'helm_cascade_drift', repo: 'deploy', state: 'broken' }), '1');
      // the gateway's own record of the push
      assert.equal(family(fams, 'push_failure_time_seconds').metrics.find((m) => m.labels?.repo === 'deploy')?.value, '0');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
