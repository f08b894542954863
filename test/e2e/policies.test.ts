// House rules end to end on the local fleet (real kube-apiservers, real helm 3
// and 4): the example chart sets no memory limit, so under the `resources`
// preset `plan` and `apply` stop with exit 4 naming the object, its template
// and the rule, and nothing is touched (no helm release, no namespace); as a
// warning, plan exits 0 and shows it; a release installed before the rule
// existed is reported by `drift` as a policy finding on its live pod.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { kubectlBin } from '../../fleet/tools.ts';
import { cascade, CONTEXTS, helmJson, helmMajors, kubectl, scratchRepo, sharedFleet, suffix, writeRepoFiles } from './support/cascade.ts';

const CLUSTERS = (policies: string) => `clusters:
  paris: { context: ${CONTEXTS.paris}, provider: onprem, region: europe }
health: { timeout: 90s, soak: 0s }
${policies}`;

const DENY = 'policies:\n  - { preset: resources, require: [limits.memory] }\n';
const WARN = 'policies:\n  - { preset: resources, require: [limits.memory], action: warn }\n';

const release = (ns: string) => `name: web
namespace: ${ns}
chart: { ref: charts/cascade-demo }
set: { image.tag: "1.0.0" }
`;

interface DriftJson {
  units: { id: string; state: string; findings: { kind: string; summary: string; details: string[] }[] }[];
}

for (const major of helmMajors()) {
  describe(`house rules on the local fleet (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const namespaces: string[] = [];
    const newNs = () => {
      const ns = `policy-${major}-${suffix()}`;
      namespaces.push(ns);
      return ns;
    };
    const run = (dir: string, args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
    // helm 3 lists only deployed and failed releases unless -a; helm 4 lists every status and has no -a
    const releases = (ns: string) => helmJson<{ name: string }[]>(major, kubeconfig, CONTEXTS.paris, ['list', '-n', ns, ...(major === 3 ? ['-a'] : [])]);
    const namespaceExists = async (ns: string) => (await execa(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', CONTEXTS.paris, 'get', 'namespace', ns], { reject: false })).exitCode === 0;
    const broken = (ns: string) => `house rule broken: Deployment ${ns}/web (cascade-demo/templates/deployment.yaml): resources: container web has no limits.memory`;

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      for (const ns of namespaces) await kubectl(kubeconfig, CONTEXTS.paris, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(() => undefined);
    });

    it('plan: a chart without memory limits under the resources preset exits 4 naming the object, template and rule; nothing touched', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS(DENY), 'releases/web.yaml': release(ns) });
      const r = await run(dir, ['plan']);
      assert.equal(r.exitCode, 4, r.stderr + r.stdout);
      assert.ok(r.stdout.includes(`    ! web (${ns})  error  cascade-demo 1.2.0\n        ${broken(ns)}\n`), r.stdout);
      assert.match(r.stdout, /1 release failed to render or has objects the API server refuses or breaks a house rule; see "error" above\./);
      assert.deepEqual(await releases(ns), []);
      assert.equal(await namespaceExists(ns), false, 'no namespace created');
      // validate --online renders every release against its cluster and judges it the same way
      const v = await run(dir, ['validate', '--online']);
      assert.equal(v.exitCode, 4, v.stderr + v.stdout);
      assert.ok(v.stderr.includes(`the rendered releases break house rules (or fail to render, or have objects their API server refuses); nothing was touched:\n  paris/${ns}/web: ${broken(ns)}`), v.stderr);
      assert.equal(await namespaceExists(ns), false, 'no namespace created');
    });

    it('plan: the same rule as a warning exits 0 and shows the warning on the unit', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS(WARN), 'releases/web.yaml': release(ns) });
      const r = await run(dir, ['plan', '--detailed-exitcode']);
      assert.equal(r.exitCode, 2, r.stderr + r.stdout); // changes pending: the install; no error
      assert.ok(r.stdout.includes(`    + web (${ns})  install  cascade-demo 1.2.0\n        ! house rule warning: Deployment ${ns}/web (cascade-demo/templates/deployment.yaml): resources: container web has no limits.memory\n`), r.stdout);
      assert.equal((await run(dir, ['plan'])).exitCode, 0);
      const v = await run(dir, ['validate', '--online']);
      assert.equal(v.exitCode, 0, v.stderr + v.stdout);
      assert.ok(v.stderr.includes(`helm-cascade: warning: paris/${ns}/web: house rule warning: Deployment ${ns}/web`), v.stderr);
    });

    it('apply --yes with a deny violation exits 4 and installs nothing', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS(DENY), 'releases/web.yaml': release(ns) });
      const r = await run(dir, ['apply', '--yes']);
      assert.equal(r.exitCode, 4, r.stderr + r.stdout);
      assert.ok(r.stderr.includes(`1 release(s) failed to render or have objects the API server refuses or break a house rule; nothing was applied:\n  paris/${ns}/web: ${broken(ns)}`), r.stderr);
      assert.deepEqual(await releases(ns), []);
      assert.equal(await namespaceExists(ns), false, 'no namespace created');
    });

    it('apply with the rule as a warning installs and logs the warning; drift then reports the live pod once the rule denies', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS(WARN), 'releases/web.yaml': release(ns) });
      const applied = await run(dir, ['apply', '--yes']);
      assert.equal(applied.exitCode, 0, applied.stderr + applied.stdout);
      assert.ok(applied.stderr.includes(`helm-cascade: warning: paris/${ns}/web: house rule warning: Deployment ${ns}/web (cascade-demo/templates/deployment.yaml): resources: container web has no limits.memory`), applied.stderr);
      assert.deepEqual((await releases(ns)).map((x) => x.name), ['web']);

      writeRepoFiles(dir, { 'clusters.yaml': CLUSTERS(DENY) });
      // nothing to send, so nothing to refuse: plan judges what it would install or upgrade
      assert.equal((await run(dir, ['plan', '--detailed-exitcode'])).exitCode, 0);
      // validate --online judges the whole repository, deployed releases included
      assert.equal((await run(dir, ['validate', '--online'])).exitCode, 4);
      const pod = (await kubectl(kubeconfig, CONTEXTS.paris, ['get', 'pods', '-n', ns, '-l', 'app.kubernetes.io/instance=web', '-o', 'jsonpath={.items[*].metadata.name}'])).trim();
      assert.match(pod, /^web-\S+$/, 'one pod of the release');
      const r = await run(dir, ['drift', '--format', `text,json=${join(dir, 'drift.json')}`]);
      assert.equal(r.exitCode, 2, r.stderr + r.stdout);
      const report = JSON.parse(readFileSync(join(dir, 'drift.json'), 'utf8')) as DriftJson;
      const u = report.units.find((x) => x.id === `paris/${ns}/web`);
      assert.equal(u?.state, 'policy', JSON.stringify(report.units));
      const line = `Pod ${ns}/${pod} (of Deployment web): resources: container web has no limits.memory`;
      assert.deepEqual(u?.findings, [{ kind: 'policy', summary: '1 live pod breaks house rule resources', details: [line] }]);
      assert.ok(r.stdout.includes(`      policy     1 live pod breaks house rule resources\n        ${line}\n`), r.stdout);
    });
  });
}
