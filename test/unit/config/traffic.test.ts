// `traffic:` in release files: what the model holds (defaults explicit) and
// every class of mistake reported at its exact file:line:col, all at once.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { tempDir } from '../../support/tmp.ts';

const CLUSTERS = `clusters:
  paris: { context: ctx-paris, provider: onprem }
  gke: { context: ctx-gke, provider: gke }
tracks: [internal, free, paid, production]
`;
const CHART = { 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n' };

function load(releases: Record<string, string>) {
  const dir = tempDir('hc-traffic-');
  for (const [p, text] of Object.entries({ 'clusters.yaml': CLUSTERS, ...CHART, ...Object.fromEntries(Object.entries(releases).map(([n, t]) => [`releases/${n}`, t])) })) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir });
}
const problems = (releases: Record<string, string>) => load(releases).diagnostics.map(formatDiagnostic);

/** A release with four tracks and the given traffic block (indented under `traffic:`). */
const service = (traffic: string, extra = '') => `name: account
namespace: accounts
chart: { ref: charts/web }
tracks: { internal: {}, free: {}, paid: {}, production: {} }
${extra}traffic:
${traffic}`;

const GATEWAY = `  router: gateway-api
  route: { name: account }
  stable: production
  tracks:
    free: { weight: 5, steps: [1, 2, 5], pause: 2m }
    paid: { weight: 5 }
  analysis:
    prometheus: { url: "http://prometheus:9090", query: 'sum(rate(errors{track="{{track}}",cluster="{{cluster}}"}[1m]))', max: 0.5 }
    http: [{ url: "https://{{cluster}}.example.com/healthz" }]
    interval: 5s
`;

const ROUTER = `name: haproxy
namespace: edge
chart: { ref: charts/web }
`;

describe('traffic: the model', () => {
  it('holds the router, stable, tracks with their defaults and the analysis', () => {
    const { repo, diagnostics } = load({ 'account.yaml': service(GATEWAY) });
    assert.deepEqual(diagnostics, []);
    const t = repo!.releases[0]!.traffic!;
    assert.deepEqual(t.router, { kind: 'gateway-api', route: { name: 'account', namespace: 'accounts' }, pos: { file: 'releases/account.yaml', line: 7, col: 10 } });
    assert.equal(t.stable, 'production');
    assert.equal(t.service, '{release}-{track}');
    assert.deepEqual(
      Object.fromEntries(Object.entries(t.tracks).map(([k, v]) => [k, { weight: v.weight, steps: v.steps, pauseMs: v.pauseMs }])),
      { free: { weight: 5, steps: [1, 2, 5], pauseMs: 120_000 }, paid: { weight: 5, steps: [5], pauseMs: 0 } },
    );
    assert.deepEqual(t.analysis, {
      prometheus: { url: 'http://prometheus:9090', query: 'sum(rate(errors{track="{{track}}",cluster="{{cluster}}"}[1m]))', max: 0.5 },
      http: [{ url: 'https://{{cluster}}.example.com/healthz', expectStatus: 200 }],
      intervalMs: 5000,
    });
  });

  it('a helm-values router names a release and a value path; the default interval is 10s', () => {
    const { repo, diagnostics } = load({
      'account.yaml': service('  router: helm-values\n  release: haproxy\n  value: "backends.{track}.weight"\n  stable: production\n  tracks: { free: { weight: 5 } }\n  analysis: { http: [{ url: "http://x/healthz" }] }\n'),
      'haproxy.yaml': ROUTER,
    });
    assert.deepEqual(diagnostics, []);
    const t = repo!.releases.find((r) => r.name === 'account')!.traffic!;
    assert.deepEqual(t.router, { kind: 'helm-values', release: 'haproxy', value: 'backends.{track}.weight' });
    assert.equal(t.analysis?.intervalMs, 10_000);
  });
});

describe('traffic: validation, exit 4 at file:line:col', () => {
  it('weights outside 0-100 and a bad router are schema errors', () => {
    assert.deepEqual(problems({ 'account.yaml': service('  router: nginx\n  route: { name: a }\n  stable: production\n  tracks:\n    free: { weight: 105, steps: [50, 105] }\n    paid: { weight: -1 }\n') }), [
      'releases/account.yaml:6:11: traffic.router must be one of gateway-api, helm-values, got "nginx"',
      'releases/account.yaml:10:21: traffic.tracks.free.weight must be <= 100',
      'releases/account.yaml:10:38: traffic.tracks.free.steps[1] must be <= 100',
      'releases/account.yaml:11:21: traffic.tracks.paid.weight must be >= 0',
    ]);
  });

  it('steps must rise and end at weight', () => {
    assert.deepEqual(problems({ 'account.yaml': service('  router: gateway-api\n  route: { name: a }\n  stable: production\n  tracks:\n    free: { weight: 5, steps: [1, 1, 5] }\n    paid: { weight: 5, steps: [2, 4] }\n    internal: { weight: 100, steps: [] }\n') }), [
      'releases/account.yaml:10:35: traffic.tracks.free.steps must rise: 1 after 1',
      'releases/account.yaml:11:35: traffic.tracks.paid.steps must end at weight 5, not 4',
      'releases/account.yaml:12:37: traffic.tracks.internal.steps is empty: it must end at weight 100',
    ]);
  });

  it('stable and the moving tracks are tracks of the release, and different', () => {
    assert.deepEqual(problems({ 'account.yaml': service('  router: gateway-api\n  route: { name: a }\n  stable: prod\n  tracks:\n    fre: { weight: 5 }\n    production: { weight: 5 }\n') }), [
      'releases/account.yaml:8:11: traffic.stable: "prod" is not a track of release "account" (did you mean "production"?)',
      'releases/account.yaml:10:5: traffic.tracks: "fre" is not a track of release "account" (did you mean "free"?)',
    ]);
    assert.deepEqual(problems({ 'account.yaml': service('  router: gateway-api\n  route: { name: a }\n  stable: production\n  tracks:\n    production: { weight: 5 }\n') }), [
      'releases/account.yaml:10:5: traffic.tracks.production: "production" is the stable track, which receives the rest of the traffic; it has no weight of its own',
    ]);
  });

  it('a release without tracks has no traffic to move', () => {
    assert.deepEqual(problems({ 'account.yaml': 'name: account\nnamespace: a\nchart: { ref: charts/web }\ntraffic:\n  router: gateway-api\n  route: { name: a }\n  stable: production\n  tracks: { free: { weight: 5 } }\n' }), [
      'releases/account.yaml:5:3: release "account" has no tracks: traffic moves weight between its tracks (add tracks: or remove traffic:)',
    ]);
  });

  it("each router's own fields, and none of the other's", () => {
    assert.deepEqual(problems({ 'account.yaml': service('  router: gateway-api\n  value: "x.{track}"\n  stable: production\n  tracks: { free: { weight: 5 } }\n') }), [
      'releases/account.yaml:6:3: traffic: router gateway-api needs route: { name, namespace } (an HTTPRoute that already exists)',
      'releases/account.yaml:7:3: traffic.value is for another router; router "gateway-api" does not use it',
    ]);
    assert.deepEqual(problems({ 'account.yaml': service('  router: helm-values\n  route: { name: a }\n  stable: production\n  tracks: { free: { weight: 5 } }\n') }), [
      'releases/account.yaml:6:3: traffic: router helm-values needs release: (the router release of this repository)',
      'releases/account.yaml:6:3: traffic: router helm-values needs value: (the values path of a weight, such as "backends.{track}.weight")',
      'releases/account.yaml:7:3: traffic.route is for another router; router "helm-values" does not use it',
    ]);
  });

  it('the helm-values router: a known release without tracks, deployed where the release runs, and {track} in the path', () => {
    const hv = (release: string, value = 'backends.{track}.weight') => service(`  router: helm-values\n  release: ${release}\n  value: "${value}"\n  stable: production\n  tracks: { free: { weight: 5 } }\n`);
    assert.deepEqual(problems({ 'account.yaml': hv('haprox'), 'haproxy.yaml': ROUTER }), ['releases/account.yaml:7:12: traffic.release: no release "haprox" in this repository (did you mean "haproxy"?)']);
    assert.deepEqual(problems({ 'account.yaml': hv('haproxy', 'backends.weight'), 'haproxy.yaml': ROUTER }), ['releases/account.yaml:8:10: traffic.value "backends.weight" must hold {track}: each track\'s weight has its own path']);
    assert.deepEqual(problems({ 'account.yaml': hv('haproxy'), 'haproxy.yaml': `${ROUTER}clusters: { paris: {} }\n` }), [
      'releases/account.yaml:7:12: traffic.release: the router release "haproxy" is not deployed on cluster "gke", where release "account" runs',
    ]);
    assert.deepEqual(problems({ 'account.yaml': hv('haproxy'), 'haproxy.yaml': `${ROUTER}clusters: { "*": {}, gke: { enabled: false } }\n` }), [
      'releases/account.yaml:7:12: traffic.release: the router release "haproxy" is not deployed on cluster "gke", where release "account" runs',
    ]);
    assert.deepEqual(problems({ 'account.yaml': hv('haproxy'), 'haproxy.yaml': `${ROUTER}tracks: { production: {} }\n` }), [
      'releases/account.yaml:7:12: traffic.release: the router release "haproxy" has tracks; a router is one helm release per cluster (remove its tracks:)',
    ]);
    assert.deepEqual(problems({ 'account.yaml': hv('account') }), ['releases/account.yaml:7:12: traffic.release: release "account" cannot be its own router']);
  });

  it('placeholders other than cluster, track and release', () => {
    const traffic = `  router: gateway-api\n  route: { name: a }\n  service: "{release}-{trak}"\n  stable: production\n  tracks: { free: { weight: 5 } }\n  analysis:\n    prometheus: { url: "http://p:9090", query: 'errors{env="{{env}}"}', max: 1 }\n    http: [{ url: "http://{{host}}/healthz" }]\n`;
    assert.deepEqual(problems({ 'account.yaml': service(traffic) }), [
      'releases/account.yaml:8:23: unknown placeholder {trak} (known: cluster, track, release)',
      'releases/account.yaml:12:61: unknown placeholder {{env}} (known: cluster, track, release)',
      'releases/account.yaml:13:27: unknown placeholder {{host}} (known: cluster, track, release)',
    ]);
  });

  it('a bad pause and interval are duration errors', () => {
    assert.deepEqual(problems({ 'account.yaml': service('  router: gateway-api\n  route: { name: a }\n  stable: production\n  tracks: { free: { weight: 5, pause: 2min } }\n  analysis: { interval: soon }\n') }), [
      'releases/account.yaml:9:39: traffic.tracks.free.pause: bad duration "2min" (write e.g. 30s, 5m, 1h30m)',
      'releases/account.yaml:10:25: traffic.analysis.interval: bad duration "soon" (write e.g. 30s, 5m, 1h30m)',
    ]);
  });
});

describe('the example repository (examples/bitmovin)', () => {
  const root = join(import.meta.dirname, '..', '..', '..', 'examples', 'bitmovin');
  for (const releasesDir of ['releases', 'releases-haproxy']) {
    it(`validates with ${releasesDir}/`, () => {
      const { repo, diagnostics } = loadDeployRepo({ clustersFile: join(root, 'clusters.yaml'), releasesDir: join(root, releasesDir) });
      assert.deepEqual(diagnostics.map(formatDiagnostic), []);
      const t = repo!.releases.find((r) => r.name === 'account-service')!.traffic!;
      assert.deepEqual(Object.entries(t.tracks).map(([k, v]) => [k, v.weight, v.steps]), [['internal', 100, [100]], ['free', 5, [1, 2, 5]], ['paid', 5, [1, 5]]]);
      assert.equal(t.router.kind, releasesDir === 'releases' ? 'gateway-api' : 'helm-values');
    });
  }
});

describe('traffic: the model of a malformed block (schema errors reported, the model built leniently)', () => {
  const modelOf = (traffic: string, extra = '') => load({ 'account.yaml': service(traffic, extra) }).repo!.releases[0]!.traffic!;

  it('a helm-values router without release or value holds empty strings; no stable is empty; a non-string service is the default', () => {
    const t = modelOf('  router: helm-values\n  service: 5\n  tracks: { free: { weight: 5 } }\n');
    assert.deepEqual(t.router, { kind: 'helm-values', release: '', value: '' });
    assert.equal(t.stable, '');
    assert.equal(t.service, '{release}-{track}');
    assert.equal('analysis' in t, false);
    assert.deepEqual(t.pos, { file: 'releases/account.yaml', line: 5, col: 1 });
    assert.deepEqual(t.tracks.free!.pos, { file: 'releases/account.yaml', line: 8, col: 13 });
  });

  it('a route without name holds an empty name in the release namespace', () => {
    assert.deepEqual(modelOf('  router: gateway-api\n  route: { namespace: 7 }\n').router, { kind: 'gateway-api', route: { name: '', namespace: 'accounts' }, pos: { file: 'releases/account.yaml', line: 7, col: 10 } });
  });

  it('tracks and analysis that are lists are no tracks and no analysis', () => {
    const t = modelOf('  router: gateway-api\n  route: { name: a }\n  tracks: [{ weight: 5 }]\n  analysis: [{ interval: 5s }]\n');
    assert.deepEqual(t.tracks, {});
    assert.equal(t.analysis, undefined);
  });

  it('non-number weights and steps are dropped; a non-string pause is 0', () => {
    const t = modelOf('  router: gateway-api\n  route: { name: a }\n  tracks:\n    free: { weight: "5", steps: [1, "2", 5], pause: 5 }\n    paid: { weight: 7, steps: 3, pause: [5s] }\n');
    assert.deepEqual(
      Object.fromEntries(Object.entries(t.tracks).map(([k, v]) => [k, { weight: v.weight, steps: v.steps, pauseMs: v.pauseMs }])),
      { free: { weight: 0, steps: [1, 5], pauseMs: 0 }, paid: { weight: 7, steps: [7], pauseMs: 0 } },
    );
  });

  it('analysis: http entries that are not maps are dropped, a missing url is empty, a number expectStatus is kept; prometheus fields default', () => {
    const t = modelOf('  router: gateway-api\n  route: { name: a }\n  analysis:\n    http: ["http://x", {}, { url: "http://y", expectStatus: 503 }, { url: "http://z", expectStatus: "503" }]\n    prometheus: {}\n    interval: 5\n');
    assert.deepEqual(t.analysis, {
      http: [{ url: '', expectStatus: 200 }, { url: 'http://y', expectStatus: 503 }, { url: 'http://z', expectStatus: 200 }],
      intervalMs: 10_000,
      prometheus: { url: '', query: '', max: 0 },
    });
  });
});

describe('traffic: more validation at file:line:col', () => {
  it('a weight of 0 needs no steps', () => {
    assert.deepEqual(problems({ 'account.yaml': service('  router: gateway-api\n  route: { name: a }\n  stable: production\n  tracks: { free: { weight: 0, steps: [] }, paid: { weight: 0, steps: [] } }\n') }), []);
  });

  it('did you mean: a prefix, a close name, a far name (the known list), and no tracks at all', () => {
    const stable = (name: string) => problems({ 'account.yaml': service(`  router: gateway-api\n  route: { name: a }\n  stable: ${name}\n  tracks: { free: { weight: 5 } }\n`) });
    assert.deepEqual(stable('production-eu-west'), ['releases/account.yaml:8:11: traffic.stable: "production-eu-west" is not a track of release "account" (did you mean "production"?)']);
    assert.deepEqual(stable('prodution'), ['releases/account.yaml:8:11: traffic.stable: "prodution" is not a track of release "account" (did you mean "production"?)']);
    assert.deepEqual(stable('fere'), ['releases/account.yaml:8:11: traffic.stable: "fere" is not a track of release "account" (did you mean "free"?)']);
    assert.deepEqual(stable('canary'), ['releases/account.yaml:8:11: traffic.stable: "canary" is not a track of release "account" (known: internal, free, paid, production)']);
    assert.deepEqual(problems({ 'account.yaml': 'name: account\nnamespace: a\nchart: { ref: charts/web }\ntracks: {}\ntraffic:\n  router: gateway-api\n  route: { name: a }\n  stable: production\n  tracks: {}\n' }), [
      'releases/account.yaml:8:11: traffic.stable: "production" is not a track of release "account" (there are none)',
      'releases/account.yaml:9:11: traffic.tracks must not be empty',
    ]);
  });

  it("a stray release under gateway-api and a stray service under helm-values", () => {
    assert.deepEqual(problems({ 'account.yaml': service('  router: gateway-api\n  route: { name: a }\n  release: haproxy\n  stable: production\n  tracks: { free: { weight: 5 } }\n') }), [
      'releases/account.yaml:8:3: traffic.release is for another router; router "gateway-api" does not use it',
    ]);
    assert.deepEqual(problems({ 'account.yaml': service('  router: helm-values\n  release: haproxy\n  value: "b.{track}.w"\n  service: "{release}"\n  stable: production\n  tracks: { free: { weight: 5 } }\n'), 'haproxy.yaml': ROUTER }), [
      'releases/account.yaml:9:3: traffic.service is for another router; router "helm-values" does not use it',
    ]);
  });

  it('an unknown placeholder in the helm-values value path', () => {
    assert.deepEqual(problems({ 'account.yaml': service('  router: helm-values\n  release: haproxy\n  value: "b.{track}.{wieght}"\n  stable: production\n  tracks: { free: { weight: 5 } }\n'), 'haproxy.yaml': ROUTER }), [
      'releases/account.yaml:8:21: unknown placeholder {wieght} (known: cluster, track, release)',
    ]);
  });

  it('where the router release runs: an exact cluster entry wins over a glob; every matching glob must be enabled; several missing clusters', () => {
    const hv = service('  router: helm-values\n  release: haproxy\n  value: "b.{track}.w"\n  stable: production\n  tracks: { free: { weight: 5 } }\n');
    const routed = (clusters: string) => problems({ 'account.yaml': hv, 'haproxy.yaml': `${ROUTER}clusters: ${clusters}\n` });
    assert.deepEqual(routed('{ "*": { enabled: false }, gke: {} }'), [
      'releases/account.yaml:7:12: traffic.release: the router release "haproxy" is not deployed on cluster "paris", where release "account" runs',
    ]);
    assert.deepEqual(routed('{ "*": {}, "g*": { enabled: false } }'), [
      'releases/account.yaml:7:12: traffic.release: the router release "haproxy" is not deployed on cluster "gke", where release "account" runs',
    ]);
    assert.deepEqual(routed('{ "*": { enabled: false } }'), [
      'releases/account.yaml:7:12: traffic.release: the router release "haproxy" is not deployed on clusters "paris", "gke", where release "account" runs',
    ]);
  });
});
