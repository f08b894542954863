// helmfile's `set:`, `setString:`, `env:` and set `file:` entries as helm
// receives them. helmfile passes `--set NAME=VALUE` with `{`, `}` and `,`
// escaped by a backslash (`values: [a, b]` as `{a,b}`); helm then reads the
// key path (dots, `\` escapes) and types the value (true/false, null, 64-bit
// integers without a leading zero; the rest, and every --set-string, a
// string). This gives the same path and typed value for a release's `set:`.
// Pure.
import { dottedKey } from '../model/dotted-key.ts';
import type { EngineSet } from './engine-types.ts';

/** One helm --set flag as a path and a typed value; `index` when the name holds a list index (helm merges those into lists). */
interface SetEntry {
  path: string[];
  value: unknown;
  /** The name had `[n]`: helm sets one element of a list, which a `set:` map cannot express. */
  index: boolean;
  /** --set, --set-string or --set-file (helm applies them in that order). */
  flag: 'set' | 'set-string' | 'set-file';
}

/** Drops helm's escape backslashes: `\x` is `x`. */
function unescape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += s[i] === '\\' && i + 1 < s.length ? s[++i] : s[i];
  return out;
}

/** helmfile's escape() of a name or value. */
function helmfileEscape(s: string): string {
  return s.replaceAll('{', '\\{').replaceAll('}', '\\}').replaceAll(',', '\\,');
}

/** Splits an escaped key on unescaped dots; reports an unescaped `[`. */
function keyPath(escaped: string): { path: string[]; index: boolean } {
  const path: string[] = [];
  let cur = '';
  let index = false;
  for (let i = 0; i < escaped.length; i++) {
    const ch = escaped[i]!;
    if (ch === '\\' && i + 1 < escaped.length) cur += escaped[++i];
    else if (ch === '.') {
      path.push(cur);
      cur = '';
    } else {
      if (ch === '[') index = true;
      cur += ch;
    }
  }
  path.push(cur);
  return { path, index };
}

/** helm's typedVal: what `--set` makes of a string. */
export function helmTyped(s: string): unknown {
  const lower = s.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  if (s === '0') return 0;
  if (s.length && s[0] !== '0' && /^[-+]?\d+$/.test(s)) {
    const n = BigInt(s);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return Number.isSafeInteger(Number(n)) ? Number(n) : s;
  }
  return s;
}

/** One engine set entry as helm would read the flag helmfile passes. */
export function setEntryOf(e: EngineSet): SetEntry {
  const { path, index } = keyPath(helmfileEscape(e.name));
  const asString = e.kind === 'setString';
  if (e.kind === 'setFile') return { path, index, value: e.content ?? '', flag: 'set-file' };
  const typed = (raw: string) => (asString ? unescape(helmfileEscape(raw)) : helmTyped(unescape(helmfileEscape(raw))));
  const value = e.values ? e.values.map(typed) : typed(e.value ?? '');
  return { path, index, value, flag: asString ? 'set-string' : 'set' };
}

/**
 * The `set:` map of a release for the flags helmfile passes, in the order
 * helm applies them (--set, then --set-string, then --set-file; a later one
 * wins on the same key).
 */
export function setMapOf(entries: readonly EngineSet[]): { set: Record<string, unknown>; indexed: string[] } {
  const order: SetEntry['flag'][] = ['set', 'set-string', 'set-file'];
  const parsed = entries.map(setEntryOf).sort((a, b) => order.indexOf(a.flag) - order.indexOf(b.flag));
  const set: Record<string, unknown> = {};
  const indexed: string[] = [];
  for (const p of parsed) {
    const key = dottedKey(p.path);
    if (p.index) indexed.push(key);
    else {
      delete set[key];
      set[key] = p.value;
    }
  }
  return { set, indexed };
}
