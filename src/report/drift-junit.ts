// drift -> JUnit: one suite per cluster, one test case per release, failing when it drifted.
import type { DriftReport, DriftUnit } from '../drift/types.ts';
import { writeJunit } from './junit.ts';
import type { JunitCase, JunitSuite } from './junit.ts';
import { STATE_LABEL } from './drift-matrix.ts';

function caseOf(u: DriftUnit): JunitCase {
  const c: JunitCase = { name: `${u.namespace}/${u.helmName}`, classname: `drift.${u.cluster}`, time: 0 };
  if (u.state === 'clean') {
    if (u.deployed) c.systemOut = `revision ${u.deployed.revision}, chart ${u.deployed.chartName}-${u.deployed.chartVersion}, ${u.deployed.status}`;
    return c;
  }
  const body = u.findings.flatMap((f) => [`[${f.kind}] ${f.summary}`, ...f.details.map((d) => `    ${d}`)]).join('\n');
  const message = u.findings.map((f) => `${STATE_LABEL[f.kind]}: ${f.summary}`).join('; ');
  if (u.state === 'unreadable') c.error = { message, type: 'unreadable', body };
  else c.failure = { message, type: u.state, body };
  return c;
}

export function renderDriftJunit(report: DriftReport): string {
  const suites: JunitSuite[] = report.clusters.map((cl) => {
    const cases = report.units.filter((u) => u.cluster === cl.name).map(caseOf);
    if (!cl.readable && cases.length === 0) cases.push({ name: `cluster ${cl.name}`, classname: `drift.${cl.name}`, error: { message: `cluster ${cl.name} could not be read: ${cl.error ?? ''}`, type: 'unreadable' } });
    return { name: `drift ${cl.name}`, timestamp: report.createdAt, cases, properties: { cluster: cl.name, exitCode: String(report.outcome.exitCode) } };
  });
  return writeJunit(suites);
}
