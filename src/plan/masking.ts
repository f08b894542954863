// Value-level masking for `plan --explain`, the values diff and the messages
// of a unit that failed, from the one source of what is secret: the redactor
// (redact.ts), where the plan registered each unit's sensitive strings
// (model/sensitive.ts) when it was made. A leaf whose text the redactor
// knows is shown as "(secret)". Pure but for the redactor it is given.
import { isPlainObject } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import { Redactor, REDACTED } from '../redact.ts';
import { leaves } from './values.ts';

/** What a masked value is shown as. */
export const SECRET_MASK = REDACTED;

/** The texts of a leaf: a string or number, or the strings and numbers of a list. */
function leafTexts(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) return v.flatMap(leafTexts);
  if (isPlainObject(v)) return Object.values(v).flatMap(leafTexts);
  return [];
}

/** Whether a value holds a string the redactor knows. */
function isSensitiveValue(v: unknown, redactor: Redactor): boolean {
  return leafTexts(v).some((t) => redactor.has(t));
}

/** `plan --explain` lines with every sensitive value shown as "(secret)". */
export function maskOrigins<T extends { value: unknown }>(origins: readonly T[], redactor: Redactor): T[] {
  return origins.map((o) => (o.value !== SECRET_MASK && isSensitiveValue(o.value, redactor) ? { ...o, value: SECRET_MASK } : o));
}

/** The same tree with every sensitive leaf replaced by "(secret)". */
export function maskValues(v: Values, redactor: Redactor): Values {
  const out: Values = {};
  for (const [k, x] of Object.entries(v)) out[k] = isPlainObject(x) && Object.keys(x).length > 0 ? maskValues(x, redactor) : isSensitiveValue(x, redactor) ? SECRET_MASK : x;
  return out;
}

/** Leaf paths of `after` whose value is sensitive and differs from `before`'s (a masked change shows as unchanged otherwise). */
export function changedSensitiveLeaves(before: Values, after: Values, redactor: Redactor): string[] {
  const was = new Map(leaves(before).map(([p, v]) => [p, JSON.stringify(v)]));
  return leaves(after)
    .filter(([p, v]) => was.has(p) && was.get(p) !== JSON.stringify(v) && (isSensitiveValue(v, redactor) || isSensitiveValue(JSON.parse(was.get(p)!), redactor)))
    .map(([p]) => p);
}

/**
 * A failed unit's values: no manifest says where they go, so none of them
 * may be quoted (a redactor of its own, for its messages only: the values
 * are not secrets of the run).
 */
export function valuesScrubber(values: Values | undefined, registered: Redactor): (text: string) => string {
  const local = new Redactor();
  local.add(...leafTexts(values ?? {}));
  return (t) => local.redact(registered.redact(t));
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
