// An HTTPRoute's weights (pure): which backendRefs stand for which track,
// their live weights rule by rule, the rules with some tracks' weights
// changed (stable takes the rest of each rule, so a rule adds up to 100),
// and what validate --online refuses in a route. Nothing but `weight` fields
// ever differs between the rules given and the rules returned.
import type { RouterRef } from './plan.ts';
import type { WeightReading } from './router.ts';

interface BackendRef {
  name?: string;
  namespace?: string;
  group?: string;
  kind?: string;
  port?: number;
  weight?: number;
  [key: string]: unknown;
}

export interface RouteRule {
  backendRefs?: BackendRef[];
  [key: string]: unknown;
}

/** The parts of an HTTPRoute (gateway.networking.k8s.io/v1) the router reads. */
export interface HttpRoute {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: { rules?: RouteRule[]; [key: string]: unknown };
}

type GatewayRef = Extract<RouterRef, { kind: 'gateway-api' }>;

/** Gateway API: a backendRef without a weight weighs 1. */
const weightOf = (b: BackendRef): number => (typeof b.weight === 'number' ? b.weight : 1);

/** A backendRef naming a Service of the route's own namespace. */
function isService(b: BackendRef, name: string, routeNamespace: string): boolean {
  return b.name === name && (b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '' && (b.namespace ?? routeNamespace) === routeNamespace;
}

const where = (r: GatewayRef, i: number) => `HTTPRoute ${r.route.namespace}/${r.route.name} rule ${i + 1}`;

/** The track a backendRef stands for (a canary track, or the stable one as `stable`). */
function trackOf(b: BackendRef, r: GatewayRef): string | undefined {
  if (isService(b, r.stableService, r.route.namespace)) return 'stable';
  return Object.keys(r.services).find((t) => isService(b, r.services[t]!, r.route.namespace));
}

/** Every live weight of every canary track, rule by rule; a track no rule names reads undefined. */
export function routeWeights(route: HttpRoute, r: GatewayRef): WeightReading[] {
  const out: WeightReading[] = [];
  (route.spec?.rules ?? []).forEach((rule, i) => {
    for (const b of rule.backendRefs ?? []) {
      const track = trackOf(b, r);
      if (track !== undefined && track !== 'stable') out.push({ track, weight: weightOf(b), where: where(r, i) });
    }
  });
  for (const track of Object.keys(r.services)) {
    if (!out.some((w) => w.track === track)) out.push({ track, weight: undefined, where: `HTTPRoute ${r.route.namespace}/${r.route.name} (no backendRef names Service ${r.services[track]})` });
  }
  return out;
}

/**
 * The rules with the given tracks' weights set, and in each rule that holds
 * one of them, the stable backendRef's weight set to 100 minus the rule's
 * other weights. Throws when a track has no backendRef in any rule (a move
 * that would change nothing), when such a rule has no stable backendRef, or
 * its other weights would pass 100.
 */
export function withWeights(rules: readonly RouteRule[], r: GatewayRef, weights: Readonly<Record<string, number>>): RouteRule[] {
  for (const track of Object.keys(weights)) {
    const service = r.services[track];
    if (service === undefined || !rules.some((rule) => (rule.backendRefs ?? []).some((b) => isService(b, service, r.route.namespace)))) {
      throw new Error(`HTTPRoute ${r.route.namespace}/${r.route.name}: no rule has a backendRef for track ${track}${service ? ` (Service ${service})` : ''}; its weight cannot move`);
    }
  }
  return rules.map((rule, i) => {
    const refs = rule.backendRefs ?? [];
    const tracks = refs.map((b) => trackOf(b, r));
    if (!tracks.some((t) => t !== undefined && t !== 'stable' && t in weights)) return rule;
    const next = refs.map((b, j) => {
      const t = tracks[j];
      return t !== undefined && t in weights ? { ...b, weight: weights[t]! } : b;
    });
    const stable = tracks.indexOf('stable');
    if (stable < 0) throw new Error(`${where(r, i)} has no backendRef for the stable Service ${r.stableService}: the traffic a track gives up would have nowhere to go`);
    const others = next.reduce((sum, b, j) => (j === stable ? sum : sum + weightOf(b)), 0);
    if (others > 100) throw new Error(`${where(r, i)}: the weights besides the stable Service's would add up to ${others}, over 100`);
    next[stable] = { ...next[stable]!, weight: 100 - others };
    return { ...rule, backendRefs: next };
  });
}

/**
 * What validate --online refuses in a route: a canary track no rule names,
 * the stable track missing from a rule with a canary in it, a rule whose
 * live weights do not add up to 100, final weights of one rule over 100.
 */
export function routeProblems(route: HttpRoute, r: GatewayRef, finals: Readonly<Record<string, number>>): string[] {
  const problems: string[] = [];
  const rules = route.spec?.rules ?? [];
  for (const [track, service] of Object.entries(r.services)) {
    if (!rules.some((rule) => (rule.backendRefs ?? []).some((b) => isService(b, service, r.route.namespace)))) problems.push(`HTTPRoute ${r.route.namespace}/${r.route.name}: no rule has a backendRef for track ${track} (Service ${service})`);
  }
  rules.forEach((rule, i) => {
    const refs = rule.backendRefs ?? [];
    const tracks = refs.map((b) => trackOf(b, r));
    const canaries = tracks.filter((t): t is string => t !== undefined && t !== 'stable');
    if (!canaries.length) return;
    if (!tracks.includes('stable')) problems.push(`${where(r, i)} has backendRefs for ${canaries.join(', ')} but none for the stable Service ${r.stableService}`);
    const sum = refs.reduce((s, b) => s + weightOf(b), 0);
    if (sum !== 100) problems.push(`${where(r, i)}: the weights add up to ${sum}, not 100 (${refs.map((b) => `${b.name}=${weightOf(b)}`).join(', ')})`);
    const final = canaries.reduce((s, t) => s + (finals[t] ?? 0), 0);
    if (final > 100) problems.push(`${where(r, i)}: the final weights of ${canaries.join(', ')} add up to ${final}, over 100`);
  });
  return problems;
}
