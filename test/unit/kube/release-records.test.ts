// Release records as the real helm 3 and helm 4 write them: the fixtures are
// Secrets and ConfigMaps captured once from a fleet cluster after helm
// install/upgrade/uninstall (fixtures/README.md says how), decoded here by
// our decoder. No encoder of ours is involved, so a bug in our reading of
// helm's format cannot cancel itself out.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeRecord, latestReleases } from '../../../src/kube/release-records.ts';
import type { RecordObject } from '../../../src/kube/release-records.ts';

const fixture = (major: 3 | 4) =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `helm${major}-records.json`), 'utf8')) as { helm: string; items: RecordObject[] };

for (const major of [3, 4] as const) {
  describe(`release records written by helm ${major}`, () => {
    const { helm, items } = fixture(major);
    const ns = `records-capture-h${major}`;
    const byName = (name: string) => {
      const obj = items.find((o) => o.metadata?.name === name);
      assert.ok(obj, `${name} in the fixture`);
      return decodeRecord(obj, 'paris');
    };

    it(`was captured from helm ${major}`, () => assert.match(helm, new RegExp(`^v${major}\\.`)));

    it('decodes a Secret record: identity, status, chart, values, labels, manifest', () => {
      const d = byName('sh.helm.release.v1.web.v2');
      const { manifest, updated, ...rest } = d;
      assert.deepEqual(rest, {
        cluster: 'paris',
        namespace: ns,
        name: 'web',
        revision: 2,
        status: 'deployed',
        chartName: 'tiny',
        chartVersion: '0.1.0',
        appVersion: '1.0',
        config: { replicaCount: 2, podAnnotations: { note: 'second' } },
        labels: { 'managed-by': 'helm-cascade', 'cascade-release': 'web' },
        managed: true,
        description: 'Upgrade complete',
        ...(major === 4 ? { applyMethod: 'ssa' } : {}),
      });
      assert.match(updated ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
      assert.ok(manifest.startsWith('---\n# Source: tiny/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n'), manifest);
      assert.ok(manifest.includes('\n# Source: tiny/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n'), manifest);
      assert.ok(manifest.includes('\n  replicas: 2\n') && manifest.includes('\n        note: second\n'), manifest);
    });

    it('decodes the superseded first revision with its own values', () => {
      const d = byName('sh.helm.release.v1.web.v1');
      assert.deepEqual([d.revision, d.status, d.config, d.description], [1, 'superseded', { replicaCount: 1 }, 'Install complete']);
      assert.ok(d.manifest.includes('\n  replicas: 1\n'));
    });

    it('decodes a ConfigMap record (HELM_DRIVER=configmap: one base64 less)', () => {
      const obj = items.find((o) => o.metadata?.name === 'sh.helm.release.v1.cm.v1');
      assert.equal(obj?.kind, 'ConfigMap');
      const d = byName('sh.helm.release.v1.cm.v1');
      assert.deepEqual([d.name, d.revision, d.status, d.config, d.managed, d.labels], ['cm', 1, 'deployed', { replicaCount: 1 }, false, {}]);
    });

    it('keeps the latest revision per release and leaves out an uninstalled one (kept history)', () => {
      assert.equal(byName('sh.helm.release.v1.gone.v1').status, 'uninstalled');
      assert.deepEqual(latestReleases(items, 'paris').map((d) => [d.namespace, d.name, d.revision, d.status]), [
        [ns, 'cm', 1, 'deployed'],
        [ns, 'web', 2, 'deployed'],
      ]);
    });
  });
}

describe('release records: what is not a helm record', () => {
  it('skips objects helm does not own, and fails on a record without data, naming it', () => {
    assert.deepEqual(latestReleases([{ metadata: { name: 'other', labels: { owner: 'someone' } }, data: { release: 'x' } }], 'c'), []);
    assert.throws(() => decodeRecord({ kind: 'Secret', metadata: { name: 'sh.helm.release.v1.x.v1', namespace: 'n' } }, 'c'), {
      message: 'release record n/sh.helm.release.v1.x.v1 has no release data',
    });
  });
});
