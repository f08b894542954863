// Nothing selected is bad input: -l, --wave and --shard checked against the
// repository before any cluster is called, each miss named with the nearest
// names; globs match whole names.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepoOrThrow } from '../../../src/config/load.ts';
import { selectionScope } from '../../../src/model/selection.ts';
import { UsageError } from '../../../src/errors.ts';
import { matchesGlob, matchesUnit, nearestNames, parseUnitSelector, selectorMisses } from '../../../src/model/selectors.ts';
import { expandUnits } from '../../../src/model/units.ts';
import { tempDir } from '../../support/tmp.ts';

function repo(clustersExtra = '') {
  const dir = tempDir('hc-select-');
  mkdirSync(join(dir, 'releases'));
  mkdirSync(join(dir, 'charts', 'mini'), { recursive: true });
  writeFileSync(join(dir, 'charts', 'mini', 'Chart.yaml'), 'apiVersion: v2\nname: mini\nversion: 1.0.0\n');
  writeFileSync(join(dir, 'clusters.yaml'), `clusters:\n  paris: { context: c-paris }\n  europe: { context: c-europe }\n  us: { context: c-us }\ntracks: [canary, production]\n${clustersExtra}`);
  const rel = (name: string, ns: string, extra = '') => `name: ${name}\nnamespace: ${ns}\nchart: { ref: charts/mini }\n${extra}`;
  writeFileSync(join(dir, 'releases', 'web.yaml'), rel('web', 'shop', 'tracks: { canary: {}, production: {} }\nclusters: { paris: {}, europe: {} }\n'));
  writeFileSync(join(dir, 'releases', 'webhook.yaml'), rel('webhook', 'hooks'));
  writeFileSync(join(dir, 'releases', 'api.yaml'), rel('api', 'shop', 'clusters: { us: {} }\n'));
  return loadDeployRepoOrThrow({ clustersFile: 'clusters.yaml', cwd: dir });
}

/** The message selectionScope refuses with (undefined: accepted). */
function refusal(s: Parameters<typeof selectionScope>[1], r = repo()): string | undefined {
  try {
    selectionScope(r, s);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err));
    return err.message;
  }
}

const sel = parseUnitSelector;

describe('selector globs', () => {
  it('match whole names: web is not webhook, *hook is not webhooks', () => {
    assert.equal(matchesGlob('web', 'web'), true);
    assert.equal(matchesGlob('webhook', 'web'), false);
    assert.equal(matchesGlob('myweb', 'web'), false);
    assert.equal(matchesGlob('webhook', 'web*'), true);
    assert.equal(matchesGlob('webhooks', '*hook'), false);
    assert.equal(matchesGlob('web1', 'web?'), true);
    assert.equal(matchesGlob('web12', 'web?'), false);
    assert.equal(matchesGlob('a.b', 'a?b'), true);
    assert.equal(matchesGlob('axb', 'a.b'), false);
  });

  it('-l name=web selects the units of web only', () => {
    const units = expandUnits(repo());
    assert.deepEqual([...new Set(units.filter((u) => matchesUnit(u, sel('name=web'))).map((u) => u.release))], ['web']);
    assert.deepEqual([...new Set(units.filter((u) => matchesUnit(u, sel('name=web*'))).map((u) => u.release))].sort(), ['web', 'webhook']);
  });
});

describe('nothing selected', () => {
  it('a name, track, cluster or namespace that matches nothing: exit 4 naming it and the nearest names', () => {
    assert.equal(refusal({ selector: sel('name=prbe') }), '-l name=prbe matches no release (there are: api, web, webhook)');
    assert.equal(refusal({ selector: sel('name=webb') }), '-l name=webb matches no release (did you mean "web"?)');
    assert.equal(refusal({ selector: sel('track=canry') }), '-l track=canry matches no track (did you mean "canary"?)');
    assert.equal(refusal({ selector: sel('cluster=pari') }), '-l cluster=pari matches no cluster (did you mean "paris"?)');
    assert.equal(refusal({ selector: sel('namespace=shp') }), '-l namespace=shp matches no namespace (did you mean "shop"?)');
    assert.equal(refusal({ selector: sel('cluster=gke-*') }), '-l cluster=gke-* matches no cluster (there are: europe, paris, us)');
  });

  it('every part matches, but no unit has them all: where the release is', () => {
    assert.equal(refusal({ selector: sel('name=web,cluster=us') }), '-l name=web,cluster=us matches no release: no unit has all of these at once; web is on clusters europe, paris, tracks canary, production, namespaces shop');
  });

  it('--wave: no such wave, or none of the selected units in it', () => {
    assert.equal(refusal({ selector: {}, wave: 'canery' }), '--wave canery: no such wave (did you mean "canary"?)');
    assert.equal(refusal({ selector: sel('name=api'), wave: 'canary' }), '--wave canary holds no unit matching -l name=api (they are in waves: production)');
    assert.equal(refusal({ selector: sel('name=web'), wave: 'canary' }), undefined);
  });

  it('--shard: a share of the wave with no cluster', () => {
    assert.equal(refusal({ selector: {}, wave: 'canary', shard: { index: 2, count: 2 } }), undefined);
    assert.equal(refusal({ selector: {}, wave: 'canary', shard: { index: 3, count: 3 } }), "--shard 3/3 of wave canary gets no cluster: the wave's selected units are on 2 cluster(s) and failover chains (europe, paris); use fewer shards");
  });

  it('--from-wave: a wave of the repository', () => {
    assert.equal(refusal({ selector: {}, fromWave: 'production' }), undefined);
    assert.equal(refusal({ selector: {}, fromWave: 'prod' }), '--from-wave "prod": no such wave (waves: canary, production)');
  });

  it('the scope: the clusters the selection reaches, each shard of a wave its own share of them', () => {
    const r = repo();
    const names = (s: Parameters<typeof selectionScope>[1]) => selectionScope(r, s).clusters.map((c) => c.name);
    assert.deepEqual(names({ selector: {} }), ['paris', 'europe', 'us']);
    assert.deepEqual(names({ selector: sel('cluster=*u*') }), ['europe', 'us']);
    assert.equal(selectionScope(r, { selector: {} }).shard, undefined);
    const one = selectionScope(r, { selector: {}, wave: 'canary', shard: { index: 1, count: 2 } });
    const two = selectionScope(r, { selector: {}, wave: 'canary', shard: { index: 2, count: 2 } });
    assert.deepEqual([...one.shard!, ...two.shard!].sort(), ['europe', 'paris']);
    assert.equal(one.shard!.size, 1);
    assert.deepEqual(one.clusters.map((c) => c.name), [...one.shard!]);
    assert.deepEqual(two.clusters.map((c) => c.name), [...two.shard!]);
  });

  it('a selection that matches: accepted, whatever the plan then finds to do', () => {
    for (const s of ['name=web', 'name=w*', 'track=production', 'cluster=us', 'namespace=hooks', 'name=api,cluster=us']) assert.equal(refusal({ selector: sel(s) }), undefined, s);
    assert.equal(refusal({ selector: {} }), undefined);
  });

  it('--prune: name, track and namespace may select a release the repository no longer lists (checked after the clusters are read); clusters still must exist', () => {
    assert.equal(refusal({ selector: sel('name=retired'), prune: true }), undefined);
    assert.equal(refusal({ selector: sel('name=retired,cluster=nowhere'), prune: true }), '-l cluster=nowhere matches no cluster (there are: europe, paris, us)');
  });

  it('a 100 KB selector value is refused, shortened in the message; a long glob is matched without a RegExp', () => {
    assert.throws(() => parseUnitSelector(`name=${'x'.repeat(100_000)}`), (e: unknown) => e instanceof Error && e.message.length < 200 && /\(100000 characters\)/.test(e.message));
    const msg = refusal({ selector: { name: 'x'.repeat(100_000) } })!;
    assert.ok(msg.length < 200, msg);
    assert.match(msg, /\(100000 characters\)/);
    assert.equal(matchesGlob('x'.repeat(5000), `${'*x'.repeat(2000)}*`), true);
  });

  it('nearest names: a close spelling, else what there is (at most ten)', () => {
    assert.equal(nearestNames('prod', ['production', 'canary']), ' (did you mean "production"?)');
    assert.equal(nearestNames('zzz', Array.from({ length: 12 }, (_, i) => `n${String(i).padStart(2, '0')}`)), ' (there are: n00, n01, n02, n03, n04, n05, n06, n07, n08, n09, and 2 more)');
    assert.deepEqual(selectorMisses({ name: 'web' }, { name: ['webhook'], track: [], cluster: [], namespace: [] }), ['-l name=web matches no release (did you mean "webhook"?)']);
  });

  it('no unit has every part and the selector names no release: no "where"; a name glob over releases with and without tracks lists only the tracks there are', () => {
    assert.equal(refusal({ selector: sel('track=canary,cluster=us') }), '-l track=canary,cluster=us matches no release: no unit has all of these at once');
    assert.equal(
      refusal({ selector: sel('name=w*,track=canary,cluster=us') }),
      '-l name=w*,track=canary,cluster=us matches no release: no unit has all of these at once; w* is on clusters europe, paris, us, tracks canary, production, namespaces hooks, shop',
    );
    assert.equal(refusal({ selector: sel('name=api,cluster=paris') }), '-l name=api,cluster=paris matches no release: no unit has all of these at once; api is on clusters us, tracks none, namespaces shop');
  });

  it('every key that matches nothing is named, one per line, with the hint about whole-name globs', () => {
    let err: unknown;
    try {
      selectionScope(repo(), { selector: sel('name=prbe,track=zzz') });
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof UsageError);
    // a track-less release adds no track of its own to the names shown
    assert.equal(err.message, '-l name=prbe matches no release (there are: api, web, webhook)\n-l track=zzz matches no track (there are: canary, production)');
    assert.match(err.hint ?? '', /^globs \(\*, \?\) match whole names: name=web selects web, not webhook/);
  });

  it('--wave: a selected unit in a later wave is found there; a wave that holds no unit at all says so, and where the units are', () => {
    assert.equal(refusal({ selector: sel('name=api'), wave: 'production' }), undefined);
    const waves = 'waves:\n  - { name: canary-us, tracks: [canary], clusters: { name: us } }\n  - { name: canary, tracks: [canary], clusters: { name: "*r*" } }\n  - { name: production, tracks: [production] }\n';
    assert.equal(refusal({ selector: {}, wave: 'canary-us' }, repo(waves)), '--wave canary-us holds no unit (they are in waves: canary, production)');
    assert.equal(refusal({ selector: {}, wave: 'canary' }, repo(waves)), undefined);
  });

  it('--shard: the share is of the wave named, of its units the selector selects', () => {
    // production: web on paris and europe, webhook everywhere, api on us
    assert.equal(refusal({ selector: {}, wave: 'production', shard: { index: 3, count: 3 } }), undefined);
    assert.equal(
      refusal({ selector: sel('cluster=paris'), wave: 'canary', shard: { index: 2, count: 2 } }),
      "--shard 2/2 of wave canary gets no cluster: the wave's selected units are on 1 cluster(s) and failover chains (paris); use fewer shards",
    );
  });

  it('--prune: tracks and namespaces the repository no longer lists may be selected; a wave need not hold a listed unit', () => {
    assert.equal(refusal({ selector: sel('track=retired,namespace=gone'), prune: true }), undefined);
    // the canary wave may hold a deployed api the repository no longer makes there
    assert.equal(refusal({ selector: sel('name=api'), wave: 'canary', prune: true }), undefined);
  });
});
