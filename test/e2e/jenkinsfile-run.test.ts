// The Jenkins pipelines' shell steps, exactly as examples/Jenkinsfile.deploy
// and examples/Jenkinsfile write them, run in order the way Jenkins' `sh`
// step runs a script (`sh -xe`), against the shared fleet with the real helm 3
// and helm 4, with `helm-cascade` on PATH. What Groovy decides between the
// steps (plan's exit 2 -> approval and apply) is repeated here; the Groovy
// itself is linted by test/ship/jenkinsfile.test.ts.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin, kubectlBin, repoRoot } from '../../fleet/tools.ts';
import { assertValidJunit } from '../ship/support/junit-xsd.ts';
import { CONTEXTS, helmMajors, kubectl, scratchRepo, sharedFleet } from './support/cascade.ts';
import { fleetState, namespaces } from './support/fleet-state.ts';
import { listenLocal } from './support/prometheus.ts';

/** The scripts of a Jenkinsfile's `sh` steps, in file order: sh '...', sh(script: '...'), sh(returnStatus: true, script: '''...'''). */
function shSteps(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const re = /\bsh\s*\(?\s*(?:returnStatus:\s*true,\s*)?(?:script:\s*)?(?:'''([\s\S]*?)'''|'([^'\n]*)')/g;
  return [...text.matchAll(re)].map((m) => (m[1] ?? m[2] ?? '').replace(/^\n/, ''));
}

/** A bin folder with `helm-cascade` running this checkout (as the image's npm package does). */
function binDir(dir: string): string {
  const bin = join(dir, '.bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'helm-cascade'), `#!/bin/sh\nexec '${process.execPath}' '${join(repoRoot, 'bin', 'helm-cascade.js')}' "$@"\n`);
  chmodSync(join(bin, 'helm-cascade'), 0o755);
  return bin;
}

const release = (ns: string, tag: string) => `name: web\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\nset: { image.tag: "${tag}" }\n`;
const CLUSTERS = `clusters:\n  paris: { context: ${CONTEXTS.paris}, provider: onprem, region: europe }\nhealth: { timeout: 60s, soak: 1s }\n`;

for (const major of helmMajors()) {
  describe(`the Jenkins pipelines' shell steps on the local fleet (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const state = fleetState(major, () => kubeconfig);
    const nss = namespaces(`jk-${major}`, [CONTEXTS.paris], () => kubeconfig);

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    /** One `sh` step as Jenkins runs it: `sh -xe` in the workspace, with the job's environment. */
    const sh = (dir: string, script: string, env: Record<string, string>) =>
      execa('sh', ['-xe', '-c', script], { cwd: dir, reject: false, all: true, env: { PATH: `${binDir(dir)}:${process.env.PATH}`, KUBECONFIG: kubeconfig, HELM_BIN: helmBin(major), KUBECTL_BIN: kubectlBin(), CI: 'true', NO_COLOR: '1', ...env } });

    it('Jenkinsfile.deploy: validate, plan (shown and saved), apply of that plan with JUnit, drift reports', async () => {
      const steps = shSteps('examples/Jenkinsfile.deploy');
      assert.equal(steps.length, 4, JSON.stringify(steps));
      const [validate, plan, apply, drift] = steps as [string, string, string, string];
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns, '1.0.0') });
      const env = { SELECTOR: `namespace=${ns}` };

      const v = await sh(dir, validate, env);
      assert.equal(v.exitCode, 0, String(v.all));
      const p = await sh(dir, plan, env);
      assert.equal(p.exitCode, 2, `changes pending -> exit 2 (CHANGES=pending): ${String(p.all)}`);
      assert.ok(String(p.all).split('\n').includes('Plan: 1 to install, 0 to upgrade, 0 unchanged, 0 to uninstall.'), `the plan is shown in the build log: ${String(p.all)}`);
      assert.ok(existsSync(join(dir, 'plan.json')) && readFileSync(join(dir, 'plan.txt'), 'utf8').includes('Plan: 1 to install'), 'plan.json and plan.txt archived');

      const a = await sh(dir, apply, env);
      assert.equal(a.exitCode, 0, String(a.all));
      const junit = readFileSync(join(dir, 'apply.xml'), 'utf8');
      assertValidJunit(junit);
      assert.match(junit, new RegExp(`<testcase name="paris/${ns}/web" classname="apply\\.[^"]+" time="[0-9.]+"/>`));
      assert.deepEqual(await state.releases(CONTEXTS.paris, ns), [['web', 1, 'deployed']]);

      const d = await sh(dir, drift, env);
      assert.equal(d.exitCode, 0, `no drift right after the apply: ${String(d.all)}`);
      for (const f of ['reports/drift.html', 'reports/drift.xml']) assert.ok(existsSync(join(dir, f)), f);
      assertValidJunit(readFileSync(join(dir, 'reports/drift.xml'), 'utf8'));
    });

    it('Jenkinsfile (scheduled drift): a release scaled by hand -> exit 2, every report written, the webhook notified', async () => {
      const steps = shSteps('examples/Jenkinsfile');
      assert.equal(steps.length, 1, JSON.stringify(steps));
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns, '1.0.0') });
      const posts: string[] = [];
      const hook = await listenLocal((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          posts.push(body);
          res.writeHead(200).end('ok');
        });
      });
      try {
        const applied = await sh(dir, 'helm-cascade apply --yes', {});
        assert.equal(applied.exitCode, 0, String(applied.all));
        await kubectl(kubeconfig, CONTEXTS.paris, ['-n', ns, 'scale', 'deployment', 'web', '--replicas=3']);
        const d = await sh(dir, steps[0]!, { DRIFT_WEBHOOK: `${hook.url}/hook` });
        assert.equal(d.exitCode, 2, String(d.all));
        for (const f of ['drift.xml', 'drift.html', 'drift.json', 'drift.md']) assert.ok(existsSync(join(dir, 'reports', f)), f);
        const report = readFileSync(join(dir, 'reports', 'drift.json'), 'utf8');
        assert.ok(report.includes('spec.replicas: 1 -> 3'), report);
        assert.equal(posts.length, 1, 'one notification');
        const message = JSON.parse(posts[0]!) as { text: string; blocks: { text?: { text: string } }[] };
        assert.equal(message.text, 'helm-cascade drift: 1 of 1 releases drifted (1 changed live)');
        assert.ok(message.blocks.some((b) => b.text?.text === `• *paris* \`${ns}/web\` live: live objects differ from revision 1: 1 object changed`), posts[0]);
      } finally {
        await new Promise((resolve) => hook.server.close(resolve));
      }
    });
  });
}
