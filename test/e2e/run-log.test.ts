// The run log end to end on the shared fleet, Helm 3 and Helm 4: apply writes
// one (JSON Lines, under .helm-cascade/runs/ by default, said on stderr), its
// -o json report is that log read back, rollback writes one too; an apply
// killed with SIGKILL in the middle of a wave leaves a log readable up to its
// last event, and `report` renders it (html, json, markdown, junit), the
// units it never finished shown as "no end recorded (run killed?)".
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { cascade, cascadeProcess, CONTEXTS, helmMajors, scratchRepo, sharedFleet } from './support/cascade.ts';
import { namespaces } from './support/fleet-state.ts';
import { openInChromium } from '../support/browser.ts';
import { assertValidJunit } from '../ship/support/junit-xsd.ts';

const PARIS = CONTEXTS.paris;
const US = CONTEXTS.us;

const CLUSTERS = `clusters:
  paris: { context: ${PARIS}, provider: onprem, region: europe }
  us: { context: ${US}, provider: gke, region: us }
tracks: [internal, production]
waves:
  - { name: internal, tracks: [internal] }
  - { name: production, tracks: [production] }
health: { timeout: 60s, soak: 0s, minReadyEndpoints: 1, maxRestarts: 0 }
`;

const release = (ns: string, extra = '') => `name: web
namespace: ${ns}
chart: { ref: charts/cascade-demo }
tracks: { internal: {}, production: {} }
${extra}`;

interface Event {
  run: string;
  at: string;
  seq: number;
  event: string;
  [k: string]: unknown;
}

const eventsOf = (file: string): Event[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Event);

for (const major of helmMajors()) {
  describe(`the run log (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const nss = namespaces(`runlog-${major}`, [PARIS, US], () => kubeconfig);
    const run = (dir: string, args: string[]) => cascade(dir, args, { kubeconfig, helm: major });

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('apply writes a run log under .helm-cascade/runs/ and says where; -o json is that log read back; rollback writes one too', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      const r = await run(dir, ['apply', '--yes', '-o', 'json']);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      const report = JSON.parse(r.stdout) as { runId: string; log: string; outcome: string; units: { id: string; outcome: string; toRevision: number; steps: { kind: string; phase: string; result: string }[] }[] };
      assert.equal(report.log, join(dir, '.helm-cascade', 'runs', `${report.runId}.jsonl`));
      assert.ok(r.stderr.split('\n').includes(`run log: ${report.log}`), r.stderr);
      assert.deepEqual(readdirSync(join(dir, '.helm-cascade', 'runs')), [`${report.runId}.jsonl`]);

      const events = eventsOf(report.log);
      assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i), 'one event a line, in order');
      assert.ok(events.every((e) => e.run === report.runId && !Number.isNaN(Date.parse(e.at))), 'every event carries the run id and its time');
      const header = events[0]!;
      assert.deepEqual([header.event, header.command, header.repo], ['run-start', 'apply', report.log.split('/').at(-4)]);
      const plan = header.plan as { waves: { name: string; units: { id: string }[]; steps: { id: string; kind: string; after: string[] }[] }[] };
      assert.deepEqual(plan.waves.map((w) => [w.name, w.units.length, w.steps.map((s) => s.kind).join()]), [
        ['internal', 2, 'lock,change,gate,lock,change,gate'],
        ['production', 2, 'lock,change,gate,lock,change,gate'],
      ]);
      assert.deepEqual(events.at(-1)!.event === 'run-end' && events.at(-1)!.outcome, 'succeeded');
      const gateEnd = events.find((e) => e.event === 'step-end' && e.kind === 'gate')!;
      assert.equal((gateEnd.details as { phase: string }).phase, 'passed', 'a gate end carries the gate\'s details');
      const lockEnd = events.find((e) => e.event === 'step-end' && e.kind === 'lock' && e.phase === 'do')!;
      assert.ok(((lockEnd.details as { before?: { owned: unknown[] } }).before?.owned.length ?? 0) > 0, 'what the gate compares against is recorded by the lock step, before the change');

      // the report command reads the same log into the same JSON (apply adds where the log is)
      const again = await run(dir, ['report', report.log, '--format', 'json']);
      assert.equal(again.exitCode, 0, again.stderr);
      const { log: _log, ...fromApply } = report;
      assert.deepEqual(JSON.parse(again.stdout), fromApply);
      assert.deepEqual(report.units.map((u) => [u.outcome, u.toRevision, u.steps.map((s) => `${s.phase} ${s.kind} ${s.result}`).join()]), Array(4).fill(['applied', 1, 'do lock passed,do change passed,do gate passed,undo lock passed']));

      const back = await run(dir, ['rollback', '--log', join(dir, 'rollback.jsonl')]);
      assert.equal(back.exitCode, 0, back.stdout + back.stderr);
      const rb = eventsOf(join(dir, 'rollback.jsonl'));
      assert.deepEqual([rb[0]!.event, rb[0]!.command, rb.at(-1)!.event, rb.at(-1)!.outcome], ['run-start', 'rollback', 'run-end', 'succeeded']);
      assert.equal(rb.filter((e) => e.event === 'step-end' && e.kind === 'revert' && e.result === 'passed').length, 4, 'four releases put back');
      assert.match(back.stdout, new RegExp(`^paris/${ns}/web-production \\[production\\]: uninstalled \\(installed by the run\\)$`, 'm'));
    });

    it('SIGKILL mid-wave leaves a log readable up to its last event; report renders it, the unfinished units said so', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'values/slow.yaml': 'podAnnotations:\n  fleet.helm-cascade.dev/behavior: never-ready\n', 'releases/web.yaml': release(ns, 'values: [values/slow.yaml]\nhealth: { timeout: 10m }\n') });
      const log = join(dir, 'killed.jsonl');
      const p = cascadeProcess(dir, ['apply', '--yes', '--log', log], { kubeconfig, helm: major });
      const gating = () => existsSync(log) && eventsOf(log).filter((e) => e.event === 'step-start' && e.kind === 'gate').length === 2;
      for (let i = 0; i < 1200 && !gating(); i++) await sleep(100);
      assert.ok(gating(), `both gates of the first wave started: ${existsSync(log) ? readFileSync(log, 'utf8') : 'no log'}`);
      p.kill('SIGKILL');
      await p;

      const events = eventsOf(log); // every line parses: each event was written whole before the run went on
      assert.ok(!events.some((e) => e.event === 'run-end' || e.event === 'wave-end'), 'killed: no end written');
      const json = await run(dir, ['report', log, '--format', 'json']);
      assert.equal(json.exitCode, 0, json.stderr);
      const view = JSON.parse(json.stdout) as { outcome: string; waves: { name: string; outcome: string }[]; units: { id: string; wave: string; outcome: string }[] };
      assert.equal(view.outcome, 'unfinished');
      assert.deepEqual(view.waves.map((w) => [w.name, w.outcome]), [['internal', 'unfinished'], ['production', 'not-started']]);
      assert.deepEqual(view.units.map((u) => [u.id, u.outcome]).sort(), [[`paris/${ns}/web-internal`, 'unfinished'], [`paris/${ns}/web-production`, 'not-started'], [`us/${ns}/web-internal`, 'unfinished'], [`us/${ns}/web-production`, 'not-started']]);

      const md = await run(dir, ['report', log, '--format', 'markdown']);
      assert.match(md.stdout, new RegExp(`^\\| paris/${ns}/web-internal \\| no end recorded \\(run killed\\?\\) \\|`, 'm'));
      const junit = await run(dir, ['report', log, '--format', 'junit']);
      assertValidJunit(junit.stdout);
      assert.match(junit.stdout, /<error message="no end recorded \(run killed\?\)" type="unfinished"\/>/);
      const html = await run(dir, ['report', log, '--out', join(dir, 'killed.html')]);
      assert.equal(html.exitCode, 0, html.stderr);
      const page = await openInChromium(join(dir, 'killed.html'), { evaluate: 'JSON.stringify({ open: [...document.querySelectorAll(".track .step.open")].map((e) => e.textContent), units: [...document.querySelectorAll("[data-unit]")].map((e) => e.dataset.unit + " " + e.dataset.outcome), stop: document.querySelector(".stop").textContent })', screenshot: join(dir, 'killed.png') });
      assert.deepEqual([page.console, page.exceptions], [[], []]);
      const seen = JSON.parse(String(page.value)) as { open: string[]; units: string[]; stop: string };
      assert.deepEqual(seen.open, ['gate', 'gate'], 'the steps that never ended are drawn as such');
      assert.deepEqual(seen.units.sort(), [`paris/${ns}/web-internal unfinished`, `paris/${ns}/web-production not-started`, `us/${ns}/web-internal unfinished`, `us/${ns}/web-production not-started`]);
      assert.match(seen.stop, /^No end recorded \(the run was killed, or is still running\)/);
    });
  });
}
