// `validate --online`: every secret reference of every unit resolved on the
// unit's cluster (each (reference, cluster) once), nothing printed but the
// problems. References overridden by a higher layer are checked too: each is
// written in the repository, so each must resolve. Problems come back all at
// once as file:line:col diagnostics (exit 4); a Vault that cannot be asked
// stops the check (exit 5).
import { isAbsolute, join } from 'node:path';
import { quoteRef } from '../config/secret-refs.ts';
import { readValuesFile } from '../config/values-file.ts';
import { DEFAULT_LIMITS } from '../config/limits.ts';
import { BadInputError, PreflightError } from '../errors.ts';
import type { Diagnostic } from '../errors.ts';
import { findRefs, parseSecretRef } from '../model/secret-ref.ts';
import type { DeployRepo } from '../model/spec.ts';
import { expandUnits } from '../model/units.ts';
import type { UnitSpec } from '../model/units.ts';
import { SecretResolver } from './resolver.ts';
import { locateRef } from './unit-values.ts';

/** Every reference text a unit's layers write (values files and `set:`), once each. */
function unitRefTexts(u: UnitSpec, root: string, limits: DeployRepo['config']['limits']): string[] {
  const texts = new Set<string>();
  for (const l of u.layers) {
    for (const v of l.layer.values) {
      const read = readValuesFile(isAbsolute(v) ? v : join(root, v), v, limits ?? DEFAULT_LIMITS);
      for (const r of findRefs(read.values ?? {})) texts.add(r.text);
    }
    for (const r of findRefs(l.layer.set)) texts.add(r.text);
  }
  return [...texts];
}

/** Resolves every reference of the repository; returns the problems (none: all resolve). Throws PreflightError when a Vault cannot be asked. */
export async function checkSecretsOnline(repo: DeployRepo, resolver?: SecretResolver): Promise<Diagnostic[]> {
  const { config } = repo;
  const r = resolver ?? new SecretResolver({ root: config.root, ...(config.allowedRoots ? { allowedRoots: config.allowedRoots } : {}) });
  const jobs = new Map<string, { unit: UnitSpec; text: string }>();
  for (const u of expandUnits(repo)) {
    if (!u.enabled) continue;
    for (const text of unitRefTexts(u, config.root, config.limits)) jobs.set(`${u.cluster}\0${text}`, { unit: u, text });
  }
  const results = await Promise.allSettled(
    [...jobs.values()].map(async ({ unit, text }) => {
      const parsed = parseSecretRef(text)!;
      if ('error' in parsed) throw new BadInputError(parsed.error); // validate has said so already
      await r.resolve(parsed.ref, unit.clusterSpec);
    }),
  );
  const problems: Diagnostic[] = [];
  const unreachable = new Set<string>();
  [...jobs.values()].forEach(({ unit, text }, i) => {
    const res = results[i]!;
    if (res.status === 'fulfilled') return;
    const err: unknown = res.reason;
    if (err instanceof PreflightError) unreachable.add(err.message);
    else if (!(err instanceof BadInputError)) throw err;
    else {
      const at = locateRef(unit, text, { root: config.root }) ?? { file: unit.releaseSpec.file, line: 1, col: 1 };
      problems.push({ ...at, message: `secret reference ${quoteRef(text)} (cluster ${unit.cluster}): ${err.message}` });
    }
  });
  if (unreachable.size) throw new PreflightError([...unreachable].join('\n'));
  return problems;
}
