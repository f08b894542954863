// `apply --plan FILE` and traffic: the saved plan carries the weight moves of
// every canary track it changes (`traffic`, written by `plan --out`); apply
// refuses (exit 5) when the moves it would make now are not those reviewed
// (a step, a pause, the analysis or the router changed since).
import { readFileSync } from 'node:fs';
import { PreflightError } from '../errors.ts';
import { unitId } from '../model/identity.ts';
import { planUnits } from '../plan/assemble.ts';
import type { Plan } from '../plan/types.ts';
import type { TrackTraffic } from '../traffic/plan.ts';

/** What moved between the saved moves and the fresh ones, one line each, for the units this run applies. */
export function trafficMoved(saved: readonly TrackTraffic[] | undefined, fresh: ReadonlyMap<string, TrackTraffic>, plan: Plan): string[] {
  const inRun = new Set(planUnits(plan).map(unitId));
  const before = new Map((saved ?? []).filter((t) => inRun.has(t.unit)).map((t) => [t.unit, t]));
  const out: string[] = [];
  for (const [id, t] of fresh) {
    const was = before.get(id);
    if (!was) out.push(`${id}: weight moves not in the saved plan`);
    else if (JSON.stringify(was) !== JSON.stringify(t)) out.push(`${id}: the weight moves changed since the plan was saved`);
  }
  for (const id of before.keys()) if (!fresh.has(id)) out.push(`${id}: the saved plan moves weights, this run would not`);
  return out;
}

/** Refuses a saved plan whose weight moves are not the ones this run would make. */
export function checkSavedTraffic(file: string, fresh: ReadonlyMap<string, TrackTraffic>, plan: Plan): void {
  const saved = (JSON.parse(readFileSync(file, 'utf8')) as { traffic?: TrackTraffic[] }).traffic;
  const moved = trafficMoved(saved, fresh, plan);
  if (moved.length) throw new PreflightError(`the saved plan ${file} is stale:\n  ${moved.join('\n  ')}`, { hint: `make a new one with \`helm-cascade plan --out ${file}\`` });
}
