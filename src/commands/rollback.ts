// helm-cascade rollback: flags -> the selected units of each wave ->
// run/rollback.ts, a run of its own with its own run log. Prints one line per
// release put back, as the log says it happened.
import { checkContexts } from '../kube/kubeconfig.ts';
import { matchesUnit } from '../model/selectors.ts';
import { expandUnits } from '../model/units.ts';
import { assignWaves } from '../model/waves.ts';
import type { Outcome } from '../errors.ts';
import { describeOutcome } from '../report/run-text.ts';
import { RunFold, runView } from '../report/run-view.ts';
import type { RunEvent } from '../run/events.ts';
import { rollbackRepo } from '../run/rollback.ts';
import { withContext } from '../context/command-context.ts';
import { contextRequest } from './context.ts';
import type { CommandResult } from './io.ts';
import { note } from './io.ts';
import { runConcurrency } from './options.ts';
import type { RollbackOptions } from './options.ts';
import { trapSignals } from './signals.ts';

/** One line per release put back (or that failed to be), as its unit ends on the log. */
function lines(): (e: RunEvent) => void {
  let fold: RunFold | undefined;
  return (e) => {
    if (e.event === 'run-start') fold = new RunFold(e);
    else fold?.add(e);
    const u = e.event === 'unit-end' ? fold?.units.get(e.unit) : undefined;
    if (u) process.stdout.write(`${u.id} [${u.wave}]: ${describeOutcome(u)}\n`);
  };
}

const EXIT: Record<string, Outcome> = { succeeded: 'success', 'lock-refused': 'refused', interrupted: 'sigterm', 'gate-failed': 'failed', 'helm-failed': 'failed', unfinished: 'failed' };

export async function run(o: RollbackOptions): Promise<CommandResult> {
  return withContext(contextRequest(o), async (ctx) => {
    const wave = o.wave; // a wave of the repository: the selection check (model/selection.ts) refused any other
    const { waves } = assignWaves(ctx.repo.config, expandUnits(ctx.repo));
    const selected = waves.filter((w) => wave === undefined || w.name === wave).map((w) => ({ name: w.name, units: w.steps.flat().filter((u) => matchesUnit(u, o.selector)) }));
    const clusters = ctx.repo.config.clusters.filter((c) => selected.some((w) => w.units.some((u) => u.cluster === c.name)));
    checkContexts(clusters, ctx.kubeconfig);
    const signals = trapSignals('releasing the locks');
    let r;
    try {
      const rctx = { helm: ctx.helm, client: ctx.client, concurrency: runConcurrency(o) };
      const req = { repo: ctx.repo.config.repoName, root: ctx.repo.config.root, clusters, lockTimeoutMs: o.lockTimeoutMs, runId: o.run, logFile: o.logFile };
      r = await rollbackRepo(rctx, req, { say: note, watch: lines(), signal: signals.signal }, selected);
    } finally {
      signals.off();
    }
    if (r.kind === 'nothing') return { outcome: signals.which() === 'SIGINT' ? 'sigint' : signals.which() ? 'sigterm' : 'success', output: 'Nothing to roll back: no selected release was last changed by a helm-cascade apply.\n' };
    note(`run log: ${r.logFile}`);
    const view = runView([{ events: r.events }]);
    const units = view.waves.flatMap((w) => w.units);
    const done = units.filter((u) => u.outcome === 'applied').length;
    const outcome: Outcome = view.cause === 'SIGINT' ? 'sigint' : view.cause === 'SIGTERM' ? 'sigterm' : (EXIT[view.outcome] ?? 'failed');
    for (const u of units.filter((x) => x.outcome === 'helm-failed' || x.outcome === 'not-started')) if (u.reason) note(`helm-cascade: ${u.id}: ${u.reason}`);
    if (outcome !== 'success') return { outcome, output: `Rollback of run ${r.undone} stopped: ${done} of ${units.length} release(s) put back.\n` };
    return { outcome, output: `Rollback of run ${r.undone}: ${done} release(s) put back.\n` };
  });
}
