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

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.message}`;
}

export class CascadeError extends Error {
  override name = 'CascadeError';
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

/** Bad command-line usage (exit 4: bad input, nothing touched). */
export class UsageError extends CascadeError {
  override name = 'UsageError';
}

/** Preflight refused: cluster unreachable, release locked or stuck, stale plan (exit 5). */
export class PreflightError extends CascadeError {
  override name = 'PreflightError';
}

/** A health gate failed during apply (exit 3). */
export class GateFailedError extends CascadeError {
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

/** Result codes that are not failures: plan --detailed-exitcode / drift found. */
export const EXIT_CHANGES = 2;

export function exitCodeOf(err: unknown): number {
  if (err instanceof ConfigError || err instanceof UsageError) return 4;
  if (err instanceof PreflightError) return 5;
  if (err instanceof GateFailedError) return 3;
  if (err instanceof InterruptedError) return err.signal === 'SIGINT' ? 130 : 143;
  return 1;
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
  constructor(message: string, lock: string, holder: string, since: string | undefined) {
    super(message);
    this.lock = lock;
    this.holder = holder;
    this.since = since;
  }
}
