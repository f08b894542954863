// Health as gitops-engine models it: a status from a fixed order plus a
// message a person can act on. `worst()` folds many results into one.

export type HealthStatusCode = 'Healthy' | 'Suspended' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown';

/** Best first: Healthy < Suspended < Progressing < Missing < Degraded < Unknown. */
const HEALTH_ORDER: readonly HealthStatusCode[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

export interface HealthResult {
  status: HealthStatusCode;
  message: string;
}

function healthRank(status: HealthStatusCode): number {
  return HEALTH_ORDER.indexOf(status);
}

/** True when `a` is worse than `b`. */
function isWorse(a: HealthStatusCode, b: HealthStatusCode): boolean {
  return healthRank(a) > healthRank(b);
}

/**
 * The worst of several results; ties keep the first one's message. With no
 * results at all: Healthy (nothing to wait for).
 */
export function worst(results: readonly HealthResult[]): HealthResult {
  let out: HealthResult | undefined;
  for (const r of results) if (out === undefined || isWorse(r.status, out.status)) out = r;
  return out ?? { status: 'Healthy', message: '' };
}

export const healthy = (message = ''): HealthResult => ({ status: 'Healthy', message });
export const progressing = (message: string): HealthResult => ({ status: 'Progressing', message });
export const degraded = (message: string): HealthResult => ({ status: 'Degraded', message });
export const suspended = (message: string): HealthResult => ({ status: 'Suspended', message });
export const missing = (message: string): HealthResult => ({ status: 'Missing', message });
