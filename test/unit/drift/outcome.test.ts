// drift's outcome, decided in one place from the findings and the deliveries;
// every format then writes the exit code it settled on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessDrift } from '../../../src/drift/assess.ts';
import { settleDrift } from '../../../src/drift/outcome.ts';
import type { Plan } from '../../../src/plan/types.ts';
import { DOCUMENT_FORMATS, renderDrift } from '../../../src/report/drift-formats.ts';
import { CLUSTERS, cleanReads, deployed, desiredUnits } from './fixtures.ts';

const NOTHING_PENDING: Plan = { version: 1, createdAt: 'now', clustersFile: 'clusters.yaml', waves: [], orphans: [], summary: { install: 0, upgrade: 0, unchanged: 0, uninstall: 0, errors: 0 } };
const clean = () => assessDrift({ clustersFile: 'clusters.yaml', createdAt: '2026-11-22T02:00:00Z', clusters: CLUSTERS, units: desiredUnits(), reads: cleanReads(), repo: 'deploy', plan: NOTHING_PENDING });
const refused = { what: 'notify' as const, to: 'https://hooks.example.com/…', ok: false, error: 'webhook answered 500 Internal Server Error' };

/** The exit code each document format states. */
function statedExitCodes(r: ReturnType<typeof clean>): Record<string, string> {
  const stated: Record<string, string> = {};
  for (const f of DOCUMENT_FORMATS) {
    const text = renderDrift(r, f, { color: false });
    const m = f === 'json' ? /"exitCode": (\d+)/.exec(text) : f === 'junit' ? /<property name="exitCode" value="(\d+)"\/>/.exec(text) : /exit code\D{0,30}(\d+)/.exec(text);
    stated[f] = m?.[1] ?? 'none';
  }
  return stated;
}

describe('the outcome of a drift run', () => {
  it('clean and delivered: 0 in every format', () => {
    const r = settleDrift(clean(), [{ what: 'notify', to: 'https://hooks.example.com/…', ok: true }]);
    assert.deepEqual(r.outcome, { result: 'success', exitCode: 0, why: 'no drift' });
    assert.deepEqual(statedExitCodes(r), { text: '0', json: '0', junit: '0', markdown: '0', html: '0' });
  });
  it('clean but the webhook refused: 1 in every format, and why', () => {
    const r = settleDrift(clean(), [refused]);
    assert.deepEqual(r.outcome, { result: 'failed', exitCode: 1, why: 'no drift, but notify https://hooks.example.com/… failed: webhook answered 500 Internal Server Error' });
    assert.deepEqual(statedExitCodes(r), { text: '1', json: '1', junit: '1', markdown: '1', html: '1' });
    assert.deepEqual(r.deliveries, [refused]);
  });
  it('drift found: 2 whatever became of the webhook; a cluster not read: 5 before anything else', () => {
    const reads = cleanReads();
    reads[0]!.releases = [deployed('onprem-paris', 'account-service-internal', 'accounts', { status: 'failed' }), ...reads[0]!.releases.slice(1)];
    const drifted = assessDrift({ clustersFile: 'clusters.yaml', createdAt: 'now', clusters: CLUSTERS, units: desiredUnits(), reads, repo: 'deploy', plan: NOTHING_PENDING });
    assert.equal(settleDrift(drifted, [refused]).outcome.exitCode, 2);
    reads[1] = { cluster: reads[1]!.cluster, error: 'connection refused', releases: [], live: [] };
    const unread = assessDrift({ clustersFile: 'clusters.yaml', createdAt: 'now', clusters: CLUSTERS, units: desiredUnits(), reads, repo: 'deploy', plan: NOTHING_PENDING });
    assert.deepEqual(settleDrift(unread, [refused]).outcome, { result: 'refused', exitCode: 5, why: '1 cluster could not be read: gke-europe-west1' });
  });
});
