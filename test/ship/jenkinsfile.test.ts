// The Jenkins pipelines (examples/Jenkinsfile, Jenkinsfile.deploy, Jenkinsfile.shards),
// checked with real tools from the registries: npm-groovy-lint (CodeNarc's
// Jenkinsfile rules on the Groovy parser; a devDependency, Java runs it) and
// the Groovy compiler it ships, through test/ship/jenkinsfile-check, which
// checks the declarative structure against Jenkins' documented syntax.
// (Jenkins' own validator, pipeline-model-definition, is not on Maven Central.)
// Plus what the deploy pipeline must do: plan --out, archive, input, lock,
// apply --plan --junit, JUnit and the HTML drift matrix always published.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NODE24, ROOT, run, scratch } from './support/ship.ts';

const FILES = ['examples/Jenkinsfile', 'examples/Jenkinsfile.deploy', 'examples/Jenkinsfile.shards'];
const GROOVY_LIBS = join(ROOT, 'node_modules', 'npm-groovy-lint', 'lib', 'java', 'groovy', 'lib');
const LINT = join(ROOT, 'node_modules', 'npm-groovy-lint', 'lib', 'index.js');

interface LintResult {
  summary: { totalFoundErrorNumber: number; totalFoundWarningNumber: number; totalFoundInfoNumber: number };
  files: Record<string, { errors: { line: number; severity: string; rule: string; msg: string }[] }>;
}

function groovyLint(files: string[]): LintResult {
  const r = run(NODE24, [LINT, '--noserver', '--config', join(ROOT, 'examples', '.groovylintrc.json'), '--output', 'json', ...files], { cwd: ROOT, timeout: 300_000 });
  assert.ok(r.out.trim().startsWith('{'), `npm-groovy-lint did not run (exit ${r.code}):\n${r.out}\n${r.err}`);
  return JSON.parse(r.out) as LintResult;
}

function declarative(file: string): { code: number; out: string } {
  const r = run('java', ['-cp', `${GROOVY_LIBS}/*`, 'groovy.ui.GroovyMain', join(ROOT, 'test', 'ship', 'jenkinsfile-check', 'DeclarativeCheck.groovy'), file], { timeout: 120_000 });
  return { code: r.code, out: r.out + r.err };
}

describe('Jenkinsfiles', { timeout: 600_000 }, () => {
  it('npm-groovy-lint (CodeNarc, Jenkinsfile rules) finds nothing in any', () => {
    const res = groovyLint(FILES.map((f) => join(ROOT, f)));
    const found = Object.entries(res.files).flatMap(([f, r]) => r.errors.map((e) => `${f}:${e.line}: ${e.severity} ${e.rule}: ${e.msg}`));
    assert.deepEqual(found, []);
  });

  it('all parse as declarative pipelines (Groovy compiler + the declarative syntax)', () => {
    for (const f of FILES) {
      const r = declarative(join(ROOT, f));
      assert.equal(r.code, 0, `${f}:\n${r.out}`);
    }
  });

  it('the checks bite: a Groovy syntax error, and a pipeline with misplaced sections', () => {
    const dir = scratch('jenkinsfiles');
    const broken = join(dir, 'Jenkinsfile.broken');
    writeFileSync(broken, "pipeline {\n  agent any\n  stages { stage('x') { steps { sh 'a' }\n}\n");
    const lint = groovyLint([broken]);
    assert.ok(lint.summary.totalFoundErrorNumber > 0, 'npm-groovy-lint accepted a syntax error');
    assert.notEqual(declarative(broken).code, 0);
    const wrong = join(dir, 'Jenkinsfile.wrong');
    writeFileSync(wrong, "pipeline {\n  stages {\n    stage('a') { stepz { sh 'x' } }\n    stage('b') { steps { sh 'y' }\n      post { sometimes { echo 'z' } } }\n  }\n}\n");
    const r = declarative(wrong);
    assert.equal(r.code, 1);
    assert.match(r.out, /pipeline needs agent/);
    assert.match(r.out, /3:\d+: stepz is not allowed in stage/);
    assert.match(r.out, /stage a needs exactly one of steps, stages, parallel, matrix/);
    assert.match(r.out, /sometimes is not allowed in post/);
  });

  it('the deploy pipeline: plan --out, archived and shown, input, lock, apply of that plan, JUnit and the drift matrix always', () => {
    const text = readFileSync(join(ROOT, 'examples', 'Jenkinsfile.deploy'), 'utf8');
    const code = text.replace(/^\s*\/\/.*$/gm, '');
    const order = ['helm-cascade plan --detailed-exitcode --out plan.json', 'cat plan.txt', "archiveArtifacts(artifacts: 'plan.json,plan.txt'", "stash(name: 'plan'", 'input(message:', "unstash 'plan'", 'helm-cascade apply --plan plan.json --yes --junit apply.xml'];
    let at = -1;
    for (const step of order) {
      const i = code.indexOf(step, at + 1);
      assert.ok(i > at, `"${step}" missing or out of order`);
      at = i;
    }
    assert.match(code, /stage\('apply'\) \{[\s\S]*?options \{\s*lock\(resource: 'helm-cascade-fleet'\)/);
    assert.match(code, /kubernetes \{\s*yaml POD\s*defaultContainer 'helm-cascade'/);
    assert.match(code, /image: \$\{HELM_CASCADE_IMAGE\}/);
    assert.match(code, /def HELM_CASCADE_IMAGE = 'ghcr\.io\/helm-cascade\/helm-cascade:0\.1\.0'/);
    const post = code.slice(code.indexOf("helm-cascade apply --plan"));
    assert.match(post, /post \{\s*always \{\s*junit\(testResults: 'apply\.xml'/);
    assert.match(post, /helm-cascade drift --format text,html=reports\/drift\.html,junit=reports\/drift\.xml/);
    assert.match(post, /publishHTML\(target: \[reportDir: 'reports', reportFiles: 'drift\.html'/);
    // the approval holds no agent: the pipeline has `agent none`, stages bring their own
    assert.match(code, /pipeline \{\s*agent none/);
    assert.doesNotMatch(code.slice(code.indexOf("stage('approve')"), code.indexOf("stage('apply')")), /agent \{/);
  });
});
