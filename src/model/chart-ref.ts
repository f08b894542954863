// How a chart ref of a release file is read.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export type ChartRefKind = 'oci' | 'local' | 'repo';

/** oci://..., an existing local folder (relative to the deploy repository's root), or repo/name. */
export function chartRefKind(ref: string, root: string): ChartRefKind {
  if (ref.startsWith('oci://')) return 'oci';
  if (ref.startsWith('./') || ref.startsWith('../') || isAbsolute(ref)) return 'local';
  if (existsSync(join(root, ref))) return 'local';
  return 'repo';
}
