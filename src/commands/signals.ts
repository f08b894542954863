// SIGINT/SIGTERM for the commands that change clusters (apply, rollback): the
// first signal aborts once (its name is the abort reason); nothing new starts,
// in-flight helm calls finish (a killed helm leaves a release pending-*), the
// run lock is released, then the command exits 130/143.
import { note } from './io.ts';

/** SIGINT/SIGTERM abort the run once: nothing new starts, in-flight helm calls finish, the wave is put back. */
export function trapSignals(what: string): { signal: AbortSignal; which: () => 'SIGINT' | 'SIGTERM' | undefined; off: () => void } {
  const abort = new AbortController();
  let which: 'SIGINT' | 'SIGTERM' | undefined;
  const on = (s: 'SIGINT' | 'SIGTERM') => () => {
    if (which) return; // a second signal changes nothing: in-flight helm calls must finish
    which = s;
    note(`\n${s}: starting nothing new; letting in-flight helm calls finish, then ${what}`);
    abort.abort(s); // the reason names the signal (run-lock.ts stops a --lock-timeout wait with it)
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return { signal: abort.signal, which: () => which, off: () => (process.off('SIGINT', onInt), process.off('SIGTERM', onTerm)) };
}

