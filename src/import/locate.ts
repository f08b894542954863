// file:line of what the import reports, found in the helmfile's own text:
// a release by its `name:`, a key inside it or at the top. Templated files are
// searched as written (a release named by a template is found by its literal
// name where it appears). Pure.
import type { Diagnostic } from '../errors.ts';

export type Where = Omit<Diagnostic, 'message'>;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Line (1-based) of the first line matching re, from line `from` on, and the column of `key:` in it; undefined when none. */
function find(lines: readonly string[], re: RegExp, key: string, from = 0, to = lines.length): { line: number; col: number } | undefined {
  for (let i = from; i < to; i++) {
    if (re.test(lines[i]!)) return { line: i + 1, col: Math.max(0, lines[i]!.indexOf(`${key}:`)) + 1 };
  }
  return undefined;
}

/** The lines a release's entry spans: from its `name:` to the next entry of the same list (or the file's end). */
function releaseSpan(lines: readonly string[], name: string): { start: number; end: number; col: number } | undefined {
  const at = find(lines, new RegExp(`^(\\s*)(-\\s+)?name:\\s*["']?${escapeRe(name)}["']?\\s*(#.*)?$`), 'name');
  if (!at) return undefined;
  const itemIndent = /^(\s*)/.exec(lines[at.line - 1]!)![1]!.length;
  let end = lines.length;
  for (let i = at.line; i < lines.length; i++) {
    const m = /^(\s*)-\s/.exec(lines[i]!);
    if (m && m[1]!.length < itemIndent) {
      end = i;
      break;
    }
    if (/^\S/.test(lines[i]!) && !lines[i]!.startsWith('#')) {
      end = i;
      break;
    }
  }
  // a release entry starts at its dash: search back for it within the same item
  let start = at.line - 1;
  for (let i = at.line - 1; i >= 0; i--) {
    if (/^\s*-\s/.test(lines[i]!)) {
      start = i;
      break;
    }
    if (/^\S/.test(lines[i]!)) break;
  }
  return { start, end, col: at.col };
}

export interface Locator {
  /** The top of a file. */
  file(file: string): Where;
  /** Where release `name` is written in `file` (its `name:` line). */
  release(file: string, name: string): Where;
  /** Where `key` is written inside release `name` (falls back to the release). */
  releaseKey(file: string, name: string, key: string): Where;
  /** Where a top-level key (or one under it: ["helmDefaults", "args"]) is written. */
  topKey(file: string, path: readonly string[]): Where;
}

/** A locator over the text of the files (absolute path -> content); `show` turns a path into how it is printed. */
export function makeLocator(sources: ReadonlyMap<string, string>, show: (abs: string) => string): Locator {
  const linesOf = (file: string) => (sources.get(file) ?? '').split('\n');
  const at = (file: string, p: { line: number; col: number } | undefined): Where => ({ file: show(file), line: p?.line ?? 1, col: p?.col ?? 1 });
  const release = (file: string, name: string): Where => {
    const span = releaseSpan(linesOf(file), name);
    return at(file, span && (find(linesOf(file), new RegExp(`name:\\s*["']?${escapeRe(name)}`), 'name', span.start) ?? { line: span.start + 1, col: span.col }));
  };
  return {
    file: (file) => at(file, undefined),
    release,
    releaseKey: (file, name, key) => {
      const lines = linesOf(file);
      const span = releaseSpan(lines, name);
      if (!span) return at(file, undefined);
      const p = find(lines, new RegExp(`^\\s*(-\\s+)?${escapeRe(key)}:`), key, span.start, span.end);
      return p ? at(file, p) : release(file, name);
    },
    topKey: (file, path) => {
      const lines = linesOf(file);
      let from = 0;
      let found: { line: number; col: number } | undefined;
      path.forEach((key, depth) => {
        const p = find(lines, new RegExp(depth === 0 ? `^${escapeRe(key)}:` : `^\\s+${escapeRe(key)}:`), key, from);
        if (p) {
          found = p;
          from = p.line;
        }
      });
      return at(file, found);
    },
  };
}
