// The dotted keys of a `set:` map (`image.tag`): one path of value keys in one
// string. `\.` is a dot inside a key and `\\` a backslash, as in helm's --set;
// any other backslash is kept as it is.

/** Splits `a.b\.c` into ["a", "b.c"]. */
export function splitDottedKey(key: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    if (ch === '\\' && (key[i + 1] === '.' || key[i + 1] === '\\')) {
      cur += key[i + 1];
      i++;
    } else if (ch === '.') {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** The dotted key of a path: the inverse of splitDottedKey (["a.b", "c"] -> `a\.b.c`). */
export function dottedKey(path: readonly string[]): string {
  return path.map((p) => p.replace(/[\\.]/g, '\\$&')).join('.');
}
