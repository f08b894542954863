// The cascade.* values (cluster, region, provider, track) helm-cascade can
// pass so charts label pods by track. Nothing it adds may make a chart fail:
// with `cascadeValues: auto` (the default) they go only to charts whose
// values.schema.json accepts a top-level `cascade` key, as helm would judge
// it (the schema's own draft). Pure.
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import type { CascadeValues } from '../model/spec.ts';

const require = createRequire(import.meta.url);

const SAMPLE = { cascade: { cluster: 'c', region: 'r', provider: 'p', track: 't' } };

function compile(schema: object): ValidateFunction {
  const id = String((schema as { $schema?: unknown }).$schema ?? '');
  const Ajv = (id.includes('2020-12') ? require('ajv/dist/2020') : id.includes('2019-09') ? require('ajv/dist/2019') : require('ajv')).default as typeof import('ajv').default;
  return new Ajv({ allErrors: true, strict: false, validateFormats: false, validateSchema: false }).compile(schema);
}

/** Does this values schema accept a top-level `cascade` map of strings? A chart without a schema does; one that cannot be read does not. */
export function schemaAcceptsCascade(schema: unknown): boolean {
  if (schema === undefined) return true;
  if (typeof schema !== 'object' || schema === null) return false;
  let validate: ValidateFunction;
  try {
    validate = compile(schema);
  } catch {
    return false; // cannot tell: never risk breaking the chart
  }
  if (validate(SAMPLE)) return true;
  // the sample misses the chart's required keys; only errors about `cascade` itself count
  return !(validate.errors ?? []).some((e) => {
    if (e.instancePath.startsWith('/cascade')) return true;
    const p = e.params as { additionalProperty?: string; unevaluatedProperty?: string; propertyName?: string };
    return e.instancePath === '' && (p.additionalProperty === 'cascade' || p.unevaluatedProperty === 'cascade' || p.propertyName === 'cascade');
  });
}

/** Whether to pass the cascade.* values, and the note `plan --explain` shows when they are left out. */
export function cascadeDecision(mode: CascadeValues, schema: unknown): { pass: boolean; note?: string } {
  if (mode === 'never') return { pass: false, note: 'cascade.* values not passed (cascadeValues: never)' };
  if (mode === 'always' || schemaAcceptsCascade(schema)) return { pass: true };
  return { pass: false, note: "cascade.* values not passed: the chart's values.schema.json does not accept a top-level cascade key (cascadeValues: auto; set always or never to decide)" };
}
