// House rules on a plan: a unit to install or upgrade that breaks a deny rule
// becomes an error (plan exits 4, apply refuses); warn rules land on the unit
// and are shown; unchanged units are not judged.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import type { ResolvedChart } from '../../../src/model/release.ts';
import type { ClusterSpec, DeployRepo, PolicyRuleSpec, ReleaseSpec } from '../../../src/model/spec.ts';
import type { UnitSpec } from '../../../src/model/units.ts';
import { assemblePlan, planOutcome, planUnits } from '../../../src/plan/assemble.ts';
import type { GatheredUnit } from '../../../src/plan/assemble.ts';
import { checkPlanPolicies, planWarnings } from '../../../src/plan/policies.ts';
import { presetRuleSpec } from './policy-rules.ts';
import { renderPlanText } from '../../../src/report/plan-text.ts';

const pos = { file: 'x', line: 1, col: 1 };
const manifest = readFileSync(join(import.meta.dirname, '..', 'policy', 'fixtures', 'resources-missing.yaml'), 'utf8');
const okManifest = readFileSync(join(import.meta.dirname, '..', 'policy', 'fixtures', 'resources-ok.yaml'), 'utf8');
const cluster = (name: string): ClusterSpec => ({ name, context: name, provider: 'gke', region: 'eu', labels: {}, pos });
const chart: ResolvedChart = { ref: 'charts/web', name: 'web', version: '1.0.0', path: '/c', digest: 'd', features: { lookup: false, hooks: false, crdsDir: false, schema: undefined, apiQueries: [] } };

function release(name: string, extra: Partial<ReleaseSpec> = {}): ReleaseSpec {
  return { name, namespace: 'shop', file: `releases/${name}.yaml`, chart: { ref: 'charts/web', pos }, base: { values: [], set: {}, pos }, clusters: [], health: {}, repositories: [], ignoreDifferences: [], policyExceptions: [], pos, ...extra };
}

function desired(rel: ReleaseSpec, c: string, text: string): GatheredUnit {
  const unit: UnitSpec = { release: rel.name, track: undefined, cluster: c, namespace: 'shop', helmName: rel.name, releaseSpec: rel, clusterSpec: cluster(c), waveTrack: undefined, enabled: true, layers: [], health: DEFAULT_HEALTH };
  return { unit, wave: 'w1', step: 0, health: DEFAULT_HEALTH, state: 'rendered', chart, values: {}, origins: [], manifest: text, hooks: [], crds: [], extra: '', inputs: 'i', nondeterministic: false, notes: [] };
}

function planOf(units: GatheredUnit[]) {
  return assemblePlan({ clustersFile: 'clusters.yaml', waves: [{ name: 'w1', index: 0, steps: [units] }], deployed: [], listedIds: new Set(), clustersRead: new Set(['a', 'b']), repo: 'deploy', selector: {}, prune: false, orphanPlacement: () => undefined, createdAt: '2026-12-02T00:00:00Z' });
}

function repoOf(policies: PolicyRuleSpec[], releases: ReleaseSpec[]): DeployRepo {
  return { config: { file: 'clusters.yaml', root: '/', repoName: 'deploy', clusters: [cluster('a'), cluster('b')], tracks: [], waves: [], wavesGiven: false, health: DEFAULT_HEALTH, onFailure: 'rollback', cascadeValues: 'auto', repositories: [], policies }, releases };
}

describe('house rules on a plan', () => {
  it('a deny violation makes the unit an error naming the object, template, rule and message; the others stay', () => {
    const web = release('web');
    const api = release('api');
    const plan = checkPlanPolicies(planOf([desired(web, 'a', manifest), desired(api, 'a', okManifest)]), repoOf([presetRuleSpec('resources')], [web, api]));
    const [u1, u2] = planUnits(plan);
    assert.equal(u1?.kind, 'failed');
    assert.equal(u1?.kind === 'failed' ? u1.error : '', 'house rule broken: Deployment shop/web (web/templates/deployment.yaml): resources: container web has no limits.cpu, limits.memory');
    assert.equal(u2?.kind, 'rendered');
    assert.equal(planOutcome(plan), 'bad-input');
    assert.match(renderPlanText(plan, { color: false }), /1 release failed to render or has objects the API server refuses or breaks a house rule/);
  });

  it('a warn violation is kept on the unit, shown in the plan, and does not block', () => {
    const web = release('web');
    const plan = checkPlanPolicies(planOf([desired(web, 'a', manifest)]), repoOf([presetRuleSpec('resources', 'warn')], [web]));
    assert.equal(planOutcome(plan), 'changes');
    assert.deepEqual(planWarnings(plan), ['a/shop/web: house rule warning: Deployment shop/web (web/templates/deployment.yaml): resources: container web has no limits.cpu, limits.memory']);
    assert.ok(renderPlanText(plan, { color: false }).includes('    + web (shop)  install  web 1.0.0\n        ! house rule warning: Deployment shop/web (web/templates/deployment.yaml): resources: container web has no limits.cpu, limits.memory\n'));
  });

  it('an exception of the release, and a plan without rules, leave the plan as it is', () => {
    const web = release('web', { policyExceptions: [{ rule: 'resources', kinds: ['Deployment'], reason: 'sized by the team', pos }] });
    const plan = planOf([desired(web, 'a', manifest)]);
    assert.equal(checkPlanPolicies(plan, repoOf([presetRuleSpec('resources')], [web])), plan);
    assert.equal(checkPlanPolicies(plan, repoOf([], [web])), plan);
  });
});
