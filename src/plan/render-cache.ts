// Renders kept between runs, keyed by what decides them: the input digest
// (plan/inputs.ts), IsUpgrade and the exact helm version. A `plan` followed by
// an `apply` (or a drift on a schedule) renders each changed unit once.
// A render that holds a Secret is never kept: the cache holds no Secret's data,
// in clear or otherwise (such a unit renders again, unless its inputs are
// those of the deployed revision: plan/render-skip.ts). Renders against the
// cluster (charts calling lookup) are never kept either. The folder is made
// 0700 and each file 0600, like helm's own cache. A write that fails only
// costs a render. The first use removes what older versions kept (they kept
// rendered Secrets).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../files.ts';

export interface RenderCache {
  get(key: string): string | undefined;
  /** Keeps a render, unless it holds a Secret. */
  set(key: string, output: string): void;
}

/** The cache key of one render (hex). */
export function renderCacheKey(inputs: string, isUpgrade: boolean, helmVersion: string): string {
  return createHash('sha256').update([inputs, String(isUpgrade), helmVersion].join('\0')).digest('hex');
}

/**
 * Whether helm's output holds a Secret: a document (or a List item) of kind
 * Secret. Read generously: a line that only looks like one (inside a block
 * string) keeps a render out of the cache, which only costs a render.
 */
export function holdsSecret(output: string): boolean {
  return /^[ \t-]*kind:[ \t]*["']?Secret["']?[ \t]*(#.*)?$/m.test(output);
}

/** The layout of the cache folder; older layouts are removed at first use. */
const LAYOUT = 'v2';

/** A render cache in `<dir>/renders/v2/<first two hex>/<key>.yaml`. */
export function diskRenderCache(dir: string): RenderCache {
  const base = join(dir, 'renders');
  const root = join(base, LAYOUT);
  const pathOf = (key: string) => join(root, key.slice(0, 2), `${key}.yaml`);
  let swept = false;
  const sweep = () => {
    if (swept) return;
    swept = true;
    try {
      for (const e of readdirSync(base)) if (e !== LAYOUT) rmSync(join(base, e), { recursive: true, force: true });
    } catch {
      // no cache yet, or not ours to clean: nothing to remove
    }
  };
  return {
    get(key) {
      sweep();
      try {
        return readFileSync(pathOf(key), 'utf8');
      } catch {
        return undefined;
      }
    },
    set(key, output) {
      sweep();
      if (holdsSecret(output)) return;
      try {
        writeFileAtomically(pathOf(key), output, { mode: 0o600, dirMode: 0o700 });
      } catch {
        // a read-only or full cache folder: the next run renders again
      }
    },
  };
}
