// The test suite's skip policy, as a node:test reporter: `npm test` prints
// TAP (node's own `tap` reporter, so it still closes with "# pass N",
// "# fail N"), plus a summary of every skipped or todo test, and exits 1 when
// one of them is not on the allow-list (test/skip-allow-list.txt). A silent
// skip in CI is a failure: a test that needs a tool installs it (pretest:
// scripts/system-deps.mjs) or fails saying what is missing.
//
//   node --test --test-reporter=./test/support/skip-policy.ts "test/**/*.test.ts"
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tap } from 'node:test/reporters';
import type { TestEvent } from 'node:test/reporters';

type TestEventGenerator = AsyncGenerator<TestEvent, void>;

const ROOT = join(import.meta.dirname, '..', '..');
export const ALLOW_LIST = join(ROOT, 'test', 'skip-allow-list.txt');

export interface Skipped {
  /** The test file, relative to the repository root. */
  file: string;
  name: string;
  /** The reason given to `skip:` / `todo:` (true when none). */
  reason: string;
  kind: 'skip' | 'todo';
}

/**
 * The allow-list: one `FILE > TEST NAME` per line, a `#` comment after it
 * saying why the skip is acceptable; blank lines and `#` lines are ignored.
 */
export function parseAllowList(text: string): Set<string> {
  const keys = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    keys.add(line);
  }
  return keys;
}

export const keyOf = (s: Pick<Skipped, 'file' | 'name'>): string => `${s.file} > ${s.name}`;

/** The skips the allow-list does not name. */
export function violations(skipped: readonly Skipped[], allowed: ReadonlySet<string>): Skipped[] {
  return skipped.filter((s) => !allowed.has(keyOf(s)));
}

/** The summary lines (TAP diagnostics, without the "# "). */
export function summary(skipped: readonly Skipped[], allowed: ReadonlySet<string>): string[] {
  const bad = violations(skipped, allowed);
  const lines = [`skip policy: ${skipped.length} skipped, ${skipped.length - bad.length} on the allow-list (test/skip-allow-list.txt), ${bad.length} not${bad.length > 0 ? ': the run fails' : ''}`];
  for (const s of skipped) lines.push(`  ${bad.includes(s) ? 'NOT ALLOWED' : 'allowed'} ${s.kind}: ${keyOf(s)}: ${s.reason}`);
  return lines;
}

function skippedOf(e: TestEvent): Skipped | undefined {
  if (e.type !== 'test:pass' && e.type !== 'test:fail') return undefined;
  const { skip, todo, name, file } = e.data as { skip?: string | boolean; todo?: string | boolean; name: string; file?: string };
  const kind = skip !== undefined && skip !== false ? 'skip' : todo !== undefined && todo !== false ? 'todo' : undefined;
  if (!kind) return undefined;
  const reason = kind === 'skip' ? skip : todo;
  return { file: file ? relative(ROOT, file) : '(unknown file)', name, reason: typeof reason === 'string' ? reason : '(no reason given)', kind };
}

const diagnostic = (message: string): TestEvent => ({ type: 'test:diagnostic', data: { nesting: 0, message } as TestEvent['data'] & { message: string } } as TestEvent);

export default async function* skipPolicy(source: TestEventGenerator): AsyncGenerator<string> {
  const allowed = parseAllowList(readFileSync(ALLOW_LIST, 'utf8'));
  const skipped: Skipped[] = [];
  let reported = false;
  async function* watched(): TestEventGenerator {
    for await (const e of source) {
      const s = skippedOf(e);
      if (s) skipped.push(s);
      // node's own summary starts with "tests N" at the root: ours goes just before it
      if (!reported && e.type === 'test:diagnostic' && e.data.nesting === 0 && /^tests \d+$/.test(e.data.message)) {
        reported = true;
        for (const line of summary(skipped, allowed)) yield diagnostic(line);
      }
      yield e;
    }
  }
  yield* tap(watched());
  if (!reported) for (const line of summary(skipped, allowed)) yield `# ${line}\n`;
  if (violations(skipped, allowed).length > 0) process.exitCode = 1;
}
