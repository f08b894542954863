// `needs:` end to end on the shared fleet, Helm 3 and Helm 4: `helm-cascade
// apply` on a repository where `app` needs `db` (same wave, same cluster, the
// demo chart). The run log (--log, JSON Lines with times) shows db's gate
// passed before app's upgrade started, although app sorts first and nothing
// else holds it back; a chart of a CRD and a chart of a custom resource of it
// install in one wave on two clusters (the resource's chart cannot install
// before its CRD); and when db's gate fails, app is never started (its
// unit ends not-started, helm never installed it) and apply exits 3.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cascade, CONTEXTS, helmJson, helmMajors, kubectl, scratchRepo, sharedFleet } from './support/cascade.ts';
import { namespaces } from './support/fleet-state.ts';

const PARIS = CONTEXTS.paris;
const US = CONTEXTS.us;

const CLUSTERS = `clusters:
  paris: { context: ${PARIS}, provider: onprem, region: europe }
tracks: [production]
waves:
  - { name: production, tracks: [production] }
health: { timeout: 60s, soak: 0s, minReadyEndpoints: 1, maxRestarts: 0 }
`;

interface Event {
  seq: number;
  at: string;
  event: string;
  unit?: string;
  kind?: string;
  phase?: string;
  result?: string;
  outcome?: string;
}

const eventsOf = (file: string): Event[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Event);

/** The repository: `db` (its values given), and `app` that needs it; both on paris, one wave. */
function repo(ns: string, dbExtra = '', files: Record<string, string> = {}): string {
  const only = 'track: production\nclusters: { paris: {} }\n';
  return scratchRepo({
    ...files,
    'clusters.yaml': CLUSTERS,
    'releases/db.yaml': `name: db\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\n${only}${dbExtra}`,
    'releases/app.yaml': `name: app\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\n${only}needs: [db]\n`,
  });
}

/** The run log's events of one release's unit (its id ends in /NAME or /NAME-TRACK). */
const ofRelease = (events: Event[], name: string) => events.filter((e) => typeof e.unit === 'string' && new RegExp(`/${name}(-production)?$`).test(e.unit));

const stepEvent = (events: Event[], event: string, kind: string) => events.find((e) => e.event === event && e.kind === kind && e.phase === 'do');

for (const major of helmMajors()) {
  describe(`needs: (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const nss = namespaces(`needs-${major}`, [PARIS, US], () => kubeconfig);
    const run = (dir: string, args: string[]) => cascade(dir, args, { kubeconfig, helm: major });

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('plan says app comes after db; apply upgrades app only after db\'s gate passed', async () => {
      const ns = nss.next();
      const dir = repo(ns);
      const plan = await run(dir, ['plan']);
      assert.equal(plan.exitCode, 0, plan.stdout + plan.stderr);
      assert.match(plan.stdout, /after db/, plan.stdout);

      const log = join(dir, 'run.jsonl');
      const r = await run(dir, ['apply', '--yes', '--log', log]);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      const events = eventsOf(log);
      assert.equal(events.at(-1)?.outcome, 'succeeded', 'the run succeeded');
      const db = ofRelease(events, 'db');
      const app = ofRelease(events, 'app');
      const dbGate = db.find((e) => e.event === 'step-end' && e.kind === 'gate' && e.phase === 'do' && e.result === 'passed');
      const appChange = stepEvent(app, 'step-start', 'change');
      assert.ok(dbGate, `db's gate passed: ${JSON.stringify(db)}`);
      assert.ok(appChange, `app's upgrade started: ${JSON.stringify(app)}`);
      assert.ok(dbGate.seq < appChange.seq, `db's gate passed (event ${dbGate.seq}) before app's upgrade started (event ${appChange.seq})`);
      assert.ok(Date.parse(dbGate.at) <= Date.parse(appChange.at), `db's gate passed at ${dbGate.at}, app's upgrade started at ${appChange.at}`);
      assert.deepEqual(
        [db, app].map((u) => u.find((e) => e.event === 'unit-end')?.result),
        ['applied', 'applied'],
      );
    });

    it('a CRD, then a custom resource of it, in one wave on two clusters', async () => {
      const ns = nss.next();
      const group = `${ns}.helm-cascade.test`;
      const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.${group} }
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;
      const on = 'track: production\nclusters: { paris: {}, us: {} }\n';
      const dir = scratchRepo({
        'clusters.yaml': CLUSTERS.replace('clusters:\n', `clusters:\n  us: { context: ${US}, provider: gke, region: us }\n`),
        'charts/crds/Chart.yaml': 'apiVersion: v2\nname: crds\nversion: 0.1.0\n',
        'charts/crds/templates/crd.yaml': crd,
        'charts/widget/Chart.yaml': 'apiVersion: v2\nname: widget\nversion: 0.1.0\n',
        'charts/widget/templates/widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata: { name: one }\nspec: { size: 3 }\n`,
        'releases/crds.yaml': `name: crds\nnamespace: ${ns}\nchart: { ref: charts/crds }\n${on}`,
        'releases/widget.yaml': `name: widget\nnamespace: ${ns}\nchart: { ref: charts/widget }\n${on}needs: [crds]\n`,
      });
      try {
        const log = join(dir, 'run.jsonl');
        const r = await run(dir, ['apply', '--yes', '--log', log]);
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        const events = eventsOf(log);
        for (const cluster of ['paris', 'us']) {
          const here = events.filter((e) => typeof e.unit === 'string' && e.unit.startsWith(`${cluster}/`));
          const crdGate = ofRelease(here, 'crds').find((e) => e.event === 'step-end' && e.kind === 'gate' && e.phase === 'do' && e.result === 'passed');
          const widgetChange = stepEvent(ofRelease(here, 'widget'), 'step-start', 'change');
          assert.ok(crdGate && widgetChange && crdGate.seq < widgetChange.seq, `${cluster}: the CRD's gate passed before the widget's install started: ${JSON.stringify(here)}`);
        }
        for (const ctx of [PARIS, US]) assert.match(await kubectl(kubeconfig, ctx, ['get', `widgets.${group}`, '-n', ns, 'one', '-o', 'name']), /one/);
      } finally {
        for (const ctx of [PARIS, US]) await kubectl(kubeconfig, ctx, ['delete', 'crd', `widgets.${group}`, '--ignore-not-found', '--wait=false']).catch(() => undefined);
      }
    });

    it('db\'s gate fails: app is not started and apply exits 3', async () => {
      const ns = nss.next();
      const dir = repo(ns, 'values: [values/never.yaml]\nhealth: { timeout: 10s }\n', { 'values/never.yaml': 'podAnnotations:\n  fleet.helm-cascade.dev/behavior: never-ready\n' });
      const log = join(dir, 'run.jsonl');
      const r = await run(dir, ['apply', '--yes', '--log', log]);
      assert.equal(r.exitCode, 3, r.stdout + r.stderr);
      const events = eventsOf(log);
      const db = ofRelease(events, 'db');
      const app = ofRelease(events, 'app');
      assert.ok(db.some((e) => e.event === 'step-end' && e.kind === 'gate' && e.result === 'failed'), `db's gate failed: ${JSON.stringify(db)}`);
      assert.equal(stepEvent(app, 'step-start', 'change'), undefined, `app's upgrade never started: ${JSON.stringify(app)}`);
      assert.equal(app.find((e) => e.event === 'unit-end')?.result, 'not-started', JSON.stringify(app));
      const list = await helmJson<{ name: string }[]>(major, kubeconfig, PARIS, ['list', '-n', ns]);
      assert.ok(!list.some((x) => x.name.startsWith('app')), `helm never installed app: ${JSON.stringify(list)}`);
    });
  });
}
