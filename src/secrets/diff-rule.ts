// What a diff shows where a secret is: never the value. A changed line whose
// only change is a registered secret (a rotated password in a ConfigMap, an
// env var, a CRD field, a values leaf) becomes one `~` line saying
// "(secret value changed)" in place of the value; any other line holding a
// secret shows "(secret)" there. Works on any unified diff text, whatever
// object the value landed in. Pure, given the redactor.
import { REDACTED, redactor } from '../redact.ts';
import type { Redactor } from '../redact.ts';

/** What a diff says where a secret's value changed. */
export const SECRET_CHANGED = '(secret value changed)';

/** One line of a unified diff: its mark (' ', '-', '+', or none for headers) and text. */
interface Line {
  mark: string;
  text: string;
}

const split = (l: string): Line => (l.startsWith('-') || l.startsWith('+') || l.startsWith(' ') ? { mark: l[0]!, text: l.slice(1) } : { mark: '', text: l });

/** A run of removed then added lines: pairs that differ only by secrets become `~` lines. */
function collapseRun(removed: string[], added: string[], r: Redactor): string[] {
  const out: string[] = [];
  const used = new Set<number>();
  const masked = removed.map((t) => r.redact(t));
  const pairedAt = new Map<number, string>();
  added.forEach((t, j) => {
    if (!r.has(t)) return;
    const m = r.redact(t);
    const i = masked.findIndex((x, k) => !used.has(k) && x === m && r.has(removed[k]!));
    if (i < 0) return;
    used.add(i);
    pairedAt.set(j, `~${m.split(REDACTED).join(SECRET_CHANGED)}`);
  });
  removed.forEach((t, i) => {
    if (!used.has(i)) out.push(`-${r.redact(t)}`);
  });
  added.forEach((t, j) => out.push(pairedAt.get(j) ?? `+${r.redact(t)}`));
  return out;
}

/** A unified diff (or any text of `-`/`+`/` ` lines) with no secret in it (see the top of this file). */
export function hideSecretChanges(diff: string, r: Redactor = redactor): string {
  if (!diff || !r.has(diff)) return diff;
  const out: string[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    if (removed.length || added.length) out.push(...collapseRun(removed, added, r));
    removed = [];
    added = [];
  };
  for (const raw of diff.split('\n')) {
    const l = split(raw);
    if (l.mark === '-' && added.length === 0) removed.push(l.text);
    else if (l.mark === '+') added.push(l.text);
    else {
      flush();
      if (l.mark === '-') removed.push(l.text);
      else out.push(`${l.mark}${r.redact(l.text)}`);
    }
  }
  flush();
  return out.join('\n');
}
