// `npm run bench -- NAME`: runs bench/NAME.ts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitLine } from './provenance.ts';

const name = process.argv[2];
const here = import.meta.dirname;
// a benchmark is a file here that exports main(args)
const known = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'bench.ts' && /export async function main\(/.test(readFileSync(join(here, f), 'utf8')))
  .map((f) => f.slice(0, -3));
if (!name || !known.includes(name) || !existsSync(join(here, `${name}.ts`))) {
  process.stderr.write(`usage: npm run bench -- <${known.join('|')}>\n`);
  process.exit(4);
}
// every benchmark says which code it measured
process.stdout.write(`bench ${name}: ${commitLine()}\n`);
const mod = (await import(`./${name}.ts`)) as { main: (args: string[]) => Promise<number> };
process.exitCode = await mod.main(process.argv.slice(3));
