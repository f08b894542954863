// The one call render makes: a unit's merged values with every secret
// reference replaced by its value on the unit's cluster. Each value is
// registered in the redactor as it is resolved; so is the value the deployed
// release holds at the same place (the secret before a rotation), so neither
// the old nor the new one can reach a diff. A reference that cannot be
// resolved is an error naming the file, line and reference (never a value):
// exit 4 for a bad reference, 5 when the Vault cannot be asked.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { quoteRef } from '../config/secret-refs.ts';
import { BadInputError, PreflightError } from '../errors.ts';
import { isPlainObject } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import { findRefs, parseSecretRef, valueAt } from '../model/secret-ref.ts';
import type { ValuePath } from '../model/secret-ref.ts';
import type { SourcePos } from '../model/spec.ts';
import type { UnitSpec } from '../model/units.ts';
import { redactor } from '../redact.ts';
import type { SecretResolver, SecretValue } from './resolver.ts';

export interface UnitSecretsInput {
  unit: UnitSpec;
  /** The unit's merged values, references in place. */
  values: Values;
  /** The deployed release's user values, if it exists: what it holds where a reference is now is a secret too. */
  deployed?: Values | undefined;
  /** The repository root (values files are relative to it). */
  root: string;
  cwd?: string;
}

export interface UnitSecretsResult {
  /** The values helm is given: every reference replaced by its value. */
  values: Values;
  /** Where references were (empty: the unit has none, and `values` is the input itself). */
  paths: ValuePath[];
}

/** The tree with the leaf at `path` replaced (copies only along the path). */
function withValue(tree: unknown, path: ValuePath, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...ValuePath];
  if (Array.isArray(tree)) return tree.map((x, i) => (i === head ? withValue(x, rest, value) : x));
  const obj = isPlainObject(tree) ? tree : {};
  return { ...obj, [head]: withValue(obj[head], rest, value) };
}

/**
 * Where a reference was written, for its error: the highest layer whose
 * release file (`set:`) or values file holds its text; undefined for a
 * reference in no file (the command line).
 */
export function locateRef(unit: UnitSpec, text: string, o: { root: string; cwd?: string | undefined }): SourcePos | undefined {
  const cwd = o.cwd ?? process.cwd();
  const files: { read: string; shown: string }[] = [];
  for (const l of [...unit.layers].reverse()) {
    files.push({ read: isAbsolute(l.file) ? l.file : join(cwd, l.file), shown: l.file });
    for (const v of [...l.layer.values].reverse()) {
      const abs = isAbsolute(v) ? v : join(o.root, v);
      const rel = relative(cwd, abs);
      files.push({ read: abs, shown: rel && !rel.startsWith('..') ? rel : abs });
    }
  }
  for (const f of files) {
    let lines: string[];
    try {
      lines = readFileSync(f.read, 'utf8').split('\n');
    } catch {
      continue;
    }
    const i = lines.findIndex((l) => l.includes(text));
    if (i >= 0) return { file: f.shown, line: i + 1, col: lines[i]!.indexOf(text) + 1 };
  }
  return undefined;
}

function locate(input: UnitSecretsInput, text: string): string {
  const at = locateRef(input.unit, text, input);
  return at ? `${at.file}:${at.line}:${at.col}` : 'the command line (-f/--set)';
}

/** A failure to resolve, placed: the same kind of error (exit 4 or 5), prefixed by where and which reference. */
function placed(err: unknown, where: string, text: string, cluster: string): Error {
  const what = `${where}: secret reference ${quoteRef(text)} (cluster ${cluster})`;
  if (err instanceof PreflightError) return new PreflightError(`${what}: ${err.message}`, err.hint !== undefined ? { hint: err.hint } : {});
  if (err instanceof BadInputError) return new BadInputError(`${what}: ${err.message}`, err.hint !== undefined ? { hint: err.hint } : {});
  return err instanceof Error ? err : new Error(String(err));
}

/** Every reference that failed, in document order: a Vault that cannot be asked first (exit 5), else all bad references at once (exit 4). */
function throwFailures(errors: unknown[]): void {
  if (errors.length === 0) return;
  const preflight = errors.find((e) => e instanceof PreflightError);
  if (preflight) throw preflight;
  const other = errors.find((e) => !(e instanceof BadInputError));
  if (other) throw other;
  if (errors.length === 1) throw errors[0];
  throw new BadInputError(errors.map((e) => (e as Error).message).join('\n'));
}

/** The deployed release's value at each reference path, registered: the secret as it was before. */
function registerDeployed(deployed: Values | undefined, paths: ValuePath[]): void {
  if (!deployed) return;
  for (const p of paths) {
    const old = valueAt(deployed, p);
    if (typeof old === 'string' || typeof old === 'number') redactor.add(String(old));
  }
}

/** The unit's values with its references resolved on its cluster (see the top of this file). */
export async function resolveUnitSecrets(resolver: SecretResolver, input: UnitSecretsInput): Promise<UnitSecretsResult> {
  const refs = findRefs(input.values);
  if (refs.length === 0) return { values: input.values, paths: [] };
  const cluster = input.unit.clusterSpec;
  const settled = await Promise.allSettled(
    refs.map(async ({ path, text }): Promise<[ValuePath, SecretValue]> => {
      try {
        const parsed = parseSecretRef(text)!;
        if ('error' in parsed) throw new BadInputError(parsed.error);
        return [path, await resolver.resolve(parsed.ref, cluster)];
      } catch (err) {
        throw placed(err, locate(input, text), text, cluster.name);
      }
    }),
  );
  const resolved = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  throwFailures(settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : [])));
  const paths = resolved.map(([p]) => p);
  registerDeployed(input.deployed, paths);
  let values: unknown = input.values;
  for (const [path, v] of resolved) values = withValue(values, path, v);
  return { values: values as Values, paths };
}
