// A YAML file read with positions, so every problem can name file:line:col.
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { Diagnostic } from '../errors.ts';
import type { SourcePos } from '../model/spec.ts';

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

export function readYamlFile(absPath: string, shownAs: string): YamlFile {
  let text: string;
  try {
    text = readFileSync(absPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const pos = { file: shownAs, line: 1, col: 1 };
    return {
      file: shownAs,
      data: undefined,
      posOf: () => pos,
      keyPosOf: () => pos,
      posInValue: () => pos,
      diagnostics: [{ ...pos, message: code === 'ENOENT' ? 'file not found' : `cannot read file: ${String(err)}` }],
    };
  }
  return parseYamlText(text, shownAs);
}

function parseYamlText(text: string, shownAs: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { file: shownAs, line, col };
  };
  for (const e of [...doc.errors, ...doc.warnings]) {
    const pos = at(e.pos[0]);
    const msg = e.message.split('\n')[0] ?? e.message;
    diagnostics.push({ ...pos, message: `YAML syntax: ${msg.replace(/ at line \d+, column \d+.*$/, '')}` });
  }
  const data = doc.errors.length ? undefined : doc.toJS({ maxAliasCount: 1000 });
  const nodeAt = (path: YamlPath): YamlNode | undefined => nearestNode(doc, path);
  return {
    file: shownAs,
    data,
    diagnostics,
    posOf(path) {
      const node = nodeAt(path);
      return node?.range ? at(node.range[0]) : at(0);
    },
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
