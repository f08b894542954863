// CEL, the language of Kubernetes ValidatingAdmissionPolicy, through
// @marcbachmann/cel-js: parsed and type-checked once (a typo is a compile
// error with its offset, as the API server reports one), then evaluated in
// process for every object. The variables are those of a ValidatingAdmissionPolicy
// where they make sense here: `object`, `params`, `variables`, plus `cluster`
// and `release` (see README, "House rules").
import { Environment } from '@marcbachmann/cel-js';

/** The variables every expression may read. */
const VARIABLES = ['object', 'cluster', 'release', 'params', 'variables'] as const;

export type CelContext = Record<(typeof VARIABLES)[number], unknown>;

/** A compiled expression: call it with the variables. Throws when evaluation fails (a missing field, a wrong type). */
export type CelProgram = (ctx: CelContext) => unknown;

export type CelCompileResult = { ok: true; program: CelProgram } | { ok: false; error: string; offset: number };

let env: Environment | undefined;
function environment(): Environment {
  if (!env) {
    // optional types (`a.?b.orValue(x)`) as Kubernetes enables them; list and map literals may mix types
    env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
    for (const v of VARIABLES) env.registerVariable(v, 'map');
  }
  return env;
}

interface CelErrorLike {
  summary?: string;
  message?: string;
  range?: { start: number };
}

/** The one-line reason of a CEL error (the library adds a source excerpt to `message`). */
export function celErrorText(err: unknown): string {
  const e = err as CelErrorLike;
  return (e.summary ?? e.message ?? String(err)).split('\n')[0] ?? String(err);
}

/** The result types an expression may have: `bool` for a rule, `string` for a message; `dyn` is decided when it runs. */
export function compileCel(expression: string, want: 'bool' | 'string' | 'any'): CelCompileResult {
  try {
    const parsed = environment().parse(expression);
    const checked = parsed.check();
    if (!checked.valid) return { ok: false, error: celErrorText(checked.error), offset: (checked.error as CelErrorLike | undefined)?.range?.start ?? 0 };
    if (want !== 'any' && checked.type !== want && checked.type !== 'dyn') return { ok: false, error: `must evaluate to a ${want}, not ${checked.type}`, offset: 0 };
    return { ok: true, program: (ctx) => parsed(ctx) as unknown };
  } catch (err) {
    return { ok: false, error: celErrorText(err), offset: (err as CelErrorLike).range?.start ?? 0 };
  }
}
