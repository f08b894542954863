// The plan as text: grouped by wave, then cluster, then release; one line per
// unchanged release; coloured unified diffs (no colour without a TTY or with
// --no-color); the last line is exactly the summary.
import { goFloatText } from '../model/json.ts';
import { summaryLine } from '../plan/assemble.ts';
import { chartNameOf } from '../plan/types.ts';
import type { ObjectDiff, Plan, PlannedUnit, RenderedUnit } from '../plan/types.ts';

export interface PlanTextOptions {
  color: boolean;
  explain?: boolean;
  /** Show object diffs of installs in full (default true). */
  installDiffs?: boolean;
}

const ANSI = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, bold: 1, dim: 2 } as const;
type Style = keyof typeof ANSI;

function painter(on: boolean): (style: Style, s: string) => string {
  return (style, s) => (on && s ? `\u001b[${ANSI[style]}m${s}\u001b[0m` : s);
}

const SYMBOL: Record<PlannedUnit['action'], string> = { install: '+', upgrade: '~', unchanged: '=', uninstall: '-' };
const ACTION_STYLE: Record<PlannedUnit['action'], Style> = { install: 'green', upgrade: 'yellow', unchanged: 'dim', uninstall: 'red' };

function versionText(u: PlannedUnit): string {
  const name = chartNameOf(u) ?? '';
  const to = u.kind === 'orphan' ? undefined : u.toVersion;
  if (u.action === 'uninstall' || !to) return u.fromVersion ? `${name ? `${name} ` : ''}${u.fromVersion}` : '';
  if (u.fromVersion && u.fromVersion !== to) return `${name} ${u.fromVersion} -> ${to}`;
  return `${name} ${to}`;
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => (l ? pad + l : l))
    .join('\n');
}

function colourDiff(text: string, paint: ReturnType<typeof painter>): string {
  return text
    .split('\n')
    .map((l) => (l.startsWith('@@') ? paint('cyan', l) : l.startsWith('+') ? paint('green', l) : l.startsWith('-') ? paint('red', l) : l.startsWith('~') ? paint('yellow', l) : l))
    .join('\n');
}

function objectHeader(d: ObjectDiff): string {
  const sym = d.change === 'added' ? '+' : d.change === 'removed' ? '-' : '~';
  return `${sym} ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}${d.change === 'changed' ? '' : ` (${d.change})`}`;
}

function unitLines(u: PlannedUnit, o: PlanTextOptions): string[] {
  const paint = painter(o.color);
  const out: string[] = [];
  const ver = versionText(u);
  if (u.kind === 'failed') {
    out.push(`${paint('red', '!')} ${paint('bold', u.helmName)} (${u.namespace})  ${paint('red', 'error')}${ver ? `  ${ver}` : ''}${afterText(u, paint)}`);
    out.push(indent(paint('red', u.error), 4), ...warningLines(u, paint));
    return out;
  }
  const reasons = u.reasons.filter((r) => r !== 'new');
  const status = u.deployedStatus && u.deployedStatus !== 'deployed' ? ` [${u.deployedStatus}]` : '';
  const settled = u.kind === 'rendered' && u.notes.some((n) => n.endsWith('so it is not upgraded')) ? paint('dim', '  (output differs, inputs unchanged: not upgraded, see --explain)') : '';
  out.push(
    `${paint(ACTION_STYLE[u.action], SYMBOL[u.action])} ${paint('bold', u.helmName)} (${u.namespace})  ${paint(ACTION_STYLE[u.action], u.action)}${ver ? `  ${ver}` : ''}${reasons.length ? `  (${reasons.join(', ')})` : ''}${status}${settled}${afterText(u, paint)}`,
  );
  out.push(...warningLines(u, paint));
  if (u.action === 'unchanged') return out;
  for (const d of u.diffs) {
    out.push(indent(paint('bold', objectHeader(d)), 4));
    const showBody = d.diff && (u.action !== 'install' || o.installDiffs !== false);
    if (showBody) out.push(indent(colourDiff(d.diff, paint), 6));
  }
  if (u.kind === 'rendered' && u.valuesDiff) {
    out.push(indent(paint('bold', '~ values'), 4));
    out.push(indent(colourDiff(u.valuesDiff, paint), 6));
  }
  if (u.kind === 'rendered') out.push(...hookAndCrdLines(u, paint));
  return out;
}

/** `needs:` order: "after istio-base" (helm release names; the namespace when it differs). */
function afterText(u: PlannedUnit, paint: ReturnType<typeof painter>): string {
  if (!u.after?.length) return '';
  const names = u.after.map((id) => {
    const [, namespace, helmName] = id.split('/');
    return namespace === u.namespace ? helmName : `${namespace}/${helmName}`;
  });
  return paint('dim', `  after ${names.join(', ')}`);
}

/** The unit's house-rule warnings (`action: warn`), under its head line. */
function warningLines(u: PlannedUnit, paint: ReturnType<typeof painter>): string[] {
  return (u.warnings ?? []).map((w) => indent(paint('yellow', `! ${w}`), 4));
}

/** What helm does beside the manifest: the hooks it runs, the crds/ it creates on a first install. */
function hookAndCrdLines(u: RenderedUnit, paint: ReturnType<typeof painter>): string[] {
  const out: string[] = [];
  const when = u.action === 'install' ? /install$/ : /upgrade$/;
  const hooks = u.hooks.filter((h) => h.events.some((e) => when.test(e)));
  if (hooks.length) out.push(indent(paint('bold', `hooks (helm runs them): ${hooks.map((h) => `${h.kind}/${h.name} (${h.events.filter((e) => when.test(e)).join(', ')})`).join(', ')}`), 4));
  if (u.crds.length && u.action === 'install') out.push(indent(paint('bold', `crds/: ${u.crds.length} CustomResourceDefinition${u.crds.length === 1 ? '' : 's'}, created by helm when missing (never upgraded): ${u.crds.map((c) => c.name).join(', ')}`), 4));
  return out;
}

/** A value as --explain shows it: JSON, and for a float64 a template prints in exponent form, that form (helm's own: 20240101 from a values file prints 2.0240101e+07). */
export function explainValue(v: unknown): string {
  const json = JSON.stringify(v) ?? String(v);
  if (typeof v !== 'number') return json;
  const printed = goFloatText(v);
  return printed === json ? json : `${json} (a float: templates print ${printed}; quote it, or give it with set: or --set for an integer)`;
}

function explainLines(u: PlannedUnit): string[] {
  if (u.kind === 'orphan') return [];
  const notes = u.kind === 'rendered' ? u.notes.map((n) => `      # ${n}`) : [];
  if (!u.origins?.length) return notes;
  const width = Math.min(40, Math.max(...u.origins.map((x) => x.path.length)));
  return [...notes, ...u.origins.map((x) => `      ${x.path.padEnd(width)} = ${explainValue(x.value)}  # ${x.source}`)];
}

export function renderPlanText(plan: Plan, o: PlanTextOptions): string {
  const paint = painter(o.color);
  const lines: string[] = [];
  for (const w of plan.waves) {
    lines.push(paint('bold', `Wave ${w.index + 1}: ${w.name}`) + (w.steps.length === 0 ? paint('dim', '  (nothing selected)') : ''));
    w.steps.forEach((step, si) => {
      const clusters = [...new Set(step.map((u) => u.cluster))];
      for (const c of clusters) {
        lines.push(`  ${paint('blue', c)}${si > 0 ? paint('dim', `  (step ${si + 1}: after its primary's gate)`) : ''}`);
        for (const u of step.filter((x) => x.cluster === c)) {
          const [head, ...body] = unitLines(u, o);
          lines.push(indent(head!, 4));
          if (o.explain) lines.push(...explainLines(u));
          lines.push(...body.map((l) => indent(l, 4)));
        }
      }
    });
    lines.push('');
  }
  if (plan.orphans.length) {
    lines.push(paint('bold', 'Orphaned (managed by helm-cascade, no longer in the repository):'));
    for (const u of plan.orphans) {
      const what = u.action === 'uninstall' ? paint('red', 'uninstall') : paint('yellow', 'kept (uninstalled only with --prune)');
      lines.push(`  ${u.action === 'uninstall' ? '-' : '?'} ${u.cluster}/${u.namespace}/${u.helmName}  ${u.fromVersion ?? ''}  ${what}  (wave ${u.wave})`);
    }
    lines.push('');
  }
  if (plan.summary.errors) lines.push(paint('red', `${plan.summary.errors} release${plan.summary.errors === 1 ? '' : 's'} failed to render or ${plan.summary.errors === 1 ? 'has' : 'have'} objects the API server refuses or ${plan.summary.errors === 1 ? 'breaks' : 'break'} a house rule; see "error" above.`));
  lines.push(summaryLine(plan.summary));
  return `${lines.join('\n')}\n`;
}

/**
 * The plan as JSON for stdout and `--out`: no merged values and no rendered
 * manifests (they carry secrets); `apply --plan` checks digests instead.
 */
export function planForDisplay(plan: Plan): Plan {
  // the saved form: typed as a Plan, without the two secret-bearing fields
  const strip = (u: PlannedUnit): PlannedUnit => {
    const { values: _v, manifest: _m, extra: _e, ...rest } = u as PlannedUnit & { values?: unknown; manifest?: unknown; extra?: unknown };
    return rest as PlannedUnit;
  };
  return { ...plan, waves: plan.waves.map((w) => ({ ...w, steps: w.steps.map((s) => s.map(strip)) })) };
}
