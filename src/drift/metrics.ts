// drift -> Prometheus metrics (prom-client): one series per (release, track,
// cluster) per state, so dashboards and alerts read drift like any exporter;
// plus the counts per state, the clusters read, and the run's timestamp.
// Written as a textfile for node-exporter (report/drift-prometheus.ts) or
// pushed to a Pushgateway (PUT: the run's group is replaced, so a release that
// is gone from the repository disappears from it too).
import { Gauge, Pushgateway, Registry } from 'prom-client';
import { DRIFT_SEVERITY } from './types.ts';
import type { DriftReport, DriftUnit } from './types.ts';

const RELEASE_LABELS = ['cluster', 'namespace', 'release', 'track', 'helm_release'] as const;

function releaseLabels(u: DriftUnit): Record<(typeof RELEASE_LABELS)[number], string> {
  return { cluster: u.cluster, namespace: u.namespace, release: u.release, track: u.track ?? '', helm_release: u.helmName };
}

/** Pods drift found in trouble in a unit (its unhealthy finding). */
const unhealthyPods = (u: DriftUnit) => u.findings.reduce((n, f) => n + (f.health?.pods.length ?? 0), 0);

/** A fresh registry holding the report's metrics (no process or default metrics). */
function driftRegistry(report: DriftReport): Registry {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const state = gauge('helm_cascade_release_state', 'Drift state of each helm release helm-cascade judged: 1 for its state (the worst of its findings, clean when none), 0 for the other states.', [...RELEASE_LABELS, 'state']);
  const pods = gauge('helm_cascade_release_unhealthy_pods', 'Pods of the release drift found unhealthy (crash loop, recent restarts, not Ready...).', RELEASE_LABELS);
  const counts = gauge('helm_cascade_releases', 'Helm releases judged by the last drift run, by state.', ['state']);
  const clusters = gauge('helm_cascade_cluster_readable', 'Whether drift could read the cluster (1) or not (0).', ['cluster']);
  const lastRun = gauge('helm_cascade_drift_last_run_timestamp_seconds', 'When the last drift run judged the clusters (seconds since the epoch).', []);
  for (const u of report.units) {
    for (const s of DRIFT_SEVERITY) state.set({ ...releaseLabels(u), state: s }, u.state === s ? 1 : 0);
    if (u.known) pods.set(releaseLabels(u), unhealthyPods(u));
  }
  for (const s of DRIFT_SEVERITY) counts.set({ state: s }, report.units.filter((u) => u.state === s).length);
  for (const c of report.clusters) clusters.set({ cluster: c.name }, c.readable ? 1 : 0);
  lastRun.set(Date.parse(report.createdAt) / 1000);
  return registry;
}

/** The Prometheus text exposition format of the report. */
export function driftMetricsText(report: DriftReport): Promise<string> {
  return driftRegistry(report).metrics();
}

/** The job name under which drift pushes (the Pushgateway's `job` label). */
const PUSH_JOB = 'helm_cascade_drift';

/**
 * PUTs the report's metrics to a Pushgateway, in the group job=helm_cascade_drift
 * plus `groupings` (e.g. the deploy repository's name); throws with the status
 * and the start of the answer when the gateway refuses them.
 */
export async function pushDriftMetrics(url: string, report: DriftReport, groupings: Record<string, string>, timeoutMs = 15_000): Promise<void> {
  const registry = driftRegistry(report);
  const gateway = new Pushgateway(url, { timeout: timeoutMs, headers: { 'Content-Type': registry.contentType } }, registry);
  await gateway.push({ jobName: PUSH_JOB, groupings });
}
