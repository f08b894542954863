import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterSpec } from '../../../src/model/spec.ts';
import { matchesGlob, matchesSelector, matchesUnit, nearestNames, parseUnitSelector, SelectorSyntaxError, selectorMisses, shortText } from '../../../src/model/selectors.ts';

const pos = { file: 't', line: 1, col: 1 };
const paris: ClusterSpec = { name: 'paris', context: 'paris', provider: 'onprem', region: 'eu', labels: { tier: 'gold', zone: 'a' }, pos };

describe('matchesGlob', () => {
  it('? is one character, * any run, and nothing else is special', () => {
    assert.equal(matchesGlob('web', 'w?b'), true);
    assert.equal(matchesGlob('webhook', 'web*'), true);
    assert.equal(matchesGlob('web', 'web*'), true);
    assert.equal(matchesGlob('web', 'api'), false);
    assert.equal(matchesGlob('webhook', 'web'), false);
  });
});

describe('matchesSelector', () => {
  it('checks only the fields the selector gives, labels each by value', () => {
    assert.equal(matchesSelector(paris, { provider: 'onprem' }), true);
    assert.equal(matchesSelector(paris, { region: 'eu', labels: { tier: 'gold' } }), true);
    assert.equal(matchesSelector(paris, { labels: { tier: 'gold', zone: 'b' } }), false);
    assert.equal(matchesSelector(paris, { labels: { other: 'x' } }), false);
    assert.equal(matchesSelector(paris, { region: 'us' }), false);
  });
});

describe('matchesUnit', () => {
  const u = { release: 'web', track: 'canary', cluster: 'paris', namespace: 'shop' };
  it('matches track and namespace by glob, a track-less unit as the empty track', () => {
    assert.equal(matchesUnit(u, { track: 'can*', namespace: 'sh?p' }), true);
    assert.equal(matchesUnit(u, { track: 'prod' }), false);
    assert.equal(matchesUnit(u, { namespace: 'other' }), false);
    assert.equal(matchesUnit({ ...u, track: undefined }, { track: '*' }), true);
    assert.equal(matchesUnit({ ...u, track: undefined }, { track: 'canary' }), false);
  });
});

describe('parseUnitSelector', () => {
  it('reads key=value pairs, blanks around keys, values and empty parts ignored', () => {
    assert.deepEqual(parseUnitSelector(' name = web , , cluster= gke-* ,'), { name: 'web', cluster: 'gke-*' });
    assert.deepEqual(parseUnitSelector('track=canary,,namespace=shop'), { track: 'canary', namespace: 'shop' });
  });

  it('refuses a part without = or with an unknown key, and an empty value', () => {
    const bad = (text: string, message: string) => assert.throws(() => parseUnitSelector(text), (e: unknown) => e instanceof SelectorSyntaxError && e.name === 'SelectorSyntaxError' && e.message === message, text);
    bad('namex', 'bad selector "namex": expected name=, track=, cluster= or namespace= (e.g. -l name=api,cluster=gke-*)');
    bad('name=', 'bad selector "name=": empty value');
  });

  it('takes values up to 253 characters', () => {
    assert.deepEqual(parseUnitSelector(`name=${'a'.repeat(253)}`), { name: 'a'.repeat(253) });
    assert.throws(() => parseUnitSelector(`name=${'a'.repeat(254)}`), SelectorSyntaxError);
  });
});

describe('shortText', () => {
  it('keeps 60 characters, cuts a longer text to 40 and its length', () => {
    assert.equal(shortText('x'.repeat(60)), 'x'.repeat(60));
    assert.equal(shortText('x'.repeat(61)), `${'x'.repeat(40)}... (61 characters)`);
  });
});

describe('nearestNames and selectorMisses', () => {
  it('says there are none, or lists at most 10 names', () => {
    assert.equal(nearestNames('web', []), ' (there are none)');
    const names = Array.from({ length: 12 }, (_, i) => `svc${String(i).padStart(2, '0')}`);
    assert.equal(nearestNames('zzzzzzz', names), ' (there are: svc00, svc01, svc02, svc03, svc04, svc05, svc06, svc07, svc08, svc09, and 2 more)');
    assert.equal(nearestNames('zzzzzzz', names.slice(0, 10)), ' (there are: svc00, svc01, svc02, svc03, svc04, svc05, svc06, svc07, svc08, svc09)');
  });

  it('a close spelling first, nearest first, then by name', () => {
    assert.equal(nearestNames('wbe', ['web', 'api', 'wbex']), ' (did you mean "wbex" or "web"?)');
    assert.equal(nearestNames('paris', ['pariss', 'parks', 'zzz']), ' (did you mean "pariss" or "parks"?)');
  });

  it('checks every key by default; a value over 200 characters gets no suggestions', () => {
    const names = { name: ['web'], track: ['prod'], cluster: ['paris'], namespace: ['shop'] };
    assert.deepEqual(selectorMisses({ name: 'wex', track: 'prod', cluster: 'pariz', namespace: 'shap' }, names), [
      '-l name=wex matches no release (did you mean "web"?)',
      '-l cluster=pariz matches no cluster (did you mean "paris"?)',
      '-l namespace=shap matches no namespace (did you mean "shop"?)',
    ]);
    const long = 'q'.repeat(201);
    assert.deepEqual(selectorMisses({ track: long }, names), [`-l track=${'q'.repeat(40)}... (201 characters) matches no track`]);
  });
});
