// helm-cascade report FILE... --format html|json|junit|markdown|text [--out FILE]:
// one report from several files of one kind:
//   - run logs (the shards of one wave, the stages of one pipeline), read from
//     the logs alone; a log cut short by SIGKILL still renders: what never
//     ended says so;
//   - drift JSON reports (`drift -o json`, `--format json=FILE`, typically one
//     per `drift --shard i/n`), merged into one drift report (drift-merge.ts)
//     and rendered by drift's own renderers.
// Run logs and drift reports are not mixed (exit 4, naming the file).
import { readFileSync } from 'node:fs';
import type { DriftReport } from '../drift/types.ts';
import { UsageError } from '../errors.ts';
import { writeFileAtomically } from '../files.ts';
import { shown } from '../redact.ts';
import { renderDrift } from '../report/drift-formats.ts';
import { DriftMergeError, mergeDriftReports } from '../report/drift-merge.ts';
import { runHtml } from '../report/run-html.ts';
import { runMarkdown } from '../report/run-markdown.ts';
import { runJson, runJunit, runText } from '../report/run-report.ts';
import { runView } from '../report/run-view.ts';
import { readRunLog } from '../run/log.ts';
import type { CommandResult } from './io.ts';
import { note } from './io.ts';
import type { ReportOptions } from './options.ts';

const RUN_FORMATS = { html: runHtml, json: (v) => runJson(v), junit: runJunit, markdown: runMarkdown, text: runText } satisfies Record<ReportOptions['format'], (v: ReturnType<typeof runView>) => string>;

type Input = { file: string; kind: 'drift'; report: DriftReport } | { file: string; kind: 'run' };

/** A drift report is one JSON document with clusters, units and a summary; anything else is read as a run log. */
function classify(file: string): Input {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const doc = JSON.parse(text) as Partial<DriftReport> | null;
    if (doc && typeof doc === 'object' && Array.isArray(doc.units) && Array.isArray(doc.clusters) && typeof doc.summary === 'object') return { file, kind: 'drift', report: doc as DriftReport };
  } catch {
    // not one JSON document: a run log (JSON Lines), checked by readRunLog
  }
  return { file, kind: 'run' };
}

const KIND_NAME = { drift: 'a drift report', run: 'a run log' } as const;

/** Every input of one kind, or a UsageError naming the first file of the other kind. */
function oneKind(inputs: readonly Input[]): Input['kind'] {
  const kind = inputs[0]!.kind;
  const other = inputs.find((i) => i.kind !== kind);
  if (other) throw new UsageError(`${other.file}: ${KIND_NAME[other.kind]}, but ${inputs[0]!.file} is ${KIND_NAME[kind]}: report merges run logs or drift reports, not both`);
  return kind;
}

function driftText(inputs: readonly Input[], o: ReportOptions): string {
  const reports = inputs.flatMap((i) => (i.kind === 'drift' ? [i.report] : []));
  try {
    return renderDrift(mergeDriftReports(reports), o.format, { color: false });
  } catch (err) {
    if (err instanceof DriftMergeError) throw new UsageError(`${inputs.map((i) => i.file).join(', ')}: ${err.message}`);
    throw err;
  }
}

function runLogText(files: readonly string[], o: ReportOptions): string {
  const logs = files.map((file) => readRunLog(file));
  for (const [i, l] of logs.entries()) if (l.truncated) note(`helm-cascade: ${files[i]}: its last line was cut short (the run was killed while writing it); read up to the line before`);
  return RUN_FORMATS[o.format](runView(logs));
}

export async function run(o: ReportOptions): Promise<CommandResult> {
  const inputs = o.logs.map(classify);
  const kind = oneKind(inputs);
  const text = shown(kind === 'drift' ? driftText(inputs, o) : runLogText(o.logs, o));
  if (o.out === undefined) return { outcome: 'success', output: text };
  writeFileAtomically(o.out, text);
  const what = kind === 'drift' ? 'drift report' : 'run log';
  note(`${o.format} report of ${inputs.length} ${what}${inputs.length === 1 ? '' : 's'} written to ${o.out}`);
  return { outcome: 'success' };
}
