// drift -> JSON for machines: the DriftReport itself, plus the exit code it implies.
import { driftExitCode } from '../drift/assess.ts';
import type { DriftReport } from '../drift/types.ts';

export function renderDriftJson(report: DriftReport): string {
  return `${JSON.stringify({ ...report, exitCode: driftExitCode(report) }, null, 2)}\n`;
}
