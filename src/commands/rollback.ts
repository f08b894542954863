// helm-cascade rollback: flags -> the selected units of each wave ->
// run/rollback.ts. Prints one line per release put back.
import { checkContexts } from '../kube/kubeconfig.ts';
import { matchesUnit } from '../model/selectors.ts';
import { expandUnits } from '../model/units.ts';
import { assignWaves } from '../model/waves.ts';
import { InterruptedError } from '../errors.ts';
import { rollbackRepo } from '../run/rollback.ts';
import { checkWaveFlag, withContext } from './context.ts';
import type { CommandResult } from './io.ts';
import { note } from './io.ts';
import { runConcurrency } from './options.ts';
import type { RollbackOptions } from './options.ts';
import { trapSignals } from './signals.ts';

export async function run(o: RollbackOptions): Promise<CommandResult> {
  return withContext(o, async (ctx) => {
    const wave = checkWaveFlag(ctx.repo, 'wave', o.wave);
    const { waves } = assignWaves(ctx.repo.config, expandUnits(ctx.repo));
    const selected = waves.filter((w) => wave === undefined || w.name === wave).map((w) => ({ name: w.name, units: w.steps.flat().filter((u) => matchesUnit(u, o.selector)) }));
    const clusters = ctx.repo.config.clusters.filter((c) => selected.some((w) => w.units.some((u) => u.cluster === c.name)));
    checkContexts(clusters, ctx.kubeconfig);
    const signals = trapSignals('releasing the locks');
    let r;
    try {
      const rctx = { helm: ctx.helm, client: ctx.client, concurrency: runConcurrency(o), say: (l: string) => process.stdout.write(`${l}\n`), signal: signals.signal };
      r = await rollbackRepo(rctx, { repo: ctx.repo.config.repoName, clusters, lockTimeoutMs: o.lockTimeoutMs, runId: o.run, note }, selected);
    } finally {
      signals.off();
    }
    const signal = signals.which();
    if (signal) throw new InterruptedError(signal);
    if (!r.runId) return { outcome: 'success', output: 'Nothing to roll back: no selected release was last changed by a helm-cascade apply.\n' };
    return { outcome: 'success', output: `Rollback of run ${r.runId}: ${r.done.length} release(s) put back.\n` };
  });
}
