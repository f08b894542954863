// drift -> JSON for machines: the DriftReport itself, with the exit code of
// its outcome (drift/outcome.ts), the one the process exits with.
import type { DriftReport } from '../drift/types.ts';

export function renderDriftJson(report: DriftReport): string {
  return `${JSON.stringify({ ...report, exitCode: report.outcome.exitCode }, null, 2)}\n`;
}
