// A YAML file read with positions, so every problem can name file:line:col.
// Two readings: helm-cascade's own files (YAML 1.2, as editors read them;
// integers under a release file's `set:` kept exact, as helm's --set keeps
// them) and values files (every scalar as helm reads it: helm-scalars.ts).
// Either way the file is checked before anything uses it: UTF-8, nesting
// depth, alias count and the size the aliases expand to, no .inf/.nan.
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic } from '../errors.ts';
import type { Limits, SourcePos } from '../model/spec.ts';
import { HELM_VALUES_YAML } from './helm-scalars.ts';
import { DEFAULT_LIMITS, formatBytes, LIMIT_ENV } from './limits.ts';
import { checkTree, nestingOverLimit } from './yaml-tree.ts';
import type { TreeLimits } from './yaml-tree.ts';

export type YamlPath = readonly (string | number)[];

export interface YamlFile {
  file: string; // as shown to the user (relative to cwd when shorter)
  data: unknown; // plain JS value; undefined when the file did not parse
  /** Position of the value at `path` (or of its nearest existing parent). */
  posOf(path: YamlPath): SourcePos;
  /** Position of the key `key` inside the map at `path`. */
  keyPosOf(path: YamlPath, key: string): SourcePos;
  /** Position of the character at `offset` of the string value at `path` (a CEL error inside an expression). */
  posInValue(path: YamlPath, offset: number): SourcePos;
  diagnostics: Diagnostic[];
}

/** How a file is read: helm-cascade's own YAML, or a values file as helm reads it. */
export interface ReadMode {
  kind: 'config' | 'values';
  /** config: where integers stay exact (bigint, an int64 for helm); elsewhere they are numbers. */
  exactIntsAt?: (path: YamlPath) => boolean;
}

const CONFIG: ReadMode = { kind: 'config' };

type ReadLimits = Pick<Limits, 'maxFileBytes' | 'maxAliasCount'> & Partial<Pick<Limits, 'maxExpandedBytes' | 'maxYamlDepth'>>;

/** A file that could not be read or parsed: one diagnostic at `pos` (its top by default). */
function unreadable(shownAs: string, message: string, at: { line: number; col: number } = { line: 1, col: 1 }): YamlFile {
  const pos = { file: shownAs, line: 1, col: 1 };
  return { file: shownAs, data: undefined, posOf: () => pos, keyPosOf: () => pos, posInValue: () => pos, diagnostics: [{ file: shownAs, ...at, message }] };
}

/** The file's bytes, unless it is over the size limit (checked on the open file, before reading a byte). */
function readLimited(absPath: string, maxBytes: number): { bytes: Buffer } | { error: string } {
  let fd: number;
  try {
    fd = openSync(absPath, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? 'error'})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { error: 'not a regular file' };
    if (st.size > maxBytes) return { error: `file is ${formatBytes(st.size)}, over the limit of ${formatBytes(maxBytes)} per file (${LIMIT_ENV.maxFileBytes}); nothing was parsed` };
    return { bytes: readFileSync(fd) };
  } finally {
    closeSync(fd);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > b.length) return i;
    const second = b[i + 1] ?? 0;
    if (len >= 3 && ((c === 0xe0 && second < 0xa0) || (c === 0xed && second > 0x9f) || (c === 0xf0 && second < 0x90) || (c === 0xf4 && second > 0x8f))) return i;
    for (let k = 1; k < len; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += len;
  }
  return b.length;
}

/** Text that is not UTF-8 is refused where its first bad byte is (helm would read it differently, or not at all). */
export function utf8Problem(bytes: Buffer): { line: number; col: number; message: string } | undefined {
  if (isUtf8(bytes)) return undefined;
  const at = firstInvalidUtf8(bytes);
  const before = bytes.subarray(0, at);
  const lineStart = before.lastIndexOf(0x0a) + 1;
  const line = before.filter((x) => x === 0x0a).length + 1;
  const col = [...bytes.subarray(lineStart, at).toString('utf8')].length + 1;
  const hex = `0x${bytes[at]!.toString(16).toUpperCase().padStart(2, '0')}`;
  return { line, col, message: `not UTF-8 text: byte ${hex} here does not start a UTF-8 character (save the file as UTF-8)` };
}

export function readYamlFile(absPath: string, shownAs: string, limits: ReadLimits = DEFAULT_LIMITS, mode: ReadMode = CONFIG): YamlFile {
  const read = readLimited(absPath, limits.maxFileBytes);
  if ('error' in read) return unreadable(shownAs, read.error);
  const bad = utf8Problem(read.bytes);
  if (bad) return unreadable(shownAs, bad.message, bad);
  const tree: TreeLimits = {
    maxAliasCount: limits.maxAliasCount,
    maxExpandedBytes: limits.maxExpandedBytes ?? DEFAULT_LIMITS.maxExpandedBytes,
    maxDepth: limits.maxYamlDepth ?? DEFAULT_LIMITS.maxYamlDepth,
  };
  return parseYamlText(read.bytes.toString('utf8'), shownAs, tree, mode);
}

/**
 * The yaml library's message made safe to print: its fixed text only. A few
 * messages quote the source (an unresolved tag, an escape, a block scalar
 * header); everything after the first colon is dropped, so no content of
 * the file reaches a log.
 */
function yamlErrorText(message: string, code: string, maxDepth: number): string {
  // the parser ran out of stack: the nesting is far deeper than any values need
  if (code === 'RESOURCE_EXHAUSTION') return `YAML: nested more than ${maxDepth} levels deep (${LIMIT_ENV.maxYamlDepth}); refused`;
  if (code === 'KEY_OVER_1024_CHARS') return 'YAML syntax: a key over 1024 characters (a plain key must be shorter; write a longer one as an explicit "? key")';
  // its message starts with the tag ("tag:yaml.org,2002:set used for seq collection, ..."): the text before a colon is no help
  if (code === 'BAD_COLLECTION_TYPE') return 'YAML syntax: a tag for another kind of value on this collection (!!set is for a map, !!omap and !!pairs for a list, !!binary and !!timestamp for a scalar)';
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+.*$/, '');
  const fixed = first.split(':')[0]!.trim().slice(0, 120);
  return `YAML syntax: ${fixed || code}`;
}

/** The `yaml` package's options for a mode: values files resolve scalars as helm does. */
function parseOptions(mode: ReadMode, lineCounter: LineCounter) {
  const common = { lineCounter, prettyErrors: false, uniqueKeys: true } as const;
  if (mode.kind === 'values') return { ...common, ...HELM_VALUES_YAML };
  return { ...common, intAsBigInt: mode.exactIntsAt !== undefined };
}

/** How far past the nesting limit the quick scan before parsing lets a text go (the exact check follows parsing). */
const PRESCAN_FACTOR = 4;

function parseYamlText(text: string, shownAs: string, limits: TreeLimits, mode: ReadMode): YamlFile {
  const deep = nestingOverLimit(text, limits.maxDepth * PRESCAN_FACTOR);
  if (deep !== undefined) {
    const before = text.slice(0, deep);
    const line = before.split('\n').length;
    return unreadable(shownAs, `YAML: nested more than ${limits.maxDepth} levels deep (${LIMIT_ENV.maxYamlDepth}); refused`, { line, col: deep - before.lastIndexOf('\n') });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, parseOptions(mode, lineCounter) as Parameters<typeof parseDocument>[1]);
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: shownAs, line, col };
  };
  for (const e of [...doc.errors, ...doc.warnings]) diagnostics.push({ ...at(e.pos[0]), message: yamlErrorText(e.message, e.code, limits.maxDepth) });
  const nodeAt = (path: YamlPath): YamlNode | undefined => nearestNode(doc, path);
  const posOf = (path: YamlPath): SourcePos => {
    const node = nodeAt(path);
    return node?.range ? at(node.range[0]) : at(0);
  };
  let data: unknown;
  if (!doc.errors.length) {
    try {
      data = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch {
      // only the alias limit throws here ("Excessive alias count"): an alias bomb
      diagnostics.push({ ...at(firstAliasOffset(doc)), message: `YAML: more than ${limits.maxAliasCount} alias expansions (${LIMIT_ENV.maxAliasCount}); refused as an alias bomb` });
    }
  }
  if (data !== undefined) {
    const checked = checkTree(data, { limits, exactIntsAt: mode.exactIntsAt, posOf, firstAlias: () => at(firstAliasOffset(doc)) });
    diagnostics.push(...checked.diagnostics);
    data = checked.diagnostics.length ? undefined : checked.data;
  }
  return {
    file: shownAs,
    data,
    diagnostics,
    posOf,
    keyPosOf(path, key) {
      const parent = nodeAt(path);
      if (isMap(parent)) {
        for (const item of parent.items) {
          if (isPair(item) && isScalar(item.key) && String(item.key.value) === key && item.key.range) {
            return at(item.key.range[0]);
          }
        }
      }
      return parent?.range ? at(parent.range[0]) : at(0);
    },
    posInValue(path, offset) {
      const node = nodeAt(path);
      if (!isScalar(node) || !node.range) return node?.range ? at(node.range[0]) : at(0);
      return at(node.range[0] + sourceOffset(String(node.value), text.slice(node.range[0], node.range[1]), offset));
    },
  };
}

/**
 * Where the value's character at `offset` stands in the scalar's source text
 * (quotes, escapes, block indentation and folding in between): each
 * non-blank character of the value is found in order in the source.
 */
function sourceOffset(value: string, source: string, offset: number): number {
  let j = 0;
  const find = (ch: string) => {
    const k = source.indexOf(ch, j);
    if (k >= 0) j = k;
    return k >= 0;
  };
  for (let i = 0; i < Math.min(offset, value.length); i++) {
    const ch = value[i]!;
    if (/\s/.test(ch)) continue;
    if (find(ch)) j++;
  }
  const target = value.slice(offset).match(/\S/)?.[0];
  if (target !== undefined) find(target);
  return Math.min(j, Math.max(0, source.length - 1));
}

function nearestNode(doc: Document, path: YamlPath): YamlNode | undefined {
  let node: unknown = doc.contents;
  for (const seg of path) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      next = pair?.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    }
    if (next === undefined || next === null) break;
    node = next;
  }
  return node as YamlNode | undefined;
}

/** Where the first alias of a document is (an alias bomb is reported there). */
function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
