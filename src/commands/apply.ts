// helm-cascade apply: flags -> ApplyRequest -> run/apply.ts -> reports. Owns
// the I/O edges of a run: the listr2 tree on a TTY (plain timestamped lines
// otherwise, or with CI set), the approval prompt, SIGINT/SIGTERM, and the
// JSON/JUnit reports.
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Outcome } from '../errors.ts';
import { summaryLine } from '../plan/assemble.ts';
import type { Plan } from '../plan/types.ts';
import { renderPlanText } from '../report/plan-text.ts';
import { runJson, runJunit, runText } from '../report/run-report.ts';
import { startListrView } from '../report/run-listr.ts';
import type { ListrRunView } from '../report/run-listr.ts';
import { formatRunEvent } from '../report/run-text.ts';
import { applyRepo } from '../run/apply.ts';
import type { ApplyIo, ApplyRequest } from '../run/apply.ts';
import type { RunEvent } from '../run/execute.ts';
import { parseShard } from '../run/shard.ts';
import type { Shard } from '../run/shard.ts';
import type { RunResult } from '../run/types.ts';
import { checkWaveFlag, withContext } from './context.ts';
import type { CommandResult } from './io.ts';
import { note } from './io.ts';
import { trapSignals } from './signals.ts';
import { cacheFlags, renderConcurrency, runConcurrency } from './options.ts';
import type { ApplyOptions } from './options.ts';

async function askYes(changes: number): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`Apply ${changes} change(s)? Only "yes" is accepted: `);
  rl.close();
  return answer.trim() === 'yes';
}

function outcomeOf(r: RunResult, signal: 'SIGINT' | 'SIGTERM' | undefined): Outcome {
  if (signal) return signal === 'SIGINT' ? 'sigint' : 'sigterm';
  switch (r.outcome) {
    case 'succeeded':
      return 'success';
    case 'gate-failed':
      return 'gate-failed';
    case 'lock-refused':
      return 'refused';
    case 'interrupted':
      return 'sigterm';
    case 'helm-failed':
      return 'failed';
  }
}

const VERDICT: Partial<Record<Outcome, (r: RunResult) => string>> = {
  'gate-failed': (r) => `health gate failed in wave "${r.failedWave}" (see above)`,
  refused: () => 'another run holds a lock (see above); nothing more was changed',
  failed: (r) => `helm failed in wave "${r.failedWave}" (see above)`,
};

function request(o: ApplyOptions, wave: string | undefined, shard: Shard | undefined): ApplyRequest {
  return {
    plan: { selector: o.selector, ...(wave !== undefined ? { wave } : {}), valueFlags: o.valueFlags, prune: o.prune, liveDrift: o.liveDrift, concurrency: renderConcurrency(o), ...cacheFlags(o) },
    dryRun: o.dryRun,
    planFile: o.planFile,
    fromWave: o.fromWave,
    ...(shard ? { shard } : {}),
    recover: o.recover,
    yes: o.yes,
    concurrency: runConcurrency(o),
    lockTimeoutMs: o.lockTimeoutMs,
  };
}

export async function run(o: ApplyOptions): Promise<CommandResult> {
  const shard = parseShard(o.shard, o.wave); // a bad --shard: exit 4 before anything is read
  return withContext(o, async (ctx) => {
    const wave = checkWaveFlag(ctx.repo, 'wave', o.wave);
    checkWaveFlag(ctx.repo, 'from-wave', o.fromWave);
    const signals = trapSignals('rolling back the wave and releasing locks');
    const live = o.output === 'json' ? process.stderr : process.stdout;
    let view: ListrRunView | undefined;
    const io: ApplyIo = {
      emit: (e: RunEvent) => {
        if (view) return view.emit(e);
        const line = formatRunEvent(e, new Date());
        if (line) live.write(`${line}\n`);
      },
      say: note,
      showPlan: (p: Plan) => process.stdout.write(renderPlanText(p, { color: o.color, explain: false })),
      confirm: process.stdin.isTTY === true ? askYes : undefined,
      started: (p: Plan) => {
        if (process.stdout.isTTY === true && o.output === 'text' && !process.env.CI) view = startListrView(p);
        else live.write(`${summaryLine(p.summary)}${o.dryRun ? ' (dry-run)' : ''}\n`);
      },
      signal: signals.signal,
    };
    let ran;
    try {
      ran = await applyRepo(ctx, request(o, wave, shard), io);
    } finally {
      await view?.close();
      signals.off();
    }
    if (ran.kind === 'cancelled') return { outcome: 'success', output: 'Apply cancelled; nothing was changed.\n' };
    const { result, gateResults } = ran;
    const signal = signals.which();
    if (signal) result.signal = signal;
    if (o.junit) writeFileSync(o.junit, runJunit(result, gateResults));
    const outcome = outcomeOf(result, signal);
    const verdict = VERDICT[outcome]?.(result);
    if (verdict) note(`helm-cascade: ${verdict}`);
    return { outcome, output: o.output === 'json' ? runJson(result, gateResults) : runText(result, gateResults) };
  });
}
