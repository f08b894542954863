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

/** A registry host (a name or IPv4 address, an optional port) and a repository path as the OCI distribution spec writes them. */
const OCI_REF = /^oci:\/\/(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+$/;

/**
 * What is wrong with the shape of an oci:// ref, or undefined: a host, then
 * the repository path in lower case (`oci://registry.example.com/charts/web`);
 * the version goes in `chart.version`, not after a `:` or `@`.
 */
export function ociRefProblem(ref: string): string | undefined {
  if (OCI_REF.test(ref)) return undefined;
  const rest = ref.slice('oci://'.length);
  if (!rest) return 'no registry and no chart after oci://';
  if (/\s/.test(rest)) return 'a space in it';
  if (/\/\//.test(rest)) return 'an empty path segment ("//")';
  if (!rest.includes('/')) return 'no repository path after the registry host (oci://HOST/PATH/CHART)';
  if (/[@]|:[^/]*$/.test(rest.slice(rest.indexOf('/')))) return 'a tag or digest in it: give the version in chart.version';
  if (/[A-Z]/.test(rest.slice(rest.indexOf('/')))) return 'upper-case letters in the repository path (OCI names are lower case)';
  return 'not of the form oci://HOST[:PORT]/PATH/CHART';
}
