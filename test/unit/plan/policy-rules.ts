// A preset as clusters.yaml's loader makes it (for tests that need a rule without a file).
import type { PolicyAction, PolicyRuleSpec } from '../../../src/model/spec.ts';
import { presetRule } from '../../../src/policy/presets.ts';

export function presetRuleSpec(preset: string, action: PolicyAction = 'deny', options: Record<string, unknown> = {}): PolicyRuleSpec {
  const r = presetRule(preset, options);
  if (!r) throw new Error(`no preset ${preset}`);
  return { name: preset, preset, match: { kinds: [...r.kinds] }, variables: r.variables, expression: r.expression, messageExpression: r.messageExpression, params: r.params, action, pos: { file: 'clusters.yaml', line: 1, col: 1 } };
}
