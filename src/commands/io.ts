// What a command handler returns: how it ended (errors.ts maps that to the
// exit code) and the text the CLI prints on standard output. Live progress
// (apply's events) is written as it happens; everything else is returned.
// Every text that leaves the process through a command (standard output and
// error, report files) passes through `shownText`: credentials in URLs
// stripped, every registered secret removed (redact.ts).
import type { Outcome } from '../errors.ts';
import { shown } from '../redact.ts';

export interface CommandResult {
  outcome: Outcome;
  /** Printed on standard output by cli.ts. */
  output?: string;
}

/** Text as it may leave the process (redact.ts `shown`). */
export const shownText = shown;

/** Standard output, redacted. */
export function printOutput(text: string): void {
  process.stdout.write(shown(text));
}

/** Progress and warnings, written as they happen (standard error keeps standard output parseable), redacted. */
export function note(line: string): void {
  process.stderr.write(`${shown(line)}\n`);
}
