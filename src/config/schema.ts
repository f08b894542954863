// JSON Schema validation of both files. The same schemas in schema/ are what
// editors use (yaml-language-server), so the tool and the editor agree.
import { readFileSync } from 'node:fs';
import { closest, distance } from 'fastest-levenshtein';
import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../errors.ts';
import { describeValue } from './limits.ts';
import { loadSchemaValidators } from './schema-validators.ts';
import type { SchemaValidators } from './schema-validators.ts';
import type { YamlFile } from './yaml-file.ts';

const schemaDir = new URL('../../schema/', import.meta.url);

let validators: SchemaValidators | undefined;
/** Compiled once, ahead of time or on first use (schema-validators.ts). */
function getValidators(): SchemaValidators {
  validators ??= loadSchemaValidators({
    clusters: readFileSync(new URL('clusters.schema.json', schemaDir), 'utf8'),
    release: readFileSync(new URL('release.schema.json', schemaDir), 'utf8'),
  });
  return validators;
}

export function schemaDiagnostics(kind: 'clusters' | 'release', file: YamlFile): Diagnostic[] {
  const validate = getValidators()[kind];
  if (validate(file.data)) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const err of validate.errors ?? []) {
    const d = toDiagnostic(err, file);
    if (!d) continue;
    const key = `${d.line}:${d.col}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

function pathOf(instancePath: string): string[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function where(path: string[]): string {
  if (!path.length) return 'the file';
  return path.map((seg, i) => (/^\d+$/.test(seg) ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
}

function toDiagnostic(err: ErrorObject, file: YamlFile): Diagnostic | undefined {
  const path = pathOf(err.instancePath);
  const numeric = path.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const pos = file.posOf(numeric);
  const mk = (p: { line: number; col: number }, message: string): Diagnostic => ({ file: file.file, line: p.line, col: p.col, message });
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String((err.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((err.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
      let hint = '';
      if (allowed.length) {
        const guess = closest(key, allowed);
        hint = distance(key, guess) <= Math.max(2, Math.floor(key.length / 3))
          ? ` (did you mean "${guess}"?)`
          : ` (allowed: ${allowed.join(', ')})`;
      }
      return mk(file.keyPosOf(numeric, key), `unknown key "${key}" in ${where(path)}${hint}`);
    }
    case 'required': {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      return mk(pos, `missing required field "${missing}" in ${where(path)}`);
    }
    case 'type':
      return mk(pos, `${where(path)} must be ${article((err.params as { type: string }).type)}, got ${describeValue(err.data)}`);
    case 'enum':
      return mk(pos, `${where(path)} must be one of ${((err.params as { allowedValues: unknown[] }).allowedValues).join(', ')}, got ${quoteShort(err.data)}`);
    case 'pattern': {
      const ref = String(err.schemaPath);
      if (ref.includes('duration')) return mk(pos, `${where(path)}: bad duration ${quoteShort(err.data)} (write e.g. 30s, 5m, 1h30m)`);
      if (path.includes('url')) return mk(pos, `${where(path)}: ${quoteShort(err.data)} is not an http(s) URL`);
      return mk(pos, `${where(path)}: ${quoteShort(err.data)} is not a valid name (lower-case letters, digits and '-')`);
    }
    case 'propertyNames':
    case 'if':
      return undefined; // reported by the nested error (`pattern` of the key; the `then` branch's `required`)
    case 'not':
      return mk(pos, `${where(path)}: give either context: or inCluster: true, not both`);
    case 'minProperties':
      return mk(pos, `${where(path)} must not be empty`);
    case 'minItems':
      return mk(pos, `${where(path)} must not be empty`);
    case 'minLength':
      return mk(pos, `${where(path)} must not be empty`);
    case 'uniqueItems':
      return mk(pos, `${where(path)} lists the same entry twice`);
    case 'minimum':
    case 'maximum':
      return mk(pos, `${where(path)} ${err.message ?? 'out of range'}`);
    case 'maxLength':
      return mk(pos, `${where(path)} is too long (${err.message ?? ''})`);
    default:
      return mk(pos, `${where(path)} ${err.message ?? 'is invalid'}`);
  }
}

/**
 * The offending value of a field with fixed choices or a fixed form (an enum,
 * a duration, a name): quoted when it is a short one-line word, the way one
 * types it there; anything else (a pasted credential, a whole file) is
 * described by type and size only, never printed.
 */
function quoteShort(v: unknown): string {
  return typeof v === 'string' && Buffer.byteLength(v) <= 40 && /^[\x20-\x7e]*$/.test(v) ? JSON.stringify(v) : describeValue(v);
}

function article(t: string): string {
  const map: Record<string, string> = { object: 'a map', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false' };
  return map[t] ?? t;
}
