// A run (or the merged logs of several) as one self-contained HTML page, read
// at a glance: a timeline of the waves, each cluster's units, each unit's steps
// as bars on one time axis (start, end, outcome), the step that failed or never
// ended highlighted; opening a unit shows its steps with their times, progress
// lines and weights, and its gate's pods, reasons, events and last log lines.
// No script, no external asset: Jenkins' HTML Publisher shows it as it is; with
// Jenkins' default CSP (inline styles refused) it still reads top-down, every
// time is written out as text too.
import type { GateView, RunView, StepView, UnitView, WaveView } from './run-view.ts';

const e = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const OUTCOME_LABEL: Record<UnitView['outcome'] | WaveView['outcome'] | RunView['outcome'], string> = {
  applied: 'applied',
  skipped: 'unchanged',
  'dry-run': 'dry run',
  'gate-failed': 'gate failed',
  'helm-failed': 'helm failed',
  'rolled-back': 'rolled back',
  left: 'left as is',
  'not-started': 'not started',
  unfinished: 'no end recorded',
  passed: 'passed',
  failed: 'failed',
  interrupted: 'interrupted',
  succeeded: 'succeeded',
  'lock-refused': 'lock refused',
};

const CSS = `
:root{--ok:#2e7d32;--bad:#c62828;--warn:#ef6c00;--undo:#fb8c00;--open:#6a1b9a;--mute:#8a8f98;--line:#e2e5ea;--ink:#1d2129}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:var(--ink);background:#f5f6f8}
main{max-width:1400px;margin:0 auto;padding:20px 24px 40px}
h1{font-size:21px;margin:0 0 6px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}h2{font-size:16px;margin:22px 0 8px}
.meta{color:#555;margin:2px 0}.meta b{color:var(--ink);font-weight:600}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;font-weight:600;color:#fff;background:var(--mute);white-space:nowrap}
.o-applied,.o-passed,.o-succeeded{background:var(--ok)}.o-skipped,.o-not-started{background:#b0b5bd}.o-dry-run{background:#1565c0}
.o-gate-failed,.o-helm-failed,.o-failed,.o-lock-refused{background:var(--bad)}.o-rolled-back,.o-interrupted{background:var(--warn)}.o-left{background:#ad1457}.o-unfinished{background:var(--open)}
.cards{display:flex;gap:10px;flex-wrap:wrap;margin:14px 0}.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px}
.card .n{font-size:22px;font-weight:700}.card .l{color:#555;font-size:12px}.card.bad .n{color:var(--bad)}.card.warn .n{color:var(--warn)}.card.open .n{color:var(--open)}.card.ok .n{color:var(--ok)}
.stop{background:#fff4f4;border:1px solid #f3c2c2;border-left:5px solid var(--bad);border-radius:6px;padding:10px 14px;margin:12px 0}
.stop.open{background:#f7f0fb;border-color:#d9c2ea;border-left-color:var(--open)}.stop a{color:inherit}
.timeline{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px 14px}
.grid{display:grid;grid-template-columns:minmax(260px,34%) 1fr;align-items:center;column-gap:12px}
.axis .track{height:22px;border-bottom:1px solid var(--line);font-size:11px;color:#777}
.axis .tick{position:absolute;top:2px;transform:translateX(-50%);white-space:nowrap}.axis .tick:first-child{transform:none}.axis .tick:last-child{transform:translateX(-100%)}
.track{position:relative;height:24px}
.wave{margin-top:14px;border-top:2px solid var(--line);padding-top:6px}.wave-head{font-weight:600;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.wave-head small{font-weight:400;color:#666}.wave .span{position:absolute;top:9px;height:6px;border-radius:3px;background:#cfd8dc}
.wave.w-failed .span{background:#ef9a9a}.wave.w-interrupted .span{background:#ffcc80}.wave.w-unfinished .span{background:#d1b3e6}
.cluster{margin:8px 0 2px;font-size:12px;font-weight:700;color:#555;text-transform:uppercase;letter-spacing:.04em}.cluster .whose{text-transform:none;letter-spacing:0;font-weight:400;color:#888;margin-left:6px}
details.unit{border-radius:6px}details.unit>summary{list-style:none;cursor:pointer;padding:3px 4px;border-radius:6px}details.unit>summary::-webkit-details-marker{display:none}
details.unit>summary:hover{background:#f3f6fb}details.unit[open]>summary{background:#eef3fb}
.unit.hot>summary{box-shadow:inset 4px 0 0 var(--bad)}.unit.hotopen>summary{box-shadow:inset 4px 0 0 var(--open)}
.name{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.name small{font-weight:400;color:#666}.caret{color:#999;display:inline-block;width:12px}
details[open] .caret{transform:rotate(90deg)}
.step{position:absolute;top:3px;height:18px;min-width:4px;border-radius:4px;background:#90a4ae;color:#fff;font-size:11px;line-height:18px;padding:0 4px;overflow:hidden;white-space:nowrap;text-overflow:clip}
.k-lock{background:#90a4ae}.k-change{background:#1e88e5}.k-gate{background:#43a047}.k-uninstall{background:#8e24aa}.k-revert{background:#ef6c00}
.k-set-weight{background:#00897b}.k-analysis-pause{background:#5e35b1}
.step.undo{background:repeating-linear-gradient(135deg,var(--undo) 0 6px,#f5a340 6px 12px)}.step.r-failed{background:var(--bad)}.step.r-cancelled{background:#f9a825;color:#222}
.step.open{background:repeating-linear-gradient(135deg,var(--open) 0 6px,#9c64c4 6px 12px);animation:pulse 1.6s ease-in-out infinite}
.step.hot{outline:2px solid #000;outline-offset:1px;z-index:2}
@keyframes pulse{50%{opacity:.6}}
.body{margin:4px 0 12px 16px;padding:8px 12px;background:#fafbfc;border:1px solid var(--line);border-radius:6px}
table.steps{border-collapse:collapse;width:100%;font-size:13px}.steps th,.steps td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
.steps th{color:#555;font-weight:600;background:#f0f2f5}.steps td.t{white-space:nowrap;color:#444;font-variant-numeric:tabular-nums}
.steps tr.r-failed td.res{color:var(--bad);font-weight:700}.steps tr.open td.res{color:var(--open);font-weight:700}
.progress{margin:2px 0 0;padding-left:16px;color:#555;font-size:12px}
.gate h4{margin:10px 0 4px;font-size:13px}.pod{margin:6px 0}.reason{color:var(--bad);font-weight:600}
pre.logs{background:#1e1e1e;color:#ddd;padding:6px 8px;margin:4px 0;overflow:auto;font-size:12px;max-height:320px}
ul.events{margin:2px 0;padding-left:18px;font-size:12px;color:#444}
.unchanged{color:#777;font-size:12px;margin:2px 0 2px 16px}
.legend{margin:10px 0 0;font-size:12px;color:#555;display:flex;gap:12px;flex-wrap:wrap;align-items:center}.legend .step{position:static;display:inline-block;width:34px;height:12px;vertical-align:middle}
`;

/** Where on the time axis a time falls (percent of the run). */
class Axis {
  readonly t0: number;
  readonly span: number;
  constructor(from: string, to: string) {
    this.t0 = Date.parse(from);
    this.span = Math.max(1, Date.parse(to) - this.t0);
  }
  pct(at: string): number {
    return Math.min(100, Math.max(0, ((Date.parse(at) - this.t0) / this.span) * 100));
  }
}

const clock = (at: string | undefined) => (at ? at.replace(/^.*T/, '').replace(/(\.\d)\d*Z$/, '$1') : '—');

function duration(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return '';
  const ms = Date.parse(to) - Date.parse(from);
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const weightOf = (s: StepView) => (typeof s.details?.weight === 'number' ? ` → ${s.details.weight}%` : '');
const stepName = (s: StepView) => (s.kind === 'lock' && s.phase === 'undo' ? 'release lock' : `${s.phase === 'undo' ? 'undo ' : ''}${s.kind}${weightOf(s)}`);
/** A lock given back is no undo of anything: drawn as a lock. */
const isUndo = (s: StepView) => s.phase === 'undo' && s.kind !== 'lock';
const isOpen = (s: StepView) => s.endedAt === undefined;

/** The step that stopped the run, or never ended: the one a reader looks for first. */
function hotStep(u: UnitView): StepView | undefined {
  return u.steps.find((s) => s.phase === 'do' && s.result === 'failed') ?? u.steps.find(isOpen);
}

function stepBar(s: StepView, axis: Axis, end: string, hot: boolean): string {
  const left = axis.pct(s.startedAt);
  const width = Math.max(0.4, axis.pct(s.endedAt ?? end) - left);
  const cls = ['step', `k-${s.kind}`, isUndo(s) ? 'undo' : '', s.result ? `r-${s.result}` : '', isOpen(s) ? 'open' : '', hot ? 'hot' : ''].filter(Boolean).join(' ');
  const title = `${stepName(s)}: ${clock(s.startedAt)} → ${s.endedAt ? clock(s.endedAt) : 'no end recorded'}${s.endedAt ? ` (${duration(s.startedAt, s.endedAt)})` : ''} · ${s.result ?? 'running or killed'}${s.reason ? ` · ${s.reason}` : ''}`;
  return `<span class="${cls}" style="left:${left.toFixed(2)}%;width:${width.toFixed(2)}%" title="${e(title)}">${e(stepName(s))}</span>`;
}

function gateBlock(g: GateView): string {
  const pods = g.failingPods.map((p) => {
    const events = p.events.length ? `<ul class="events">${p.events.map((x) => `<li>${e(x)}</li>`).join('')}</ul>` : '<p class="meta">events: none</p>';
    return `<div class="pod"><b>pod ${e(p.name)}</b>: <span class="reason">${e(p.reason)}</span> — ${e(p.message)} (restarts: ${p.restarts})${events}<pre class="logs">${e(p.logs)}</pre></div>`;
  });
  const objects = ((g.objects ?? []) as { kind: string; name: string; status: string; message: string }[]).map((o) => `<li><b>${e(`${o.kind}/${o.name}`)}</b> ${e(o.status)}: ${e(o.message)}</li>`);
  const probes = ((g.probes ?? []) as { name: string; ok: boolean; message: string }[]).map((p) => `<li>${p.ok ? '✔' : '✖'} ${e(p.name)}: ${e(p.message)}</li>`);
  return `<div class="gate"><h4>health gate${g.phase ? ` (${e(g.phase)})` : ''}: ${e(g.reason)}${g.durationMs !== undefined ? ` · ${duration('1970-01-01T00:00:00Z', new Date(g.durationMs).toISOString())}` : ''}</h4>${pods.join('')}${objects.length ? `<h4>objects</h4><ul class="events">${objects.join('')}</ul>` : ''}${probes.length ? `<h4>checks</h4><ul class="events">${probes.join('')}</ul>` : ''}</div>`;
}

function stepRows(u: UnitView): string {
  const rows = u.steps.map((s) => {
    const progress = s.progress.length ? `<ul class="progress">${s.progress.map((p) => `<li>${clock(p.at)} ${e(p.message)}</li>`).join('')}</ul>` : '';
    const res = s.result ?? 'no end recorded (run killed?)';
    return `<tr class="${s.result ? `r-${s.result}` : 'open'}"><td>${e(stepName(s))}</td><td>${e(s.message)}${progress}</td><td class="t">${clock(s.startedAt)}</td><td class="t">${clock(s.endedAt)}</td><td class="t">${duration(s.startedAt, s.endedAt)}</td><td class="res">${e(res)}${s.reason ? `: ${e(s.reason)}` : ''}</td></tr>`;
  });
  return `<table class="steps"><tr><th>step</th><th>what</th><th>start</th><th>end</th><th>took</th><th>outcome</th></tr>${rows.join('')}</table>`;
}

function unitLine(u: UnitView): string {
  const revs = u.toRevision === undefined ? (u.fromRevision !== undefined ? `r${u.fromRevision}` : '') : u.fromRevision !== undefined ? `r${u.fromRevision} → r${u.toRevision}` : `r${u.toRevision}`;
  const rev = u.action === 'rollback' ? (u.to ?? '') : revs;
  const versions = u.fromVersion && u.toVersion && u.fromVersion !== u.toVersion ? ` ${u.fromVersion} → ${u.toVersion}` : u.toVersion ? ` ${u.toVersion}` : '';
  return `${u.action}${versions}${rev ? ` · ${rev}` : ''}`;
}

function unitRow(u: UnitView, axis: Axis, end: string): string {
  const hot = hotStep(u);
  const cls = ['unit', hot ? (isOpen(hot) ? 'hotopen' : 'hot') : ''].filter(Boolean).join(' ');
  const bars = u.steps.map((s) => stepBar(s, axis, end, s === hot)).join('');
  const reason = u.reason ? `<p class="meta"><b>why:</b> ${e(u.reason)}</p>` : '';
  const rollback = u.rollback ? `<p class="meta"><b>undo:</b> ${e(u.rollback)}</p>` : '';
  const times = `<p class="meta">started ${clock(u.startedAt)} · finished ${clock(u.finishedAt)}${u.startedAt && u.finishedAt ? ` · ${duration(u.startedAt, u.finishedAt)}` : ''} · run ${e(u.run)}</p>`;
  const body = `<div class="body">${times}${reason}${rollback}${u.steps.length ? stepRows(u) : ''}${u.gate ? gateBlock(u.gate) : ''}</div>`;
  const open = hot ? ' open' : '';
  return `<details class="${cls}" id="u-${e(u.id.replace(/[^A-Za-z0-9_-]/g, '_'))}" data-unit="${e(u.id)}" data-outcome="${u.outcome}"${open}><summary class="grid"><div class="name"><span class="caret">▸</span>${e(`${u.namespace}/${u.helmName}`)} <span class="badge o-${u.outcome}">${e(OUTCOME_LABEL[u.outcome])}</span> <small>${e(unitLine(u))}</small></div><div class="track">${bars}</div></summary>${body}</details>`;
}

/** Which run (shard) a cluster's units come from, when several logs are merged. */
function whose(r: RunView, units: readonly UnitView[]): string {
  if (r.runs.length < 2) return '';
  const ids = [...new Set(units.map((u) => u.run))];
  const label = ids.map((id) => {
    const x = r.runs.find((y) => y.id === id);
    return x?.shard ? `shard ${x.shard.index}/${x.shard.count}` : id;
  });
  return ` <small class="whose">${e(label.join(', '))}</small>`;
}

function waveBlock(w: WaveView, axis: Axis, r: RunView, end: string): string {
  const span = w.startedAt ? `<span class="span" style="left:${axis.pct(w.startedAt).toFixed(2)}%;width:${Math.max(0.4, axis.pct(w.finishedAt ?? end) - axis.pct(w.startedAt)).toFixed(2)}%"></span>` : '';
  const head = `<div class="grid"><div class="wave-head">wave ${e(w.name)} <span class="badge o-${w.outcome}">${e(OUTCOME_LABEL[w.outcome])}</span><small>${w.startedAt ? `${clock(w.startedAt)} → ${w.finishedAt ? clock(w.finishedAt) : 'no end recorded'} ${duration(w.startedAt, w.finishedAt)}` : ''}</small></div><div class="track">${span}</div></div>`;
  const clusters = new Map<string, UnitView[]>();
  for (const u of w.units) clusters.set(u.cluster, [...(clusters.get(u.cluster) ?? []), u]);
  const body = [...clusters].map(([cluster, units]) => {
    const changed = units.filter((u) => u.outcome !== 'skipped');
    const same = units.length - changed.length;
    return `<div class="cluster">${e(cluster)}${whose(r, units)}</div>${changed.map((u) => unitRow(u, axis, end)).join('')}${same ? `<p class="unchanged">${same} unchanged: ${e(units.filter((u) => u.outcome === 'skipped').map((u) => `${u.namespace}/${u.helmName}`).join(', '))}</p>` : ''}`;
  });
  return `<section class="wave w-${w.outcome}" data-wave="${e(w.name)}">${head}${body.join('')}</section>`;
}

function axisRow(r: RunView, axis: Axis): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<span class="tick" style="left:${(f * 100).toFixed(0)}%">${clock(new Date(axis.t0 + f * axis.span).toISOString())}</span>`);
  return `<div class="grid axis"><div class="meta">${e(r.startedAt.slice(0, 10))} (UTC)</div><div class="track">${ticks.join('')}</div></div>`;
}

/** A unit whose own step failed (not one cancelled or put back because another failed). */
const failedItself = (u: UnitView) => u.steps.some((s) => s.phase === 'do' && s.result === 'failed');

function cards(r: RunView): string {
  const units = r.waves.flatMap((w) => w.units);
  const n = (o: UnitView['outcome'][]) => units.filter((u) => o.includes(u.outcome)).length;
  const items: [string, number, string][] = [
    ['applied', n(['applied', 'dry-run']), 'ok'],
    ['failed', units.filter(failedItself).length, 'bad'],
    ['rolled back', n(['rolled-back']), 'warn'],
    ['left as is', n(['left']), 'warn'],
    ['no end recorded', n(['unfinished']), 'open'],
    ['unchanged', n(['skipped']), ''],
    ['not started', n(['not-started']), ''],
  ];
  return `<div class="cards">${items
    .filter(([, v, cls], i) => v > 0 || i < 3 || cls === 'ok')
    .map(([l, v, cls]) => `<div class="card ${cls}"><div class="n">${v}</div><div class="l">${e(l)}</div></div>`)
    .join('')}</div>`;
}

/** Where the run stopped, or what never ended: one line at the top, linking to the unit. */
function stopLine(r: RunView): string {
  const units = r.waves.flatMap((w) => w.units);
  const open = units.filter((u) => u.outcome === 'unfinished');
  if (open.length) return `<p class="stop open"><b>No end recorded</b> (the run was killed, or is still running): ${open.map((u) => `<a href="#u-${e(u.id.replace(/[^A-Za-z0-9_-]/g, '_'))}">${e(u.id)}</a> at ${e(stepName(hotStep(u) ?? u.steps.at(-1)!))}`).join(', ')}</p>`;
  const failed = units.find(failedItself);
  if (!failed) return r.cause ? `<p class="stop">Interrupted (${e(r.cause)}) in wave ${e(r.failedWave ?? '?')}.</p>` : '';
  const s = hotStep(failed)!;
  return `<p class="stop"><b>Stopped</b> in wave ${e(failed.wave)}: <a href="#u-${e(failed.id.replace(/[^A-Za-z0-9_-]/g, '_'))}">${e(failed.id)}</a> ${e(stepName(s))} failed: ${e(s.reason ?? failed.reason ?? '')}${failed.rollback ? ` — ${e(failed.rollback)}` : ''}</p>`;
}

function runsLine(r: RunView): string {
  const runs = r.runs.map((x) => `<b>${e(x.id)}</b>${x.shard ? ` shard ${x.shard.index}/${x.shard.count}${x.clusters?.length ? ` (${e(x.clusters.join(', '))})` : ''}` : ''}${x.wave ? ` wave ${e(x.wave)}` : ''} by ${e(x.holder)}${x.truncated ? ' (log cut short)' : ''}`);
  return `<p class="meta">${r.runs.length === 1 ? 'run' : `${r.runs.length} runs merged`}: ${runs.join(' · ')}</p>`;
}

export function runHtml(r: RunView): string {
  // a run with no end: room after its last event, so what never ended shows as running on
  const last = Date.parse(r.finishedAt);
  const axisEnd = r.outcome === 'unfinished' ? new Date(last + Math.max(1000, (last - Date.parse(r.startedAt)) * 0.08)).toISOString() : r.finishedAt;
  const axis = new Axis(r.startedAt, axisEnd);
  const title = `helm-cascade ${r.command}${r.runs[0] ? `: ${r.runs[0].repo}` : ''}`;
  const legend = ['lock', 'change', 'gate', 'uninstall', 'revert'].map((k) => `<span><span class="step k-${k}"></span> ${k}</span>`).join('') + '<span><span class="step undo"></span> undo</span><span><span class="step r-failed"></span> failed</span><span><span class="step r-cancelled"></span> cancelled</span><span><span class="step open"></span> no end recorded</span>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title)} — ${e(OUTCOME_LABEL[r.outcome])}</title>
<style>${CSS}</style></head>
<body><main>
<h1>${e(title)} <span class="badge o-${r.outcome}" id="outcome">${e(OUTCOME_LABEL[r.outcome])}</span>${r.dryRun ? ' <span class="badge o-dry-run">dry run</span>' : ''}</h1>
<p class="meta">started <b>${e(r.startedAt)}</b> · ${r.outcome === 'unfinished' ? 'last event' : 'ended'} <b>${e(r.finishedAt)}</b> · ${duration(r.startedAt, r.finishedAt)} · onFailure: ${e(r.onFailure)}${r.cause ? ` · interrupted by ${e(r.cause)}` : ''}</p>
${runsLine(r)}
${cards(r)}
${stopLine(r)}
<section class="timeline" id="timeline">
${axisRow(r, axis)}
${r.waves.map((w) => waveBlock(w, axis, r, axisEnd)).join('\n')}
<p class="legend">${legend}</p>
</section>
</main></body></html>
`;
}
