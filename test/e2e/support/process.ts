// A server the test starts in the background (Prometheus, HAProxy): its
// output kept for the error message, stopped with SIGTERM and waited for,
// then its files removed.
import { execa } from 'execa';

export interface Background {
  pid: number;
  exited(): boolean;
  /** Stops it (SIGTERM, waited for), runs the cleanup, and returns everything it printed. */
  stop(): Promise<string>;
}

export function background(bin: string, args: string[], cleanup: () => void): Background {
  const proc = execa(bin, args, { reject: false, all: true, buffer: true });
  let exited = false;
  void proc.then(() => (exited = true));
  return {
    pid: proc.pid ?? 0,
    exited: () => exited,
    stop: async () => {
      proc.kill('SIGTERM');
      const r = await proc;
      cleanup();
      return String(r.all);
    },
  };
}
