// The pure mapping of `import helmfile`: engine answers built by hand (the
// engine itself is tested against real helmfiles in test/import/).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EngineRelease, EngineResult, EngineState } from '../../../src/import/engine-types.ts';
import { makeLocator } from '../../../src/import/locate.ts';
import { mapHelmfile } from '../../../src/import/map.ts';

const FILE = '/h/helmfile.yaml';
const TEXT = `releases:
  - name: db
    chart: bitnami/postgresql
  - name: web
    chart: ./charts/web
  - name: patched
    chart: ./charts/web
  - name: Bad_Name
    chart: ./charts/web
`;

function release(name: string, spec: Partial<EngineRelease['spec']> = {}, more: Partial<EngineRelease> = {}): EngineRelease {
  return { spec: { name, chart: './charts/web', namespace: 'apps', ...spec }, sourceFile: FILE, installed: true, selected: true, values: [], set: [], ...more };
}

function state(releases: EngineRelease[], more: Partial<EngineState> = {}): EngineState {
  return { file: FILE, basePath: '/h', environments: ['staging', 'production'], helmDefaults: {}, repositories: [{ name: 'bitnami', url: 'https://charts.bitnami.com/bitnami' }], hooks: 0, releases, ...more };
}

function env(name: string, releases: EngineRelease[], more: Partial<EngineState> = {}): EngineResult {
  return { env: name, states: [state(releases, { envKubeContext: `ctx-${name}`, ...more })], skipped: [], usage: [] };
}

const run = (envs: EngineResult[], currentContext?: string) =>
  mapHelmfile({ envs, rootDir: '/h', rootFile: FILE, locate: makeLocator(new Map([[FILE, TEXT]]), (p) => p.replace('/h/', '')), isDir: (p) => p === '/h/charts/web', ...(currentContext ? { currentContext } : {}) });

const file = (p: string, content: string) => ({ kind: 'file' as const, path: p, entry: p.replace('/h/', ''), content });

describe('helmfile -> helm-cascade mapping', () => {
  it('one cluster per environment (its kube context), one wave each, a release file with shared and per-cluster layers', () => {
    const common = file('/h/values/common.yaml', 'a: 1 # comment\n');
    const r = run([
      env('staging', [release('web', {}, { values: [common, { ...file('/h/values/web.yaml.gotmpl', 'env: staging\n'), rendered: true }], set: [{ kind: 'set', name: 'replicas', value: '1' }] })]),
      env('production', [release('web', {}, { values: [common, { ...file('/h/values/web.yaml.gotmpl', 'env: production\n'), rendered: true }], set: [{ kind: 'set', name: 'replicas', value: '3' }] })]),
    ]);
    assert.deepEqual(r.clusters, [
      { name: 'staging', context: 'ctx-staging', environment: 'staging', provider: 'onprem' },
      { name: 'production', context: 'ctx-production', environment: 'production', provider: 'onprem' },
    ]);
    assert.deepEqual(r.environments, ['staging', 'production']);
    assert.deepEqual(r.gaps, []);
    assert.deepEqual(r.releases[0]!.spec, {
      name: 'web',
      namespace: 'apps',
      chart: { ref: './charts/web' },
      values: ['values/common.yaml'],
      clusters: { staging: { values: ['values/web.yaml'], set: { replicas: 1 } }, production: { values: ['values/web.production.yaml'], set: { replicas: 3 } } },
    });
    assert.equal(r.copies.get('values/common.yaml'), '/h/values/common.yaml');
    assert.equal(r.copies.get('charts/web'), '/h/charts/web');
    assert.equal(r.files.get('values/web.production.yaml'), 'env: production\n');
  });

  it('needs keep their order where both releases are deployed; a need on another context is a gap', () => {
    const r = run([env('prod', [release('db', { chart: 'bitnami/postgresql', version: '~16.0.0' }), release('web', { needs: ['apps/db', 'other-ctx/apps/db'] })])]);
    assert.deepEqual(r.releases.find((x) => x.spec.name === 'web')!.spec.needs, ['db']);
    assert.deepEqual(r.releases.find((x) => x.spec.name === 'db')!.spec.chart, { ref: 'bitnami/postgresql', version: '~16.0.0' });
    assert.deepEqual(r.repositories, [{ name: 'bitnami', url: 'https://charts.bitnami.com/bitnami' }]);
    assert.deepEqual(
      r.gaps.map((g) => `${g.file}:${g.line}: ${g.message}`),
      ['helmfile.yaml:4: release "web" needs "other-ctx/apps/db" in another kube context: helm-cascade orders releases within a cluster only'],
    );
  });

  it('installed: false is enabled: false there; a false condition leaves it out of that cluster; both said', () => {
    const r = run([env('staging', [release('web', {}, { installed: false })]), env('production', [release('web', { condition: 'web.enabled' }, { conditionEnabled: false })]), env('dev', [release('web')])]);
    assert.deepEqual(r.releases[0]!.spec.clusters, { staging: { enabled: false }, dev: {} });
    assert.deepEqual(
      r.notes.filter((n) => n.message.startsWith('release')).map((n) => n.message),
      ['release "web" is not deployed in environment production (condition web.enabled is false): not on that environment\'s cluster', 'release "web" is installed: false in environment staging: enabled: false on cluster "staging" (uninstalled there, as helmfile does)'],
    );
  });

  it('never drops a release silently: render-changing keys, bad names and chart differences are gaps naming it', () => {
    const r = run([
      env('prod', [release('patched', { jsonPatches: [{ op: 'add' }] } as Partial<EngineRelease['spec']>), release('Bad_Name'), release('db', { chart: 'bitnami/postgresql', version: '1.0.0' }), release('web', { hooks: [{ events: ['presync'] }] } as Partial<EngineRelease['spec']>)]),
      env('dev', [release('db', { chart: 'bitnami/postgresql', version: '2.0.0' })]),
    ]);
    assert.deepEqual(r.releases.map((x) => x.spec.name), ['web']);
    const gaps = r.gaps.map((g) => `${g.line}: ${g.message}`);
    assert.ok(gaps.includes('6: release "patched": jsonPatches: jsonPatches (chartify) have no helm-cascade counterpart: patch the chart or its values; the release is not imported (it would render otherwise)'), gaps.join('\n'));
    assert.ok(gaps.some((g) => g.startsWith('8: release "Bad_Name" not imported: helm-cascade release names')));
    assert.ok(gaps.some((g) => g.startsWith('3: release "db" not imported: its chart is bitnami/postgresql@1.0.0 in environment prod but bitnami/postgresql@2.0.0 in dev')));
    // hooks do not change the render: imported, and the gap still listed
    assert.ok(gaps.some((g) => g.startsWith('4: release "web": hooks:')));
  });

  it('a release naming no kube context goes to the current context; repositories with credentials are gaps', () => {
    const r = run([env('prod', [release('web')], { envKubeContext: '', repositories: [{ name: 'private', url: 'https://c.example', username: 'u', password: 'p' }] })], 'kind-dev');
    assert.deepEqual(r.clusters.map((c) => [c.name, c.context, c.provider]), [['prod', 'kind-dev', 'local']]);
    assert.match(r.gaps.map((g) => g.message).join('\n'), /repository "private": username, password cannot be carried over/);
  });

  it('secrets files become references to the copied sops file', () => {
    const secrets = { kind: 'secrets' as const, path: '/h/secrets/prod.yaml', entry: 'secrets/prod.yaml', content: 'db:\n  password: ref+sops:///h/secrets/prod.yaml#/db/password\n' };
    const r = run([env('prod', [release('web', {}, { values: [secrets] })])]);
    assert.deepEqual(r.releases[0]!.spec.values, ['values/web/secrets-1.yaml']);
    assert.equal(r.files.get('values/web/secrets-1.yaml'), 'db:\n  password: ref+sops://values/secrets/prod.yaml#/db/password\n');
    assert.equal(r.copies.get('values/secrets/prod.yaml'), '/h/secrets/prod.yaml');
  });
});
