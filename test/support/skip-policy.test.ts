// The skip policy's pure parts; the reporter itself runs in every `npm test`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllowList, summary, violations } from './skip-policy.ts';
import type { Skipped } from './skip-policy.ts';

const chromium: Skipped = { file: 'test/unit/report/drift-report.test.ts', name: 'HTML renders in headless chromium', reason: 'chromium not installed', kind: 'skip' };
const later: Skipped = { file: 'test/e2e/x.test.ts', name: 'later', reason: '(no reason given)', kind: 'todo' };

describe('skip policy', () => {
  it('reads FILE > NAME entries, ignoring comments and blank lines', () => {
    const allowed = parseAllowList('# header\n\ntest/e2e/x.test.ts > later   # why: upstream bug 123\n  # indented comment\n');
    assert.deepEqual([...allowed], ['test/e2e/x.test.ts > later']);
  });

  it('flags every skip or todo the allow-list does not name', () => {
    const allowed = parseAllowList('test/e2e/x.test.ts > later # why\n');
    assert.deepEqual(violations([chromium, later], allowed), [chromium]);
    assert.deepEqual(summary([chromium, later], allowed), [
      'skip policy: 2 skipped, 1 on the allow-list (test/skip-allow-list.txt), 1 not: the run fails',
      '  NOT ALLOWED skip: test/unit/report/drift-report.test.ts > HTML renders in headless chromium: chromium not installed',
      '  allowed todo: test/e2e/x.test.ts > later: (no reason given)',
    ]);
  });

});
