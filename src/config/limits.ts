// Limits on what one deploy repository can make helm-cascade do: each is
// refused with a clear message (exit 4) rather than exhausting the machine.
// They are the operator's (environment variables), never the repository's:
// a pull request cannot raise them.
import { UsageError } from '../errors.ts';
import { splitDottedKey } from '../model/dotted-key.ts';
import type { Limits } from '../model/spec.ts';

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxFileBytes: 10 * MiB,
  maxReleases: 1000,
  maxSetDepth: 30,
  maxRenderBytes: 32 * MiB,
  maxAliasCount: 1000,
  maxExpandedBytes: 32 * MiB,
  maxYamlDepth: 256,
};

/** The environment variable that sets each limit. */
export const LIMIT_ENV: Readonly<Record<keyof Limits, string>> = {
  maxFileBytes: 'HELM_CASCADE_MAX_FILE_BYTES',
  maxReleases: 'HELM_CASCADE_MAX_RELEASES',
  maxSetDepth: 'HELM_CASCADE_MAX_SET_DEPTH',
  maxRenderBytes: 'HELM_CASCADE_MAX_RENDER_BYTES',
  maxAliasCount: 'HELM_CASCADE_MAX_YAML_ALIASES',
  maxExpandedBytes: 'HELM_CASCADE_MAX_YAML_EXPANDED_BYTES',
  maxYamlDepth: 'HELM_CASCADE_MAX_YAML_DEPTH',
};

/** The limits, each default replaced by its environment variable when set (a positive whole number). */
export function limitsFromEnv(env: Readonly<Record<string, string | undefined>>): Limits {
  const out: Limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as (keyof Limits)[]) {
    const raw = env[LIMIT_ENV[key]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${LIMIT_ENV[key]} must be a positive whole number, got ${describeValue(raw)}`);
    out[key] = n;
  }
  return out;
}

/** A value described by its type and size only, never its content: "a string (13 bytes)", "a map (2 keys)". */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return `a string (${Buffer.byteLength(v)} byte${Buffer.byteLength(v) === 1 ? '' : 's'})`;
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a number';
  if (typeof v === 'boolean') return 'true or false';
  if (Array.isArray(v)) return `a list (${v.length} item${v.length === 1 ? '' : 's'})`;
  if (typeof v === 'object') {
    const n = Object.keys(v).length;
    return `a map (${n} key${n === 1 ? '' : 's'})`;
  }
  return `a ${typeof v}`;
}

/** "10 MiB", "512 KiB", "37 bytes". */
export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

/** Segments of a `set:` key as helm-cascade splits it (`a.b\.c` -> 2), counting list indexes (`a[0].b` -> 3). */
function keyDepth(key: string): number {
  return splitDottedKey(key).reduce((n, seg) => n + 1 + (seg.match(/\[\d*\]/g)?.length ?? 0), 0);
}

/**
 * The deepest path of a `set:` map, dotted keys expanded (`{ a: { "b.c": 1 } }` -> 3),
 * and the key path (as given) that reaches it.
 */
export function setDepth(set: Readonly<Record<string, unknown>>): { depth: number; key: string } {
  let best = { depth: 0, key: '' };
  for (const [k, v] of Object.entries(set)) {
    const own = keyDepth(k);
    const below = typeof v === 'object' && v !== null && !Array.isArray(v) ? setDepth(v as Record<string, unknown>) : { depth: 0, key: '' };
    if (own + below.depth > best.depth) best = { depth: own + below.depth, key: below.key ? `${k}.${below.key}` : k };
  }
  return best;
}

/** The deepest key path of command-line `--set`-style flags (`a.b[0].c=x,d=y`): helm parses them; this only measures. */
export function setFlagDepth(flag: string): number {
  let max = 0;
  for (const pair of flag.split(/(?<!\\),/)) {
    const eq = pair.search(/(?<!\\)=/);
    const key = eq < 0 ? pair : pair.slice(0, eq);
    max = Math.max(max, keyDepth(key));
  }
  return max;
}
