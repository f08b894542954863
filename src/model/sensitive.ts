// Which strings of a release are sensitive, found by where they end up, not
// by what their keys are called (pure, but for registerSensitive): every value
// a manifest puts in a Secret, every leaf of the values whose text lands in
// one, and the password of any URL among the values. Plan and the live read
// register them once per run with the redactor (redact.ts), which removes them
// from every text that leaves the process; `plan --explain` and the values
// diff show a leaf the redactor knows as "(secret)".
import type { Redactor } from '../redact.ts';
import { isPlainObject } from './json.ts';
import type { Values } from './json.ts';
import { renderedObjects } from './manifest.ts';

/** A release's values and the manifest they were rendered into (either may be missing). */
export interface ValuesAndManifest {
  values: Values | undefined;
  manifest: string | undefined;
}

/** The decoded key -> value map of a Secret (data is base64, stringData plain; stringData wins as the API server does). */
export function secretEntries(obj: Values): Map<string, string> {
  const out = new Map<string, string>();
  if (isPlainObject(obj.data)) {
    for (const [k, v] of Object.entries(obj.data)) out.set(k, Buffer.from(String(v ?? ''), 'base64').toString('utf8'));
  }
  if (isPlainObject(obj.stringData)) for (const [k, v] of Object.entries(obj.stringData)) out.set(k, String(v ?? ''));
  return out;
}

/** Texts that are never a secret however they are used: booleans and plain numbers (a Secret's port or flag). */
const TRIVIAL = /^(true|false|yes|no|on|off|null|[+-]?\d+(\.\d+)?)$/i;

/** Shortest leaf matched inside a Secret's value (a connection string holding the password); shorter ones must be the whole value. */
const MIN_PART = 6;

interface Split {
  /** Every value the manifest puts in a Secret: decoded, and `data` as written (base64). */
  secrets: string[];
  /** The other objects, as JSON: what the chart itself shows in clear (made when first asked: most releases never need it). */
  clear: () => string;
}

/** A manifest's Secret values and the text of its other objects; a manifest that does not parse gives none. */
function split(manifest: string, namespace: string): Split {
  let objects;
  try {
    objects = renderedObjects(manifest, namespace, { skipInvalid: true, shared: true });
  } catch {
    return { secrets: [], clear: () => '' };
  }
  const secrets: string[] = [];
  for (const o of objects.filter((x) => x.kind === 'Secret')) {
    secrets.push(...secretEntries(o.object).values());
    if (isPlainObject(o.object.data)) secrets.push(...Object.values(o.object.data).map((v) => String(v ?? '')));
  }
  let clear: string | undefined;
  const others = objects.filter((x) => x.kind !== 'Secret');
  return { secrets, clear: () => (clear ??= others.map((o) => JSON.stringify(o.object)).join('\n')) };
}

/** The texts of a values tree's leaves: strings and numbers, those of lists included. */
function leafTexts(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) return v.flatMap(leafTexts);
  if (isPlainObject(v)) return Object.values(v).flatMap(leafTexts);
  return [];
}

/** `scheme://user:password@host`: the password, and the user info as a whole. */
function urlCredentials(text: string): string[] {
  return [...text.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/([^\s/@:]+):([^\s/@]+)@/gi)].flatMap((m) => [m[2]!, `${m[1]}:${m[2]}`]);
}

/**
 * The sensitive strings of a release (see the header). A leaf is sensitive
 * when its text is a whole Secret value, or (at least MIN_PART characters)
 * part of one and shown nowhere else by the chart (a password inside a
 * connection string, not the host name beside it). Booleans and numbers never are.
 */
export function sensitiveStrings(parts: readonly ValuesAndManifest[], namespace: string): string[] {
  const manifests = [...new Set(parts.map((p) => p.manifest).filter((m): m is string => Boolean(m)))];
  const splits = manifests.map((m) => split(m, namespace));
  const secrets = splits.flatMap((s) => s.secrets).filter((s) => s.length > 0);
  const shownInClear = (t: string) => splits.some((s) => s.clear().includes(t));
  const out = new Set(secrets);
  for (const p of parts) {
    for (const t of leafTexts(p.values ?? {})) {
      for (const c of urlCredentials(t)) out.add(c);
      if (secrets.some((s) => s === t || (t.length >= MIN_PART && s.includes(t) && !shownInClear(t)))) out.add(t);
    }
  }
  return [...out].filter((s) => !TRIVIAL.test(s.trim()));
}

/** Registers a release's sensitive strings with the redactor. */
export function registerSensitive(redactor: Redactor, parts: readonly ValuesAndManifest[], namespace: string): void {
  redactor.add(...sensitiveStrings(parts, namespace));
}
