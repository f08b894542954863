// The one redactor: every sensitive string of a run (values bound for a
// Secret, resolved secret references, credentials in URLs) is registered here
// once, and every edge where text leaves the process (stdout, stderr, the run
// log, reports, JUnit, notifications, error messages, helm's stderr) passes
// its text through `redact()`. A process runs one command, so one redactor per
// process is one per run.
//
// A registered string is also removed in the encodings it travels in: base64
// (a Secret's `data`) and JSON string escaping (a JSON report or log line).

/** What a redacted string is replaced by. */
export const REDACTED = '(secret)';

/** Shortest string removed from free text: shorter ones would mangle every line ("1", "yes"). */
const MIN_REDACTED_LENGTH = 4;

/** The forms a secret takes in text: itself, base64 (Secret data), JSON-escaped (inside a JSON string). */
function formsOf(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [secret, Buffer.from(secret, 'utf8').toString('base64'), json];
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Redactor {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;

  /** Registers sensitive strings; those shorter than MIN_REDACTED_LENGTH are kept off free text (returns how many were taken). */
  add(...secrets: readonly string[]): number {
    let added = 0;
    for (const s of secrets) {
      if (typeof s !== 'string' || s.length < MIN_REDACTED_LENGTH || this.#secrets.has(s)) continue;
      this.#secrets.add(s);
      added++;
    }
    if (added) this.#pattern = undefined;
    return added;
  }

  /** Whether `text` holds a registered secret in any of its forms. */
  has(text: string): boolean {
    const p = this.#compiled();
    if (!p) return false;
    p.lastIndex = 0;
    return p.test(text);
  }

  /** `text` with every registered secret (and its base64 and JSON forms) replaced by REDACTED. */
  redact(text: string): string {
    const p = this.#compiled();
    return p ? text.replace(p, REDACTED) : text;
  }

  get size(): number {
    return this.#secrets.size;
  }

  #compiled(): RegExp | undefined {
    if (this.#secrets.size === 0) return undefined;
    if (!this.#pattern) {
      const forms = [...new Set([...this.#secrets].flatMap(formsOf))].filter((f) => f.length >= MIN_REDACTED_LENGTH);
      // longest first, so a secret that contains another is removed whole
      forms.sort((a, b) => b.length - a.length);
      this.#pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
    }
    return this.#pattern;
  }
}

/** The process's redactor (one command, one run). */
export const redactor = new Redactor();

/** `scheme://user:password@host` with the user info removed: URLs are printed without credentials. */
export function stripUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi, '$1***@');
}

/** Text as it may leave the process: credentials in URLs stripped, registered secrets removed. */
export function shown(text: string): string {
  return redactor.redact(stripUrlCredentials(text));
}

/** The same data with `shown` applied to every string in it (before it is escaped for HTML, Markdown or XML, where a secret's text could hide). */
export function shownDeep<T>(v: T): T {
  if (typeof v === 'string') return shown(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => shownDeep(x)) as T;
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shownDeep(x)])) as T;
  return v;
}
