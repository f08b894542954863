import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import type { DeployedRelease, ResolvedChart } from '../../../src/model/release.ts';
import type { ClusterSpec, ReleaseSpec } from '../../../src/model/spec.ts';
import type { UnitSpec } from '../../../src/model/units.ts';
import { assemblePlan } from '../../../src/plan/assemble.ts';
import type { GatheredUnit } from '../../../src/plan/assemble.ts';
import { renderPlanText } from '../../../src/report/plan-text.ts';

const pos = { file: 'x', line: 1, col: 1 };
const cluster: ClusterSpec = { name: 'a', context: 'a', provider: 'gke', region: 'eu', labels: {}, pos };
const chart: ResolvedChart = { ref: 'charts/demo', name: 'demo', version: '1.0.0', path: '/c', digest: 'd', features: { lookup: false, hooks: false, crdsDir: false, schema: undefined, apiQueries: [] } };

function release(name: string, needs: string[]): ReleaseSpec {
  return { name, namespace: 'istio-system', file: `releases/${name}.yaml`, chart: { ref: 'charts/demo', pos }, base: { values: [], set: {}, pos }, clusters: [], health: {}, repositories: [], ignoreDifferences: [], pos, needs: needs.map((n) => ({ release: n, pos })) };
}

function desired(name: string, needs: string[], enabled = true): GatheredUnit {
  const unit: UnitSpec = { release: name, track: undefined, cluster: 'a', namespace: 'istio-system', helmName: name, releaseSpec: release(name, needs), clusterSpec: cluster, waveTrack: undefined, enabled, layers: [], health: DEFAULT_HEALTH };
  const base = { unit, wave: 'all', step: 0, health: DEFAULT_HEALTH };
  if (!enabled) return { ...base, state: 'disabled' };
  return { ...base, state: 'rendered', chart, values: {}, origins: [], manifest: `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\n`, hooks: [], crds: [], extra: '', inputs: name, nondeterministic: false, notes: [] };
}

function deployed(name: string): DeployedRelease {
  return { cluster: 'a', namespace: 'istio-system', name, revision: 1, status: 'deployed', chartName: 'demo', chartVersion: '1.0.0', manifest: `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name} }\n`, config: {}, labels: {}, managed: true };
}

function plan(units: GatheredUnit[], dep: DeployedRelease[] = []) {
  return assemblePlan({ clustersFile: 'clusters.yaml', waves: [{ name: 'all', index: 0, steps: [units] }], deployed: dep, listedIds: new Set(), clustersRead: new Set(['a']), repo: 'deploy', selector: {}, prune: false, orphanPlacement: () => undefined, createdAt: 'now' });
}

describe('plan shows the needs order', () => {
  it('each unit says which units of its wave and cluster it starts after', () => {
    const p = plan([desired('istio-base', []), desired('istiod', ['istio-base']), desired('gateway', ['istiod', 'istio-base'])]);
    assert.deepEqual(p.waves[0]!.steps[0]!.map((u) => [u.helmName, u.after]), [
      ['istio-base', undefined],
      ['istiod', ['a/istio-system/istio-base']],
      ['gateway', ['a/istio-system/istiod', 'a/istio-system/istio-base']],
    ]);
    const text = renderPlanText(p, { color: false, installDiffs: false });
    assert.match(text, /\+ istiod \(istio-system\) {2}install {2}demo 1\.0\.0 {2}after istio-base\n/);
    assert.match(text, /\+ gateway \(istio-system\) {2}install {2}demo 1\.0\.0 {2}after istiod, istio-base\n/);
  });

  it('uninstalls wait for the uninstalls of the units that need them (reverse order)', () => {
    const p = plan([desired('istio-base', [], false), desired('istiod', ['istio-base'], false)], [deployed('istio-base'), deployed('istiod')]);
    assert.deepEqual(p.waves[0]!.steps[0]!.map((u) => [u.helmName, u.action, u.after]), [
      ['istio-base', 'uninstall', ['a/istio-system/istiod']],
      ['istiod', 'uninstall', undefined],
    ]);
  });
});
