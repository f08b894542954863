// The JSON Schemas of schema/, compiled once: Ajv's code generation is most of
// what `validate` would cost, so the validators are generated ahead of time
// (Ajv standalone code) and loaded as plain functions, without Ajv itself:
// - `npm run build` writes them next to the compiled code (schema-validators.cjs);
// - anywhere else (a checkout; a package whose schema files changed) they are
//   generated on first use into the cache folder, keyed by the schema files'
//   hash, and read from there afterwards.
// Whatever the schema files hold is what is compiled: the key is their content.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { writeFileAtomically } from '../files.ts';

const require = createRequire(import.meta.url);

export interface SchemaValidators {
  clusters: ValidateFunction;
  release: ValidateFunction;
}

export interface SchemaTexts {
  clusters: string;
  release: string;
}

/** Ajv's options; part of the key (other options, other code). */
const AJV_OPTIONS = { allErrors: true, verbose: true, strict: false, code: { source: true } } as const;
const GENERATED = './schema-validators.cjs';

/** The key of a pair of schema texts: their hash, with Ajv's version and options. */
function schemaKey(texts: SchemaTexts): string {
  const ajvVersion = (require('ajv/package.json') as { version: string }).version;
  return createHash('sha256').update(JSON.stringify([texts.clusters, texts.release, ajvVersion, AJV_OPTIONS])).digest('hex').slice(0, 32);
}

/** Ajv standalone code (CommonJS) exporting `clusters` and `release` validators and the key. */
export function generateValidatorCode(texts: SchemaTexts): string {
  const Ajv = require('ajv').default as typeof import('ajv').default;
  const standalone = require('ajv/dist/standalone').default as typeof import('ajv/dist/standalone/index.js').default;
  const clusters = JSON.parse(texts.clusters) as { $id: string };
  const release = JSON.parse(texts.release) as { $id: string };
  const ajv = new Ajv(AJV_OPTIONS);
  ajv.addSchema(clusters);
  ajv.addSchema(release);
  return `${standalone(ajv, { clusters: clusters.$id, release: release.$id })}\nexports.key = ${JSON.stringify(schemaKey(texts))};\n`;
}

function cacheFile(key: string, env: NodeJS.ProcessEnv): string {
  const root = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(root, 'helm-cascade', 'schema-validators', `${key}.cjs`);
}

/** Evaluates generated code as a CommonJS module whose requires resolve from here (Ajv's runtime helpers). */
function evaluate(code: string): SchemaValidators & { key?: string } {
  const module = { exports: {} as SchemaValidators & { key?: string } };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return module.exports;
}

/** The validators of these schema texts: the build's, else the cache's, else generated now (and cached). */
export function loadSchemaValidators(texts: SchemaTexts, env: NodeJS.ProcessEnv = process.env): SchemaValidators {
  const key = schemaKey(texts);
  const built = new URL(GENERATED, import.meta.url);
  if (existsSync(built)) {
    const m = require(GENERATED) as SchemaValidators & { key?: string };
    if (m.key === key) return m;
  }
  const file = cacheFile(key, env);
  if (existsSync(file)) {
    const m = evaluate(readFileSync(file, 'utf8'));
    if (m.key === key) return m;
  }
  const code = generateValidatorCode(texts);
  try {
    writeFileAtomically(file, code, { mode: 0o600 });
  } catch {
    // a read-only home: compiled again next time
  }
  return evaluate(code);
}
