import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { driftTargets } from '../../../src/commands/drift.ts';
import { UsageError } from '../../../src/errors.ts';

describe('drift command options', () => {
  it('--format, -o json and --junit combine', () => {
    assert.deepEqual(driftTargets({ format: 'text' }), [{ format: 'text', file: undefined }]);
    assert.deepEqual(driftTargets({ format: 'text', output: 'json' }), [{ format: 'json', file: undefined }]);
    assert.deepEqual(driftTargets({ format: 'html=d.html', output: 'json', junit: 'j.xml' }), [
      { format: 'html', file: 'd.html' },
      { format: 'junit', file: 'j.xml' },
    ]);
  });
  it('a bad --format is bad input (exit 4)', () => {
    assert.throws(() => driftTargets({ format: 'pdf' }), UsageError);
  });
});
