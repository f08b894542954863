// Secret references: a value written as `ref+vault://PATH#KEY` or
// `ref+sops://FILE#/json/pointer` stands for a secret resolved at render
// time, per cluster (src/secrets/). This is the vocabulary both sides share:
// the syntax, checked by `validate` (config/) before anything is resolved,
// and the walk that finds references in a values tree. Pure.
import { isPlainObject } from './json.ts';

/** A value is a reference when it starts with this (any scheme: an unknown one is an error, never a literal). */
const REF_PREFIX = 'ref+';

/** A secret in Vault: KV v2 (`MOUNT/data/PATH`, or PATH under the cluster's `vault.mount`) or KV v1. */
export interface VaultRef {
  kind: 'vault';
  /** The reference as written (never secret: shown in errors and `--explain`). */
  text: string;
  /** The secret's path as written, without a leading or trailing slash. */
  path: string;
  /** KV v2 only: `?version=N` pins a version of the secret. */
  version?: number;
  /** Where the value is inside the secret's data: `#password` is ["password"], `#/db/password` a JSON pointer. */
  pointer: string[];
}

/** A value of a sops-encrypted YAML or JSON file of the repository. */
export interface SopsRef {
  kind: 'sops';
  text: string;
  /** The file, relative to the repository root (the folder holding clusters.yaml). */
  file: string;
  /** RFC 6901 pointer into the decrypted document, as segments. */
  pointer: string[];
}

export type SecretRef = VaultRef | SopsRef;

export type ParsedRef = { ref: SecretRef } | { error: string };

/** Whether a value is meant as a reference (well formed or not). */
function looksLikeRef(v: unknown): v is string {
  return typeof v === 'string' && v.startsWith(REF_PREFIX);
}

/** RFC 6901: `/a~1b/c~0d` -> ["a/b", "c~d"]; undefined when it does not start with `/` or escapes badly. */
function pointerSegments(p: string): string[] | undefined {
  if (!p.startsWith('/')) return undefined;
  const raw = p.slice(1).split('/');
  if (raw.some((s) => /~[^01]|~$/.test(s))) return undefined;
  return raw.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** A repository path that stays a plain relative path: no `..`, no empty segment, not absolute. */
function badPath(p: string): string | undefined {
  if (!p) return 'names no path';
  if (/\s/.test(p)) return 'has white space in its path';
  if (p.startsWith('/')) return 'has an absolute path';
  if (p.split('/').some((s) => s === '..' || s === '.' || s === '')) return 'has an empty, "." or ".." segment in its path';
  return undefined;
}

function parseVault(text: string, rest: string): ParsedRef {
  const hash = rest.indexOf('#');
  if (hash < 0) return { error: 'names no key: write ref+vault://PATH#KEY (e.g. ref+vault://secret/data/app#password)' };
  const fragment = rest.slice(hash + 1);
  let path = rest.slice(0, hash);
  let version: number | undefined;
  const q = path.indexOf('?');
  if (q >= 0) {
    const m = /^version=([1-9][0-9]{0,8})$/.exec(path.slice(q + 1));
    if (!m) return { error: 'has an unknown query: only ?version=N (a KV v2 version) is understood' };
    version = Number(m[1]);
    path = path.slice(0, q);
  }
  path = path.replace(/\/+$/, '');
  const bad = badPath(path);
  if (bad) return { error: bad };
  if (!fragment) return { error: 'names no key after #' };
  const pointer = fragment.startsWith('/') ? pointerSegments(fragment) : [fragment];
  if (!pointer || pointer.some((s) => s === '')) return { error: `has a malformed key "#${fragment}" (a key name, or a JSON pointer such as #/db/password)` };
  return { ref: { kind: 'vault', text, path, ...(version !== undefined ? { version } : {}), pointer } };
}

function parseSops(text: string, rest: string): ParsedRef {
  const hash = rest.indexOf('#');
  if (hash < 0) return { error: 'names no value: write ref+sops://FILE#/json/pointer (e.g. ref+sops://values/secrets.enc.yaml#/db/password)' };
  const file = rest.slice(0, hash);
  const bad = badPath(file);
  if (bad) return { error: bad };
  const pointer = pointerSegments(rest.slice(hash + 1));
  if (!pointer || pointer.some((s) => s === '')) return { error: `has a malformed JSON pointer "#${rest.slice(hash + 1)}" (it starts with /, e.g. #/db/password)` };
  return { ref: { kind: 'sops', text, file, pointer } };
}

/** The reference a value stands for; undefined when the value is not a reference at all. */
export function parseSecretRef(value: unknown): ParsedRef | undefined {
  if (!looksLikeRef(value)) return undefined;
  const m = /^ref\+([a-z0-9]+):\/\/(.*)$/s.exec(value);
  if (!m) return { error: 'is not a reference: write ref+vault://PATH#KEY or ref+sops://FILE#/json/pointer' };
  const [, scheme, rest] = m as unknown as [string, string, string];
  if (scheme === 'vault') return parseVault(value, rest);
  if (scheme === 'sops') return parseSops(value, rest);
  return { error: `uses the scheme "${scheme}", which helm-cascade does not resolve (only ref+vault:// and ref+sops://)` };
}

/** Where a reference sits in a values tree: map keys and list indexes from the top. */
export type ValuePath = (string | number)[];

/** Every value of the tree that looks like a reference, in document order, with its path. */
export function findRefs(v: unknown, at: ValuePath = []): { path: ValuePath; text: string }[] {
  if (looksLikeRef(v)) return [{ path: at, text: v }];
  if (Array.isArray(v)) return v.flatMap((x, i) => findRefs(x, [...at, i]));
  if (isPlainObject(v)) return Object.entries(v).flatMap(([k, x]) => findRefs(x, [...at, k]));
  return [];
}

/** The value at `path` of a tree (undefined when it is not there). */
export function valueAt(v: unknown, path: ValuePath): unknown {
  let node = v;
  for (const seg of path) {
    if (typeof seg === 'number' ? !Array.isArray(node) : !isPlainObject(node)) return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

/** Follows a JSON pointer's segments into a document (a list index is a decimal segment). */
export function atPointer(doc: unknown, pointer: readonly string[]): { found: true; value: unknown } | { found: false; missing: string; keys: string[] } {
  let node = doc;
  for (let i = 0; i < pointer.length; i++) {
    const seg = pointer[i]!;
    if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(seg) && Number(seg) < node.length) node = node[Number(seg)];
    else if (isPlainObject(node) && Object.hasOwn(node, seg)) node = node[seg];
    else return { found: false, missing: `/${pointer.slice(0, i + 1).join('/')}`, keys: isPlainObject(node) ? Object.keys(node).sort() : [] };
  }
  return { found: true, value: node };
}
