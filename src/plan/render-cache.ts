// Renders kept between runs, keyed by what decides them: the input digest
// (plan/inputs.ts), IsUpgrade and the exact helm version. A `plan` followed by
// an `apply` (or a drift on a schedule) renders each changed unit once. The
// files hold rendered manifests, Secrets included: the folder is made 0700 and
// each file 0600, like helm's own cache. Renders against the cluster (charts
// calling lookup) are never cached. A write that fails only costs a render.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../files.ts';

export interface RenderCache {
  get(key: string): string | undefined;
  set(key: string, output: string): void;
}

/** The cache key of one render (hex). */
export function renderCacheKey(inputs: string, isUpgrade: boolean, helmVersion: string): string {
  return createHash('sha256').update([inputs, String(isUpgrade), helmVersion].join('\0')).digest('hex');
}

/** A render cache in `<dir>/renders/<first two hex>/<key>.yaml`. */
export function diskRenderCache(dir: string): RenderCache {
  const root = join(dir, 'renders');
  const pathOf = (key: string) => join(root, key.slice(0, 2), `${key}.yaml`);
  return {
    get(key) {
      try {
        return readFileSync(pathOf(key), 'utf8');
      } catch {
        return undefined;
      }
    },
    set(key, output) {
      try {
        writeFileAtomically(pathOf(key), output, { mode: 0o600, dirMode: 0o700 });
      } catch {
        // a read-only or full cache folder: the next run renders again
      }
    },
  };
}
