// How a drift run ends, decided in one place (pure): from what the report
// found and from what became of its deliveries (the webhook, the
// Pushgateway). The command delivers first, decides once, then writes every
// report with that outcome; its exit code is the same number (errors.ts).
import { EXIT_CODES } from '../errors.ts';
import type { Outcome } from '../errors.ts';
import type { Delivery, DriftOutcome, DriftReport } from './types.ts';

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function decide(report: Omit<DriftReport, 'outcome' | 'deliveries'>, failed: readonly Delivery[]): { result: Outcome; why: string } {
  const unreadable = report.clusters.filter((c) => !c.readable).map((c) => c.name);
  // a cluster that could not be read: drift is not known there (refused, exit 5), whatever else was found
  if (unreadable.length) return { result: 'refused', why: `${plural(unreadable.length, 'cluster')} could not be read: ${unreadable.join(', ')}` };
  if (report.summary.drifted > 0) return { result: 'changes', why: `drift found in ${plural(report.summary.drifted, 'release')}` };
  const undelivered = failed.map((d) => `${d.what} ${d.to} failed: ${d.error ?? ''}`);
  // nothing drifted, but the repository could not be compared: drift was not fully checked
  if (!report.pendingChecked && report.clusters.length > 0) return { result: 'failed', why: ['the repository could not be rendered, so pending changes were not checked', ...undelivered].join('; ') };
  if (undelivered.length) return { result: 'failed', why: `no drift, but ${undelivered.join('; ')}` };
  return { result: 'success', why: 'no drift' };
}

/** The outcome of a drift run: what was found, then whether its deliveries went through (a refused one makes a clean run exit 1). */
export function driftOutcome(report: Omit<DriftReport, 'outcome' | 'deliveries'>, deliveries: readonly Delivery[] = []): DriftOutcome {
  const { result, why } = decide(report, deliveries.filter((d) => !d.ok));
  return { result, exitCode: EXIT_CODES[result], why };
}

/** The report with its deliveries and the outcome they settle: what every format writes. */
export function settleDrift(report: DriftReport, deliveries: readonly Delivery[]): DriftReport {
  const all = [...report.deliveries, ...deliveries];
  return { ...report, deliveries: all, outcome: driftOutcome(report, all) };
}
