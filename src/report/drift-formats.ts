// `--format text,json=out.json,html=drift.html,prometheus=drift.prom`: which reports to write where.
import { driftMetricsText } from '../drift/metrics.ts';
import type { DriftReport } from '../drift/types.ts';
import { renderDriftHtml } from './drift-html.ts';
import { renderDriftJson } from './drift-json.ts';
import { renderDriftJunit } from './drift-junit.ts';
import { renderDriftMarkdown } from './drift-markdown.ts';
import { renderDriftText } from './drift-text.ts';

export const DRIFT_FORMATS = ['text', 'json', 'junit', 'markdown', 'html', 'prometheus'] as const;
export type DriftFormat = (typeof DRIFT_FORMATS)[number];
/** The formats rendered synchronously (prometheus goes through prom-client's registry, which is async). */
type DocumentFormat = Exclude<DriftFormat, 'prometheus'>;
export const DOCUMENT_FORMATS = DRIFT_FORMATS.filter((f): f is DocumentFormat => f !== 'prometheus');

export interface FormatTarget {
  format: DriftFormat;
  /** undefined: standard output. */
  file: string | undefined;
}

const ALIASES: Record<string, DriftFormat> = { md: 'markdown', xml: 'junit', txt: 'text', prom: 'prometheus', openmetrics: 'prometheus' };

export class FormatSyntaxError extends Error {
  override name = 'FormatSyntaxError';
}

/** Parses the --format value; throws FormatSyntaxError naming the bad part and the choices. */
export function parseFormats(spec: string): FormatTarget[] {
  const targets: FormatTarget[] = [];
  for (const part of spec.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const file = eq < 0 ? undefined : p.slice(eq + 1).trim();
    const format = (DRIFT_FORMATS as readonly string[]).includes(name) ? (name as DriftFormat) : ALIASES[name];
    if (!format) throw new FormatSyntaxError(`unknown format "${name}" in --format: choose from ${DRIFT_FORMATS.join(', ')} (e.g. --format text,json=drift.json,html=drift.html)`);
    if (eq >= 0 && !file) throw new FormatSyntaxError(`--format ${p}: missing file name after "="`);
    targets.push({ format, file });
  }
  if (targets.length === 0) targets.push({ format: 'text', file: undefined });
  if (targets.filter((t) => t.file === undefined).length > 1) {
    throw new FormatSyntaxError(`--format ${spec}: only one format can go to standard output; give the others a file (e.g. json=drift.json)`);
  }
  return targets;
}

/** Any format, prometheus included. */
export async function renderDriftFormat(report: DriftReport, format: DriftFormat, opts: { color: boolean; verbose?: boolean }): Promise<string> {
  return format === 'prometheus' ? driftMetricsText(report) : renderDrift(report, format, opts);
}

export function renderDrift(report: DriftReport, format: DocumentFormat, opts: { color: boolean; verbose?: boolean }): string {
  switch (format) {
    case 'text':
      return renderDriftText(report, opts);
    case 'json':
      return renderDriftJson(report);
    case 'junit':
      return renderDriftJunit(report);
    case 'markdown':
      return renderDriftMarkdown(report);
    case 'html':
      return renderDriftHtml(report);
  }
}
