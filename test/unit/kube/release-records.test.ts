import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRecord, encodeReleaseJson, latestReleases } from '../../../src/kube/release-records.ts';
import type { RecordObject } from '../../../src/kube/release-records.ts';

/** A release record the way helm writes it: JSON -> gzip -> base64, then base64 again as Secret data. */
function secretRecord(name: string, ns: string, revision: number, status: string, extraLabels: Record<string, string> = {}, manifest = 'kind: ConfigMap\n'): RecordObject {
  const release = {
    name,
    namespace: ns,
    version: revision,
    info: { status, last_deployed: '2026-11-22T01:00:00Z' },
    chart: { metadata: { name: 'cascade-demo', version: `0.${revision}.0`, appVersion: '1.2.0' } },
    config: { replicaCount: revision },
    manifest,
  };
  return {
    kind: 'Secret',
    metadata: { name: `sh.helm.release.v1.${name}.v${revision}`, namespace: ns, labels: { owner: 'helm', name, status, version: String(revision), ...extraLabels } },
    data: { release: Buffer.from(encodeReleaseJson(release)).toString('base64') },
  };
}

describe('release records', () => {
  it('decodes a Secret record built the way helm builds it', () => {
    const d = decodeRecord(secretRecord('web', 'ns1', 3, 'deployed', { 'managed-by': 'helm-cascade', 'cascade-release': 'web' }), 'c1');
    assert.equal(d.name, 'web');
    assert.equal(d.namespace, 'ns1');
    assert.equal(d.cluster, 'c1');
    assert.equal(d.revision, 3);
    assert.equal(d.status, 'deployed');
    assert.equal(d.chartName, 'cascade-demo');
    assert.equal(d.chartVersion, '0.3.0');
    assert.deepEqual(d.config, { replicaCount: 3 });
    assert.equal(d.manifest, 'kind: ConfigMap\n');
    assert.equal(d.managed, true);
    assert.deepEqual(d.labels, { 'managed-by': 'helm-cascade', 'cascade-release': 'web' });
  });
  it('decodes a ConfigMap record (no extra base64)', () => {
    const s = secretRecord('web', 'ns1', 1, 'deployed');
    const cmRec: RecordObject = { ...s, kind: 'ConfigMap', data: { release: Buffer.from(s.data!.release!, 'base64').toString('utf8') } };
    assert.equal(decodeRecord(cmRec, 'c').revision, 1);
    assert.equal(decodeRecord(cmRec, 'c').managed, false);
  });
  it('keeps the latest revision per release and skips uninstalled ones', () => {
    const list = [
      secretRecord('web', 'ns1', 1, 'superseded'),
      secretRecord('web', 'ns1', 3, 'failed'),
      secretRecord('web', 'ns1', 2, 'deployed'),
      secretRecord('web', 'ns2', 1, 'deployed'),
      secretRecord('gone', 'ns1', 2, 'uninstalled'),
      { metadata: { name: 'other', labels: { owner: 'someone' } }, data: { release: 'x' } },
    ];
    const got = latestReleases(list, 'c');
    assert.deepEqual(got.map((d) => [d.namespace, d.name, d.revision, d.status]), [
      ['ns1', 'web', 3, 'failed'],
      ['ns2', 'web', 1, 'deployed'],
    ]);
  });
});
