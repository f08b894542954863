// makePlan's I/O orchestration with fake helm and fake clusters: value
// layering, one render per distinct input, bounded concurrency, preflight.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepoOrThrow } from '../../../src/config/load.ts';
import { PreflightError } from '../../../src/errors.ts';
import type { Helm } from '../../../src/helm/helm.ts';
import type { TemplateArgs } from '../../../src/helm/argv.ts';
import { planUnits } from '../../../src/plan/assemble.ts';
import { makePlan } from '../../../src/plan/make-plan.ts';
import { tempDir } from '../../support/tmp.ts';

// renders are cached between runs: each plan of this file gets a cache folder of its own
const freshCache = () => tempDir('hc-cache-');

const FIXTURE = resolve(import.meta.dirname, '../../e2e/fixtures/plan-repo/clusters.yaml');

function fakeHelm(opts: { fail?: (a: TemplateArgs) => boolean } = {}) {
  const calls: TemplateArgs[] = [];
  let active = 0;
  let maxActive = 0;
  const helm = {
    bin: 'fake-helm',
    version: async () => ({ version: 'v3.17.3', major: 3 as const, minor: 17 }),
    // the command-line values merged over a unit's by helm (test/e2e/helm-values.test.ts runs the real helm for this)
    mergeValueFlags: async (base: Record<string, unknown>) => ({ ...base, replicaCount: 9n }),
    template: async (a: TemplateArgs) => {
      calls.push(a);
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 5));
      active--;
      if (opts.fail?.(a)) throw Object.assign(new Error('boom'), { stderr: 'Error: template: mini/templates/x.yaml:3:1: bad' });
      // as the fixture's chart does: the values in a ConfigMap, `secrets` in a Secret
      const secrets = (a.values as { secrets?: Record<string, string> }).secrets;
      const secret = secrets ? `---\napiVersion: v1\nkind: Secret\nmetadata: {name: ${a.releaseName}}\nstringData: ${JSON.stringify(secrets)}\n` : '';
      return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${a.releaseName}}\ndata: {LOG_LEVEL: ${JSON.stringify(JSON.stringify(a.values))}}\n${secret}`;
    },
  } as unknown as Helm;
  return { helm, calls, maxActive: () => maxActive };
}

function kubeconfig(contexts: string[]): string {
  const f = join(tempDir('hc-kc-'), 'config');
  writeFileSync(f, `apiVersion: v1\nkind: Config\ncontexts:\n${contexts.map((c) => `- {name: ${c}, context: {cluster: x, user: x}}`).join('\n')}\n`);
  return f;
}

const clusters = { readCluster: async () => ({ kubeVersion: 'v1.34.8', apiVersions: [], deployed: [] }) };

describe('makePlan', () => {
  it('layers values by the documented precedence (docs/values.md), adds cascade.*, renders each unit once within the concurrency bound', async () => {
    const repo = loadDeployRepoOrThrow({ clustersFile: FIXTURE });
    const f = fakeHelm();
    const plan = await makePlan(repo, { cacheDir: freshCache(), kubeconfig: kubeconfig(['dc-paris', 'gke_demo_europe-west1_main']), concurrency: 2, valueFlags: { values: [], set: ['replicaCount=9'], setString: [], setFile: [], setJson: [], setLiteral: [] } }, { helm: f.helm, ...clusters });
    const units = planUnits(plan);
    assert.equal(units.length, 6);
    assert.equal(f.calls.length, 6);
    assert.ok(f.maxActive() <= 2);
    assert.ok(f.calls.every((c) => c.kubeVersion === 'v1.34.8'));
    const eu = units.find((u) => u.cluster === 'europe' && u.helmName === 'web-canary')!;
    assert.equal(eu.kind, 'rendered');
    if (eu.kind !== 'rendered') return;
    assert.deepEqual(eu.values, {
      config: { logLevel: 'debug' },
      secrets: { API_KEY: 'original-api-key-0001' },
      image: { tag: '1.0.0' },
      replicaCount: 9n,
      cascade: { cluster: 'europe', region: 'europe', provider: 'gke', track: 'canary' },
    });
    const src = Object.fromEntries(eu.origins!.map((o) => [o.path, o.source]));
    assert.equal(src['config.logLevel'], 'values/web/europe.yaml');
    assert.equal(src['replicaCount'], 'command line (-f/--set)');
    assert.match(src['image.tag']!, /releases\/web\.yaml set$/);
    // masked because the chart puts it in a Secret (not because of its key's name)
    assert.equal(eu.origins!.find((o) => o.path === 'secrets.API_KEY')!.value, '(secret)');
    assert.equal(eu.origins!.find((o) => o.path === 'config.logLevel')!.value, 'debug');
    assert.deepEqual(plan.waves.map((w) => [w.name, w.steps.map((s) => s.map((u) => `${u.cluster}/${u.helmName}`))]), [
      ['canary', [['paris/web-canary'], ['europe/web-canary']]],
      ['production', [['paris/api', 'paris/web-production'], ['europe/api', 'europe/web-production']]],
    ]);
    assert.equal(plan.summary.install, 6);
  });

  it('selectors and --wave narrow the plan', async () => {
    const repo = loadDeployRepoOrThrow({ clustersFile: FIXTURE });
    const f = fakeHelm();
    const plan = await makePlan(repo, { cacheDir: freshCache(), kubeconfig: kubeconfig(['dc-paris', 'gke_demo_europe-west1_main']), selector: { cluster: 'paris' }, wave: 'production' }, { helm: f.helm, ...clusters });
    assert.deepEqual(planUnits(plan).map((u) => `${u.cluster}/${u.helmName}`), ['paris/api', 'paris/web-production']);
  });

  it('a unit that fails to render carries helm’s message; the others are planned', async () => {
    const repo = loadDeployRepoOrThrow({ clustersFile: FIXTURE });
    const f = fakeHelm({ fail: (a) => a.releaseName === 'api' });
    const plan = await makePlan(repo, { cacheDir: freshCache(), kubeconfig: kubeconfig(['dc-paris', 'gke_demo_europe-west1_main']) }, { helm: f.helm, ...clusters });
    assert.equal(plan.summary.errors, 2);
    assert.equal(plan.summary.install, 4);
  });

  it('a context missing from the kubeconfig is a PreflightError naming it, before any cluster call', async () => {
    const repo = loadDeployRepoOrThrow({ clustersFile: FIXTURE });
    let called = false;
    await assert.rejects(
      makePlan(repo, { cacheDir: freshCache(), kubeconfig: kubeconfig(['dc-paris']) }, { helm: fakeHelm().helm, readCluster: async () => ((called = true), { kubeVersion: 'v1.34.8', apiVersions: [], deployed: [] }) }),
      (e: unknown) => e instanceof PreflightError && /cluster "europe": context "gke_demo_europe-west1_main" is not in the kubeconfig/.test(e.message),
    );
    assert.equal(called, false);
  });

  it('unreachable clusters are reported together as one PreflightError', async () => {
    const repo = loadDeployRepoOrThrow({ clustersFile: FIXTURE });
    const down = async (c: { name: string }): Promise<never> => {
      throw new PreflightError(`cluster "${c.name}" is unreachable`);
    };
    await assert.rejects(
      makePlan(repo, { cacheDir: freshCache(), kubeconfig: kubeconfig(['dc-paris', 'gke_demo_europe-west1_main']) }, { helm: fakeHelm().helm, readCluster: down }),
      (e: unknown) => e instanceof PreflightError && /paris/.test(e.message) && /europe/.test(e.message),
    );
  });
});
