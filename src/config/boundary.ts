// The repository boundary: every path a deploy repository names (release
// files, values files, local charts) must stay inside the folder that holds
// clusters.yaml, or inside a folder the operator allowed (--allow-root),
// after symlinks are resolved. A path that leaves is bad input, refused
// before anything is opened: a pull request to the repository cannot make
// helm-cascade read a file elsewhere on the machine (a kubeconfig, an
// agent's credentials) and render it into a cluster or print it.
import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

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

/**
 * The first symlink under a folder (a local chart) that leads outside the
 * allowed folders, relative to the folder; undefined when none does. helm
 * follows symlinks in a chart, so a link to /etc/passwd under templates/ or
 * files/ would be rendered into the cluster's objects.
 */
export function symlinkOut(dir: string, b: Boundary, limit = 10_000): string | undefined {
  const stack = [dir];
  let seen = 0;
  while (stack.length && seen++ < limit) {
    const d = stack.pop()!;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) {
        if (!checkBoundary(p, dir, b).inside) return relative(dir, p);
      } else if (st.isDirectory()) stack.push(p);
    }
  }
  return undefined;
}
