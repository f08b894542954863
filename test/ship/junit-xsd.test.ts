// JUnit reports as Jenkins reads them: the XML src/report/junit.ts writes for
// an apply-shaped and a drift-shaped report validates against the xunit
// plugin's junit-10.xsd (xmllint, a real XSD validator). A document the schema
// refuses is refused here too, so the check itself is known to bite.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessDrift } from '../../src/drift/assess.ts';
import { renderDrift } from '../../src/report/drift-formats.ts';
import { writeJunit } from '../../src/report/junit.ts';
import type { JunitSuite } from '../../src/report/junit.ts';
import { CLUSTERS, cleanReads, deployed, desiredUnits, liveObjects } from '../unit/drift/fixtures.ts';
import { assertValidJunit, xsdCheck } from './support/junit-xsd.ts';

// The shape `apply --junit` writes (src/commands/apply.ts): a suite per wave, a
// case per unit; passed, gate failed with pod details, rolled back, not started, unchanged.
const applySuites: JunitSuite[] = [
  {
    name: 'helm-cascade apply: wave internal',
    timestamp: '2026-11-22T02:00:05Z',
    cases: [
      { name: 'onprem-paris/accounts/account-service-internal', classname: 'apply.internal', time: 9.412 },
      { name: 'gke-europe-west1/accounts/account-service-internal', classname: 'apply.internal', time: 1234.5, skipped: 'unchanged' },
    ],
  },
  {
    name: 'helm-cascade apply: wave canary',
    timestamp: '2026-11-22T02:00:05Z',
    cases: [
      {
        name: 'onprem-paris/accounts/account-service-free',
        classname: 'apply.canary',
        time: 31.05,
        failure: {
          message: 'pod account-service-free-7c9d: CrashLoopBackOff (restarts: 3)',
          type: 'gate-failed',
          body: 'account-service-free-7c9d: CrashLoopBackOff back-off 10s restarting failed container\nWarning BackOff <pod> & "quotes" ]]> \u001b[31mred\u001b[0m \u0007bell\npanic: config key "db.url" missing\nrolled back to revision 3',
        },
      },
      { name: 'onprem-paris/accounts/account-service-paid', classname: 'apply.canary', time: 0, failure: { message: 'rolled back: its wave failed', type: 'rolled-back' } },
    ],
  },
  {
    name: 'helm-cascade apply: wave production-onprem',
    timestamp: '2026-11-22T02:00:05Z',
    cases: [{ name: 'onprem-paris/accounts/account-service-production', classname: 'apply.production-onprem', time: 0, skipped: 'not started: wave canary failed' }],
  },
];

function driftedReport() {
  const reads = cleanReads();
  const [paris, gke] = reads;
  assert.ok(paris && gke);
  paris.live = [...(paris.live as ReturnType<typeof liveObjects>).filter((o) => o.metadata?.name !== 'account-service-production'), ...liveObjects('account-service-production', 'accounts', { replicas: 9, logLevel: 'debug<script>' })];
  gke.releases = [deployed('gke-europe-west1', 'account-service-internal', 'accounts', { status: 'failed' }), deployed('gke-europe-west1', 'account-service-production', 'accounts'), deployed('gke-europe-west1', 'redis', 'accounts', { managed: false })];
  return assessDrift({ clustersFile: 'clusters.yaml', createdAt: '2026-11-22T02:00:00Z', clusters: CLUSTERS, units: desiredUnits(), reads, repo: 'deploy' });
}

describe('JUnit reports validate against Jenkins xunit junit-10.xsd', () => {
  it('the validator refuses what the schema refuses (skipped on <testsuites>, a testcase without name)', () => {
    const bad = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites tests="1" skipped="1"><testsuite name="s" tests="1" failures="0" errors="0"><testcase/></testsuite></testsuites>\n';
    const r = xsdCheck(bad);
    assert.equal(r.ok, false);
    assert.match(r.messages, /skipped/);
    assert.match(r.messages, /name/);
  });

  it('apply-shaped: waves, a gate failure with pod logs, rollbacks, skips', () => {
    const xml = writeJunit(applySuites);
    assertValidJunit(xml);
    assert.match(xml, /<testsuite name="helm-cascade apply: wave internal" id="0" tests="2" failures="0" errors="0" skipped="1"/);
  });

  it('drift-shaped: a suite per cluster, a failing case per drifted release', () => {
    const xml = renderDrift(driftedReport(), 'junit', { color: false });
    assert.equal((xml.match(/<failure /g) ?? []).length, 3);
    assertValidJunit(xml);
  });

  it('drift-shaped with an unreadable cluster (an <error> case) and an empty report', () => {
    const reads = cleanReads();
    const gke = reads[1];
    assert.ok(gke);
    gke.error = 'Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout';
    gke.releases = [];
    gke.live = [];
    const report = assessDrift({ clustersFile: 'clusters.yaml', createdAt: '2026-11-22T02:00:00Z', clusters: CLUSTERS, units: desiredUnits(), reads, repo: 'deploy' });
    const xml = renderDrift(report, 'junit', { color: false });
    assert.match(xml, /<error /);
    assertValidJunit(xml);
    assertValidJunit(writeJunit([]));
  });
});
