// What both routers offer the run, plan and drift: read the live weights,
// set some tracks' weights (the others stay as they are) and read them back.
// Changes to one router (an HTTPRoute, a router release on a cluster) are
// serialised: two tracks of one wave walk their steps at the same time, and
// two helm upgrades of one release, or two applies of one object from the
// same state, must not cross.
import { fmtDuration } from '../health/evaluate.ts';
import type { RouterRef, TrackTraffic, TrafficMove } from './plan.ts';

/** One live weight of a track: a rule of an HTTPRoute, or a value of a router release. */
export interface WeightReading {
  track: string;
  /** undefined: the router does not say (no such backendRef, the value not set). */
  weight: number | undefined;
  /** "HTTPRoute accounts/account-service rule 2", "release edge/haproxy value backends.free.weight". */
  where: string;
}

export interface Router {
  /** "HTTPRoute accounts/account-service on onprem-paris". */
  readonly name: string;
  read(): Promise<WeightReading[]>;
  /** Sets these tracks' weights (stable takes the rest), leaves every other one as it is, and returns the weights read back. */
  set(weights: Readonly<Record<string, number>>): Promise<WeightReading[]>;
}

/** The router's identity: one queue per HTTPRoute or router release per cluster. */
export function routerKey(r: RouterRef): string {
  return r.kind === 'gateway-api' ? `${r.cluster}/httproute/${r.route.namespace}/${r.route.name}` : `${r.cluster}/release/${r.namespace}/${r.helmName}`;
}

/** How a router is named in messages. */
export function routerName(r: RouterRef): string {
  return r.kind === 'gateway-api' ? `HTTPRoute ${r.route.namespace}/${r.route.name} on ${r.cluster}` : `router release ${r.namespace}/${r.helmName} on ${r.cluster}`;
}

/** Runs the tasks given for one key one after the other, in the order given. */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}

/** The queue of this process: every router made with the default shares it. */
export const routerQueue = new KeyedQueue();

/** One move as plan shows it: "0", "1 (hold 2m, analysis)". */
function moveText(m: TrafficMove): string {
  if (m.kind === 'set-weight') return String(m.weight);
  return `hold ${fmtDuration(m.pauseMs)}${m.analysis ? ', analysis' : ''}`;
}

/**
 * plan's line for a track's weight moves, with the live weight when known:
 * "weight free on onprem-paris (HTTPRoute accounts/a on onprem-paris): 5 -> 0 before the upgrade; after the gate: 1, hold 2m, analysis -> 5; 0 if a step fails".
 */
export function describeTrackTraffic(t: TrackTraffic, live?: number): string {
  const from = live === undefined ? '' : `${live} -> `;
  const walk = t.after.length ? t.after.map(moveText).join(' -> ') : 'stays 0';
  return `weight ${t.track} on ${t.cluster} (${routerName(t.router)}): ${from}0 before the upgrade; after the gate: ${walk}; 0 if a step fails`;
}
