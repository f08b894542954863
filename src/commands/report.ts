// helm-cascade report LOG... --format html|json|junit|markdown [--out FILE]:
// one report from one or more run logs (the shards of one wave, the stages of
// one pipeline), read from the logs alone. A log cut short by SIGKILL still
// renders: what never ended says so.
import { writeFileAtomically } from '../files.ts';
import { shown } from '../redact.ts';
import { runHtml } from '../report/run-html.ts';
import { runMarkdown } from '../report/run-markdown.ts';
import { runJson, runJunit } from '../report/run-report.ts';
import { runView } from '../report/run-view.ts';
import { readRunLog } from '../run/log.ts';
import type { CommandResult } from './io.ts';
import { note } from './io.ts';
import type { ReportOptions } from './options.ts';

const FORMATS = { html: runHtml, json: (v) => runJson(v), junit: runJunit, markdown: runMarkdown } satisfies Record<ReportOptions['format'], (v: ReturnType<typeof runView>) => string>;

export async function run(o: ReportOptions): Promise<CommandResult> {
  const logs = o.logs.map((file) => readRunLog(file));
  for (const [i, l] of logs.entries()) if (l.truncated) note(`helm-cascade: ${o.logs[i]}: its last line was cut short (the run was killed while writing it); read up to the line before`);
  const text = shown(FORMATS[o.format](runView(logs)));
  if (o.out === undefined) return { outcome: 'success', output: text };
  writeFileAtomically(o.out, text);
  note(`${o.format} report of ${logs.length} run log${logs.length === 1 ? '' : 's'} written to ${o.out}`);
  return { outcome: 'success' };
}
