// drift -> one self-contained HTML page: a releases x clusters matrix coloured
// by state; each cell opens that release's findings and diffs below it.
// No external assets; a few lines of inline script only open the right panel.
import type { DriftFinding, DriftReport, DriftState, DriftUnit } from '../drift/types.ts';
import { objectTitle } from '../live/drift.ts';
import { driftHeadline, driftMatrix, STATE_LABEL, unitTitle } from './drift-matrix.ts';

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const COLOURS: Record<DriftState, string> = {
  clean: '#2e7d32',
  pending: '#f9a825',
  skew: '#ef6c00',
  live: '#c62828',
  broken: '#6a1b9a',
  unhealthy: '#ad1457',
  unreadable: '#424242',
  unmanaged: '#1565c0',
  policy: '#ad1457',
};

function anchor(u: DriftUnit): string {
  return `u-${u.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function diffBlock(diff: string): string {
  const lines = diff.split('\n').map((l) => {
    const cls = l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : l.startsWith('@@') ? 'hunk' : '';
    return cls ? `<span class="${cls}">${htmlEscape(l)}</span>` : htmlEscape(l);
  });
  return `<pre class="diff">${lines.join('\n')}</pre>`;
}

/** An unhealthy finding: each pod with its reason, events and last log lines; each object not Healthy. */
function healthBlock(h: NonNullable<DriftFinding['health']>): string {
  const e = htmlEscape;
  const pods = h.pods.map((p) => {
    const events = p.events.length ? `<ul>${p.events.map((ev) => `<li>${e(ev)}</li>`).join('')}</ul>` : '<p class="meta">events: none</p>';
    return `<li><b>pod ${e(p.name)}</b>: <span class="reason">${e(p.reason)}</span>: ${e(p.message)} (${p.restarts} restarts)${events}<pre class="logs">${e(p.logs)}</pre></li>`;
  });
  const objects = h.objects.map((o) => `<li><b>${e(`${o.kind} ${o.name}`)}</b>: ${o.readyEndpoints !== undefined ? e(`${o.readyEndpoints} ready endpoints, minReadyEndpoints ${o.minReadyEndpoints}`) : e(o.message)}</li>`);
  return `<ul class="health">${[...pods, ...objects].join('')}</ul>`;
}

function unitPanel(u: DriftUnit): string {
  const e = htmlEscape;
  const parts: string[] = [];
  const dep = u.deployed ? `chart ${u.deployed.chartName}-${u.deployed.chartVersion}, revision ${u.deployed.revision}, ${u.deployed.status}${u.deployed.updated ? `, deployed ${u.deployed.updated}` : ''}` : 'not deployed';
  parts.push(`<p class="meta">${e(dep)}${u.desiredVersion ? ` · repository: ${e(u.desiredVersion)}` : ''}</p>`);
  if (!u.findings.length) parts.push('<p>No drift: the repository, the helm release and the live objects agree.</p>');
  for (const f of u.findings) {
    parts.push(`<h4><span class="badge s-${f.kind}">${e(STATE_LABEL[f.kind])}</span> ${e(f.summary)}</h4>`);
    if (f.objects) {
      parts.push('<ul>');
      for (const o of f.objects) {
        if (o.change === 'missing') {
          parts.push(`<li><b>${e(objectTitle(o))}</b>: missing (deleted from the cluster)</li>`);
          continue;
        }
        parts.push(`<li><b>${e(objectTitle(o))}</b><table class="fields"><tr><th>field</th><th>deployed</th><th>live</th></tr>`);
        for (const fd of o.fields) {
          const deployed = fd.deployed ?? (fd.change === 'added' ? '(unset)' : '(hidden)');
          const live = fd.live ?? (fd.change === 'removed' ? '(removed)' : '(hidden)');
          const secretish = fd.deployed === undefined && fd.live === undefined;
          parts.push(`<tr><td><code>${e(fd.path)}</code></td>${secretish ? `<td colspan="2">${e(fd.message)}</td>` : `<td><code>${e(deployed)}</code></td><td><code>${e(live)}</code></td>`}</tr>`);
          if (fd.diff) parts.push(`<tr><td colspan="3">${diffBlock(fd.diff)}</td></tr>`);
        }
        parts.push('</table></li>');
      }
      parts.push('</ul>');
    } else if (f.health) {
      parts.push(healthBlock(f.health));
    } else if (f.details.length) {
      parts.push(`<ul>${f.details.map((d) => `<li>${e(d)}</li>`).join('')}</ul>`);
    }
    for (const d of f.diffs ?? []) if (d.diff) parts.push(`<p><b>${e(`${d.kind} ${d.namespace}/${d.name}`)}</b> ${e(d.change)}</p>${diffBlock(d.diff)}`);
  }
  return `<details class="unit" id="${anchor(u)}"${u.state === 'clean' ? '' : ' data-drifted="1"'}><summary><span class="badge s-${u.state}">${e(STATE_LABEL[u.state])}</span> ${e(unitTitle(u))}</summary>${parts.join('\n')}</details>`;
}

export function renderDriftHtml(report: DriftReport): string {
  const e = htmlEscape;
  const rows = driftMatrix(report);
  const states = Object.keys(COLOURS) as DriftState[];
  const css = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1b1b1b;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}.headline{margin:0 0 16px;color:#333}
table.matrix{border-collapse:collapse;background:#fff;box-shadow:0 1px 3px #0002}
.matrix th,.matrix td{border:1px solid #ddd;padding:6px 10px;text-align:left;white-space:nowrap}
.matrix th{background:#f0f0f0}.matrix td.cell{padding:0}
.matrix td.cell a{display:block;padding:6px 10px;color:#fff;text-decoration:none;font-weight:600}
.matrix td.cell a small{font-weight:400;opacity:.85}
${states.map((s) => `.s-${s}{background:${COLOURS[s]};color:#fff}`).join('\n')}
.badge{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600}
.legend span{margin-right:6px}.none{color:#999}
details.unit{background:#fff;margin:8px 0;border:1px solid #ddd;border-radius:4px;padding:6px 10px}
details.unit[open]{box-shadow:0 1px 4px #0003}summary{cursor:pointer}
h4{margin:10px 0 4px;font-size:14px}.meta{color:#555;margin:6px 0}
table.fields{border-collapse:collapse;margin:4px 0}.fields td,.fields th{border:1px solid #e3e3e3;padding:2px 8px;vertical-align:top}
pre.diff{background:#f6f8fa;padding:8px;overflow:auto;margin:4px 0}.add{color:#1a7f37}.del{color:#cf222e}.hunk{color:#6f42c1}
.notes{color:#555}pre.logs{background:#1e1e1e;color:#ddd;padding:6px 8px;margin:4px 0;overflow:auto}.reason{color:#ad1457;font-weight:600}
`;
  const header = `<tr><th>release</th>${report.clusters.map((c) => `<th${c.readable ? '' : ` class="s-unreadable" title="${e(c.error ?? '')}"`}>${e(c.name)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => {
      const cells = r.cells
        .map((u) => {
          if (!u) return '<td class="none">—</td>';
          const v = u.deployed ? ` <small>${e(u.deployed.chartVersion)}</small>` : '';
          return `<td class="cell s-${u.state}" data-unit="${e(u.id)}" data-state="${u.state}"><a href="#${anchor(u)}" title="${e(u.findings.map((f) => f.summary).join('\n') || 'clean')}">${e(STATE_LABEL[u.state])}${v}</a></td>`;
        })
        .join('');
      return `<tr><th>${e(r.label)}${r.known ? '' : ' <small>(not in repository)</small>'}</th>${cells}</tr>`;
    })
    .join('\n');
  const drifted = report.units.filter((u) => u.state !== 'clean');
  const clean = report.units.filter((u) => u.state === 'clean');
  const script = `
function openUnit(id){var d=document.getElementById(id);if(d&&d.tagName==='DETAILS'){d.open=true;d.scrollIntoView({block:'nearest'});}}
document.addEventListener('click',function(ev){var a=ev.target.closest&&ev.target.closest('td.cell a');if(a){openUnit(a.getAttribute('href').slice(1));}});
if(location.hash)openUnit(location.hash.slice(1));
`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>helm-cascade drift: ${e(report.summary.drifted ? `${report.summary.drifted} drifted` : 'no drift')}</title>
<style>${css}</style></head>
<body>
<h1>helm-cascade drift</h1>
<p class="headline" id="headline">${e(driftHeadline(report))} · ${e(report.createdAt)} · ${e(report.clustersFile)}</p>
<p class="outcome" id="outcome">exit code <span id="exit-code">${report.outcome.exitCode}</span>: ${e(report.outcome.why)}</p>
${report.notes.length ? `<p class="notes">${report.notes.map((n) => `note: ${e(n)}`).join('<br>')}</p>` : ''}
<table class="matrix" id="matrix">${header}
${body}
</table>
<p class="legend">${states.map((s) => `<span class="badge s-${s}">${e(STATE_LABEL[s])}</span>`).join('')}</p>
<h2>Drifted (${drifted.length})</h2>
${drifted.map(unitPanel).join('\n') || '<p>Nothing drifted.</p>'}
${clean.length ? `<h2>Clean (${clean.length})</h2>\n${clean.map(unitPanel).join('\n')}` : ''}
<script>${script}</script>
</body></html>
`;
}
