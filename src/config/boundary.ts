// The repository boundary: every path a deploy repository names (release
// files, values files, local charts) must stay inside the folder that holds
// clusters.yaml, or inside a folder the operator allowed (--allow-root),
// after symlinks are resolved. A path that leaves is bad input, refused
// before anything is opened: a pull request to the repository cannot make
// helm-cascade read a file elsewhere on the machine (a kubeconfig, an
// agent's credentials) and render it into a cluster or print it.
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';

/** The allowed folders, as written (resolved) and as they really are (realpaths); the repository's root first. */
export interface Boundary {
  lexical: string[];
  real: string[];
}

export function makeBoundary(root: string, extra: readonly string[] = []): Boundary {
  const lexical = [root, ...extra].map((r) => resolve(r));
  const real = lexical.map((r) => {
    try {
      return realpathSync(r);
    } catch {
      return r;
    }
  });
  return { lexical, real };
}

const within = (path: string, root: string): boolean => path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);

export type BoundaryVerdict =
  /** Inside; `real` is its realpath (undefined when it does not exist: the caller reports "not found"). */
  | { inside: true; real: string | undefined }
  /** Leaves the allowed folders: as written (`..`, an absolute path) or through a symlink. */
  | { inside: false; via: 'path' | 'symlink' };

/**
 * Where `path` (relative to `base`, or absolute) really is. A path that leaves
 * the allowed folders as written is refused without touching the file
 * system; one that stays is resolved (realpath) and refused if a symlink
 * takes it out.
 */
export function checkBoundary(path: string, base: string, b: Boundary): BoundaryVerdict {
  const abs = isAbsolute(path) ? resolve(path) : resolve(base, path);
  if (![...b.lexical, ...b.real].some((r) => within(abs, r))) return { inside: false, via: 'path' };
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    return { inside: true, real: undefined };
  }
  return b.real.some((r) => within(real, r)) ? { inside: true, real } : { inside: false, via: 'symlink' };
}

/** The message of a refused path: names the path as written, never what it points at. */
export function outsideMessage(what: string, path: string, via: 'path' | 'symlink', b: Boundary): string {
  const how = via === 'symlink' ? ' through a symlink' : '';
  const allowed = b.lexical.length > 1 ? ' or a folder given with --allow-root' : '';
  return `${what} ${JSON.stringify(path)} leads outside the deploy repository${how} (paths must stay inside the folder holding clusters.yaml${allowed}); nothing was read`;
}
