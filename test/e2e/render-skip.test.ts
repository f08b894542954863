// Render skip on the shared fleet, with the real helm: after an apply, a plan
// renders nothing (every unit's inputs are those of its deployed revision);
// a changed values file renders and upgrades exactly the units that use it;
// a cluster capability the charts ask about re-renders every unit of that
// cluster and no other (the shared fleet's kube version is stamped at build
// time, so a new API, a CRD the charts ask about, stands for an upgraded
// cluster; the kube version itself is one input of the same digest,
// test/unit/plan/render-skip.test.ts); and a cold-cache plan equals the
// plan with every unit rendered (--render-all).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cascade, CONTEXTS, helmJson, helmMajors, kubectl, scratchRepo, sharedFleet, suffix, writeRepoFiles } from './support/cascade.ts';
import type { HistoryEntry } from './support/cascade.ts';
import { widgetCrd } from './support/widget-crd.ts';
import { tempDir } from '../support/tmp.ts';

const CLUSTERS = `clusters:
  paris: { context: ${CONTEXTS.paris}, provider: onprem, region: europe }
  europe: { context: ${CONTEXTS.europe}, provider: gke, region: europe }
health: { timeout: 90s, soak: 0s, minReadyEndpoints: 1, maxRestarts: 0 }
`;

const release = (name: string, ns: string) => `name: ${name}
namespace: ${ns}
chart: { ref: charts/cascade-demo }
values: [values/${name}.yaml]
`;

/** A template every unit renders that asks the cluster whether it serves Widgets of this run's own API group. */
const widgetAsk = (group: string) => `apiVersion: v1
kind: ConfigMap
metadata: { name: {{ .Release.Name }}-widgets }
data:
  widgets: {{ .Capabilities.APIVersions.Has "${group}/v1/Widget" | quote }}
`;

/** `» render <id>: <why>` lines of --verbose, as id -> why. */
function renderReasons(stderr: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of stderr.matchAll(/^» render (\S+): (.+)$/gm)) out[m[1]!] = m[2]!;
  return out;
}

for (const major of helmMajors()) {
  describe(`render skip on the local fleet (helm ${major})`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    const sfx = suffix();
    const ns = `i15-skip-${major}-${sfx}`;
    const group = `i15-${major}-${sfx}.example.com`;
    let dir = '';
    const cacheDir = tempDir('hc-render-cache-');
    const run = (args: string[]) => cascade(dir, [...args, '--cache-dir', cacheDir], { kubeconfig, helm: major });
    const revision = async (cluster: 'paris' | 'europe', name: string) => {
      const h = await helmJson<HistoryEntry[]>(major, kubeconfig, CONTEXTS[cluster], ['history', name, '-n', ns]);
      return h[h.length - 1]?.revision;
    };
    const ids = (names: string[]) => names.flatMap((n) => [`paris/${ns}/${n}`, `europe/${ns}/${n}`]).sort();

    before(async () => {
      kubeconfig = await sharedFleet();
      dir = scratchRepo({
        'clusters.yaml': CLUSTERS,
        'releases/web.yaml': release('web', ns),
        'releases/api.yaml': release('api', ns),
        'values/web.yaml': 'config: { logLevel: info }\n',
        'values/api.yaml': 'config: { logLevel: warn }\n',
        'charts/cascade-demo/templates/widgets.yaml': widgetAsk(group),
      });
    });
    after(async () => {
      for (const ctx of [CONTEXTS.paris, CONTEXTS.europe]) await kubectl(kubeconfig, ctx, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(() => undefined);
      await kubectl(kubeconfig, CONTEXTS.paris, ['delete', 'crd', `widgets.${group}`, '--ignore-not-found']).catch(() => undefined);
    });

    it('after an apply, a plan renders nothing: every unit is skipped, unchanged', async () => {
      const applied = await run(['apply', '--yes', '--verbose']);
      assert.equal(applied.exitCode, 0, applied.stderr + applied.stdout);
      assert.deepEqual(Object.values(renderReasons(applied.stderr)), Array(4).fill('rendered: not deployed yet'));
      const plan = await run(['plan', '--verbose', '--detailed-exitcode']);
      assert.equal(plan.exitCode, 0, plan.stderr + plan.stdout);
      const why = renderReasons(plan.stderr);
      assert.deepEqual(Object.keys(why).sort(), ids(['web', 'api']));
      assert.deepEqual(new Set(Object.values(why)), new Set(['skipped: inputs unchanged since revision 1']));
      assert.match(plan.stdout, /Plan: 0 to install, 0 to upgrade, 4 unchanged, 0 to uninstall\./);
      const helmTemplate = /^» \S*helm template /m;
      assert.match(applied.stderr, helmTemplate); // the apply rendered, with helm template
      assert.doesNotMatch(plan.stderr, helmTemplate); // the plan ran no helm template
    });

    it('a cold-cache plan equals the plan with every unit rendered', async () => {
      writeRepoFiles(dir, { 'values/api.yaml': 'config: { logLevel: error }\n' }); // one pending change, so both plans carry diffs too
      const cold = await cascade(dir, ['plan', '-o', 'json', '--cache-dir', tempDir('hc-cold-')], { kubeconfig, helm: major });
      const full = await cascade(dir, ['plan', '-o', 'json', '--render-all'], { kubeconfig, helm: major });
      assert.equal(cold.exitCode, 0, cold.stderr);
      assert.equal(full.exitCode, 0, full.stderr);
      const strip = (s: string) => ({ ...(JSON.parse(s) as Record<string, unknown>), createdAt: '' });
      assert.deepEqual(strip(cold.stdout), strip(full.stdout));
      writeRepoFiles(dir, { 'values/api.yaml': 'config: { logLevel: warn }\n' });
    });

    it('a changed values file renders and upgrades exactly the units that use it', async () => {
      writeRepoFiles(dir, { 'values/web.yaml': 'config: { logLevel: debug }\n' });
      const plan = await run(['plan', '--verbose']);
      assert.equal(plan.exitCode, 0, plan.stderr + plan.stdout);
      const why = renderReasons(plan.stderr);
      for (const id of ids(['web'])) assert.equal(why[id], 'rendered: inputs differ from revision 1', id);
      for (const id of ids(['api'])) assert.equal(why[id], 'skipped: inputs unchanged since revision 1', id);
      assert.match(plan.stdout, /Plan: 0 to install, 2 to upgrade, 2 unchanged, 0 to uninstall\./);
      const applied = await run(['apply', '--yes', '--verbose']);
      assert.equal(applied.exitCode, 0, applied.stderr + applied.stdout);
      const again = renderReasons(applied.stderr);
      for (const id of ids(['web'])) assert.equal(again[id], 'rendered: inputs differ from revision 1 (from the render cache)', id);
      assert.deepEqual([await revision('paris', 'web'), await revision('europe', 'web'), await revision('paris', 'api'), await revision('europe', 'api')], [2, 2, 1, 1]);
    });

    it('a capability the charts ask about, new on one cluster, re-renders every unit of that cluster and no other', async () => {
      await kubectl(kubeconfig, CONTEXTS.paris, ['apply', '-f', writeCrd(dir, group)]);
      await kubectl(kubeconfig, CONTEXTS.paris, ['wait', '--for=condition=Established', `crd/widgets.${group}`, '--timeout=60s']);
      const plan = await run(['plan', '--verbose']);
      assert.equal(plan.exitCode, 0, plan.stderr + plan.stdout);
      const why = renderReasons(plan.stderr);
      assert.deepEqual(
        Object.entries(why).sort(),
        [
          [`europe/${ns}/api`, 'skipped: inputs unchanged since revision 1'],
          [`europe/${ns}/web`, 'skipped: inputs unchanged since revision 2'],
          [`paris/${ns}/api`, 'rendered: inputs differ from revision 1'],
          [`paris/${ns}/web`, 'rendered: inputs differ from revision 2'],
        ],
      );
      assert.match(plan.stdout, /Plan: 0 to install, 2 to upgrade, 2 unchanged, 0 to uninstall\./);
    });

    it('a unit whose values go into a Secret is skipped too once applied (its digest is keyed from then on)', async () => {
      // the run learns the token is a secret only when it renders it into a Secret (or reads the deployed one):
      // the install's label and the next plan's digest are made in different forms, and both mean these inputs
      writeRepoFiles(dir, { 'values/web.yaml': `config: { logLevel: debug }\nsecrets: { TOKEN: "tok-${sfx}-render-skip" }\n` });
      const applied = await run(['apply', '--yes']);
      assert.equal(applied.exitCode, 0, applied.stderr + applied.stdout);
      const plan = await run(['plan', '--verbose', '--detailed-exitcode']);
      assert.equal(plan.exitCode, 0, plan.stderr + plan.stdout);
      const why = renderReasons(plan.stderr);
      for (const id of ids(['web'])) assert.match(why[id] ?? '', /^skipped: inputs unchanged since revision 3$/, id);
    });
  });
}

/** The CRD as a file of the scratch repository (kubectl apply -f FILE). */
function writeCrd(dir: string, group: string): string {
  writeRepoFiles(dir, { 'widget-crd.yaml': widgetCrd(group) });
  return join(dir, 'widget-crd.yaml');
}
