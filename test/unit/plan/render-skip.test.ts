// Render skip: the decision (pure), then through makePlan on a repository on
// disk: each input that must change the digest (chart file, values file,
// --set, cluster version, helm major, a dependency's content, .helmignore)
// makes the unit render again; unchanged inputs skip helm template. The
// fake helm only counts renders here (test/e2e/render-skip.test.ts runs the
// real helm against the fleet).
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepoOrThrow } from '../../../src/config/load.ts';
import type { TemplateArgs } from '../../../src/helm/argv.ts';
import type { Helm } from '../../../src/helm/helm.ts';
import type { DeployedRelease } from '../../../src/model/release.ts';
import { planUnits } from '../../../src/plan/assemble.ts';
import { makePlan } from '../../../src/plan/make-plan.ts';
import type { LiveDriftInput } from '../../../src/plan/assemble.ts';
import { describeDecision, renderDecision } from '../../../src/plan/render-skip.ts';
import { tempDir } from '../../support/tmp.ts';

describe('renderDecision', () => {
  const deployed: { revision: number; status: string; inputs: string | undefined } = { revision: 3, status: 'deployed', inputs: 'abc' };
  const q = { inputs: 'abc', deployed, lookup: false, liveDrift: false };
  it('skips a unit whose inputs are those of its deployed revision', () => {
    assert.deepEqual(renderDecision(q), { render: false, revision: 3 });
    assert.equal(describeDecision(renderDecision(q)), 'skipped: inputs unchanged since revision 3');
  });
  it('renders, and says why, whatever else', () => {
    const cases: [Partial<typeof q>, string][] = [
      [{ deployed: undefined }, 'rendered: not deployed yet'],
      [{ deployed: { ...deployed, status: 'failed' } }, 'rendered: revision 3 is not in status deployed'],
      [{ deployed: { ...deployed, inputs: undefined } }, 'rendered: revision 3 carries no input digest'],
      [{ inputs: 'abd' }, 'rendered: inputs differ from revision 3'],
      [{ lookup: true }, 'rendered: its templates call lookup (the output depends on the cluster)'],
      [{ liveDrift: true }, 'rendered: live objects changed by hand, to repair'],
    ];
    for (const [over, line] of cases) assert.equal(describeDecision(renderDecision({ ...q, ...over })), line);
    assert.equal(describeDecision(renderDecision({ ...q, inputs: 'x' }), true), 'rendered: inputs differ from revision 3 (from the render cache)');
  });
});

/** A deploy repository on disk: one release, a local chart with a file:// dependency and a .helmignore, a values file. */
function makeRepo(): string {
  const root = tempDir('hc-skip-');
  const w = (p: string, text: string) => (mkdirSync(join(root, p, '..'), { recursive: true }), writeFileSync(join(root, p), text));
  w('clusters.yaml', 'clusters:\n  paris: { context: dc-paris }\n');
  w('releases/web.yaml', 'name: web\nnamespace: shop\nchart: { ref: charts/web }\nvalues: [values/web.yaml]\nset: { tag: "1" }\n');
  w('values/web.yaml', 'replicas: 2\n');
  w('charts/web/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - { name: lib, version: 0.1.0, repository: "file://../lib" }\n');
  w('charts/web/.helmignore', '*.md\n');
  w('charts/web/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n');
  w('charts/lib/Chart.yaml', 'apiVersion: v2\nname: lib\nversion: 0.1.0\n');
  w('charts/lib/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: lib }\n');
  return root;
}

function kubeconfig(): string {
  const f = join(tempDir('hc-kc-'), 'config');
  writeFileSync(f, 'apiVersion: v1\nkind: Config\ncontexts:\n- {name: dc-paris, context: {cluster: x, user: x}}\n');
  return f;
}

const MANIFEST = '---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\n';

function fakeHelm(major: 3 | 4 = 3) {
  const calls: TemplateArgs[] = [];
  const helm = {
    bin: 'fake-helm',
    version: async () => ({ version: `v${major}.0.0`, major, minor: 0 }),
    mergeValueFlags: async (base: Record<string, unknown>, f: { set: string[] }) => ({ ...base, ...Object.fromEntries(f.set.map((s) => s.split('='))) }),
    template: async (a: TemplateArgs) => (calls.push(a), MANIFEST),
  } as unknown as Helm;
  return { helm, calls };
}

interface World {
  root: string;
  kubeVersion: string;
  major: 3 | 4;
  set: string[];
  inputs: string | undefined;
  liveDrift: boolean;
  /** The deployed revision's values (helm's record keeps what it was given). */
  config?: Record<string, unknown>;
  cacheDir?: string;
  renderAll?: boolean;
}

/** One plan of the world: how many renders it ran, what --verbose said, the unit's inputs. */
async function planOnce(w: World) {
  const f = fakeHelm(w.major);
  const lines: string[] = [];
  const deployed: DeployedRelease = { cluster: 'paris', namespace: 'shop', name: 'web', revision: 4, status: 'deployed', chartName: 'web', chartVersion: '1.0.0', manifest: MANIFEST, config: w.config ?? {}, labels: w.inputs ? { 'cascade-inputs': w.inputs } : {}, managed: true };
  const live: LiveDriftInput = { drifted: w.liveDrift, objects: [] };
  const repo = loadDeployRepoOrThrow({ clustersFile: join(w.root, 'clusters.yaml') });
  const plan = await makePlan(
    repo,
    { kubeconfig: kubeconfig(), cacheDir: w.cacheDir ?? tempDir('hc-cache-'), renderAll: w.renderAll === true, liveDrift: true, log: (l) => lines.push(l), valueFlags: { values: [], set: w.set, setString: [], setFile: [], setJson: [], setLiteral: [] } },
    { helm: f.helm, readCluster: async () => ({ kubeVersion: w.kubeVersion, apiVersions: ['v1'], deployed: [deployed] }), detectLiveDrift: async () => new Map([['paris/shop/web', live]]) },
  );
  const [unit] = planUnits(plan);
  assert.equal(unit?.kind, 'rendered');
  return { renders: f.calls.length, why: lines.filter((l) => l.startsWith('render ')), inputs: unit.kind === 'rendered' ? unit.inputs : '', config: unit.kind === 'rendered' ? unit.values : {}, action: unit.action };
}

describe('makePlan skips renders whose inputs did not change', () => {
  it('renders a revision without a digest, skips once the digest is the deployed one', async () => {
    const w: World = { root: makeRepo(), kubeVersion: 'v1.36.3', major: 3, set: [], inputs: undefined, liveDrift: false };
    const first = await planOnce(w);
    assert.deepEqual([first.renders, first.why], [1, ['render paris/shop/web: rendered: revision 4 carries no input digest']]);
    const again = await planOnce({ ...w, inputs: first.inputs, config: first.config });
    assert.deepEqual([again.renders, again.why, again.action], [0, ['render paris/shop/web: skipped: inputs unchanged since revision 4'], 'unchanged']);
    const drifted = await planOnce({ ...w, inputs: first.inputs, config: first.config, liveDrift: true });
    assert.deepEqual([drifted.renders, drifted.why, drifted.action], [1, ['render paris/shop/web: rendered: live objects changed by hand, to repair'], 'upgrade']);
  });

  const changes: [string, (w: World) => World][] = [
    ['a chart file', (w) => (appendFileSync(join(w.root, 'charts/web/templates/cm.yaml'), 'data: { a: b }\n'), w)],
    ['a values file', (w) => (appendFileSync(join(w.root, 'values/web.yaml'), 'debug: true\n'), w)],
    ['--set', (w) => ({ ...w, set: ['replicas=3'] })],
    ['the cluster version', (w) => ({ ...w, kubeVersion: 'v1.37.0' })],
    ['the helm major', (w) => ({ ...w, major: 4 })],
    ["a dependency's content", (w) => (appendFileSync(join(w.root, 'charts/lib/templates/cm.yaml'), 'data: { a: b }\n'), w)],
    ['.helmignore', (w) => (appendFileSync(join(w.root, 'charts/web/.helmignore'), 'templates/extra.yaml\n'), w)],
  ];
  for (const [what, change] of changes) {
    it(`renders again when ${what} changes`, async () => {
      const root = makeRepo();
      const w0: World = { root, kubeVersion: 'v1.36.3', major: 3, set: [], inputs: undefined, liveDrift: false };
      const inputs = (await planOnce(w0)).inputs;
      const w1 = change({ ...w0, inputs });
      const after = await planOnce(w1);
      assert.notEqual(after.inputs, inputs, what);
      assert.deepEqual([after.renders, after.why], [1, ['render paris/shop/web: rendered: inputs differ from revision 4']], what);
    });
  }

  it('a file the .helmignore leaves out changes nothing', async () => {
    const root = makeRepo();
    const w0: World = { root, kubeVersion: 'v1.36.3', major: 3, set: [], inputs: undefined, liveDrift: false };
    const inputs = (await planOnce(w0)).inputs;
    writeFileSync(join(root, 'charts/web/NOTES.md'), 'ignored\n');
    const same = await planOnce({ ...w0, inputs });
    assert.deepEqual([same.inputs, same.renders], [inputs, 0]);
  });

  it('--render-all renders a unit whose inputs did not change', async () => {
    const w: World = { root: makeRepo(), kubeVersion: 'v1.36.3', major: 3, set: [], inputs: undefined, liveDrift: false };
    const first = await planOnce(w);
    const all = await planOnce({ ...w, inputs: first.inputs, config: first.config, renderAll: true });
    assert.deepEqual([all.renders, all.why, all.action], [1, ['render paris/shop/web: rendered: --render-all'], 'unchanged']);
  });

  it('keeps renders between runs in the cache folder, keyed by the inputs', async () => {
    const w: World = { root: makeRepo(), kubeVersion: 'v1.36.3', major: 3, set: [], inputs: 'an-older-digest', liveDrift: false, cacheDir: tempDir('hc-cache-') };
    const cold = await planOnce(w);
    const warm = await planOnce(w);
    assert.deepEqual([cold.renders, warm.renders], [1, 0]);
    assert.deepEqual(warm.why, ['render paris/shop/web: rendered: inputs differ from revision 4 (from the render cache)']);
    const other = await planOnce({ ...w, set: ['replicas=5'] });
    assert.equal(other.renders, 1);
  });
});
