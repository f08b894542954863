// Every run report read from run logs alone: logs made by driving real plans
// of steps with runners that answer from memory, then folded, merged (two
// shards of one wave), cut short (a SIGKILL), and rendered as text, JSON,
// JUnit (checked against Jenkins' junit-10.xsd), Markdown and HTML (opened in
// headless Chromium: rendered, no console error, no request but itself, every
// unit there).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { redactor } from '../../../src/redact.ts';
import { runHtml } from '../../../src/report/run-html.ts';
import { runMarkdown } from '../../../src/report/run-markdown.ts';
import { runJson, runJunit, runText } from '../../../src/report/run-report.ts';
import { RunLines } from '../../../src/report/run-text.ts';
import { runView } from '../../../src/report/run-view.ts';
import { readRunLog, RunLog } from '../../../src/run/log.ts';
import type { RunEvent } from '../../../src/run/events.ts';
import { openInChromium } from '../../support/browser.ts';
import { assertValidJunit } from '../../ship/support/junit-xsd.ts';
import { plan, recorder, run, unit } from '../run/fixtures.ts';
import { tempDir } from '../../support/tmp.ts';

/** A clock that moves 250 ms per event: the timeline has room to draw. */
function clock(start: string): () => Date {
  let t = Date.parse(start);
  return () => new Date((t += 250));
}

const crash = async () => ({ result: 'failed' as const, reason: 'pod web-1 is in CrashLoopBackOff: back-off restarting <failed> container', details: { phase: 'failed', reason: 'pod web-1 is in CrashLoopBackOff', durationMs: 4100, failingPods: [{ namespace: 'ns', name: 'web-1', reason: 'CrashLoopBackOff', message: 'back-off 10s', restarts: 3, events: ['Warning BackOff: Back-off restarting failed container (x3)'], logs: '[pod/web-1/web] panic: config key "db.url" missing' }], objects: [{ kind: 'Deployment', namespace: 'ns', name: 'web', status: 'Degraded', message: '0 of 1 updated replicas are available' }], probes: [] } });

/** Two shards of wave prod: paris+europe (a failover) pass; us+amsterdam has a crashing gate and is rolled back. */
async function shards() {
  const one = plan([['prod', [[unit('paris', 'web', 'upgrade', 'prod', 0, 2), unit('paris', 'api', 'install', 'prod')], [unit('europe', 'web', 'upgrade', 'prod', 1, 2)]]]]);
  const two = plan([['prod', [[unit('us', 'web', 'upgrade', 'prod', 0, 4), unit('amsterdam', 'web', 'upgrade', 'prod', 0, 4), unit('amsterdam', 'same', 'unchanged', 'prod', 0, 1)]]]]);
  const a = await run(one, recorder().runners, { runId: 'run-a', shard: { index: 1, count: 2 }, now: clock('2026-11-22T02:00:00Z') });
  const b = await run(two, recorder({ 'us/web': crash }).runners, { runId: 'run-b', shard: { index: 2, count: 2 }, now: clock('2026-11-22T02:00:01Z') });
  return { a, b };
}

const ALL = ['paris/ns/web', 'paris/ns/api', 'europe/ns/web', 'us/ns/web', 'amsterdam/ns/web', 'amsterdam/ns/same'];

describe('run reports from the run log', () => {
  it('merge the logs of two shards of one wave: every unit, the worse outcome, both runs', async () => {
    const { a, b } = await shards();
    const v = runView([{ events: a.events }, { events: b.events }]);
    assert.deepEqual(v.runs.map((r) => [r.id, r.shard?.index]), [['run-a', 1], ['run-b', 2]]);
    assert.deepEqual(v.waves.map((w) => w.name), ['prod']);
    assert.deepEqual(v.waves[0]!.units.map((u) => u.id).sort(), [...ALL].sort());
    assert.equal(v.outcome, 'gate-failed');
    assert.equal(v.waves[0]!.outcome, 'failed');
    const by = Object.fromEntries(v.waves[0]!.units.map((u) => [u.id, u]));
    assert.deepEqual([by['paris/ns/web']!.outcome, by['paris/ns/web']!.toRevision, by['europe/ns/web']!.outcome], ['applied', 3, 'applied']);
    assert.deepEqual([by['us/ns/web']!.outcome, by['us/ns/web']!.rollback, by['amsterdam/ns/web']!.outcome, by['amsterdam/ns/same']!.outcome], ['rolled-back', 'rolled back to revision 4', 'rolled-back', 'skipped']);
    assert.equal(by['us/ns/web']!.gate?.failingPods[0]?.name, 'web-1');
    // the steps in order, with their times, as the timeline draws them
    assert.deepEqual(by['us/ns/web']!.steps.map((s) => `${s.phase} ${s.kind} ${s.result}`), ['do lock passed', 'do change passed', 'do gate failed', 'undo change passed', 'undo lock passed']);
    assert.ok(by['us/ns/web']!.steps.every((s) => s.endedAt! >= s.startedAt));
  });

  it('JSON and text say what the run did; a JUnit file of both shards is valid for Jenkins', async () => {
    const { a, b } = await shards();
    const one = JSON.parse(runJson(runView([{ events: b.events }]))) as { runId: string; outcome: string; failedWave: string; units: { id: string; outcome: string; step: number; steps: unknown[] }[] };
    assert.deepEqual([one.runId, one.outcome, one.failedWave], ['run-b', 'gate-failed', 'prod']);
    assert.equal(one.units.find((u) => u.id === 'us/ns/web')!.steps.length, 5);
    const text = runText(runView([{ events: b.events }]));
    assert.match(text, /^us\/ns\/web: pod web-1 is in CrashLoopBackOff$/m);
    assert.match(text, /^ {4}logs: \[pod\/web-1\/web\] panic: config key "db\.url" missing$/m);
    assert.match(text, /^FAILED {2}us\/ns\/web \[prod\]: pod web-1 is in CrashLoopBackOff: back-off restarting <failed> container$/m);
    assert.match(text, /^UNDONE {2}amsterdam\/ns\/web \[prod\]: rolled back to revision 4$/m);
    assert.match(text, /^Apply halted: wave "prod" failed; later waves were not started\. 0 applied, 1 unchanged, 2 rolled back, 0 not started\.$/m);
    const xml = runJunit(runView([{ events: a.events }, { events: b.events }]));
    assertValidJunit(xml);
    for (const id of ALL) assert.ok(xml.includes(`name="${id}"`), id);
    assert.match(xml, /<testsuite name="helm-cascade apply: wave prod" id="0" tests="6" failures="2" errors="0" skipped="1"/);
  });

  it('a log cut short by SIGKILL still renders: what never ended says so', async () => {
    const { b } = await shards();
    const cut = b.events.findIndex((e) => e.event === 'step-start' && e.kind === 'gate');
    const dir = tempDir('run-log-');
    const file = join(dir, 'killed.jsonl');
    // the events up to the first gate, then half a line: SIGKILL during a write
    writeFileSync(file, `${b.lines.slice(0, cut + 1).join('')}{"run":"run-b","at":"2026-11-22T02:00:09.000Z","se`);
    const log = readRunLog(file);
    assert.equal(log.truncated, true);
    assert.equal(log.events.length, cut + 1);
    const v = runView([log]);
    assert.equal(v.outcome, 'unfinished');
    const units = Object.fromEntries(v.waves[0]!.units.map((u) => [u.id, u.outcome]));
    assert.equal(units['us/ns/web'], 'unfinished');
    assert.equal(units['amsterdam/ns/same'], 'skipped');
    assert.match(runText(v), /^OPEN {4}us\/ns\/web \[prod\]: no end recorded \(run killed\?\)$/m);
    assert.match(runMarkdown(v), /\| us\/ns\/web \| no end recorded \(run killed\?\) \|/);
    assertValidJunit(runJunit(v));
    assert.match(runHtml(v), /data-unit="us\/ns\/web" data-outcome="unfinished" open/);
  });

  it('the live lines are the log read event by event', async () => {
    const { b } = await shards();
    const lines = new RunLines();
    const out = b.events.map((e) => lines.line(e)).filter((l): l is string => l !== undefined);
    assert.deepEqual(out.slice(0, 2), ['2026-11-22T02:00:01Z wave prod: started (2 to change)', '2026-11-22T02:00:02Z   us/ns/web: taking the lock']);
    assert.ok(out.some((l) => / {3}us\/ns\/web: GATE FAILED: pod web-1 is in CrashLoopBackOff/.test(l)), out.join('\n'));
    assert.ok(out.some((l) => / {3}us\/ns\/web: rolling back to revision 4$/.test(l)), out.join('\n'));
    assert.match(out.at(-1)!, /wave prod: FAILED$/);
  });

  it('every line of the log passes through the redactor', () => {
    redactor.add('hunter2-s3cret');
    const lines: string[] = [];
    const log = new RunLog('run-x', { write: (l) => void lines.push(l) });
    const e: RunEvent = log.append({ event: 'interrupt', cause: 'SIGTERM', reason: 'helm said: password "hunter2-s3cret" refused' });
    assert.doesNotMatch(lines.join(''), /hunter2-s3cret/);
    assert.match(lines[0]!, /password \\"\(secret\)\\" refused/);
    assert.equal(e.event === 'interrupt' && e.reason, 'helm said: password "(secret)" refused', 'what the run keeps is what it wrote');
  });

  it('a secret with a newline and a quote in helm stderr is redacted, though JSON escapes it in the line', () => {
    const pem = '-----BEGIN KEY-----\nMIIEow"IBAAKCAQ\n-----END KEY-----';
    redactor.add(pem);
    const lines: string[] = [];
    const log = new RunLog('run-y', { write: (l) => void lines.push(l) });
    log.append({ event: 'step-end', wave: 'w', cluster: 'c', unit: 'c/ns/web', step: 'c/ns/web#change', kind: 'change', phase: 'do', result: 'failed', reason: `helm upgrade: Error: bad value ${pem} in secret` });
    assert.doesNotMatch(lines.join(''), /MIIEow/);
    assert.match(lines[0]!, /bad value \(secret\) in secret/);
  });

  it('the HTML timeline renders in headless Chromium with every unit of both shards and no console error', { timeout: 120_000 }, async () => {
    const { a, b } = await shards();
    const dir = tempDir('run-html-');
    const file = join(dir, 'run.html');
    const html = runHtml(runView([{ events: a.events }, { events: b.events }]));
    assert.ok(html.includes('back-off restarting &lt;failed&gt; container'), 'escaped');
    assert.doesNotMatch(html, /<script|https?:\/\//, 'self-contained: no script, no external address');
    writeFileSync(file, html);
    const page = await openInChromium(file, { evaluate: 'JSON.stringify({ units: [...document.querySelectorAll("[data-unit]")].map((e) => e.dataset.unit), bars: document.querySelectorAll(".step").length, hot: [...document.querySelectorAll(".step.hot")].map((e) => e.textContent), outcome: document.getElementById("outcome").textContent, height: document.body.scrollHeight })', screenshot: join(dir, 'run.png') });
    assert.deepEqual(page.console, []);
    assert.deepEqual(page.exceptions, []);
    assert.deepEqual(page.requests, [`file://${file}`]);
    const seen = JSON.parse(String(page.value)) as { units: string[]; bars: number; hot: string[]; outcome: string; height: number };
    assert.deepEqual([...seen.units].sort(), ALL.filter((u) => u !== 'amsterdam/ns/same').sort(), 'every changed unit has its row (the unchanged one is listed by name)');
    assert.ok(html.includes('ns/same'));
    assert.deepEqual(seen.hot, ['gate'], 'the failed step is highlighted');
    assert.equal(seen.outcome, 'gate failed');
    assert.ok(seen.bars >= 20, `${seen.bars} step bars`);
  });
});
