// Deployed manifest x rendered manifest -> per-object unified diffs (pure but
// for the redactor it is given). A Secret's data never reaches a diff: its
// data/stringData are reduced to the names of the keys added, removed or
// changed, "(secret value changed)". Every other object is shown with the
// strings the redactor knows removed before it is diffed (a chart may copy a
// secret into a ConfigMap or an env var), so a value is never cut in half by
// a hunk or hidden by YAML's quoting.
import { structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { isPlainObject } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import { normaliseObject, parseManifest } from '../model/manifest.ts';
import type { ManifestObject } from '../model/manifest.ts';
import { secretEntries } from '../model/sensitive.ts';
import type { Redactor } from '../redact.ts';
import { changedSensitiveLeaves, maskValues, SECRET_MASK } from './masking.ts';
import type { ObjectDiff } from './types.ts';

/** A Secret with its values replaced by "(secret)": what may be shown of it. */
function secretForDiff(obj: Values): { shown: Values; entries: Map<string, string> } {
  const entries = secretEntries(obj);
  const shown: Values = { ...obj };
  delete shown.data;
  delete shown.stringData;
  if (entries.size) shown.data = Object.fromEntries([...entries.keys()].sort().map((k) => [k, SECRET_MASK]));
  return { shown, entries };
}

/** Only names: `key: (secret value added | removed | changed)`. */
function secretKeyChanges(before: Map<string, string>, after: Map<string, string>): string[] {
  const lines: string[] = [];
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const k of keys) {
    if (!before.has(k)) lines.push(`+ data.${k}: (secret value added)`);
    else if (!after.has(k)) lines.push(`- data.${k}: (secret value removed)`);
    else if (before.get(k) !== after.get(k)) lines.push(`~ data.${k}: (secret value changed)`);
  }
  return lines;
}

function toYaml(obj: Values): string {
  return stringify(obj, { lineWidth: 0, sortMapEntries: true });
}

/** The same tree with the registered secrets removed from every string. */
function redactStrings(v: unknown, redactor: Redactor): unknown {
  if (typeof v === 'string') return redactor.redact(v);
  if (Array.isArray(v)) return v.map((x) => redactStrings(x, redactor));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactStrings(x, redactor)]));
  return v;
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
  /** What is secret (the plan registered every unit's sensitive strings). */
  redactor: Redactor;
  context?: number;
}

/** Per-object differences between what is deployed and what is planned, in a stable order. */
export function diffManifests(deployed: string | undefined, planned: string | undefined, namespace: string, opts: DiffOptions): ObjectDiff[] {
  // helm stores the manifest exactly as it rendered it: the same text needs no parsing (the common, no-op case)
  if (deployed !== undefined && planned !== undefined && deployed.trim() === planned.trim()) return [];
  const before = new Map(parseManifest(deployed ?? '', namespace).map((o) => [o.key, o]));
  const after = new Map(parseManifest(planned ?? '', namespace).map((o) => [o.key, o]));
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  const out: ObjectDiff[] = [];
  for (const key of keys) {
    const b = before.get(key);
    const a = after.get(key);
    const d = diffObject(b, a, opts);
    if (d === undefined) continue;
    const ref = (a ?? b)!;
    out.push({ kind: ref.kind, namespace: ref.namespace ?? '', name: ref.name, change: !b ? 'added' : !a ? 'removed' : 'changed', diff: d });
  }
  return out;
}

function diffSecret(b: ManifestObject | undefined, a: ManifestObject | undefined, opts: DiffOptions): string | undefined {
  const sb = b ? secretForDiff(normaliseObject(b.object)) : undefined;
  const sa = a ? secretForDiff(normaliseObject(a.object)) : undefined;
  const keyLines = secretKeyChanges(sb?.entries ?? new Map(), sa?.entries ?? new Map());
  const restB = sb ? toYaml(redactStrings(sb.shown, opts.redactor) as Values) : '';
  const restA = sa ? toYaml(redactStrings(sa.shown, opts.redactor) as Values) : '';
  const rawSame = !b || !a || toYaml(sb!.shown) === toYaml(sa!.shown);
  if (b && a && rawSame && keyLines.length === 0) return undefined;
  const body = restB === restA ? (rawSame ? '' : '~ (secret value changed)') : !b ? prefixLines(restA, '+') : !a ? prefixLines(restB, '-') : unifiedDiff(restB, restA, opts.context ?? 3);
  return [body, ...keyLines].filter(Boolean).join('\n');
}

function diffObject(b: ManifestObject | undefined, a: ManifestObject | undefined, opts: DiffOptions): string | undefined {
  if ((a ?? b)!.kind === 'Secret') return diffSecret(b, a, opts);
  const nb = b && normaliseObject(b.object);
  const na = a && normaliseObject(a.object);
  if (nb && na && toYaml(nb) === toYaml(na)) return undefined;
  const yb = nb ? toYaml(redactStrings(nb, opts.redactor) as Values) : '';
  const ya = na ? toYaml(redactStrings(na, opts.redactor) as Values) : '';
  // a whole object added or removed: its lines, without a hunk header
  if (!b) return prefixLines(ya, '+');
  if (!a) return prefixLines(yb, '-');
  // only a secret inside a value changed: say so, never show it
  if (yb === ya) return '~ (secret value changed)';
  return unifiedDiff(yb, ya, opts.context ?? 3);
}

/**
 * Diff of user values (deployed config -> planned values): sensitive leaves
 * shown as "(secret)", a sensitive leaf that changed as "(secret value
 * changed)", every registered secret removed from the rest.
 */
export function diffValues(before: Values | undefined, after: Values | undefined, redactor: Redactor): string {
  const b = before ? toYaml(maskValues(before, redactor)) : '';
  const a = after ? toYaml(maskValues(after, redactor)) : '';
  let text = b === a ? '' : unifiedDiff(b, a);
  const changed = changedSensitiveLeaves(before ?? {}, after ?? {}, redactor);
  if (changed.length) text = [text, ...changed.map((p) => `~ ${p}: (secret value changed)`)].filter(Boolean).join('\n');
  return redactor.redact(text);
}
