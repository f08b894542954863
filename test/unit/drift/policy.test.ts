// drift's "policy" finding: the live pods a deployed release runs, judged by
// the house rules; shown in every drift format.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessDrift } from '../../../src/drift/assess.ts';
import { driftOutcome } from '../../../src/drift/outcome.ts';
import { driftPolicies, podsOfRelease, policyFinding } from '../../../src/drift/policy.ts';
import { EXIT_CODES } from '../../../src/errors.ts';
import type { LiveObject } from '../../../src/model/objects.ts';
import type { ClusterSpec, DeployRepo, PolicyRuleSpec } from '../../../src/model/spec.ts';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import { renderDrift } from '../../../src/report/drift-formats.ts';
import { presetRuleSpec } from '../plan/policy-rules.ts';
import { CLUSTERS, cleanReads, deployed, desiredUnits } from './fixtures.ts';

const pos = { file: 'clusters.yaml', line: 1, col: 1 };
const paris: ClusterSpec = { name: 'onprem-paris', context: 'dc-paris', provider: 'onprem', region: 'europe', labels: {}, pos };

function pod(name: string, labels: Record<string, string>, resources: Record<string, unknown> = {}): LiveObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'accounts', labels }, spec: { containers: [{ name: 'web', image: 'web:1.2.0', resources }] } };
}
const RS_POD = { 'app.kubernetes.io/name': 'cascade-demo', 'app.kubernetes.io/instance': 'account-service-production', 'pod-template-hash': '5d9c' };
const LIMITS = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '1', memory: '64Mi' } };

function repo(policies: PolicyRuleSpec[], exceptions: DeployRepo['releases'][number]['policyExceptions'] = []): DeployRepo {
  const pos0 = pos;
  return {
    config: { file: 'clusters.yaml', root: '/', repoName: 'deploy', clusters: [paris], tracks: [], waves: [], wavesGiven: false, health: DEFAULT_HEALTH, onFailure: 'rollback', cascadeValues: 'auto', repositories: [], policies },
    releases: [{ name: 'account-service', namespace: 'accounts', file: 'releases/a.yaml', chart: { ref: 'c', pos: pos0 }, base: { values: [], set: {}, pos: pos0 }, clusters: [], health: {}, repositories: [], ignoreDifferences: [], policyExceptions: exceptions, pos: pos0 }],
  };
}

describe('house rules on live pods (drift)', () => {
  const dep = { ...deployed('onprem-paris', 'account-service-production', 'accounts'), labels: { 'managed-by': 'helm-cascade', 'cascade-repo': 'deploy', 'cascade-release': 'account-service', 'cascade-track': 'production' } };
  const pods = [pod('account-service-production-5d9c-a', RS_POD), pod('account-service-production-5d9c-b', RS_POD, LIMITS), pod('someone-else', { app: 'other' }), { ...pod('gone', RS_POD), metadata: { ...pod('gone', RS_POD).metadata, deletionTimestamp: '2026-12-01T00:00:00Z' } }];

  it('the release\'s pods are the ones its workloads select (not terminating, not other apps)', () => {
    assert.deepEqual(podsOfRelease(dep, pods).map((s) => `${s.name} of ${s.owner?.kind} ${s.owner?.name}`), ['account-service-production-5d9c-a of Deployment account-service-production', 'account-service-production-5d9c-b of Deployment account-service-production']);
  });

  it('a finding names each pod, its workload, the rule and the message; warn rules are marked', () => {
    const f = policyFinding(dep, pods, paris, driftPolicies(repo([presetRuleSpec('resources', 'deny', { require: ['limits.memory'] }), presetRuleSpec('no-latest', 'warn')]))!);
    assert.deepEqual(f, {
      kind: 'policy',
      summary: '1 live pod breaks house rule resources',
      details: ['Pod accounts/account-service-production-5d9c-a (of Deployment account-service-production): resources: container web has no limits.memory'],
    });
    const latest = [pod('account-service-production-5d9c-c', RS_POD, LIMITS)];
    (latest[0]!.spec as { containers: { image: string }[] }).containers[0]!.image = 'web:latest';
    assert.deepEqual(policyFinding(dep, latest, paris, driftPolicies(repo([presetRuleSpec('no-latest', 'warn')]))!)?.details, ['(warn) Pod accounts/account-service-production-5d9c-c (of Deployment account-service-production): no-latest: container web runs web:latest (tag latest): pin a version tag or a digest']);
  });

  it('an exception naming the workload covers its pods; no rules, no finding', () => {
    const ex = [{ rule: 'resources', kinds: ['Deployment'], names: ['account-service-*'], reason: 'sized later', pos }];
    assert.equal(policyFinding(dep, pods, paris, driftPolicies(repo([presetRuleSpec('resources')], ex))!), undefined);
    assert.equal(driftPolicies(repo([])), undefined);
  });

  it('a policy finding makes the unit drift (exit 2), in every format', () => {
    const finding = policyFinding(dep, pods, paris, driftPolicies(repo([presetRuleSpec('resources', 'deny', { require: ['limits.memory'] })]))!)!;
    const report = assessDrift({ clustersFile: 'clusters.yaml', createdAt: '2026-12-02T00:00:00Z', clusters: CLUSTERS, units: desiredUnits(), reads: cleanReads(), repo: 'deploy', policy: new Map([['onprem-paris/accounts/account-service-production', finding]]) });
    const u = report.units.find((x) => x.id === 'onprem-paris/accounts/account-service-production')!;
    assert.equal(u.state, 'policy');
    assert.deepEqual(u.findings, [finding]);
    assert.equal(report.summary.policy, 1);
    assert.equal(report.summary.drifted, 1);
    assert.equal(driftOutcome(report).exitCode, 2);
    const line = 'Pod accounts/account-service-production-5d9c-a (of Deployment account-service-production): resources: container web has no limits.memory';
    const text = renderDrift(report, 'text', { color: false });
    assert.ok(text.includes('  ✗ house rules  accounts/account-service-production'), text);
    assert.ok(text.includes(`      policy     1 live pod breaks house rule resources\n        ${line}\n`), text);
    assert.match(text, /3 clean, 1 drifted \(1 house rules\)/);
    const json = JSON.parse(renderDrift(report, 'json', { color: false })) as typeof report;
    assert.deepEqual(json.units.find((x) => x.id === u.id)?.findings, [finding]);
    assert.ok(renderDrift(report, 'junit', { color: false }).includes('<failure message="house rules: 1 live pod breaks house rule resources" type="policy">'));
    assert.ok(renderDrift(report, 'markdown', { color: false }).includes(`- **house rules**: 1 live pod breaks house rule resources\n  - ${line.replace(/[\\`*[\]<|]/g, (c) => `\\${c}`)}`));
    const html = renderDrift(report, 'html', { color: false });
    assert.ok(html.includes('.s-policy{'), 'its own colour in the matrix');
    assert.ok(html.includes(`<li>${line}</li>`));
  });
});
