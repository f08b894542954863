// A nondeterministic chart on the shared fleet, Helm 3 and Helm 4 (issue 26):
// a chart whose Secret holds a `randAlphaNum` token without `lookup`, and a
// ConfigMap whose checksum annotation hashes that Secret, renders something
// new every time with the same inputs. Once installed, a plan that renders it
// again (`--render-all`) names it nondeterministic with the fields that change
// (never their values) and leaves it unchanged; `apply --render-all` makes no
// helm write; drift names it and exits 0; `--force-nondeterministic` plans and
// applies the upgrade (a new revision); a real change of values still upgrades.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Plan, PlannedUnit } from '../../src/plan/types.ts';
import { cascade, CONTEXTS, helmMajors, historyOrNone, kubectl, scratchRepo, sharedFleet, suffix, writeRepoFiles } from './support/cascade.ts';

const CLUSTERS = `clusters:
  paris: { context: ${CONTEXTS.paris}, provider: onprem, region: europe }
health: { timeout: 60s, soak: 0s, minReadyEndpoints: 0, maxRestarts: 0 }
`;

const CHART = {
  'charts/nd/Chart.yaml': 'apiVersion: v2\nname: nd\nversion: 0.1.0\n',
  'charts/nd/values.yaml': 'level: info\n',
  'charts/nd/templates/secret.yaml': `apiVersion: v1
kind: Secret
metadata: { name: {{ .Release.Name }} }
data:
  token: {{ randAlphaNum 24 | b64enc | quote }}
`,
  'charts/nd/templates/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
  annotations:
    checksum/secret: {{ include (print $.Template.BasePath "/secret.yaml") . | sha256sum }}
data:
  level: {{ .Values.level | quote }}
`,
};

const release = (ns: string, level: string) => `name: nd
namespace: ${ns}
chart: { ref: charts/nd }
set: { level: ${level} }
`;

const FIELDS = ['ConfigMap/nd: metadata.annotations.checksum/secret', 'Secret/nd: data.token'];
const unitsOf = (p: Plan): PlannedUnit[] => p.waves.flatMap((w) => w.steps.flat());

for (const major of helmMajors()) {
  describe(`a nondeterministic chart on the local fleet (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const ns = `i26-nd-${major}-${suffix()}`;
    let dir = '';
    const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
    const revisions = async () => (await historyOrNone(major, kubeconfig, CONTEXTS.paris, ns, 'nd')).map((h) => h.revision);

    before(async () => {
      kubeconfig = await sharedFleet();
      dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/nd.yaml': release(ns, 'info'), ...CHART });
      const up = await run(['apply', '--yes']);
      assert.equal(up.exitCode, 0, up.stdout + up.stderr);
      assert.deepEqual(await revisions(), [1]);
    });
    after(async () => {
      await kubectl(kubeconfig, CONTEXTS.paris, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    });

    it('rendered again with the same inputs: named nondeterministic with the fields that change, unchanged, no helm write', async () => {
      const plan = await run(['plan', '--render-all', '--detailed-exitcode', '-o', 'json']);
      assert.equal(plan.exitCode, 0, plan.stdout + plan.stderr);
      const [u] = unitsOf(JSON.parse(plan.stdout) as Plan);
      assert.equal(u?.action, 'unchanged');
      assert.deepEqual(u?.kind === 'rendered' ? u.nondeterministic : undefined, FIELDS);
      const text = await run(['plan', '--render-all']);
      assert.match(text.stdout, /nondeterministic, changes on every render: ConfigMap\/nd: metadata\.annotations\.checksum\/secret, Secret\/nd: data\.token/);
      const apply = await run(['apply', '--render-all', '--yes', '--verbose']);
      assert.equal(apply.exitCode, 0, apply.stdout + apply.stderr);
      assert.doesNotMatch(apply.stderr, / upgrade --install /, 'no helm write');
      assert.deepEqual(await revisions(), [1]);
    });

    it('drift names it, counts it as clean and exits 0', async () => {
      const drift = await run(['drift', '--render-all']);
      assert.equal(drift.exitCode, 0, drift.stdout + drift.stderr);
      assert.match(drift.stdout, /nondeterministic, changes on every render \(not drift\): ConfigMap\/nd: metadata\.annotations\.checksum\/secret, Secret\/nd: data\.token/);
    });

    it('--force-nondeterministic plans and applies the upgrade', async () => {
      const plan = await run(['plan', '--force-nondeterministic', '--detailed-exitcode', '-o', 'json']);
      assert.equal(plan.exitCode, 2, plan.stdout + plan.stderr);
      const [u] = unitsOf(JSON.parse(plan.stdout) as Plan);
      assert.equal(u?.action, 'upgrade');
      assert.ok(u?.reasons.includes('nondeterministic'), `reasons: ${u?.reasons.join(', ')}`);
      const apply = await run(['apply', '--force-nondeterministic', '--yes']);
      assert.equal(apply.exitCode, 0, apply.stdout + apply.stderr);
      assert.deepEqual(await revisions(), [1, 2]);
    });

    it('a real change of values still upgrades it, with the change in its diff', async () => {
      writeRepoFiles(dir, { 'releases/nd.yaml': release(ns, 'debug') });
      const plan = await run(['plan', '--detailed-exitcode', '-o', 'json']);
      assert.equal(plan.exitCode, 2, plan.stdout + plan.stderr);
      const [u] = unitsOf(JSON.parse(plan.stdout) as Plan);
      assert.equal(u?.action, 'upgrade');
      assert.ok(u?.diffs.some((d) => d.kind === 'ConfigMap' && /^\+\s*level: "?debug"?$/m.test(d.diff)), JSON.stringify(u?.diffs.map((d) => d.diff)));
      const apply = await run(['apply', '--yes']);
      assert.equal(apply.exitCode, 0, apply.stdout + apply.stderr);
      assert.deepEqual(await revisions(), [1, 2, 3]);
    });
  });
}
