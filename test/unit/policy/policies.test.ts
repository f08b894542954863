// The house rules, each preset and the CEL rules of clusters.yaml, judged on
// manifest fixtures (test/unit/policy/fixtures): each failing fixture asserted
// against the exact violations, each passing one against none.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { renderedObjects } from '../../../src/model/manifest.ts';
import type { ClusterSpec, PolicyException, PolicyRuleSpec } from '../../../src/model/spec.ts';
import { compileCel } from '../../../src/policy/cel.ts';
import { PolicySet, violationLine } from '../../../src/policy/evaluate.ts';
import type { PolicySubject, PolicyTarget } from '../../../src/policy/evaluate.ts';
import { presetRule } from '../../../src/policy/presets.ts';
import { tempDir } from '../../support/tmp.ts';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

/** The rules clusters.yaml's `policies:` gives (loaded by the real loader; no diagnostics allowed). */
function rulesFrom(policiesYaml: string): PolicyRuleSpec[] {
  const dir = tempDir('hc-policy-');
  mkdirSync(join(dir, 'releases'));
  writeFileSync(join(dir, 'clusters.yaml'), `clusters:\n  gke-eu:\n    context: ctx\n    provider: gke\npolicies:\n${policiesYaml}`);
  const { repo, diagnostics } = loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir });
  assert.deepEqual(diagnostics.map(formatDiagnostic), []);
  return repo!.config.policies!;
}

const cluster = (provider: string, name = `${provider}-eu`): ClusterSpec => ({ name, context: 'ctx', provider, region: 'europe', labels: { tier: 'primary' }, pos: { file: 'clusters.yaml', line: 1, col: 1 } });
const target = (c: ClusterSpec = cluster('gke'), exceptions: PolicyException[] = []): PolicyTarget => ({ cluster: c, release: { name: 'web', namespace: 'shop', track: 'production' }, exceptions });

function subjects(manifest: string): PolicySubject[] {
  return renderedObjects(manifest, 'shop').map((o) => ({ object: o.object, kind: o.kind, namespace: o.namespace, name: o.name, ...(o.source ? { source: o.source } : {}) }));
}

function check(policies: string, file: string, t: PolicyTarget = target()): string[] {
  return new PolicySet(rulesFrom(policies)).check(subjects(fixture(file)), t).map((v) => `${v.action} ${violationLine(v)}`);
}

describe('presets', () => {
  it('resources: every container sets cpu and memory requests and limits', () => {
    assert.deepEqual(check('  - preset: resources\n', 'resources-missing.yaml'), [
      'deny Deployment shop/web (web/templates/deployment.yaml): resources: container web has no limits.cpu, limits.memory',
    ]);
    assert.deepEqual(check('  - preset: resources\n', 'resources-ok.yaml'), []);
  });

  it('resources with require: only the fields asked for', () => {
    assert.deepEqual(check('  - { preset: resources, require: [limits.memory], action: warn }\n', 'resources-missing.yaml'), [
      'warn Deployment shop/web (web/templates/deployment.yaml): resources: container web has no limits.memory',
    ]);
    assert.deepEqual(check('  - { preset: resources, require: [requests.cpu, requests.memory] }\n', 'resources-missing.yaml'), []);
  });

  it('probes: readiness and liveness on every container, not asked of Jobs', () => {
    assert.deepEqual(check('  - preset: probes\n', 'probes-missing.yaml'), [
      'deny StatefulSet shop/db (db/templates/statefulset.yaml): probes: container db has no livenessProbe; container exporter has no readinessProbe, livenessProbe',
    ]);
    assert.deepEqual(check('  - preset: probes\n', 'probes-ok.yaml'), []);
  });

  it('probes: a live pod of a Job is not judged, a pod of a Deployment is', () => {
    const pod = (owner: string) => ({ object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ownerReferences: [{ kind: owner, name: 'x' }] }, spec: { containers: [{ name: 'c', image: 'c:1' }] } }, kind: 'Pod', namespace: 'shop', name: 'p' });
    const set = new PolicySet(rulesFrom('  - preset: probes\n'));
    assert.deepEqual(set.check([pod('Job')], target()), []);
    assert.deepEqual(set.check([pod('ReplicaSet')], target()).map(violationLine), ['Pod shop/p: probes: container c has no readinessProbe, livenessProbe']);
    // a subject with neither template nor workload gives a violation without those keys
    assert.deepEqual(set.check([pod('ReplicaSet')], target()), [
      { rule: 'probes', action: 'deny', kind: 'Pod', namespace: 'shop', name: 'p', message: 'container c has no readinessProbe, livenessProbe' },
    ]);
  });

  it('resources judges the pod template of every workload kind, and nothing else', () => {
    const set = new PolicySet(rulesFrom('  - preset: resources\n'));
    const bare = { spec: { containers: [{ name: 'c', image: 'c:1' }] } };
    const of = (kind: string, object: Record<string, unknown>): PolicySubject => ({ object: { kind, ...object }, kind, namespace: 'shop', name: kind.toLowerCase() });
    const subjects = [
      of('StatefulSet', { spec: { template: bare } }),
      of('ReplicaSet', { spec: { template: bare } }),
      of('Job', { spec: { template: bare } }),
      of('CronJob', { spec: { jobTemplate: { spec: { template: bare } } } }),
      of('Service', { spec: { template: bare } }),
    ];
    assert.deepEqual(set.check(subjects, target()).map(violationLine), ['StatefulSet', 'ReplicaSet', 'Job', 'CronJob'].map((k) => `${k} shop/${k.toLowerCase()}: resources: container c has no requests.cpu, requests.memory, limits.cpu, limits.memory`));
  });

  it('options of the wrong shape read as none (the schema and the loader report them)', () => {
    assert.deepEqual(presetRule('required-labels', {})?.params, { labels: [] });
    assert.deepEqual(presetRule('required-labels', { labels: 'team' })?.params, { labels: [] });
    assert.deepEqual(presetRule('placement', {})?.params, { nodeLabels: {} });
    assert.deepEqual(presetRule('placement', { providers: null })?.params, { nodeLabels: {} });
    assert.deepEqual(presetRule('placement', { providers: 'gke' })?.params, { nodeLabels: {} });
    // a provider without options, or with labels that are no list: any placement will do there
    assert.deepEqual(presetRule('placement', { providers: { onprem: null, gke: { nodeLabels: 'pool' } } })?.params, { nodeLabels: { onprem: [], gke: [] } });
    assert.equal(presetRule('no-such-preset', {}), undefined);
  });

  it('required-labels: the pod template of a CronJob carries every label', () => {
    assert.deepEqual(check('  - { preset: required-labels, labels: [team, tier] }\n', 'labels-missing.yaml'), [
      'deny CronJob shop/reports (reports/templates/cronjob.yaml): required-labels: pod template has no label team, tier',
    ]);
    assert.deepEqual(check('  - { preset: required-labels, labels: [team, tier] }\n', 'labels-ok.yaml'), []);
  });

  it('no-latest: latest and untagged images, init containers included; digests and tags pass', () => {
    assert.deepEqual(check('  - preset: no-latest\n', 'latest.yaml'), [
      'deny DaemonSet shop/agent (agent/templates/daemonset.yaml): no-latest: container agent runs ghcr.io/acme/agent:latest (tag latest); container shipper runs registry.local:5000/shipper (no tag); container setup runs busybox (no tag): pin a version tag or a digest',
    ]);
    assert.deepEqual(check('  - preset: no-latest\n', 'latest-ok.yaml'), []);
  });

  it('placement: per provider, by nodeSelector or every required node affinity term', () => {
    const rule = '  - preset: placement\n    providers:\n      gke: { nodeLabels: [cloud.google.com/gke-nodepool] }\n      onprem: {}\n';
    assert.deepEqual(check(rule, 'placement-missing.yaml'), [
      'deny Pod shop/api-debug (api/templates/pod.yaml): placement: pod does not select nodes by cloud.google.com/gke-nodepool (nodeSelector or required node affinity), required on gke clusters',
      'deny Deployment shop/api (api/templates/deployment.yaml): placement: pod template does not select nodes by cloud.google.com/gke-nodepool (nodeSelector or required node affinity), required on gke clusters',
    ]);
    assert.deepEqual(check(rule, 'placement-ok.yaml'), []);
    // onprem: any nodeSelector or node affinity; the Deployment has one, the Pod none
    assert.deepEqual(check(rule, 'placement-missing.yaml', target(cluster('onprem'))), [
      'deny Pod shop/api-debug (api/templates/pod.yaml): placement: pod has neither a nodeSelector nor a node affinity, required on onprem clusters',
    ]);
    // a provider not listed is not judged
    assert.deepEqual(check(rule, 'placement-missing.yaml', target(cluster('aws'))), []);
  });

  it('a preset renamed and narrowed to a provider', () => {
    const rule = '  - { preset: resources, name: limits-on-gke, match: { providers: [gke] } }\n';
    assert.deepEqual(check(rule, 'resources-missing.yaml'), ['deny Deployment shop/web (web/templates/deployment.yaml): limits-on-gke: container web has no limits.cpu, limits.memory']);
    assert.deepEqual(check(rule, 'resources-missing.yaml', target(cluster('onprem'))), []);
  });
});

describe('rules written in CEL', () => {
  const rule = `  - name: replicas-ha
    match: { kinds: [Deployment, StatefulSet], clusters: ["gke-*"] }
    variables:
      - { name: replicas, expression: "object.spec.?replicas.orValue(1)" }
    expression: "variables.replicas >= 2 || release.track != 'production'"
    messageExpression: "'runs ' + string(variables.replicas) + ' replica(s) on ' + cluster.name + ', production needs 2'"
`;

  it('variables, messageExpression, cluster and release', () => {
    assert.deepEqual(check(rule, 'resources-ok.yaml'), ['deny Deployment shop/web (web/templates/deployment.yaml): replicas-ha: runs 1 replica(s) on gke-eu, production needs 2']);
    const canary = { ...target(), release: { name: 'web', namespace: 'shop', track: 'canary' } };
    assert.deepEqual(check(rule, 'resources-ok.yaml', canary), []);
    // match.clusters: a cluster outside the globs is not judged
    assert.deepEqual(check(rule, 'resources-ok.yaml', target(cluster('onprem', 'paris'))), []);
  });

  it('a static message, kinds "*", has()', () => {
    const labelled = '  - { name: team-label, match: { kinds: ["*"] }, expression: "has(object.metadata.labels) && \'team\' in object.metadata.labels", message: "every object needs a team label", action: warn }\n';
    assert.deepEqual(check(labelled, 'labels-missing.yaml'), []);
    assert.deepEqual(check(labelled, 'resources-missing.yaml'), [
      'warn Deployment shop/web (web/templates/deployment.yaml): team-label: every object needs a team label',
      'warn ConfigMap shop/web (web/templates/configmap.yaml): team-label: every object needs a team label',
    ]);
  });

  it('match.clusters: any one of the globs is enough', () => {
    const r = '  - { name: named, match: { kinds: [Deployment], clusters: [paris, "gke-*"] }, expression: "false", message: "judged" }\n';
    assert.deepEqual(check(r, 'resources-ok.yaml'), ['deny Deployment shop/web (web/templates/deployment.yaml): named: judged']);
    assert.deepEqual(check(r, 'resources-ok.yaml', target(cluster('onprem', 'paris'))), ['deny Deployment shop/web (web/templates/deployment.yaml): named: judged']);
    assert.deepEqual(check(r, 'resources-ok.yaml', target(cluster('onprem', 'lyon'))), []);
  });

  it('a release without a track reads release.track as an empty string', () => {
    const r = '  - { name: tracked, match: { kinds: [Deployment] }, expression: "release.track != \'\'", message: "a release needs a track" }\n';
    const untracked = { ...target(), release: { name: 'web', namespace: 'shop', track: undefined } };
    assert.deepEqual(check(r, 'resources-ok.yaml', untracked), ['deny Deployment shop/web (web/templates/deployment.yaml): tracked: a release needs a track']);
    assert.deepEqual(check(r, 'resources-ok.yaml'), []);
  });

  it('an expression of type dyn that returns no boolean is a violation saying what it returned', () => {
    const r = '  - { name: named, match: { kinds: [Deployment] }, variables: [{ name: n, expression: object.metadata.name }], expression: variables.n }\n';
    assert.deepEqual(check(r, 'resources-ok.yaml'), ['deny Deployment shop/web (web/templates/deployment.yaml): named: expression returned "web", not a boolean']);
  });

  it('a messageExpression that gives an empty string or no string falls back to message, then to the rule', () => {
    const rule = (extra: string) => `  - { name: one, match: { kinds: [Deployment] }, variables: [{ name: n, expression: "1" }], expression: "false"${extra} }\n`;
    assert.deepEqual(check(rule(', messageExpression: "\'\'", message: "static"'), 'resources-ok.yaml'), ['deny Deployment shop/web (web/templates/deployment.yaml): one: static']);
    assert.deepEqual(check(rule(', messageExpression: variables.n, message: "static"'), 'resources-ok.yaml'), ['deny Deployment shop/web (web/templates/deployment.yaml): one: static']);
    assert.deepEqual(check(rule(', messageExpression: "\'\'"'), 'resources-ok.yaml'), ['deny Deployment shop/web (web/templates/deployment.yaml): one: failed rule "one": false']);
    assert.deepEqual(check(rule(''), 'resources-ok.yaml'), ['deny Deployment shop/web (web/templates/deployment.yaml): one: failed rule "one": false']);
  });

  it('an object without a namespace is named by its name alone', () => {
    const set = new PolicySet(rulesFrom('  - { name: none, match: { kinds: ["*"] }, expression: "false", message: "no" }\n'));
    assert.equal(set.size, 1);
    const ns: PolicySubject = { object: { kind: 'Namespace', metadata: { name: 'shop' } }, kind: 'Namespace', namespace: undefined, name: 'shop' };
    assert.deepEqual(set.check([ns], target()).map(violationLine), ['Namespace shop: none: no']);
  });

  it('a rule that does not compile is refused when the set is built (config/ reports it first, with its position)', () => {
    const spec = (e: Partial<PolicyRuleSpec>): PolicyRuleSpec => ({ name: 'bad', match: { kinds: ['*'] }, variables: [], expression: 'true', params: {}, action: 'deny', pos: { file: 'clusters.yaml', line: 1, col: 1 }, ...e });
    assert.equal(new PolicySet([spec({}), spec({ name: 'good' })]).size, 2);
    assert.throws(() => new PolicySet([spec({ expression: 'object.' })]), { message: 'rule "bad" expression does not compile: Expected IDENTIFIER, got EOF' });
    assert.throws(() => new PolicySet([spec({ variables: [{ name: 'v', expression: '1 +' }] })]), { message: 'rule "bad" variable v does not compile: Unexpected token: EOF' });
    assert.throws(() => new PolicySet([spec({ messageExpression: '1' })]), { message: 'rule "bad" messageExpression does not compile: must evaluate to a string, not int' });
  });

  it('an expression that cannot be evaluated on an object is a violation (failurePolicy Fail)', () => {
    const r = '  - { name: selector, match: { kinds: [ConfigMap] }, expression: "object.spec.selector != null" }\n';
    assert.deepEqual(check(r, 'resources-missing.yaml'), ['deny ConfigMap shop/web (web/templates/configmap.yaml): selector: expression could not be evaluated: No such key: spec']);
  });

  it('exceptions of the release: by rule, kind, name glob and cluster; a pod by its workload', () => {
    const set = new PolicySet(rulesFrom('  - preset: resources\n'));
    const objs = subjects(fixture('resources-missing.yaml'));
    const ex = (e: Partial<PolicyException>): PolicyException => ({ rule: 'resources', reason: 'sized elsewhere', pos: { file: 'r.yaml', line: 1, col: 1 }, ...e });
    assert.deepEqual(set.check(objs, target(cluster('gke'), [ex({ kinds: ['Deployment'], names: ['w*'] })])), []);
    assert.equal(set.check(objs, target(cluster('gke'), [ex({ names: ['api'] })])).length, 1);
    assert.equal(set.check(objs, target(cluster('gke'), [ex({ clusters: ['onprem-*'] })])).length, 1);
    assert.equal(set.check(objs, target(cluster('gke'), [ex({ rule: 'probes' })])).length, 1);
    // kinds: an exception for other kinds leaves the Deployment judged; one for its kind (any name) excepts it
    assert.equal(set.check(objs, target(cluster('gke'), [ex({ kinds: ['StatefulSet', 'DaemonSet'] })])).length, 1);
    assert.deepEqual(set.check(objs, target(cluster('gke'), [ex({ kinds: ['Deployment'] })])), []);
    const pod: PolicySubject = { object: { kind: 'Pod', metadata: { name: 'web-5d9c-x' }, spec: { containers: [{ name: 'web', image: 'w:1' }] } }, kind: 'Pod', namespace: 'shop', name: 'web-5d9c-x', owner: { kind: 'Deployment', name: 'web' } };
    assert.deepEqual(set.check([pod], target(cluster('gke'), [ex({ kinds: ['Deployment'], names: ['web'] })])), []);
    assert.deepEqual(set.check([pod], target()).map(violationLine), ['Pod shop/web-5d9c-x (of Deployment web): resources: container web has no requests.cpu, requests.memory, limits.cpu, limits.memory']);
  });
});

describe('compileCel', () => {
  it('a rule may be dyn (decided when it runs); a wrong static type is refused', () => {
    assert.equal(compileCel('variables.enabled', 'bool').ok, true);
    assert.equal(compileCel('variables.text', 'string').ok, true);
    assert.deepEqual(compileCel('size(object)', 'bool'), { ok: false, error: 'must evaluate to a bool, not int', offset: 0 });
  });

  it('list and map literals may mix types, as in Kubernetes', () => {
    assert.equal(compileCel("object.metadata.name in ['web', 1]", 'bool').ok, true);
    assert.equal(compileCel("{'replicas': 1, 'name': 'web'}", 'any').ok, true);
  });

  it('a compile error gives its reason and its offset', () => {
    assert.deepEqual(compileCel('object.', 'bool'), { ok: false, error: 'Expected IDENTIFIER, got EOF', offset: 7 });
    assert.deepEqual(compileCel('object.a == nope', 'bool'), { ok: false, error: 'Unknown variable: nope', offset: 12 });
  });

  it('an expression too deep for the parser or the type checker is refused, not thrown', () => {
    // the parser recurses once per "!", the type checker once per "+"
    assert.deepEqual(compileCel(`${'!'.repeat(100_000)}true`, 'bool'), { ok: false, error: 'Maximum call stack size exceeded', offset: 0 });
    assert.deepEqual(compileCel(`1${' + 1'.repeat(40_000)} == 2`, 'bool'), { ok: false, error: 'Maximum call stack size exceeded', offset: 0 });
  });
});
