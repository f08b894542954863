import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessDrift, worstUnits } from '../../../src/drift/assess.ts';
import { driftOutcome } from '../../../src/drift/outcome.ts';
import { EXIT_CODES } from '../../../src/errors.ts';
import type { DriftInput } from '../../../src/drift/assess.ts';
import type { DriftReport } from '../../../src/drift/types.ts';
import type { Plan, PlannedUnit } from '../../../src/plan/types.ts';
import { DOCUMENT_FORMATS, renderDrift } from '../../../src/report/drift-formats.ts';
import { CLUSTERS, cleanReads, deployed, desiredUnits, liveObjects, SECRET_VALUE, SECRET_VALUE_EDITED } from './fixtures.ts';

/** A plan that finds nothing pending (the repository was rendered and compared). */
const NOTHING_PENDING: Plan = { version: 1, createdAt: '2026-11-22T02:00:00Z', clustersFile: 'clusters.yaml', waves: [], orphans: [], summary: { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 } };

function input(over: Partial<DriftInput> = {}): DriftInput {
  return { clustersFile: 'clusters.yaml', createdAt: '2026-11-22T02:00:00Z', clusters: CLUSTERS, units: desiredUnits(), reads: cleanReads(), repo: 'deploy', ...over };
}

function unit(r: DriftReport, id: string) {
  const u = r.units.find((x) => x.id === id);
  assert.ok(u, `no unit ${id} in ${r.units.map((x) => x.id).join(', ')}`);
  return u;
}

/** Replace the live objects of one release in one cluster. */
function withLive(cluster: string, name: string, live: ReturnType<typeof liveObjects>) {
  const reads = cleanReads();
  const read = reads.find((r) => r.cluster === cluster);
  assert.ok(read && Array.isArray(read.live));
  read.live = [...(read.live as ReturnType<typeof liveObjects>).filter((o) => o.metadata?.name !== name), ...live];
  return reads;
}

describe('assessDrift', () => {
  it('clean: every unit clean, exit 0; exit 1 when the repository could not be compared', () => {
    const r = assessDrift(input({ plan: NOTHING_PENDING }));
    assert.equal(r.summary.units, 4);
    assert.equal(r.summary.clean, 4);
    assert.equal(r.summary.drifted, 0);
    assert.deepEqual(r.outcome, { result: 'success', exitCode: 0, why: 'no drift' });
    assert.equal(driftOutcome(r).exitCode, 0);
    assert.deepEqual(assessDrift(input()).outcome, { result: 'failed', exitCode: 1, why: 'the repository could not be rendered, so pending changes were not checked' });
    assert.deepEqual(r.clusters.map((c) => c.readable), [true, true]);
  });

  it('live: a scaled Deployment is named, exit 2', () => {
    const r = assessDrift(input({ reads: withLive('onprem-paris', 'account-service-production', liveObjects('account-service-production', 'accounts', { replicas: 9 })) }));
    const u = unit(r, 'onprem-paris/accounts/account-service-production');
    assert.equal(u.state, 'live');
    assert.match(u.findings[0]?.details.join('\n') ?? '', /Deployment accounts\/account-service-production: spec\.replicas: 2 -> 9/);
    assert.equal(r.summary.drifted, 1);
    assert.equal(driftOutcome(r).exitCode, 2);
  });

  it('live: an edited ConfigMap and a deleted Service', () => {
    const live = liveObjects('account-service-internal', 'accounts', { logLevel: 'debug' }).filter((o) => o.kind !== 'Service');
    const r = assessDrift(input({ reads: withLive('gke-europe-west1', 'account-service-internal', live) }));
    const u = unit(r, 'gke-europe-west1/accounts/account-service-internal');
    assert.equal(u.state, 'live');
    assert.match(u.findings[0]?.summary ?? '', /1 object changed, 1 missing/);
    const details = u.findings[0]?.details.join('\n') ?? '';
    assert.match(details, /ConfigMap accounts\/account-service-internal: data\.LOG_LEVEL: "info" -> "debug"/);
    assert.match(details, /Service accounts\/account-service-internal: missing/);
  });

  it('live: an edited Secret never shows its value in any format', () => {
    const r = assessDrift(input({ reads: withLive('onprem-paris', 'account-service-internal', liveObjects('account-service-internal', 'accounts', { secret: SECRET_VALUE_EDITED })) }));
    const u = unit(r, 'onprem-paris/accounts/account-service-internal');
    assert.equal(u.state, 'live');
    assert.match(u.findings[0]?.details.join('\n') ?? '', /key DB_PASSWORD changed/);
    const secrets = [SECRET_VALUE, SECRET_VALUE_EDITED].flatMap((v) => [v, Buffer.from(v).toString('base64')]);
    for (const format of DOCUMENT_FORMATS) {
      const out = renderDrift(r, format, { color: false, verbose: true });
      assert.match(out, /DB_PASSWORD/, `${format} names the key`);
      for (const s of secrets) assert.ok(!out.includes(s), `${format} leaks a secret value`);
    }
  });

  it('broken: a failed release and a pending-upgrade', () => {
    const reads = cleanReads();
    const paris = reads[0];
    assert.ok(paris);
    paris.releases = [deployed('onprem-paris', 'account-service-internal', 'accounts', { status: 'failed', revision: 4 }), deployed('onprem-paris', 'account-service-production', 'accounts', { status: 'pending-upgrade' })];
    const r = assessDrift(input({ reads }));
    const failed = unit(r, 'onprem-paris/accounts/account-service-internal');
    assert.equal(failed.state, 'broken');
    assert.equal(failed.deployed?.revision, 4);
    assert.match(failed.findings[0]?.summary ?? '', /status failed \(revision 4\)/);
    assert.equal(unit(r, 'onprem-paris/accounts/account-service-production').state, 'broken');
    assert.equal(r.summary.broken, 2);
  });

  it('skew: the same release and track on different chart versions; the odd one out is named', () => {
    const reads = cleanReads();
    const gke = reads[1];
    assert.ok(gke);
    gke.releases = [deployed('gke-europe-west1', 'account-service-internal', 'accounts'), deployed('gke-europe-west1', 'account-service-production', 'accounts', { version: '1.3.0' })];
    const extra = { cluster: 'gke-us-east1', releases: [deployed('gke-us-east1', 'account-service-production', 'accounts')], live: liveObjects('account-service-production', 'accounts') };
    const units = [...desiredUnits(), { release: 'account-service', track: 'production', cluster: 'gke-us-east1', namespace: 'accounts', helmName: 'account-service-production', enabled: true }];
    const r = assessDrift(input({ clusters: [...CLUSTERS, 'gke-us-east1'], units, reads: [...reads, extra] }));
    const odd = unit(r, 'gke-europe-west1/accounts/account-service-production');
    assert.equal(odd.state, 'skew');
    assert.match(odd.findings[0]?.summary ?? '', /chart 1\.3\.0 here, 1\.2\.0 on onprem-paris, gke-us-east1/);
    assert.equal(unit(r, 'onprem-paris/accounts/account-service-production').state, 'clean');
    assert.deepEqual(r.skew, [{ release: 'account-service', track: 'production', helmName: 'account-service-production', versions: { '1.2.0': ['onprem-paris', 'gke-us-east1'], '1.3.0': ['gke-europe-west1'] } }]);
  });

  it('unmanaged: a release without the marker in a managed namespace, an orphan, and a hand-installed known release', () => {
    const reads = cleanReads();
    const paris = reads[0];
    assert.ok(paris);
    paris.releases = [
      deployed('onprem-paris', 'account-service-internal', 'accounts', { managed: false }),
      deployed('onprem-paris', 'account-service-production', 'accounts'),
      deployed('onprem-paris', 'redis', 'accounts', { managed: false }),
      deployed('onprem-paris', 'old-service', 'legacy', { managed: true }),
      deployed('onprem-paris', 'someone-else', 'monitoring', { managed: false }),
    ];
    const r = assessDrift(input({ reads }));
    assert.match(unit(r, 'onprem-paris/accounts/redis').findings[0]?.summary ?? '', /not managed by helm-cascade and not in the repository/);
    assert.equal(unit(r, 'onprem-paris/accounts/redis').known, false);
    assert.match(unit(r, 'onprem-paris/legacy/old-service').findings[0]?.summary ?? '', /orphaned/);
    assert.equal(unit(r, 'onprem-paris/accounts/account-service-internal').state, 'unmanaged');
    assert.ok(!r.units.some((u) => u.helmName === 'someone-else'), 'releases outside the repository namespaces are not ours to judge');
    assert.equal(r.summary.unmanaged, 3);
  });

  it('a failed release is not compared with live objects its revision never fully applied', () => {
    const reads = withLive('onprem-paris', 'account-service-internal', liveObjects('account-service-internal', 'accounts', { replicas: 9 }));
    const paris = reads[0];
    assert.ok(paris);
    paris.releases = [deployed('onprem-paris', 'account-service-internal', 'accounts', { status: 'failed' }), deployed('onprem-paris', 'account-service-production', 'accounts')];
    const u = unit(assessDrift(input({ reads })), 'onprem-paris/accounts/account-service-internal');
    assert.deepEqual(u.findings.map((f) => f.kind), ['broken']);
    assert.match(u.findings[0]?.details.join('\n') ?? '', /not compared/);
  });

  it("another deploy repository's releases (labelled with its name) are left alone outside our namespaces", () => {
    const reads = cleanReads();
    const paris = reads[0];
    assert.ok(paris);
    const other = deployed('onprem-paris', 'billing', 'billing');
    other.labels = { 'managed-by': 'helm-cascade', 'cascade-repo': 'billing-deploy', 'cascade-cluster': 'dc-paris-1' };
    const ours = deployed('onprem-paris', 'old', 'legacy');
    ours.labels = { 'managed-by': 'helm-cascade', 'cascade-repo': 'deploy', 'cascade-cluster': 'onprem-paris' };
    paris.releases = [...paris.releases, other, ours];
    const r = assessDrift(input({ reads }));
    assert.ok(!r.units.some((u) => u.helmName === 'billing'));
    assert.match(unit(r, 'onprem-paris/legacy/old').findings[0]?.summary ?? '', /orphaned/);
  });

  it('pending without a plan: not installed, and disabled but installed', () => {
    const units = desiredUnits().map((u) => (u.cluster === 'gke-europe-west1' && u.track === 'production' ? { ...u, enabled: false } : u));
    const reads = cleanReads();
    const paris = reads[0];
    assert.ok(paris);
    paris.releases = paris.releases.filter((x) => x.name !== 'account-service-internal');
    const r = assessDrift(input({ units, reads }));
    assert.match(unit(r, 'onprem-paris/accounts/account-service-internal').findings[0]?.summary ?? '', /not deployed/);
    assert.match(unit(r, 'gke-europe-west1/accounts/account-service-production').findings[0]?.summary ?? '', /enabled: false/);
    assert.equal(r.pendingChecked, false);
    assert.equal(r.notes.length, 1);
  });

  it('pending from the plan: upgrades with repository reasons count, live-drift-only upgrades do not', () => {
    const pu = (cluster: string, track: string, over: Partial<PlannedUnit>): PlannedUnit =>
      ({ kind: 'rendered', release: 'account-service', track, cluster, namespace: 'accounts', helmName: `account-service-${track}`, wave: 'w', step: 0, action: 'unchanged', reasons: [], diffs: [], health: {} as PlannedUnit['health'], digest: { chart: '', values: '', manifest: '', deployedRevision: 3 }, ...over }) as PlannedUnit;
    const plan: Plan = {
      version: 1,
      createdAt: '',
      clustersFile: 'clusters.yaml',
      waves: [
        {
          name: 'w',
          index: 0,
          steps: [
            [
              pu('onprem-paris', 'internal', { action: 'upgrade', reasons: ['chart-changed', 'values-changed'], fromVersion: '1.2.0', toVersion: '1.3.0', diffs: [{ kind: 'Secret', namespace: 'accounts', name: 'x', change: 'changed', diff: `-DB_PASSWORD: ${SECRET_VALUE}` }, { kind: 'ConfigMap', namespace: 'accounts', name: 'x', change: 'changed', diff: '-a\n+b' }] }),
              pu('onprem-paris', 'production', { action: 'upgrade', reasons: ['live-drift'] }),
              pu('gke-europe-west1', 'internal', { action: 'unchanged', toVersion: '1.2.0' }),
              pu('gke-europe-west1', 'production', { action: 'unchanged' }),
            ],
          ],
        },
      ],
      orphans: [],
      summary: { install: 0, upgrade: 2, unchanged: 2, uninstall: 0, errors: 0 },
    };
    const r = assessDrift(input({ plan }));
    const p = unit(r, 'onprem-paris/accounts/account-service-internal');
    assert.equal(p.state, 'pending');
    assert.match(p.findings[0]?.summary ?? '', /plan upgrades 1\.2\.0 -> 1\.3\.0 \(chart-changed, values-changed\)/);
    assert.equal(p.desiredVersion, '1.3.0');
    assert.equal(unit(r, 'onprem-paris/accounts/account-service-production').state, 'clean');
    assert.equal(r.pendingChecked, true);
    for (const format of DOCUMENT_FORMATS) assert.ok(!renderDrift(r, format, { color: false }).includes(SECRET_VALUE), `${format} leaks a plan secret diff`);
  });

  it('unreadable: a cluster that cannot be read makes its units unreadable and the exit code 5; the others are still judged', () => {
    const reads = cleanReads();
    reads[0] = { cluster: 'onprem-paris', error: 'Unable to connect to the server: dial tcp 127.0.0.1:1: connect: connection refused', releases: [], live: [] };
    const gke = reads[1];
    assert.ok(gke);
    gke.live = [...(gke.live as ReturnType<typeof liveObjects>).filter((o) => !(o.kind === 'Deployment' && o.metadata?.name === 'account-service-internal')), ...liveObjects('account-service-internal', 'accounts', { replicas: 5 }).filter((o) => o.kind === 'Deployment')];
    const r = assessDrift(input({ reads }));
    assert.equal(unit(r, 'onprem-paris/accounts/account-service-internal').state, 'unreadable');
    assert.equal(unit(r, 'gke-europe-west1/accounts/account-service-internal').state, 'live');
    assert.equal(r.clusters[0]?.readable, false);
    assert.equal(driftOutcome(r).exitCode, 5);
  });

  it('selector limits the units judged', () => {
    const r = assessDrift(input({ selector: { track: 'internal' } }));
    assert.deepEqual(r.units.map((u) => u.track), ['internal', 'internal']);
  });

  it('worstUnits orders by severity', () => {
    const reads = withLive('onprem-paris', 'account-service-production', liveObjects('account-service-production', 'accounts', { replicas: 9 }));
    const gke = reads[1];
    assert.ok(gke);
    gke.releases = [deployed('gke-europe-west1', 'account-service-internal', 'accounts', { status: 'failed' }), deployed('gke-europe-west1', 'account-service-production', 'accounts')];
    const r = assessDrift(input({ reads }));
    assert.deepEqual(worstUnits(r, 5).map((u) => u.state), ['broken', 'live']);
  });
});
