// The run log: append-only JSON Lines, one event a line, each written to its
// file before the run goes on (a synchronous write: a run killed with SIGKILL
// leaves a log readable up to its last event). Every line passes through the
// redactor first, and the run keeps exactly what it wrote, so a report made
// during the run and one made from the file say the same.
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.ts';
import { shown } from '../redact.ts';
import type { EventBody, RunEvent, RunHeader } from './events.ts';

/** Where a run's log goes without --log: `.helm-cascade/runs/RUN_ID.jsonl` under the deploy repository's root. */
export function defaultLogFile(root: string, runId: string): string {
  return join(root, '.helm-cascade', 'runs', `${runId}.jsonl`);
}

export class RunLog {
  readonly events: RunEvent[] = [];
  readonly runId: string;
  readonly #write: (line: string) => void;
  readonly #watch: (e: RunEvent) => void;
  readonly #now: () => Date;

  constructor(runId: string, o: { write: (line: string) => void; watch?: (e: RunEvent) => void; now?: () => Date }) {
    this.runId = runId;
    this.#write = o.write;
    this.#watch = o.watch ?? (() => undefined);
    this.#now = o.now ?? (() => new Date());
  }

  /** Stamps, redacts and writes one event; returns it as written. */
  append(body: EventBody): RunEvent {
    const line = shown(JSON.stringify({ run: this.runId, at: this.#now().toISOString(), seq: this.events.length, ...body }));
    this.#write(`${line}\n`);
    const e = JSON.parse(line) as RunEvent;
    this.events.push(e);
    this.#watch(e);
    return e;
  }
}

export interface RunLogFile {
  log: RunLog;
  file: string;
  close(): void;
}

/** Opens (creates) the log file and writes its header; a file that cannot be written is bad input (exit 4), said before anything changes. */
export function openRunLog(file: string, runId: string, header: Omit<RunHeader, 'event'>, watch?: (e: RunEvent) => void): RunLogFile {
  let fd: number;
  try {
    mkdirSync(dirname(file), { recursive: true });
    fd = openSync(file, 'a', 0o600);
  } catch (err) {
    throw new UsageError(`run log ${file}: cannot write it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); nothing was changed`, { hint: 'point --log at a writable file' });
  }
  const log = new RunLog(runId, { write: (line) => void writeSync(fd, line), ...(watch ? { watch } : {}) });
  log.append({ event: 'run-start', ...header });
  return { log, file, close: () => closeSync(fd) };
}

/** A log's events; a line that is not an event (a write cut short by SIGKILL) ends it. */
function parseRunLog(text: string, file: string): { events: RunEvent[]; truncated: boolean } {
  const events: RunEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l.trim()) continue;
    let e: RunEvent;
    try {
      e = JSON.parse(l) as RunEvent;
    } catch {
      if (i >= lines.length - 2) return { events, truncated: true }; // the last line, half written
      throw new UsageError(`${file}:${i + 1}: not a run log line (not JSON): ${l.slice(0, 80)}`);
    }
    if (typeof e !== 'object' || e === null || typeof e.event !== 'string' || typeof e.run !== 'string') throw new UsageError(`${file}:${i + 1}: not a run log event (no "event" or "run")`);
    events.push(e);
  }
  if (events[0]?.event !== 'run-start') throw new UsageError(`${file}:1: not a helm-cascade run log (its first event is not run-start)`);
  return { events, truncated: false };
}

export function readRunLog(file: string): { events: RunEvent[]; truncated: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: cannot read the run log (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseRunLog(text, file);
}
