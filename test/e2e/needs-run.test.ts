// `needs:` in the run, end to end on the shared fleet with real helm: a
// release that needs another starts only after the needed one passed its
// health gate (the run log's times say so); when the needed release fails its
// gate, the one that needs it is not started and every report says it was
// skipped, naming the need (exit 3).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cascade, CONTEXTS, helmJson, helmMajors, scratchRepo, sharedFleet } from './support/cascade.ts';
import type { HistoryEntry } from './support/cascade.ts';
import { namespaces } from './support/fleet-state.ts';

const PARIS = CONTEXTS.paris;

const CLUSTERS = `clusters:
  paris: { context: ${PARIS}, provider: onprem, region: europe }
waves:
  - { name: prod }
health: { timeout: 40s, soak: 0s, minReadyEndpoints: 1, maxRestarts: 0 }
`;

const release = (name: string, ns: string, extra = '') => `name: ${name}
namespace: ${ns}
chart: { ref: charts/cascade-demo }
${extra}`;

interface Event {
  at: string;
  event: string;
  unit?: string;
  kind?: string;
  phase?: string;
  result?: string;
  reason?: string;
  needs?: string[];
}

const logOf = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Event);

for (const major of helmMajors()) {
  describe(`needs: in apply on the local fleet (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const nss = namespaces(`needs-${major}`, [PARIS], () => kubeconfig);
    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('a release starts only after the release it needs passed its gate', async () => {
      const ns = nss.next();
      // app is listed first, and still goes second
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/app.yaml': release('app', ns, 'needs: [db]\n'), 'releases/db.yaml': release('db', ns) });
      const log = join(dir, 'run.jsonl');
      const r = await cascade(dir, ['apply', '--yes', '--log', log], { kubeconfig, helm: major });
      assert.equal(r.exitCode, 0, r.stderr + r.stdout);
      const events = logOf(log);
      const at = (unit: string, pred: (e: Event) => boolean) => events.find((e) => e.unit === `paris/${ns}/${unit}` && pred(e))?.at;
      const dbGatePassed = at('db', (e) => e.event === 'step-end' && e.kind === 'gate' && e.result === 'passed');
      const appFirst = at('app', (e) => e.event === 'step-start' && e.phase === 'do');
      assert.ok(dbGatePassed && appFirst, JSON.stringify(events.filter((e) => e.unit)));
      assert.ok(Date.parse(appFirst) >= Date.parse(dbGatePassed), `app started ${appFirst}, before db's gate passed ${dbGatePassed}`);
      assert.deepEqual(events.filter((e) => e.event === 'unit-end').map((e) => [e.unit, e.result]).sort(), [[`paris/${ns}/app`, 'applied'], [`paris/${ns}/db`, 'applied']]);
    });

    it('a needed release that fails its gate leaves the one that needs it not started: skipped, naming the need, in every report (exit 3)', async () => {
      const ns = nss.next();
      const dir = scratchRepo({
        'clusters.yaml': CLUSTERS,
        'values/crash.yaml': 'podAnnotations:\n  fleet.helm-cascade.dev/behavior: crashloop\n',
        'releases/app.yaml': release('app', ns, 'needs: [db]\n'),
        'releases/db.yaml': release('db', ns, 'values: [values/crash.yaml]\n'),
      });
      const log = join(dir, 'run.jsonl');
      const r = await cascade(dir, ['apply', '--yes', '--log', log, '--junit', join(dir, 'run.xml')], { kubeconfig, helm: major });
      assert.equal(r.exitCode, 3, r.stderr + r.stdout);
      const app = `paris/${ns}/app`;
      const db = `paris/${ns}/db`;
      const text = r.stdout + r.stderr;
      assert.match(text, new RegExp(`SKIPPED ${app} \\[prod\\]: skipped: needs ${db}, which failed`));
      const events = logOf(log);
      assert.deepEqual(events.filter((e) => e.unit === app && e.event !== 'unit-end'), [], 'no step of app ran');
      const end = events.find((e) => e.event === 'unit-end' && e.unit === app);
      assert.deepEqual([end?.result, end?.reason, end?.needs], ['not-started', `skipped: needs ${db}, which failed`, [db]]);
      const json = await cascade(dir, ['report', log, '--format', 'json'], { kubeconfig, helm: major });
      const unit = (JSON.parse(json.stdout) as { units: { id: string; outcome: string; reason?: string; needs?: string[] }[] }).units.find((u) => u.id === app);
      assert.deepEqual([unit?.outcome, unit?.reason, unit?.needs], ['not-started', `skipped: needs ${db}, which failed`, [db]]);
      assert.match(readFileSync(join(dir, 'run.xml'), 'utf8'), new RegExp(`<testcase name="${app}"[^>]*>\\s*<skipped message="skipped: needs ${db}, which failed"/>`));
      const history = await helmJson<HistoryEntry[]>(major, kubeconfig, PARIS, ['history', 'app', '-n', ns]).catch(() => []);
      assert.deepEqual(history, [], 'app was never installed');
    });
  });
}
