// cascade.* values only where the chart's schema accepts them, judged on the
// real schemas of public charts (test/charts) and small ones per draft.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cascadeDecision, schemaAcceptsCascade } from '../../../src/plan/cascade-values.ts';

const charts = join(import.meta.dirname, '..', '..', 'charts');
const schemaOf = (chart: string) => JSON.parse(readFileSync(join(charts, chart, 'values.schema.json'), 'utf8')) as unknown;

describe('cascade.* values', () => {
  it('strict public schemas refuse them: traefik (draft 2020-12) and cert-manager (through a $ref)', () => {
    assert.equal(schemaAcceptsCascade(schemaOf('traefik')), false);
    assert.equal(schemaAcceptsCascade(schemaOf('cert-manager')), false);
  });
  it('open schemas and charts without one accept them, whatever else they require', () => {
    assert.equal(schemaAcceptsCascade(undefined), true);
    assert.equal(schemaAcceptsCascade({ type: 'object', required: ['image'], properties: { image: { type: 'string' } } }), true);
    assert.equal(schemaAcceptsCascade({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: false, properties: { cascade: { type: 'object' } } }), true);
  });
  it('a schema that gives cascade another type, or forbids it, refuses them', () => {
    assert.equal(schemaAcceptsCascade({ type: 'object', properties: { cascade: { type: 'string' } } }), false);
    assert.equal(schemaAcceptsCascade({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', unevaluatedProperties: false, properties: { a: {} } }), false);
  });
  it('always and never decide without the schema; auto says why it left them out', () => {
    assert.deepEqual(cascadeDecision('always', schemaOf('traefik')), { pass: true });
    assert.equal(cascadeDecision('never', undefined).pass, false);
    assert.match(cascadeDecision('auto', schemaOf('traefik')).note ?? '', /does not accept a top-level cascade key/);
  });
});
