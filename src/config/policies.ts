// House rules as clusters.yaml and the release files write them -> the model:
// presets expanded into their CEL (policy/presets.ts), every expression
// compiled and type-checked now, so a typo is reported as file:line:col at
// the offending character, before any cluster is touched. The JSON Schema
// has already reported unknown keys, wrong types and bad actions.
import { closest, distance } from 'fastest-levenshtein';
import type { Diagnostic } from '../errors.ts';
import type { PolicyException, PolicyMatch, PolicyRuleSpec, PolicyVariable, ReleaseSpec } from '../model/spec.ts';
import { compileCel } from '../policy/cel.ts';
import { presetRule } from '../policy/presets.ts';
import type { YamlFile, YamlPath } from './yaml-file.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const strList = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

/** Options that belong to one preset only. */
const PRESET_OPTIONS: Record<string, string> = { labels: 'required-labels', providers: 'placement', require: 'resources' };
/** Keys a preset brings itself. */
const OWN_RULE_KEYS = ['expression', 'variables', 'message', 'messageExpression'] as const;

interface Ctx {
  file: YamlFile;
  diags: Diagnostic[];
}

const report = (c: Ctx, pos: { line: number; col: number }, message: string) => c.diags.push({ file: c.file.file, line: pos.line, col: pos.col, message });

/** Compiles one expression; a compile error is reported at its character. */
function checkCel(c: Ctx, path: YamlPath, expression: string, want: 'bool' | 'string' | 'any'): void {
  const r = compileCel(expression, want);
  if (r.ok) return;
  const where = path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
  report(c, c.file.posInValue(path, r.offset), `${where}: CEL does not compile: ${r.error}`);
}

function matchOf(m: unknown, kinds: readonly string[] | undefined): PolicyMatch {
  const o = isObj(m) ? m : {};
  const match: PolicyMatch = { kinds: strList(o.kinds) ?? [...(kinds ?? [])] };
  const providers = strList(o.providers);
  if (providers) match.providers = providers;
  const clusters = strList(o.clusters);
  if (clusters) match.clusters = clusters;
  return match;
}

function presetEntry(c: Ctx, e: Obj, i: number, preset: string): PolicyRuleSpec | undefined {
  const rule = presetRule(preset, e);
  if (!rule) return undefined; // the schema's enum reported it
  for (const k of OWN_RULE_KEYS) if (k in e) report(c, c.file.keyPosOf(['policies', i], k), `policies[${i}]: preset "${preset}" brings its own ${k}; remove ${k}, or preset to write your own rule`);
  for (const [k, owner] of Object.entries(PRESET_OPTIONS)) if (k in e && owner !== preset) report(c, c.file.keyPosOf(['policies', i], k), `policies[${i}]: ${k} is an option of preset "${owner}", not of "${preset}"`);
  if (preset === 'required-labels' && !('labels' in e)) report(c, c.file.posOf(['policies', i]), `policies[${i}]: preset "required-labels" needs labels (e.g. labels: [team])`);
  const kinds = isObj(e.match) ? strList(e.match.kinds) : undefined;
  const foreign = (kinds ?? []).filter((k) => !rule.kinds.includes(k));
  if (foreign.length) report(c, c.file.posOf(['policies', i, 'match', 'kinds']), `policies[${i}]: preset "${preset}" judges pod templates and pods only (${rule.kinds.join(', ')}), not ${foreign.join(', ')}`);
  if (preset === 'placement' && !('providers' in e)) report(c, c.file.posOf(['policies', i]), `policies[${i}]: preset "placement" needs providers (e.g. providers: { gke: { nodeLabels: [cloud.google.com/gke-nodepool] } })`);
  return {
    name: typeof e.name === 'string' ? e.name : preset,
    preset,
    match: matchOf(e.match, rule.kinds),
    variables: rule.variables,
    expression: rule.expression,
    messageExpression: rule.messageExpression,
    params: rule.params,
    action: e.action === 'warn' ? 'warn' : 'deny',
    pos: c.file.posOf(['policies', i]),
  };
}

function ownEntry(c: Ctx, e: Obj, i: number): PolicyRuleSpec | undefined {
  const at = c.file.posOf(['policies', i]);
  for (const k of ['name', 'expression'] as const) if (typeof e[k] !== 'string') report(c, at, `policies[${i}]: missing required field "${k}" (or use a preset, e.g. preset: resources)`);
  if (!isObj(e.match) || !Array.isArray(e.match.kinds)) report(c, isObj(e.match) ? c.file.posOf(['policies', i, 'match']) : at, `policies[${i}]: missing match.kinds (the kinds the rule judges, e.g. [Deployment], or ["*"])`);
  for (const [k, owner] of Object.entries(PRESET_OPTIONS)) if (k in e) report(c, c.file.keyPosOf(['policies', i], k), `policies[${i}]: ${k} is an option of preset "${owner}"; your own rule reads nothing from it`);
  if (typeof e.name !== 'string' || typeof e.expression !== 'string') return undefined;
  const variables: PolicyVariable[] = (Array.isArray(e.variables) ? e.variables : []).flatMap((v, j) => {
    if (!isObj(v) || typeof v.name !== 'string' || typeof v.expression !== 'string') return [];
    checkCel(c, ['policies', i, 'variables', j, 'expression'], v.expression, 'any');
    return [{ name: v.name, expression: v.expression }];
  });
  checkCel(c, ['policies', i, 'expression'], e.expression, 'bool');
  const rule: PolicyRuleSpec = { name: e.name, match: matchOf(e.match, undefined), variables, expression: e.expression, params: {}, action: e.action === 'warn' ? 'warn' : 'deny', pos: at };
  if (typeof e.message === 'string') rule.message = e.message;
  if (typeof e.messageExpression === 'string') {
    checkCel(c, ['policies', i, 'messageExpression'], e.messageExpression, 'string');
    rule.messageExpression = e.messageExpression;
  }
  return rule;
}

/** clusters.yaml `policies:` -> rules; every problem reported with its position. */
export function buildPolicies(file: YamlFile, v: unknown, diags: Diagnostic[]): PolicyRuleSpec[] {
  if (!Array.isArray(v)) return [];
  const c: Ctx = { file, diags };
  const rules: PolicyRuleSpec[] = [];
  v.forEach((e, i) => {
    if (!isObj(e)) return;
    const rule = typeof e.preset === 'string' ? presetEntry(c, e, i, e.preset) : ownEntry(c, e, i);
    if (!rule) return;
    const twin = rules.find((r) => r.name === rule.name);
    if (twin) report(c, rule.pos, `policies[${i}]: duplicate rule name "${rule.name}" (line ${twin.pos.line}); give one of them another name`);
    else rules.push(rule);
  });
  return rules;
}

/** A release's `policyExceptions:`. */
export function buildPolicyExceptions(file: YamlFile, v: unknown): PolicyException[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((e, i) => {
    if (!isObj(e) || typeof e.rule !== 'string') return [];
    const ex: PolicyException = { rule: e.rule, reason: typeof e.reason === 'string' ? e.reason : '', pos: file.posOf(['policyExceptions', i, 'rule']) };
    for (const k of ['kinds', 'names', 'clusters'] as const) {
      const l = strList(e[k]);
      if (l) ex[k] = l;
    }
    return [ex];
  });
}

/** Every exception names a rule clusters.yaml declares. */
export function policyExceptionDiagnostics(rules: readonly PolicyRuleSpec[], releases: readonly ReleaseSpec[]): Diagnostic[] {
  const names = rules.map((r) => r.name);
  return releases.flatMap((rel) =>
    (rel.policyExceptions ?? []).flatMap((e) => {
      if (names.includes(e.rule)) return [];
      const guess = names.length ? closest(e.rule, names) : undefined;
      const hint = guess !== undefined && distance(e.rule, guess) <= Math.max(2, Math.floor(e.rule.length / 3)) ? ` (did you mean "${guess}"?)` : names.length ? ` (rules: ${names.join(', ')})` : ': clusters.yaml declares no policies';
      return [{ ...e.pos, message: `policyExceptions: unknown rule "${e.rule}"${hint}` }];
    }),
  );
}
