// The one error hierarchy. Every failure the tool expects is one of these; the
// top-level catch in cli.ts maps them to SPEC's exit codes (exitCodeOf) and
// nothing else decides an exit code.

/** A problem in a file, reported as `file:line:col: message`. */
export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** Longest quoted string or word a message shows whole. */
const MAX_SHOWN = 200;

/**
 * A message with every quoted string and every word longer than MAX_SHOWN
 * cut short, its length said: an unknown 100 KB key is named, not printed.
 */
export function shortenLong(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"|[^\s"]+/g, (m) => {
    if (m.length <= MAX_SHOWN) return m;
    const quoted = m.startsWith('"') && m.endsWith('"') && m.length > 1;
    return `${m.slice(0, 60)}...${quoted ? '"' : ''} (${m.length} characters)`;
  });
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${shortenLong(d.message)}`;
}

export class CascadeError extends Error {
  override name = 'CascadeError';
  /** The fix, shown on its own line ("hint: ..."), never pasted into the message. */
  readonly hint: string | undefined;
  constructor(message: string, opts: { hint?: string } = {}) {
    super(message);
    this.hint = opts.hint;
  }
}

/** Bad input: configuration invalid, nothing was touched (exit 4). */
export class ConfigError extends CascadeError {
  override name = 'ConfigError';
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[], message?: string) {
    super(message ?? diagnostics.map(formatDiagnostic).join('\n'));
    this.diagnostics = diagnostics;
  }
}

/**
 * Bad input found after the files were read: a chart that fails to render, an
 * object its API server refuses in validation, a house rule broken (exit 4,
 * nothing was changed).
 */
export class BadInputError extends CascadeError {
  override name = 'BadInputError';
}

/** Bad command-line usage (exit 4: bad input, nothing touched). */
export class UsageError extends CascadeError {
  override name = 'UsageError';
}

/** Preflight refused: cluster unreachable, release locked or stuck, stale plan (exit 5). */
export class PreflightError extends CascadeError {
  override name = 'PreflightError';
}

/** A health gate failed during apply (exit 3). */
class GateFailedError extends CascadeError {
  override name = 'GateFailedError';
}

/** Interrupted by SIGINT (130) or SIGTERM (143). */
export class InterruptedError extends CascadeError {
  override name = 'InterruptedError';
  readonly signal: 'SIGINT' | 'SIGTERM';
  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`);
    this.signal = signal;
  }
}

/** A helm or kubectl call failed; message holds argv (secrets hidden), exit status and stderr. */
export class ToolError extends CascadeError {
  override name = 'ToolError';
  readonly exitCode: number | undefined;
  readonly stderr: string;
  constructor(message: string, exitCode: number | undefined, stderr: string) {
    super(message);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/**
 * How a command ended, whether it returned or threw. THE map from outcomes to
 * SPEC's exit codes: nothing else in the tool picks an exit code.
 */
export type Outcome =
  | 'success' // 0
  | 'failed' // 1: unexpected error
  | 'changes' // 2: plan --detailed-exitcode with changes pending; drift found
  | 'gate-failed' // 3: apply halted by a health gate
  | 'bad-input' // 4: configuration, render or server refusal; nothing was changed
  | 'refused' // 5: preflight refused (unreachable, locked, stuck, stale plan)
  | 'sigint' // 130
  | 'sigterm'; // 143

export const EXIT_CODES: Readonly<Record<Outcome, number>> = {
  success: 0,
  failed: 1,
  changes: 2,
  'gate-failed': 3,
  'bad-input': 4,
  refused: 5,
  sigint: 130,
  sigterm: 143,
};

/** The outcome of a thrown error. */
function outcomeOfError(err: unknown): Outcome {
  if (err instanceof ConfigError || err instanceof UsageError || err instanceof BadInputError) return 'bad-input';
  if (err instanceof PreflightError) return 'refused';
  if (err instanceof GateFailedError) return 'gate-failed';
  if (err instanceof InterruptedError) return err.signal === 'SIGINT' ? 'sigint' : 'sigterm';
  return 'failed';
}

export function exitCodeOf(err: unknown): number {
  return EXIT_CODES[outcomeOfError(err)];
}

/** Another run holds the lock (Lease) of a release (exit 5, as every PreflightError). */
export class LockHeldError extends PreflightError {
  override name = 'LockHeldError';
  /** The lock's key: cluster/namespace/release. */
  readonly lock: string;
  /** holderIdentity of the Lease: $BUILD_TAG or user@host of the other run. */
  readonly holder: string;
  /** When the other run took the lock (ISO), if the Lease says. */
  readonly since: string | undefined;
  /** What the holder published on the Lease (its run id, the repository). */
  readonly annotations: Record<string, string>;
  /** When the lock stops counting unless its holder renews it (ISO). */
  readonly expiresAt: string | undefined;
  constructor(message: string, lock: string, holder: string, since: string | undefined, annotations: Record<string, string> = {}, opts: { hint?: string; expiresAt?: string } = {}) {
    super(message, opts.hint !== undefined ? { hint: opts.hint } : {});
    this.expiresAt = opts.expiresAt;
    this.lock = lock;
    this.holder = holder;
    this.since = since;
    this.annotations = annotations;
  }
}
