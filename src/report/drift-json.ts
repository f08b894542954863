// drift -> JSON for machines: the DriftReport itself, plus the exit code it implies.
import { driftOutcome } from '../drift/assess.ts';
import type { DriftReport } from '../drift/types.ts';
import { EXIT_CODES } from '../errors.ts';

export function renderDriftJson(report: DriftReport): string {
  return `${JSON.stringify({ ...report, exitCode: EXIT_CODES[driftOutcome(report)] }, null, 2)}\n`;
}
