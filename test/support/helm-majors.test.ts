import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHelmMajors } from './helm-majors.ts';

describe('helm majors under test', () => {
  it('both unless HELM_CASCADE_TEST_HELM narrows them', () => {
    assert.deepEqual(parseHelmMajors(undefined), [3, 4]);
    assert.deepEqual(parseHelmMajors(''), [3, 4]);
    assert.deepEqual(parseHelmMajors('3'), [3]);
    assert.deepEqual(parseHelmMajors('4'), [4]);
    assert.deepEqual(parseHelmMajors('4, 3'), [3, 4]);
  });
  it('refuses anything else, naming the value', () => {
    assert.throws(() => parseHelmMajors('5'), { message: 'HELM_CASCADE_TEST_HELM="5": expected "3", "4" or "3,4"' });
    assert.throws(() => parseHelmMajors('/usr/bin/helm'), { message: 'HELM_CASCADE_TEST_HELM="/usr/bin/helm": expected "3", "4" or "3,4"' });
    assert.throws(() => parseHelmMajors('3,3'), { message: 'HELM_CASCADE_TEST_HELM="3,3": expected "3", "4" or "3,4"' });
  });
});
