// House rules judged on objects (pure): which rules match an object (kind,
// provider, cluster, the release's exceptions), then each rule's CEL
// expression over the object. A violation names the object, its template,
// the rule and the message. As in ValidatingAdmissionPolicy with
// failurePolicy Fail, an expression that cannot be evaluated on an object
// (a field it reads is missing) counts as a violation, saying why.
import { matchesGlob } from '../model/selectors.ts';
import type { ClusterSpec, PolicyAction, PolicyException, PolicyRuleSpec } from '../model/spec.ts';
import { celErrorText, compileCel } from './cel.ts';
import type { CelContext, CelProgram } from './cel.ts';

/** A rule ready to run. */
interface CompiledRule {
  spec: PolicyRuleSpec;
  variables: { name: string; program: CelProgram }[];
  expression: CelProgram;
  message: CelProgram | undefined;
}

/** One object to judge: a rendered manifest document or a live pod. */
export interface PolicySubject {
  object: Record<string, unknown>;
  kind: string;
  namespace: string | undefined;
  name: string;
  /** The chart template it was rendered from (helm's `# Source:`). */
  source?: string;
  /** For a live pod: the workload of the release that runs it (exceptions naming the workload cover its pods). */
  owner?: { kind: string; name: string };
}

/** Where the objects go: the cluster, the release, its exceptions. */
export interface PolicyTarget {
  cluster: ClusterSpec;
  release: { name: string; namespace: string; track: string | undefined };
  exceptions: readonly PolicyException[];
}

export interface PolicyViolation {
  rule: string;
  action: PolicyAction;
  kind: string;
  namespace: string | undefined;
  name: string;
  source?: string;
  owner?: { kind: string; name: string };
  message: string;
}

/** The rules of a repository, compiled once. */
export class PolicySet {
  private readonly rules: CompiledRule[];

  constructor(specs: readonly PolicyRuleSpec[]) {
    this.rules = specs.map(compileRule);
  }

  get size(): number {
    return this.rules.length;
  }

  /** Every violation of every rule by these objects, in object order then rule order. */
  check(subjects: readonly PolicySubject[], target: PolicyTarget): PolicyViolation[] {
    const out: PolicyViolation[] = [];
    for (const s of subjects) {
      for (const r of this.rules) {
        if (!applies(r.spec, s, target)) continue;
        const message = judge(r, s, target);
        if (message === undefined) continue;
        const v: PolicyViolation = { rule: r.spec.name, action: r.spec.action, kind: s.kind, namespace: s.namespace, name: s.name, message };
        if (s.source !== undefined) v.source = s.source;
        if (s.owner) v.owner = s.owner;
        out.push(v);
      }
    }
    return out;
  }
}

function compiled(expression: string, want: 'bool' | 'string' | 'any', what: string): CelProgram {
  const c = compileCel(expression, want);
  // config/ compiled every expression already and reported errors with their position
  if (!c.ok) throw new Error(`${what} does not compile: ${c.error}`);
  return c.program;
}

function compileRule(spec: PolicyRuleSpec): CompiledRule {
  return {
    spec,
    variables: spec.variables.map((v) => ({ name: v.name, program: compiled(v.expression, 'any', `rule "${spec.name}" variable ${v.name}`) })),
    expression: compiled(spec.expression, 'bool', `rule "${spec.name}" expression`),
    message: spec.messageExpression !== undefined ? compiled(spec.messageExpression, 'string', `rule "${spec.name}" messageExpression`) : undefined,
  };
}

function matchesAny(value: string, globs: readonly string[] | undefined): boolean {
  return globs === undefined || globs.some((g) => matchesGlob(value, g));
}

/** The exception names this object: by its own name, or, for a live pod, its workload's. */
function excepted(e: PolicyException, s: PolicySubject, target: PolicyTarget): boolean {
  if (!matchesAny(target.cluster.name, e.clusters)) return false;
  const named = (kind: string, name: string) => (e.kinds === undefined || e.kinds.includes(kind)) && matchesAny(name, e.names);
  return named(s.kind, s.name) || (s.owner !== undefined && named(s.owner.kind, s.owner.name));
}

function applies(rule: PolicyRuleSpec, s: PolicySubject, target: PolicyTarget): boolean {
  const m = rule.match;
  if (!m.kinds.includes('*') && !m.kinds.includes(s.kind)) return false;
  if (m.providers && !m.providers.includes(target.cluster.provider)) return false;
  if (!matchesAny(target.cluster.name, m.clusters)) return false;
  return !target.exceptions.some((e) => e.rule === rule.name && excepted(e, s, target));
}

function contextOf(rule: CompiledRule, s: PolicySubject, target: PolicyTarget): CelContext {
  const { cluster, release } = target;
  const ctx: CelContext = {
    object: s.object,
    cluster: { name: cluster.name, provider: cluster.provider, region: cluster.region, labels: cluster.labels },
    release: { name: release.name, namespace: release.namespace, track: release.track ?? '' },
    params: rule.spec.params,
    variables: {},
  };
  // each variable reads the ones before it, as in ValidatingAdmissionPolicy
  const vars: Record<string, unknown> = {};
  ctx.variables = vars;
  for (const v of rule.variables) vars[v.name] = v.program(ctx);
  return ctx;
}

/** undefined when the object complies; else the message (messageExpression, message, or a default). */
function judge(rule: CompiledRule, s: PolicySubject, target: PolicyTarget): string | undefined {
  let ctx: CelContext;
  try {
    ctx = contextOf(rule, s, target);
    const ok = rule.expression(ctx);
    if (ok === true) return undefined;
    if (ok !== false) return `expression returned ${JSON.stringify(ok)}, not a boolean`;
  } catch (err) {
    return `expression could not be evaluated: ${celErrorText(err)}`;
  }
  if (rule.message) {
    try {
      const m = rule.message(ctx);
      if (typeof m === 'string' && m) return m;
    } catch {
      // fall back to the static message: the rule's verdict stands
    }
  }
  return rule.spec.message ?? `failed rule "${rule.spec.name}": ${rule.spec.expression}`;
}

/** "Deployment accounts/web (chart/templates/web.yaml): resources: container web has no limits.memory" */
export function violationLine(v: PolicyViolation): string {
  const where = v.source ? ` (${v.source})` : v.owner ? ` (of ${v.owner.kind} ${v.owner.name})` : '';
  return `${v.kind} ${v.namespace ? `${v.namespace}/` : ''}${v.name}${where}: ${v.rule}: ${v.message}`;
}
