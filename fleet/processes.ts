// Starting, recognising and stopping the fleet's processes. Each one runs in
// its own process group (detached), writes to its own log, and is stopped by
// signalling that group. A pid from the state file counts as ours only while
// /proc says it runs our binary with the fleet's directory in its argv.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from './components.ts';
import type { ProcessState } from './layout.ts';

function readArgv(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (raw === '') return undefined; // zombie or kernel thread
    return raw.replace(/\0$/, '').split('\0');
  } catch {
    return undefined;
  }
}

/** True when `proc` runs exactly `cmd` (so a changed flag or binary means a restart). */
export function runsCommand(proc: ProcessState, cmd: Command): boolean {
  const argv = readArgv(proc.pid);
  return argv !== undefined && argv.length === cmd.args.length + 1 && argv[0] === cmd.bin && cmd.args.every((a, i) => argv[i + 1] === a);
}

/** True when `proc` still runs its binary with `marker` (the fleet's directory) in its argv. */
export function isOurs(proc: ProcessState | undefined, marker: string): proc is ProcessState {
  if (!proc) return false;
  const argv = readArgv(proc.pid);
  return argv !== undefined && argv[0] === proc.bin && argv.some((a) => a.includes(marker));
}

/** Every live process running one of `bins` with `marker` in its argv (a safety net for `down`). */
export function findOurs(bins: readonly string[], marker: string): ProcessState[] {
  const found: ProcessState[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const argv = readArgv(pid);
    if (argv && argv[0] !== undefined && bins.includes(argv[0]) && argv.some((a) => a.includes(marker))) {
      found.push({ pid, bin: argv[0] });
    }
  }
  return found;
}

/** Starts `cmd` detached (own session and process group), output appended to `log`. */
export function startProcess(cmd: Command, log: string, cwd: string): ProcessState {
  if (!existsSync(cmd.bin)) throw new Error(`binary not found: ${cmd.bin}`);
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'a');
  try {
    const child = spawn(cmd.bin, cmd.args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${cmd.bin}`);
    child.on('error', () => {}); // reported through the health checks instead
    child.unref();
    return { pid: child.pid, bin: cmd.bin };
  } finally {
    closeSync(fd);
  }
}

/** The pgrp field and state letter of /proc/PID/stat (the command name may hold spaces and parentheses). */
function statOf(pid: number | string): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** Running (a zombie, exited but not yet reaped by its parent, does not count). */
export function processRunning(pid: number): boolean {
  const st = statOf(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

/** True while any member of process group `pgid` is still running. */
function groupRunning(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = statOf(entry);
    if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') return true;
  }
  return false;
}

/**
 * Stops a process we started: SIGTERM to its process group, SIGKILL after
 * `graceMs`; resolves once nothing of the group is left. Pids that are no
 * longer ours are left alone.
 */
export async function stopProcess(proc: ProcessState, marker: string, graceMs = 10_000): Promise<void> {
  if (!isOurs(proc, marker)) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid, sig); // its own group: it was started detached
    } catch {
      try {
        process.kill(proc.pid, sig);
      } catch {
        // already gone
      }
    }
  };
  const gone = () => !processRunning(proc.pid) && !groupRunning(proc.pid);
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (gone()) return;
    await sleep(100);
  }
  signal('SIGKILL');
  const hard = Date.now() + 5000;
  while (Date.now() < hard) {
    if (!processRunning(proc.pid)) return;
    await sleep(100);
  }
  throw new Error(`process ${proc.pid} (${proc.bin}) did not stop`);
}

/** Resident memory of a process in KiB (0 when gone). */
export function rssKiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** True when nothing listens on 127.0.0.1:port (we can bind it). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** `count` distinct free ports on 127.0.0.1, none of them in `avoid`. */
export async function freePorts(count: number, avoid: ReadonlySet<number> = new Set()): Promise<number[]> {
  const servers: ReturnType<typeof createServer>[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const srv = createServer();
      const port = await new Promise<number>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
          const addr = srv.address();
          resolve(typeof addr === 'object' && addr ? addr.port : 0);
        });
      });
      servers.push(srv);
      if (!avoid.has(port)) ports.push(port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
