// npm run build: compiles src/ to dist/ (tsc -p tsconfig.build.json; the
// relative `.ts` imports become `.js`) and builds the helmfile engine of
// `import helmfile` into dist/import/engine/ (scripts/build-engine.mjs). The compiled files of an earlier build
// are removed first, so a file deleted from src/ never ships from a stale dist/;
// other files in dist/ (the plugin archive) stay. Then the JSON Schemas of
// schema/ are compiled ahead of time (Ajv standalone code,
// dist/config/schema-validators.cjs), so `validate` never runs Ajv's compiler.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
if (existsSync(dist)) {
  for (const e of readdirSync(dist, { withFileTypes: true })) {
    if (e.isDirectory() || e.name.endsWith('.js') || e.name.endsWith('.cjs')) rmSync(join(dist, e.name), { recursive: true, force: true });
  }
}
const tsc = join(root, 'node_modules', '.bin', 'tsc');
if (!existsSync(tsc)) {
  console.error('npm run build needs the dev dependencies (TypeScript): run `npm ci` first.');
  process.exit(1);
}
execFileSync(tsc, ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const { generateValidatorCode } = await import(pathToFileURL(join(dist, 'config', 'schema-validators.js')).href);
const schema = (name) => readFileSync(join(root, 'schema', `${name}.schema.json`), 'utf8');
writeFileSync(join(dist, 'config', 'schema-validators.cjs'), generateValidatorCode({ clusters: schema('clusters'), release: schema('release') }));
// the helmfile engine of `import helmfile` (Go -> WebAssembly; needs Go): dist/import/engine/
execFileSync(process.execPath, [join(root, 'scripts', 'build-engine.mjs'), '--out', join(dist, 'import', 'engine')], { stdio: ['ignore', 'ignore', 'inherit'] });
