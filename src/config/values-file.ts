// A values file the repository names, read as `plan` reads it and checked as
// `validate` checks it, with the same limits: inside the repository, within
// the size limit, UTF-8 YAML without duplicate keys or an alias bomb, a map
// (or empty), every scalar as helm reads it (config/helm-scalars.ts). Problems are file:line:col diagnostics that name types and sizes,
// never the file's content.
import type { Diagnostic } from '../errors.ts';
import { isPlainObject } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import { describeValue } from './limits.ts';
import { readYamlFile } from './yaml-file.ts';

export interface ValuesFileResult {
  /** The values; undefined when the file has a problem. */
  values: Values | undefined;
  diagnostics: Diagnostic[];
}

export function readValuesFile(absPath: string, shownAs: string, limits: Parameters<typeof readYamlFile>[2]): ValuesFileResult {
  const f = readYamlFile(absPath, shownAs, limits, { kind: 'values' });
  if (f.diagnostics.length) return { values: undefined, diagnostics: f.diagnostics };
  if (f.data === null || f.data === undefined) return { values: {}, diagnostics: [] };
  if (!isPlainObject(f.data)) return { values: undefined, diagnostics: [{ ...f.posOf([]), message: `a values file must be a map, got ${describeValue(f.data)}` }] };
  return { values: f.data, diagnostics: [] };
}
