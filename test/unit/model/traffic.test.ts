import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReleaseSpec, TrafficSpec } from '../../../src/model/spec.ts';
import { fillPlaceholders, finalRouterValues, finalWeights, trackService, unknownPlaceholders, weightPaths } from '../../../src/model/traffic.ts';

const pos = { file: 't', line: 1, col: 1 };
const vars = { cluster: 'paris', track: 'canary', release: 'web' };

function traffic(extra: Partial<TrafficSpec> = {}): TrafficSpec {
  return {
    router: { kind: 'helm-values', release: 'haproxy', value: 'backends.{release}.{track}.weight' },
    stable: 'prod',
    service: '{release}-{track}',
    tracks: { canary: { weight: 20, steps: [5, 20], pauseMs: 0, pos }, beta: { weight: 0, steps: [0], pauseMs: 0, pos } },
    pos,
    ...extra,
  };
}

function release(name: string, t: TrafficSpec | undefined): ReleaseSpec {
  return { name, namespace: 'ns', file: `releases/${name}.yaml`, chart: { ref: './c', pos }, base: { values: [], set: {}, pos }, clusters: [], health: {}, repositories: [], pos, ignoreDifferences: [], ...(t ? { traffic: t } : {}) };
}

describe('fillPlaceholders', () => {
  it('double: fills {{cluster}}, {{ track }} and {{release}}, blanks inside the braces allowed', () => {
    assert.equal(fillPlaceholders('up{cluster="{{cluster}}",job="{{ track }}-{{  release\t}}"}', vars, 'double'), 'up{cluster="paris",job="canary-web"}');
  });

  it('double: leaves single braces and unknown names as they are', () => {
    assert.equal(fillPlaceholders('{track} {{env}} {{track}}', vars, 'double'), '{track} {{env}} canary');
  });

  it('single: fills {cluster}, {track}, {release}; leaves unknown names and blanks inside the braces', () => {
    assert.equal(fillPlaceholders('{release}-{track}@{cluster} {env} { track }', vars, 'single'), 'web-canary@paris {env} { track }');
  });

  it('single: inside double braces the inner name is filled, the outer braces kept', () => {
    assert.equal(fillPlaceholders('{{track}}', vars, 'single'), '{canary}');
  });

  it('unknownPlaceholders finds the blanks-padded double form too', () => {
    assert.deepEqual(unknownPlaceholders('{{ env }}', 'double'), [{ name: 'env', offset: 0 }]);
  });
});

describe('trackService and weightPaths', () => {
  it('names a track\'s Service after the release and the track, with no cluster', () => {
    assert.equal(trackService(traffic(), 'web', 'canary'), 'web-canary');
    assert.equal(trackService(traffic({ service: 'svc-{track}-{cluster}' }), 'web', 'beta'), 'svc-beta-');
  });

  it('gives each track its values path', () => {
    assert.deepEqual(weightPaths('backends.{release}.{track}.weight', 'web', ['canary', 'beta']), { canary: 'backends.web.canary.weight', beta: 'backends.web.beta.weight' });
    assert.deepEqual(weightPaths('w.{cluster}.{track}', 'web', ['canary']), { canary: 'w..canary' });
    assert.deepEqual(weightPaths('x', 'web', []), {});
  });
});

describe('finalWeights and finalRouterValues', () => {
  it('finalWeights: each canary track\'s final weight', () => {
    assert.deepEqual(finalWeights(traffic()), { canary: 20, beta: 0 });
  });

  it('finalRouterValues: the final weights at their paths, for the releases routed by that router only', () => {
    const releases = [
      release('web', traffic()),
      release('api', traffic({ router: { kind: 'helm-values', release: 'haproxy', value: 'api.{track}' }, tracks: { canary: { weight: 50, steps: [50], pauseMs: 0, pos } } })),
      release('other', traffic({ router: { kind: 'helm-values', release: 'nginx', value: 'o.{track}' } })),
      release('gw', traffic({ router: { kind: 'gateway-api', route: { name: 'r', namespace: 'ns' }, pos } })),
      release('plain', undefined),
    ];
    assert.deepEqual(finalRouterValues(releases, 'haproxy'), { 'backends.web.canary.weight': 20, 'backends.web.beta.weight': 0, 'api.canary': 50 });
    assert.deepEqual(finalRouterValues(releases, 'nginx'), { 'o.canary': 20, 'o.beta': 0 });
    assert.deepEqual(finalRouterValues(releases, 'r'), {});
    assert.deepEqual(finalRouterValues([], 'haproxy'), {});
  });
});
