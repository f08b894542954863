// Deployed manifest x rendered manifest -> per-object unified diffs (pure).
// Secret data never reaches a diff: a Secret's data/stringData are reduced to
// the names of keys added, removed or changed. Every string known to be a
// secret value is also scrubbed from any text (belt and braces: a chart may
// copy a secret into a ConfigMap or an env var).
import { createHash } from 'node:crypto';
import { structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { parseManifest } from '../model/manifest.ts';
import type { ManifestObject } from '../model/manifest.ts';
import type { ObjectDiff } from './types.ts';
import { canonicalJson } from '../model/json.ts';
import { isMaskedPath, leaves, maskSecretValues, SECRET_MASK, secretEntries } from './values.ts';
import type { SecretMask } from './values.ts';
import type { Values } from '../model/json.ts';
import { redactor } from '../redact.ts';
import { hideSecretChanges, SECRET_CHANGED } from '../secrets/diff-rule.ts';

const SECRET_KINDS = new Set(['Secret']);

/** A Secret with its values replaced by a one-way marker, so two versions compare equal iff the values are equal. */
function secretForDiff(obj: Values): { shown: Values; entries: Map<string, string> } {
  const entries = secretEntries(obj);
  const shown: Values = { ...obj };
  delete shown.data;
  delete shown.stringData;
  if (entries.size) shown.data = Object.fromEntries([...entries.keys()].sort().map((k) => [k, SECRET_MASK]));
  return { shown, entries };
}

function hash(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** How a changed secret is told: "(secret value changed)" for a value the redactor knows (a resolved reference), else "(secret, changed)". */
function changedWords(...texts: string[]): string {
  return texts.some((t) => redactor.has(t)) ? SECRET_CHANGED : '(secret, changed)';
}

/** Only names: `key: added | removed | changed`. */
function secretKeyChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const k of keys) {
    if (!before.has(k)) lines.push(`+ data.${k}: (secret, added)`);
    else if (!after.has(k)) lines.push(`- data.${k}: (secret, removed)`);
    else if (hash(before.get(k)!) !== hash(after.get(k)!)) lines.push(`~ data.${k}: ${changedWords(before.get(k)!, after.get(k)!)}`);
  }
  return lines;
}

function toYaml(obj: Values): string {
  return stringify(obj, { lineWidth: 0, sortMapEntries: true });
}

function prefixLines(text: string, mark: '+' | '-'): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => mark + l)
    .join('\n');
}

/** Unified hunks without file headers. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  const patch = structuredPatch('deployed', 'planned', before, after, undefined, undefined, { context });
  const out: string[] = [];
  for (const h of patch.hunks) {
    out.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    for (const l of h.lines) if (!l.startsWith('\\')) out.push(l);
  }
  return out.join('\n');
}

export interface DiffOptions {
  /** Strings never to show (secret values from the units' values); replaced by "(secret)". */
  secrets?: string[];
  context?: number;
}

/** Per-object differences between what is deployed and what is planned, in a stable order. */
export function diffManifests(deployed: string | undefined, planned: string | undefined, namespace: string, opts: DiffOptions = {}): ObjectDiff[] {
  // helm stores the manifest exactly as it rendered it: the same text needs no parsing (the common, no-op case)
  if (deployed !== undefined && planned !== undefined && deployed.trim() === planned.trim()) return [];
  const before = new Map(parseManifest(deployed ?? '', namespace).map((o) => [o.key, o]));
  const after = new Map(parseManifest(planned ?? '', namespace).map((o) => [o.key, o]));
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const scrub = makeScrubber(opts.secrets ?? []);
  const out: ObjectDiff[] = [];
  for (const key of keys) {
    const b = before.get(key);
    const a = after.get(key);
    const d = diffObject(b, a, opts.context ?? 3);
    if (!d) continue;
    const ref = (a ?? b)!;
    out.push({ kind: ref.kind, namespace: ref.namespace, name: ref.name, change: !b ? 'added' : !a ? 'removed' : 'changed', diff: scrub(hideSecretChanges(d)) });
  }
  return out;
}

function diffObject(b: ManifestObject | undefined, a: ManifestObject | undefined, context: number): string | undefined {
  const kind = (a ?? b)!.kind;
  if (SECRET_KINDS.has(kind)) {
    const sb = b ? secretForDiff(b.object) : undefined;
    const sa = a ? secretForDiff(a.object) : undefined;
    const keyLines = secretKeyChanges(sb?.entries ?? new Map(), sa?.entries ?? new Map());
    const restB = sb ? toYaml(sb.shown) : '';
    const restA = sa ? toYaml(sa.shown) : '';
    if (b && a && restB === restA && keyLines.length === 0) return undefined;
    const body = restB === restA ? '' : !b ? prefixLines(restA, '+') : !a ? prefixLines(restB, '-') : unifiedDiff(restB, restA, context);
    return [body, ...keyLines].filter(Boolean).join('\n');
  }
  const yb = b ? toYaml(b.object) : '';
  const ya = a ? toYaml(a.object) : '';
  if (yb === ya) return undefined;
  // a whole object added or removed: its lines, without a hunk header
  if (!b) return prefixLines(ya, '+');
  if (!a) return prefixLines(yb, '-');
  return unifiedDiff(yb, ya, context);
}

/** Replaces every occurrence of a secret string (and its base64 form) by "(secret)". */
export function makeScrubber(secrets: string[]): (text: string) => string {
  const needles = [...new Set(secrets.flatMap((s) => (s.length >= 4 ? [s, Buffer.from(s).toString('base64')] : [])))].sort((x, y) => y.length - x.length);
  if (!needles.length) return (t) => t;
  return (text) => {
    let t = text;
    for (const n of needles) t = t.split(n).join(SECRET_MASK);
    return t;
  };
}

/**
 * Diff of user values (deployed config -> planned values), masked leaves
 * (secret-looking keys, values that land in a Secret: values.ts SecretMask)
 * shown as "(secret)", and every secret text scrubbed.
 */
export function diffValues(before: Values | undefined, after: Values | undefined, secrets: string[] | SecretMask = []): string {
  const mask: SecretMask = Array.isArray(secrets) ? { paths: new Set(), strings: secrets } : secrets;
  const b = before ? toYaml(maskSecretValues(before, '', mask)) : '';
  const a = after ? toYaml(maskSecretValues(after, '', mask)) : '';
  let text = b === a ? '' : hideSecretChanges(unifiedDiff(b, a));
  // a masked leaf that changed value shows as unchanged; say it changed
  const changed = changedSecretLeaves(before ?? {}, after ?? {}, mask);
  if (changed.length) text = [text, ...changed.map(([p, words]) => `~ ${p}: ${words}`)].filter(Boolean).join('\n');
  return makeScrubber([...mask.strings])(text);
}

function changedSecretLeaves(before: Values, after: Values, mask: SecretMask): [string, string][] {
  const mb = new Map(leaves(before).map(([p, v]) => [p, canonicalJson(v)]));
  const out: [string, string][] = [];
  for (const [p, v] of leaves(after)) {
    if (isMaskedPath(p, mask) && mb.has(p) && mb.get(p) !== canonicalJson(v)) out.push([p, changedWords(mb.get(p)!, canonicalJson(v))]);
  }
  return out;
}
