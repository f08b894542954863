// Value merging with provenance (pure). SPEC precedence, lowest first: chart
// defaults < release values < release set < track < cluster <
// clusters.X.tracks.Y < command-line --set; each layer is its files, then its
// `set`. `set` keys are dotted paths (image.tag, `\.` escapes a dot) or nested
// maps. Every leaf remembers which file or flag set it (for `plan --explain`).
import { isPlainObject } from '../model/json.ts';
import { renderedObjects } from '../model/manifest.ts';
import { looksLikeRef } from '../model/secret-ref.ts';
import type { Values } from '../model/json.ts';
import type { ValueOrigin } from './types.ts';

/** One source of values, already read: a file's content, a `set` map, or `--set` pairs. */
export interface ValueSource {
  source: string; // shown by --explain: "values/x.yaml", "releases/x.yaml set (tracks.internal)", "--set"
  values: Values; // may hold dotted keys when fromSet
  fromSet?: boolean; // keys are dotted paths to expand
}

/** Splits `a.b\.c` into ["a", "b.c"]. */
export function splitDottedKey(key: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    if (ch === '\\' && key[i + 1] === '.') {
      cur += '.';
      i++;
    } else if (ch === '.') {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** `{ "image.tag": "1", resources: { "limits.cpu": 1 } }` -> nested maps. */
export function expandDottedKeys(set: Values): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(set)) {
    const path = splitDottedKey(k);
    const value = isPlainObject(v) ? expandDottedKeys(v) : v;
    let node = out;
    for (const seg of path.slice(0, -1)) {
      if (!isPlainObject(node[seg])) node[seg] = {};
      node = node[seg] as Values;
    }
    const last = path[path.length - 1]!;
    node[last] = isPlainObject(value) && isPlainObject(node[last]) ? deepMerge(node[last] as Values, value) : value;
  }
  return out;
}

/** Helm's merge of user values: maps merge key by key, anything else replaces. */
export function deepMerge(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Values, v) : cloneValue(v);
  }
  return out;
}

function cloneValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneValue(x)]));
  return v;
}

export interface MergedValues {
  values: Values;
  origins: ValueOrigin[]; // one per leaf, secrets masked, sorted by path
}

/** Merges sources lowest first and records, for every leaf of the result, the last source that set it. */
export function mergeValues(sources: ValueSource[]): MergedValues {
  let values: Values = {};
  const origin = new Map<string, string>();
  for (const s of sources) {
    const v = s.fromSet ? expandDottedKeys(s.values) : s.values;
    values = deepMerge(values, v);
    for (const [path, leaf] of leaves(v)) {
      const children = [...origin.keys()].filter((k) => k.startsWith(`${path}.`));
      // an empty map merges into an existing one and changes nothing under it
      if (isPlainObject(leaf) && children.length) continue;
      // any other leaf replaces whatever lived under it before
      for (const k of children) origin.delete(k);
      origin.set(path, s.source);
    }
  }
  const origins: ValueOrigin[] = [];
  for (const [path, value] of leaves(values)) {
    // a secret reference is shown as written: it names the secret, it is not one
    origins.push({ path, value: isSecretPath(path) && !looksLikeRef(value) ? SECRET_MASK : value, source: origin.get(path) ?? 'unknown' });
  }
  origins.sort((a, b) => a.path.localeCompare(b.path));
  return { values, origins };
}

/**
 * `plan --explain` with the chart's own defaults: every leaf of the chart's
 * values.yaml that no layer overrides, as "chart default" (secrets masked).
 * A default is overridden when a layer set the same path, a path above it
 * (a scalar or list replacing the map) or below it (a map replacing a scalar).
 * Only the explanation changes: helm applies the defaults itself.
 */
export function withChartDefaults(origins: readonly ValueOrigin[], defaults: Values): ValueOrigin[] {
  const set = origins.map((o) => o.path);
  const overridden = (p: string) => set.some((s) => s === p || p.startsWith(`${s}.`) || s.startsWith(`${p}.`));
  const fromChart = leaves(defaults)
    .filter(([path]) => !overridden(path))
    .map(([path, value]) => ({ path, value: isSecretPath(path) ? SECRET_MASK : value, source: 'chart default' }));
  return [...origins, ...fromChart].sort((a, b) => a.path.localeCompare(b.path));
}

/** Leaves of a value tree as [dotted path, value]; arrays and empty maps are leaves. */
export function leaves(v: Values, prefix = ''): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [k, x] of Object.entries(v)) {
    const key = k.includes('.') ? k.replace(/\./g, '\\.') : k;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(x) && Object.keys(x).length > 0) out.push(...leaves(x, path));
    else out.push([path, x]);
  }
  return out;
}

export const SECRET_MASK = '(secret)';

const SECRET_SEGMENT = /secret|passw|token|key|credential|private|apikey|auth/i;

/** A value is secret when any segment of its path looks secret (e.g. under `secrets`, or named *password*, *token*, *key*). */
export function isSecretPath(path: string): boolean {
  return splitDottedKey(path).some((seg) => SECRET_SEGMENT.test(seg));
}

/**
 * What a unit's output must never show, found by where values end up rather
 * than by key names: every leaf of the values whose text lands in a Secret
 * of the rendered (or deployed) manifest, and the Secrets' own values.
 * `paths` are dotted leaf paths (as `leaves` spells them); `strings` the
 * texts the scrubber (diff.ts makeScrubber) replaces by "(secret)".
 */
export interface SecretMask {
  paths: ReadonlySet<string>;
  strings: readonly string[];
}

const NO_MASK: SecretMask = { paths: new Set(), strings: [] };

/** The decoded key -> value map of a Secret (data is base64, stringData plain; stringData wins as the API server does). */
export function secretEntries(obj: Values): Map<string, string> {
  const out = new Map<string, string>();
  if (isPlainObject(obj.data)) {
    for (const [k, v] of Object.entries(obj.data)) out.set(k, Buffer.from(String(v ?? ''), 'base64').toString('utf8'));
  }
  if (isPlainObject(obj.stringData)) for (const [k, v] of Object.entries(obj.stringData)) out.set(k, String(v ?? ''));
  return out;
}

/** Every value a manifest puts in a Secret: decoded, and `data` as written (base64). A manifest that does not parse gives none. */
function secretTexts(manifest: string | undefined, namespace: string): string[] {
  if (!manifest) return [];
  let objects;
  try {
    objects = renderedObjects(manifest, namespace, { skipInvalid: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const o of objects) {
    if (o.kind !== 'Secret') continue;
    out.push(...secretEntries(o.object).values());
    if (isPlainObject(o.object.data)) out.push(...Object.values(o.object.data).map((v) => String(v ?? '')));
  }
  return out.filter((t) => t.length > 0);
}

/** Shortest value matched inside a Secret's text (a connection string holding the password); shorter ones must be the whole value. */
const MIN_PART = 6;
/** Shortest text the scrubber replaces (shorter ones would mangle every line). */
const MIN_SCRUB = 4;

/** The texts of a leaf: a string or number, or the strings and numbers of a list. */
function leafTexts(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) return v.flatMap(leafTexts);
  return [];
}

/** Whether a leaf's text ends up in one of the Secret texts: the whole value, or (a string long enough) a part of one. */
function landsInSecret(text: string, isString: boolean, secrets: readonly string[]): boolean {
  if (text.length < MIN_SCRUB) return false;
  return secrets.some((s) => s === text || (isString && text.length >= MIN_PART && s.includes(text)));
}

/**
 * The mask of a unit from its values and manifests (planned and deployed):
 * leaves that land in a Secret, whatever their key, plus leaves whose key
 * looks secret, plus the Secrets' own values.
 */
export function secretMaskOf(parts: readonly { values: Values | undefined; manifest: string | undefined }[], namespace: string): SecretMask {
  // an unchanged release: the deployed manifest is the planned one, parsed once
  const manifests = [...new Set(parts.map((p) => p.manifest).filter((m): m is string => Boolean(m)))];
  const secrets = manifests.flatMap((m) => secretTexts(m, namespace));
  const paths = new Set<string>();
  const strings = new Set(secrets.filter((s) => s.length >= MIN_SCRUB));
  for (const p of parts) {
    for (const [path, v] of leaves(p.values ?? {})) {
      const texts = leafTexts(v);
      if (!isSecretPath(path) && !texts.some((t) => landsInSecret(t, typeof v === 'string' || Array.isArray(v), secrets))) continue;
      paths.add(path);
      for (const t of texts) if (t.length >= MIN_SCRUB) strings.add(t);
    }
  }
  return { paths, strings: [...strings] };
}

/** A leaf path the mask covers: its key looks secret, or it (or a map above it) lands in a Secret. */
export function isMaskedPath(path: string, mask: SecretMask = NO_MASK): boolean {
  if (isSecretPath(path) || mask.paths.has(path)) return true;
  for (const p of mask.paths) if (path.startsWith(`${p}.`)) return true;
  return false;
}

/** The same tree with every masked leaf replaced by "(secret)". */
export function maskSecretValues(v: Values, prefix = '', mask: SecretMask = NO_MASK): Values {
  const out: Values = {};
  for (const [k, x] of Object.entries(v)) {
    const path = prefix ? `${prefix}.${k.replace(/\./g, '\\.')}` : k.replace(/\./g, '\\.');
    if (isMaskedPath(path, mask)) out[k] = SECRET_MASK;
    else if (isPlainObject(x)) out[k] = maskSecretValues(x, path, mask);
    else out[k] = x;
  }
  return out;
}

/**
 * `plan --explain` lines with every masked value shown as "(secret)": by path,
 * and by text for the lines the mask's paths do not cover (the chart's own
 * defaults: a default password the chart puts in a Secret).
 */
export function maskOrigins<T extends { path: string; value: unknown }>(origins: readonly T[], mask: SecretMask): T[] {
  const secret = (o: T) => isMaskedPath(o.path, mask) || leafTexts(o.value).some((t) => landsInSecret(t, typeof o.value === 'string' || Array.isArray(o.value), mask.strings));
  return origins.map((o) => (o.value !== SECRET_MASK && !looksLikeRef(o.value) && secret(o) ? { ...o, value: SECRET_MASK } : o));
}

/** Every string (and number) stored under a secret-looking path: what output must never show. */
export function secretStrings(v: Values): string[] {
  const out = new Set<string>();
  const walk = (x: unknown) => {
    if (typeof x === 'string' || typeof x === 'number') {
      const s = String(x);
      if (s.length >= MIN_SCRUB) out.add(s);
    } else if (Array.isArray(x)) x.forEach(walk);
    else if (isPlainObject(x)) Object.values(x).forEach(walk);
  };
  for (const [path, x] of leaves(v)) if (isSecretPath(path)) walk(x);
  return [...out];
}

/** Every string (and number) of a values tree long enough to scrub: what a failed unit's error must not quote. */
export function valueStrings(v: Values): string[] {
  return [...new Set(leaves(v).flatMap(([, x]) => leafTexts(x)).filter((t) => t.length >= MIN_SCRUB))];
}

/**
 * An API server's refusal without the values it quotes: `Invalid value:
 * "..."` (and Unsupported, Duplicate, Not found) keep the field and the
 * reason, the value becomes its size. The field path stays (keys are names,
 * not content).
 */
export function redactQuotedValues(text: string): string {
  return text.replace(/\b(Invalid|Unsupported|Duplicate|Not found) value: ("(?:[^"\\]|\\.)*"|[^\s:,]+)/g, (_m, what: string, v: string) => {
    const bytes = v.startsWith('"') ? Buffer.byteLength(v.slice(1, -1)) : Buffer.byteLength(v);
    return `${what} value: (${v.startsWith('"') ? 'a string of ' : ''}${bytes} bytes, not shown)`;
  });
}
