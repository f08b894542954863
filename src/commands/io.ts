// What a command handler returns: how it ended (errors.ts maps that to the
// exit code) and the text the CLI prints on standard output. Live progress
// (apply's events) is written as it happens; everything else is returned.
import type { Outcome } from '../errors.ts';
import { shown } from '../redact.ts';

export interface CommandResult {
  outcome: Outcome;
  /** Printed on standard output by cli.ts. */
  output?: string;
}

/** Progress and warnings, written as they happen (standard error keeps standard output parseable); credentials in URLs and registered secrets removed. */
export function note(line: string): void {
  process.stderr.write(`${shown(line)}\n`);
}
