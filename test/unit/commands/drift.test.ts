import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { driftTargets } from '../../../src/commands/drift.ts';
import { UsageError } from '../../../src/errors.ts';

describe('drift command options', () => {
  it('--format, -o json and --junit combine', () => {
    assert.deepEqual(driftTargets({ formats: 'text', formatGiven: false, output: 'text', junit: undefined }), [{ format: 'text', file: undefined }]);
    assert.deepEqual(driftTargets({ formats: 'text', formatGiven: false, output: 'json', junit: undefined }), [{ format: 'json', file: undefined }]);
    assert.deepEqual(driftTargets({ formats: 'html=d.html', formatGiven: true, output: 'json', junit: 'j.xml' }), [
      { format: 'html', file: 'd.html' },
      { format: 'junit', file: 'j.xml' },
    ]);
  });
  it('a bad --format is bad input (exit 4)', () => {
    assert.throws(() => driftTargets({ formats: 'pdf', formatGiven: true, output: 'text', junit: undefined }), UsageError);
  });
});
