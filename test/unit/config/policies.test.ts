// House rules in clusters.yaml and the release files: every mistake reported
// as file:line:col, a CEL compile error at the offending character.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { tempDir } from '../../support/tmp.ts';

function load(policies: string, release = ''): ReturnType<typeof loadDeployRepo> {
  const dir = tempDir('hc-policies-');
  mkdirSync(join(dir, 'releases'));
  mkdirSync(join(dir, 'charts', 'web'), { recursive: true });
  writeFileSync(join(dir, 'charts', 'web', 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 1.0.0\n');
  writeFileSync(join(dir, 'clusters.yaml'), `clusters:\n  a:\n    context: ctx-a\n    provider: gke\npolicies:\n${policies}`);
  writeFileSync(join(dir, 'releases', 'web.yaml'), `name: web\nnamespace: web\nchart:\n  ref: charts/web\n${release}`);
  return loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir });
}

function check(policies: string, release = ''): string[] {
  return load(policies, release).diagnostics.map(formatDiagnostic);
}

describe('policies in clusters.yaml', () => {
  it('a CEL expression that does not compile: the error at its character (plain, quoted and block scalars)', () => {
    assert.deepEqual(check('  - name: r1\n    match: { kinds: [Pod] }\n    expression: object.spec.containers.all(c, c.imag.frob(1))\n'), [
      'clusters.yaml:8:47: policies[0].expression: CEL does not compile: found no matching overload for \'dyn.frob(int)\'',
    ]);
    assert.deepEqual(check('  - name: r1\n    match: { kinds: [Pod] }\n    expression: "objekt.spec == 1"\n'), ['clusters.yaml:8:18: policies[0].expression: CEL does not compile: Unknown variable: objekt']);
    assert.deepEqual(check('  - name: r1\n    match: { kinds: [Pod] }\n    expression: |\n      has(object.spec) &&\n        object.spec.replicas +\n'), [
      'clusters.yaml:10:31: policies[0].expression: CEL does not compile: Unexpected token: EOF',
    ]);
  });

  it('an expression that is not a boolean, a messageExpression that is not a string', () => {
    assert.deepEqual(check('  - { name: r1, match: { kinds: [Pod] }, expression: "1 + 2", messageExpression: "true" }\n'), [
      'clusters.yaml:6:55: policies[0].expression: CEL does not compile: must evaluate to a bool, not int',
      'clusters.yaml:6:83: policies[0].messageExpression: CEL does not compile: must evaluate to a string, not bool',
    ]);
  });

  it('unknown keys, a bad action, an unknown preset, missing fields', () => {
    assert.deepEqual(check('  - { name: r1, match: { kinds: [Pod], kind: [x] }, expresion: "true", action: block }\n  - { preset: limits }\n'), [
      'clusters.yaml:6:5: policies[0]: missing required field "expression" (or use a preset, e.g. preset: resources)',
      'clusters.yaml:6:40: unknown key "kind" in policies[0].match (did you mean "kinds"?)',
      'clusters.yaml:6:53: unknown key "expresion" in policies[0] (did you mean "expression"?)',
      'clusters.yaml:6:80: policies[0].action must be one of deny, warn, got "block"',
      'clusters.yaml:7:15: policies[1].preset must be one of resources, probes, required-labels, no-latest, placement, got "limits"',
    ]);
  });

  it('preset options: where they belong, and required ones', () => {
    assert.deepEqual(check('  - { preset: probes, labels: [team] }\n  - { preset: required-labels }\n  - { preset: resources, expression: "true" }\n'), [
      'clusters.yaml:6:23: policies[0]: labels is an option of preset "required-labels", not of "probes"',
      'clusters.yaml:7:5: policies[1]: preset "required-labels" needs labels (e.g. labels: [team])',
      'clusters.yaml:8:26: policies[2]: preset "resources" brings its own expression; remove expression, or preset to write your own rule',
    ]);
  });

  it('a preset narrowed to kinds it cannot judge', () => {
    assert.deepEqual(check('  - { preset: probes, match: { kinds: [Deployment, ConfigMap] } }\n'), ['clusters.yaml:6:39: policies[0]: preset "probes" judges pod templates and pods only (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod), not ConfigMap']);
  });

  it('duplicate rule names', () => {
    assert.deepEqual(check('  - preset: resources\n  - { preset: resources, action: warn }\n'), ['clusters.yaml:7:5: policies[1]: duplicate rule name "resources" (line 6); give one of them another name']);
  });

  it('exceptions name a declared rule and give a reason', () => {
    assert.deepEqual(check('  - preset: resources\n', 'policyExceptions:\n  - { rule: resource, reason: sized elsewhere }\n  - { rule: resources }\n'), [
      'releases/web.yaml:6:13: policyExceptions: unknown rule "resource" (did you mean "resources"?)',
      'releases/web.yaml:7:5: missing required field "reason" in policyExceptions[1]',
    ]);
    assert.deepEqual(check('  - preset: resources\n', 'policyExceptions:\n  - { rule: resources, kinds: [Job], names: ["*-migrate"], reason: sized by the DBAs }\n'), []);
  });

  it('an exception keeps its kinds, names and clusters as written (an exception for Jobs is not one for everything)', () => {
    const dir = tempDir('hc-policies-');
    mkdirSync(join(dir, 'releases'));
    mkdirSync(join(dir, 'charts', 'web'), { recursive: true });
    writeFileSync(join(dir, 'charts', 'web', 'Chart.yaml'), 'apiVersion: v2\nname: web\nversion: 1.0.0\n');
    writeFileSync(join(dir, 'clusters.yaml'), 'clusters:\n  a: { context: ctx-a }\npolicies:\n  - preset: resources\n');
    writeFileSync(join(dir, 'releases', 'web.yaml'), 'name: web\nnamespace: web\nchart:\n  ref: charts/web\npolicyExceptions:\n  - { rule: resources, kinds: [Job], names: ["*-migrate"], clusters: ["gke-*"], reason: sized by the DBAs }\n  - { rule: resources, reason: all of it }\n');
    const { repo, diagnostics } = loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir });
    assert.deepEqual(diagnostics, []);
    const [narrow, wide] = repo!.releases[0]!.policyExceptions!;
    assert.deepEqual([narrow!.kinds, narrow!.names, narrow!.clusters], [['Job'], ['*-migrate'], ['gke-*']]);
    assert.deepEqual([wide!.kinds, wide!.names, wide!.clusters], [undefined, undefined, undefined]);
  });

  it('entries that are not maps are refused by the schema alone', () => {
    const { repo, diagnostics } = load('  - null\n  - 1\n');
    assert.deepEqual(diagnostics.map(formatDiagnostic), ['clusters.yaml:6:5: policies[0] must be a map, got null', 'clusters.yaml:7:5: policies[1] must be a map, got a whole number']);
    assert.deepEqual(repo!.config.policies, []);
  });

  it('preset placement needs providers; a preset narrowed to several foreign kinds names them all', () => {
    assert.deepEqual(check('  - { preset: placement }\n  - { preset: probes, match: { kinds: [Pod, ConfigMap, Secret] } }\n'), [
      'clusters.yaml:6:5: policies[0]: preset "placement" needs providers (e.g. providers: { gke: { nodeLabels: [cloud.google.com/gke-nodepool] } })',
      'clusters.yaml:7:39: policies[1]: preset "probes" judges pod templates and pods only (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod), not ConfigMap, Secret',
    ]);
    assert.deepEqual(check('  - { preset: placement, providers: { gke: { nodeLabels: [cloud.google.com/gke-nodepool] } } }\n'), []);
  });

  it('your own rule: match.kinds missing (at the entry, or at its match), a preset option, a kind that is not a string', () => {
    const { repo, diagnostics } = load('  - { name: r1, expression: "true" }\n  - { name: r2, match: { providers: [gke] }, expression: "true" }\n  - { name: r3, match: { kinds: [Pod, 1] }, expression: "true", labels: [team] }\n');
    assert.deepEqual(diagnostics.map(formatDiagnostic), [
      'clusters.yaml:6:5: policies[0]: missing match.kinds (the kinds the rule judges, e.g. [Deployment], or ["*"])',
      'clusters.yaml:7:24: policies[1]: missing match.kinds (the kinds the rule judges, e.g. [Deployment], or ["*"])',
      'clusters.yaml:8:39: policies[2].match.kinds[1] must be a string, got a whole number',
      'clusters.yaml:8:65: policies[2]: labels is an option of preset "required-labels"; your own rule reads nothing from it',
    ]);
    // a rule without kinds judges nothing; only the string kinds are kept
    assert.deepEqual(repo!.config.policies!.map((r) => [r.name, r.match.kinds]), [['r1', []], ['r2', []], ['r3', ['Pod']]]);
  });

  it('your own rule without a name or an expression is reported, and not kept', () => {
    const { repo, diagnostics } = load('  - { match: { kinds: [Pod] }, expression: "true" }\n  - { name: r1, match: { kinds: [Pod] } }\n');
    assert.deepEqual(diagnostics.map(formatDiagnostic), [
      'clusters.yaml:6:5: policies[0]: missing required field "name" (or use a preset, e.g. preset: resources)',
      'clusters.yaml:7:5: policies[1]: missing required field "expression" (or use a preset, e.g. preset: resources)',
    ]);
    assert.deepEqual(repo!.config.policies, []);
  });

  it('variables: one without a name or an expression is reported by the schema and left out; a bad expression at its character', () => {
    const { repo, diagnostics } = load('  - name: r1\n    match: { kinds: [Pod] }\n    expression: "true"\n    variables:\n      - { expression: "1 +" }\n      - { name: v }\n      - { name: w, expression: "1 +" }\n');
    assert.deepEqual(diagnostics.map(formatDiagnostic), [
      'clusters.yaml:10:9: missing required field "name" in policies[0].variables[0]',
      'clusters.yaml:11:9: missing required field "expression" in policies[0].variables[1]',
      'clusters.yaml:12:36: policies[0].variables[2].expression: CEL does not compile: Unexpected token: EOF',
    ]);
    assert.deepEqual(repo!.config.policies![0]!.variables, [{ name: 'w', expression: '1 +' }]);
  });

  it('exceptions: a guess for a near miss (up to a third of the name off), else the declared rules, else that there are none', () => {
    const rules = '  - preset: resources\n  - preset: probes\n';
    assert.deepEqual(check(rules, 'policyExceptions:\n  - { rule: abcdefgh, reason: x }\n  - { rule: resourcxyz, reason: x }\n  - { rule: prob, reason: x }\n  - { rule: resourcxyzw, reason: x }\n'), [
      'releases/web.yaml:6:13: policyExceptions: unknown rule "abcdefgh" (rules: resources, probes)',
      'releases/web.yaml:7:13: policyExceptions: unknown rule "resourcxyz" (did you mean "resources"?)',
      'releases/web.yaml:8:13: policyExceptions: unknown rule "prob" (did you mean "probes"?)',
      'releases/web.yaml:9:13: policyExceptions: unknown rule "resourcxyzw" (rules: resources, probes)',
    ]);
    assert.deepEqual(check('  []\n', 'policyExceptions:\n  - { rule: resources, reason: x }\n'), ['releases/web.yaml:6:13: policyExceptions: unknown rule "resources": clusters.yaml declares no policies']);
  });

  it('an exception without a rule is reported by the schema and left out; kinds keep only their strings; the reason is kept', () => {
    const { repo, diagnostics } = load('  - preset: probes\n', 'policyExceptions:\n  - { reason: x }\n  - { rule: probes, kinds: [Job, 1], reason: sized by the DBAs }\n  - { rule: probes, names: [a] }\n');
    assert.deepEqual(diagnostics.map(formatDiagnostic), [
      'releases/web.yaml:6:5: missing required field "rule" in policyExceptions[0]',
      'releases/web.yaml:7:34: policyExceptions[1].kinds[1] must be a string, got a whole number',
      'releases/web.yaml:8:5: missing required field "reason" in policyExceptions[2]',
    ]);
    assert.deepEqual(
      repo!.releases[0]!.policyExceptions!.map((e) => [e.rule, e.kinds, e.reason]),
      [['probes', ['Job'], 'sized by the DBAs'], ['probes', undefined, '']],
    );
  });
});
