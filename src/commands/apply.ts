// helm-cascade apply: flags -> the context's request and an ApplyRequest
// (once) -> the context (context/command-context.ts) -> run/apply.ts, which
// writes the run log; every report is read from that log: the live lines (or
// the listr2 tree on a TTY, CI unset), the closing text or JSON, JUnit, and
// the exit outcome. Owns the I/O edges: the approval prompt, SIGINT/SIGTERM.
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { summaryLine } from '../plan/assemble.ts';
import { planSummary } from '../run/steps.ts';
import type { Plan } from '../plan/types.ts';
import { shown } from '../redact.ts';
import { renderPlanText } from '../report/plan-text.ts';
import { startListrView } from '../report/run-listr.ts';
import type { ListrRunView } from '../report/run-listr.ts';
import { runExit, runJson, runJunit, runText } from '../report/run-report.ts';
import { RunLines } from '../report/run-text.ts';
import { runView } from '../report/run-view.ts';
import { applyRepo } from '../run/apply.ts';
import type { ApplyIo, ApplyRequest } from '../run/apply.ts';
import type { RunEvent } from '../run/events.ts';
import { withContext } from '../context/command-context.ts';
import { contextRequest } from './context.ts';
import type { CommandResult } from './io.ts';
import { note } from './io.ts';
import { cacheFlags, renderConcurrency, runConcurrency } from './options.ts';
import type { ApplyOptions } from './options.ts';
import { trapSignals } from './signals.ts';

async function askYes(changes: number): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(`Apply ${changes} change(s)? Only "yes" is accepted: `);
  rl.close();
  return answer.trim() === 'yes';
}

/** The flags as a plain request, once (--shard was parsed with the flags: exit 4 before anything is read). */
function request(o: ApplyOptions): ApplyRequest {
  return {
    plan: { selector: o.selector, ...(o.wave !== undefined ? { wave: o.wave } : {}), valueFlags: o.valueFlags, prune: o.prune, liveDrift: o.liveDrift, concurrency: renderConcurrency(o), ...cacheFlags(o) },
    dryRun: o.dryRun,
    planFile: o.planFile,
    fromWave: o.fromWave,
    shard: o.shard,
    recover: o.recover,
    yes: o.yes,
    concurrency: runConcurrency(o),
    lockTimeoutMs: o.lockTimeoutMs,
    logFile: o.logFile,
  };
}

/** Where the run's events go as they are written: the listr2 tree on a developer's terminal, else timestamped lines. */
function liveView(o: ApplyOptions): { watch: (e: RunEvent) => void; close: () => Promise<void> } {
  const out = o.output === 'json' ? process.stderr : process.stdout;
  const lines = new RunLines();
  let tree: ListrRunView | undefined;
  return {
    watch(e) {
      if (e.event === 'run-start' && process.stdout.isTTY === true && o.output === 'text' && !process.env.CI) tree = startListrView(e);
      if (tree) return tree.watch(e);
      if (e.event === 'run-start') out.write(`${summaryLine(planSummary(e.plan))}${o.dryRun ? ' (dry-run)' : ''}\n`);
      const line = lines.line(e);
      if (line) out.write(`${shown(line)}\n`);
    },
    close: async () => tree?.close(),
  };
}

export async function run(o: ApplyOptions): Promise<CommandResult> {
  const opening = contextRequest(o);
  const req = request(o);
  const view = liveView(o);
  const signals = trapSignals('rolling back the wave and releasing locks');
  const io: ApplyIo = {
    say: note,
    showPlan: (p: Plan) => process.stdout.write(renderPlanText(p, { color: o.color, explain: false })),
    confirm: process.stdin.isTTY === true ? askYes : undefined,
    watch: view.watch,
    signal: signals.signal,
  };
  let ran;
  try {
    ran = await withContext(opening, (ctx) => applyRepo(ctx, req, io));
  } finally {
    await view.close();
    signals.off();
  }
  if (ran.kind === 'cancelled') return { outcome: 'success', output: 'Apply cancelled; nothing was changed.\n' };
  const report = runView([{ events: ran.events }]);
  if (o.junit) writeFileSync(o.junit, runJunit(report));
  const exit = runExit(report);
  if (exit.verdict) note(`helm-cascade: ${exit.verdict}`);
  return { outcome: exit.outcome, output: o.output === 'json' ? runJson(report, { log: ran.logFile }) : runText(report) };
}
