// Job health, after gitops-engine's health_job.go: Complete is Healthy,
// Failed is Degraded, a suspended Job is Suspended, anything else runs.
import type { Job } from '../model/live-views.ts';
import { conditionOf, staleAgainstBaseline } from './baseline.ts';
import type { AssessContext } from './baseline.ts';
import { degraded, healthy, progressing, suspended } from './status.ts';
import type { HealthResult } from './status.ts';

export function assessJob(j: Job, ctx?: AssessContext): HealthResult {
  const name = j.metadata.name;
  const stale = staleAgainstBaseline(j, ctx);
  if (stale) return stale;
  const failed = conditionOf(j, 'Failed');
  if (failed?.status === 'True') return degraded(`Job ${name} failed${failed.reason ? ` (${failed.reason})` : ''}${failed.message ? `: ${failed.message}` : ''}`);
  const complete = conditionOf(j, 'Complete');
  if (complete?.status === 'True') return healthy(`Job ${name} completed`);
  if (j.spec.suspend === true) return suspended(`Job ${name} is suspended`);
  const st = j.status;
  return progressing(`Job ${name} is running: ${st.active ?? 0} active, ${st.succeeded ?? 0} succeeded, ${st.failed ?? 0} failed`);
}
