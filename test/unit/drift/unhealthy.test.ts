// drift's "unhealthy" finding: a release whose pods crash-loop after a healthy
// rollout (its health now, from the fixture of test/unit/health) is reported
// with the pod, the reason, the events and the logs, in every format, exit 2,
// and never as changed live.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessDrift, worstUnits } from '../../../src/drift/assess.ts';
import { driftOutcome } from '../../../src/drift/outcome.ts';
import { driftMessage } from '../../../src/drift/notify.ts';
import { unhealthyFinding } from '../../../src/drift/unhealthy.ts';
import { EXIT_CODES } from '../../../src/errors.ts';
import { judgeReleaseHealth as assessHealthNow } from '../../../src/health/judge.ts';
import { renderDrift } from '../../../src/report/drift-formats.ts';
import { loadFixture } from '../health/fixtures.ts';
import { CLUSTERS, cleanReads, desiredUnits } from './fixtures.ts';

const NOW = Date.parse('2026-11-22T01:00:00Z');
const NO_LOGS = 'no logs available (the cluster served none)';

function healthNow() {
  const all = loadFixture('release-unhealthy-now');
  return assessHealthNow({
    owned: [
      { kind: 'Deployment', namespace: 'shop', name: 'web' },
      { kind: 'Service', namespace: 'shop', name: 'web' },
    ],
    objects: all.filter((o) => o.kind !== 'Event'),
    events: all.filter((o) => o.kind === 'Event'),
    health: { timeoutMs: 300_000, soakMs: 0, minReadyEndpoints: 2, maxRestarts: 0, http: [] },
    now: NOW,
  });
}

function report() {
  const now = healthNow();
  const pods = now.pods.map((p, i) => ({ ...p, logs: i === 0 ? '[pod/web-7d9f-crash/web] panic: db unreachable' : NO_LOGS }));
  const reads = cleanReads();
  reads[0]!.health = new Map([['onprem-paris/accounts/account-service-production', { now, pods }]]);
  return assessDrift({ clustersFile: 'clusters.yaml', createdAt: '2026-11-22T01:00:00Z', clusters: CLUSTERS, units: desiredUnits(), reads, repo: 'deploy' });
}

describe('the unhealthy finding', () => {
  it('names each pod with its reason, events and logs, and each object not Healthy', () => {
    const now = healthNow();
    const f = unhealthyFinding(now.pods.map((p) => ({ ...p, logs: NO_LOGS })), now.objects);
    assert.equal(f?.kind, 'unhealthy');
    assert.equal(f?.summary, 'pod web-7d9f-crash: CrashLoopBackOff: container web: back-off 5m0s restarting failed container=web pod=web-7d9f-crash_shop(pod-web-7d9f-crash) (last exit: Error, code 1) (12 restarts) (and 3 more)');
    assert.deepEqual(f?.details, [
      'pod web-7d9f-crash: CrashLoopBackOff: container web: back-off 5m0s restarting failed container=web pod=web-7d9f-crash_shop(pod-web-7d9f-crash) (last exit: Error, code 1) (12 restarts)',
      '  events:',
      '    Warning BackOff: Back-off restarting failed container web in pod web-7d9f-crash_shop (x40)',
      `  logs: ${NO_LOGS}`,
      'pod web-7d9f-notready: NotReady: Pod web-7d9f-notready is running but not Ready: containers with unready status: [web] (0 restarts)',
      '  events: none',
      `  logs: ${NO_LOGS}`,
      'Deployment web: Waiting for rollout to finish: 1 of 3 updated replicas are available',
      'Service web: 1 ready endpoint, minReadyEndpoints 2',
    ]);
  });
  it('nothing wrong: no finding', () => {
    assert.equal(unhealthyFinding([], []), undefined);
  });
});

describe('drift with an unhealthy release', () => {
  const r = report();
  const u = r.units.find((x) => x.id === 'onprem-paris/accounts/account-service-production')!;
  it('is unhealthy (not changed live), counted, exit 2, first among the worst', () => {
    assert.equal(u.state, 'unhealthy');
    assert.deepEqual(u.findings.map((f) => f.kind), ['unhealthy']);
    assert.equal(r.summary.unhealthy, 1);
    assert.equal(r.summary.live, 0);
    assert.equal(r.summary.drifted, 1);
    assert.equal(driftOutcome(r).exitCode, 2);
    assert.equal(worstUnits(r, 1)[0]?.id, u.id);
  });
  it('every format names the pod and the reason', () => {
    for (const format of ['text', 'json', 'junit', 'markdown', 'html'] as const) {
      const out = renderDrift(r, format, { color: false });
      assert.ok(out.includes('web-7d9f-crash'), `${format}: pod named`);
      assert.ok(out.includes('CrashLoopBackOff'), `${format}: reason named`);
      assert.ok(out.includes('unhealthy'), `${format}: state named`);
    }
    const text = renderDrift(r, 'text', { color: false });
    assert.ok(text.includes('  ✗ unhealthy    accounts/account-service-production'), text);
    assert.ok(text.includes('      [pod/web-7d9f-crash/web] panic: db unreachable'), text);
    assert.ok(text.includes('(1 unhealthy)'), text);
  });
  it('html: unhealthy has its own colour in the matrix', () => {
    const html = renderDrift(r, 'html', { color: false });
    assert.ok(html.includes('.s-unhealthy{background:#ad1457;color:#fff}'));
    assert.ok(html.includes('<td class="cell s-unhealthy" data-unit="onprem-paris/accounts/account-service-production" data-state="unhealthy">'));
  });
  it("html and markdown show each pod's reason, events and last log lines", () => {
    const html = renderDrift(r, 'html', { color: false });
    assert.ok(html.includes('<li><b>pod web-7d9f-crash</b>: <span class="reason">CrashLoopBackOff</span>'), html);
    assert.ok(html.includes('<li>Warning BackOff: Back-off restarting failed container web in pod web-7d9f-crash_shop (x40)</li>'));
    assert.ok(html.includes('<pre class="logs">[pod/web-7d9f-crash/web] panic: db unreachable</pre>'));
    assert.ok(html.includes(`<pre class="logs">${NO_LOGS}</pre>`));
    assert.ok(html.includes('<li><b>Service web</b>: 1 ready endpoints, minReadyEndpoints 2</li>'));
    const md = renderDrift(r, 'markdown', { color: false });
    assert.ok(md.includes('  - pod `web-7d9f-crash`: **CrashLoopBackOff**: container web: back-off'), md);
    assert.ok(md.includes('    - Warning BackOff: Back-off restarting failed container web in pod web-7d9f-crash_shop (x40)'), md);
    assert.ok(md.includes('    ```\n    [pod/web-7d9f-crash/web] panic: db unreachable\n    ```'), md);
  });
  it('the notification counts it and names the release and the pod', () => {
    const m = driftMessage(r);
    assert.equal(m.text, 'helm-cascade drift: 1 of 4 releases drifted (1 unhealthy)');
    const lines = JSON.stringify(m.blocks);
    assert.ok(lines.includes('account-service-production'));
    assert.ok(lines.includes('pod web-7d9f-crash: CrashLoopBackOff'));
  });
});
