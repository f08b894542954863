// The "unhealthy" finding of a deployed release, from its health now (pure):
// one line per pod in trouble (reason, message, restarts) and per object not
// Healthy (a workload short of replicas, a Service below minReadyEndpoints),
// then each pod's recent events and last log lines.
import type { UnhealthyObject } from '../health/judge.ts';
import type { DriftFinding, UnhealthyPod } from './types.ts';

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function objectLine(o: UnhealthyObject): string {
  if (o.kind === 'Service' && o.readyEndpoints !== undefined && o.minReadyEndpoints !== undefined) {
    return `Service ${o.name}: ${plural(o.readyEndpoints, 'ready endpoint')}, minReadyEndpoints ${o.minReadyEndpoints}`;
  }
  return `${o.kind} ${o.name}: ${o.message}`;
}

const podLine = (p: UnhealthyPod) => `pod ${p.name}: ${p.reason}: ${p.message} (${plural(p.restarts, 'restart')})`;

function podDetails(p: UnhealthyPod): string[] {
  const events = p.events.length > 0 ? ['  events:', ...p.events.map((e) => `    ${e}`)] : ['  events: none'];
  const logs = p.logs.includes('\n') || p.logs.startsWith('[pod/') ? ['  last log lines:', ...p.logs.split('\n').map((l) => `    ${l}`)] : [`  logs: ${p.logs}`];
  return [podLine(p), ...events, ...logs];
}

/** undefined when nothing is wrong. */
export function unhealthyFinding(pods: readonly UnhealthyPod[], objects: readonly UnhealthyObject[]): DriftFinding | undefined {
  const lines = [...pods.map(podLine), ...objects.map(objectLine)];
  if (lines.length === 0) return undefined;
  const more = lines.length > 1 ? ` (and ${lines.length - 1} more)` : '';
  return {
    kind: 'unhealthy',
    summary: `${lines[0]}${more}`,
    details: [...pods.flatMap(podDetails), ...objects.map(objectLine)],
    health: { pods: [...pods], objects: [...objects] },
  };
}
