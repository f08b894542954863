// `needs:` end to end on the shared fleet, Helm 3 and Helm 4, read from the
// run log (--log, JSON Lines with times) and from the clusters through the
// real helm and kubectl:
// - `app` needs `db` (same wave, same cluster, the demo chart): the plan says
//   so, and db's gate passed before any step of app started, although app
//   sorts first and nothing else holds it back;
// - istio's real charts (test/charts/istio-base, test/charts/istiod: base, then
//   istiod with its failurePolicy Fail webhooks) and a chart of a CRD with a
//   chart of a custom resource of it (which cannot install before its CRD),
//   in one wave on every cluster of the fleet: each needed release passed its
//   gate before the release that needs it started, on every cluster, and all
//   are deployed; then `enabled: false` uninstalls them the other way round;
// - when db's gate fails, app is not started (no lock, no helm call), every
//   report says it was skipped naming the need, and apply exits 3.
import assert from 'node:assert/strict';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { helmBin, repoRoot } from '../../fleet/tools.ts';
import type { HelmMajor } from '../../fleet/tools.ts';
import { cascade, CONTEXTS, helmJson, helmMajors, helmReleases, historyOrNone, kubectl, scratchRepo, sharedFleet, writeRepoFiles } from './support/cascade.ts';
import { namespaces } from './support/fleet-state.ts';
import { widgetCrd } from './support/widget-crd.ts';

const PARIS = CONTEXTS.paris;
/** Every cluster of the fleet, by the name the istio test's clusters.yaml gives it. */
const FLEET = Object.entries(CONTEXTS);

const CLUSTERS = `clusters:
  paris: { context: ${PARIS}, provider: onprem, region: europe }
waves:
  - { name: prod }
health: { timeout: 40s, soak: 0s, minReadyEndpoints: 1, maxRestarts: 0 }
`;

interface Event {
  seq: number;
  at: string;
  event: string;
  unit?: string;
  kind?: string;
  phase?: string;
  result?: string;
  reason?: string;
  needs?: string[];
  outcome?: string;
  wave?: string;
}

const eventsOf = (file: string): Event[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Event);

const release = (name: string, ns: string, extra = '') => `name: ${name}\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\n${extra}`;

/** The events of one unit, in the order written. */
const ofUnit = (events: Event[], unit: string) => events.filter((e) => e.unit === unit);
const gatePassed = (events: Event[]) => events.find((e) => e.event === 'step-end' && e.kind === 'gate' && e.phase === 'do' && e.result === 'passed');
const stepStarts = (events: Event[]) => events.filter((e) => e.event === 'step-start' && e.phase === 'do');

type StepKind = 'gate' | 'change' | 'uninstall';

/**
 * `needed`'s step `done` ended passed before `dependent`'s first step (its
 * lock) started, by the log's order and times, and `dependent`'s step `then`
 * did start: every step of the dependent came after.
 */
function assertBefore(events: Event[], o: { needed: string; done: StepKind; dependent: string; then: StepKind }): void {
  const done = ofUnit(events, o.needed).find((e) => e.event === 'step-end' && e.kind === o.done && e.phase === 'do' && e.result === 'passed');
  const starts = stepStarts(ofUnit(events, o.dependent));
  assert.ok(done, `${o.needed}'s ${o.done} passed: ${JSON.stringify(ofUnit(events, o.needed))}`);
  assert.ok(
    starts.some((s) => s.kind === o.then),
    `${o.dependent}'s ${o.then} started: ${JSON.stringify(ofUnit(events, o.dependent))}`,
  );
  for (const s of starts) assert.ok(done.seq < s.seq, `${o.needed}'s ${o.done} passed (event ${done.seq}) before ${o.dependent}'s ${s.kind ?? ''} started (event ${s.seq})`);
  assert.ok(Date.parse(done.at) <= Date.parse(starts[0]!.at), `${o.needed}'s ${o.done} passed at ${done.at}, ${o.dependent} started at ${starts[0]!.at}`);
}

/** A CRD (of a group of its own) and a Widget of it, each in a chart of its own. */
function crdCharts(group: string): Record<string, string> {
  return {
    'charts/crds/Chart.yaml': 'apiVersion: v2\nname: crds\nversion: 0.1.0\n',
    'charts/crds/templates/crd.yaml': widgetCrd(group),
    'charts/widget/Chart.yaml': 'apiVersion: v2\nname: widget\nversion: 0.1.0\n',
    'charts/widget/templates/widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata: { name: one }\nspec: { size: 3 }\n`,
  };
}

/**
 * istio-base then istiod (istio's charts, vendored), crds then widget: every
 * cluster of the fleet, one wave. The values are what a user installing istio
 * into a namespace of their own sets: where istiod is, and the validation
 * webhook's failurePolicy Fail from the start (istiod flips it from Ignore to
 * Fail once it serves; nothing serves it on kwok).
 */
function istioReleases(ns: string, o: { enabled: boolean }): Record<string, string> {
  const where = o.enabled ? '' : 'clusters: { "*": { enabled: false } }\n';
  const file = (name: string, chart: string, extra = '') => `name: ${name}\nnamespace: ${ns}\nchart: { ref: charts/${chart} }\n${extra}${where}`;
  return {
    'values/istio.yaml': `global: { istioNamespace: ${ns} }\nbase: { validationFailurePolicy: Fail }\n`,
    'releases/istio-base.yaml': file('istio-base', 'istio-base', 'values: [values/istio.yaml]\n'),
    'releases/istiod.yaml': file('istiod', 'istiod', 'values: [values/istio.yaml]\nneeds: [istio-base]\n'),
    'releases/crds.yaml': file('crds', 'crds'),
    'releases/widget.yaml': file('widget', 'widget', 'needs: [crds]\n'),
  };
}

interface Manifested {
  kind: string;
  metadata: { name: string };
  webhooks?: { name: string; failurePolicy?: string }[];
}

/** The webhooks of a release's manifest as helm stored it: `Kind/name: webhook=failurePolicy ...`. */
async function webhooksOf(major: HelmMajor, kubeconfig: string, context: string, o: { ns: string; name: string }): Promise<string[]> {
  const r = await execa(helmBin(major), ['get', 'manifest', o.name, '-n', o.ns, '--kube-context', context, '--kubeconfig', kubeconfig], { reject: false });
  if (r.exitCode !== 0) throw new Error(`helm get manifest ${o.name}: ${String(r.stderr)}`);
  return parseAllDocuments(String(r.stdout))
    .map((d) => d.toJS() as Manifested | null)
    .filter((x): x is Manifested => x !== null && /WebhookConfiguration$/.test(x.kind))
    .map((x) => `${x.kind}/${x.metadata.name}: ${(x.webhooks ?? []).map((w) => `${w.name}=${w.failurePolicy ?? '(unset)'}`).join(' ')}`)
    .sort();
}

/**
 * What istio leaves in a cluster that a later run would trip on: its CRDs
 * (`helm.sh/resource-policy: keep`, so helm uninstall leaves them, owned by a
 * namespace gone), webhook configurations and cluster roles; and our widget
 * CRD. Removed, waiting for the CRDs to go.
 */
async function sweepIstio(kubeconfig: string, group: string): Promise<void> {
  const kinds = 'crd,validatingwebhookconfigurations,mutatingwebhookconfigurations,clusterroles,clusterrolebindings';
  await Promise.all(
    FLEET.map(async ([, ctx]) => {
      await kubectl(kubeconfig, ctx, ['delete', kinds, '-l', 'app.kubernetes.io/part-of=istio', '--ignore-not-found', '--wait=true']);
      if (group) await kubectl(kubeconfig, ctx, ['delete', 'crd', `widgets.${group}`, '--ignore-not-found', '--wait=true']);
    }),
  );
}

for (const major of helmMajors()) {
  describe(`needs: (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const nss = namespaces(`needs-${major}`, FLEET.map(([, ctx]) => ctx), () => kubeconfig);
    const run = (dir: string, args: string[]) => cascade(dir, args, { kubeconfig, helm: major });

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it("plan says app comes after db; apply starts app only after db's gate passed", async () => {
      const ns = nss.next();
      // app is listed first, and still goes second
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/app.yaml': release('app', ns, 'needs: [db]\n'), 'releases/db.yaml': release('db', ns) });
      const plan = await run(dir, ['plan']);
      assert.equal(plan.exitCode, 0, plan.stdout + plan.stderr);
      assert.match(plan.stdout, /after db/, plan.stdout);

      const log = join(dir, 'run.jsonl');
      const r = await run(dir, ['apply', '--yes', '--log', log]);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      const events = eventsOf(log);
      assert.equal(events.at(-1)?.outcome, 'succeeded', 'the run succeeded');
      const [app, db] = [`paris/${ns}/app`, `paris/${ns}/db`];
      assertBefore(events, { needed: db, done: 'gate', dependent: app, then: 'change' });
      assert.deepEqual(
        events
          .filter((e) => e.event === 'unit-end')
          .map((e) => [e.unit, e.result])
          .sort(),
        [
          [app, 'applied'],
          [db, 'applied'],
        ],
      );
    });

    it('istio-base then istiod (failurePolicy Fail webhooks), a CRD then a custom resource of it: one wave, every cluster, in order; uninstalled the other way round', async () => {
      const ns = nss.next();
      const group = `${ns}.helm-cascade.test`;
      const clusters = FLEET.map(([name, ctx]) => `  ${name}: { context: ${ctx}, provider: onprem, region: europe }\n`).join('');
      const dir = scratchRepo({
        'clusters.yaml': `clusters:\n${clusters}waves:\n  - { name: prod }\nhealth: { timeout: 90s, soak: 0s, minReadyEndpoints: 1, maxRestarts: 0 }\n`,
        ...crdCharts(group),
        ...istioReleases(ns, { enabled: true }),
      });
      for (const chart of ['istio-base', 'istiod']) cpSync(join(repoRoot, 'test', 'charts', chart), join(dir, 'charts', chart), { recursive: true });
      await sweepIstio(kubeconfig, ''); // what a run of this test killed half-way left
      try {
        const log = join(dir, 'install.jsonl');
        const r = await run(dir, ['apply', '--yes', '--log', log]);
        assert.equal(r.exitCode, 0, r.stdout + r.stderr);
        const events = eventsOf(log);
        assert.equal(events.at(-1)?.outcome, 'succeeded', 'the run succeeded');
        assert.deepEqual(
          events.filter((e) => e.event === 'wave-start').map((e) => e.wave),
          ['prod'],
          'one wave',
        );
        const ends = events.filter((e) => e.event === 'unit-end');
        assert.deepEqual(
          ends.filter((e) => e.result !== 'applied'),
          [],
          'every unit applied',
        );
        assert.equal(ends.length, FLEET.length * 4, 'four releases on every cluster');
        for (const [cluster] of FLEET) {
          const unit = (name: string) => `${cluster}/${ns}/${name}`;
          assertBefore(events, { needed: unit('istio-base'), done: 'gate', dependent: unit('istiod'), then: 'change' });
          assertBefore(events, { needed: unit('crds'), done: 'gate', dependent: unit('widget'), then: 'change' });
        }
        // what helm and the cluster say, every cluster at once
        const statusOf = async (ctx: string, name: string) => (await helmJson<{ info: { status: string } }>(major, kubeconfig, ctx, ['status', name, '-n', ns])).info.status;
        const seen = await Promise.all(
          FLEET.map(async ([cluster, ctx]) => ({
            cluster,
            statuses: await Promise.all(['istio-base', 'istiod', 'crds', 'widget'].map(async (name) => `${name} ${await statusOf(ctx, name)}`)),
            widget: (await kubectl(kubeconfig, ctx, ['get', `widgets.${group}`, '-n', ns, 'one', '-o', 'name'])).trim(),
          })),
        );
        assert.deepEqual(
          seen,
          FLEET.map(([cluster]) => ({ cluster, statuses: ['istio-base deployed', 'istiod deployed', 'crds deployed', 'widget deployed'], widget: `widget.${group}/one` })),
        );
        // the real webhooks, as installed: istiod's validating and mutating ones (and base's default validator) fail closed
        assert.deepEqual(await webhooksOf(major, kubeconfig, PARIS, { ns, name: 'istiod' }), [
          `MutatingWebhookConfiguration/istio-sidecar-injector-${ns}: rev.namespace.sidecar-injector.istio.io=Fail rev.object.sidecar-injector.istio.io=Fail namespace.sidecar-injector.istio.io=Fail object.sidecar-injector.istio.io=Fail`,
          `ValidatingWebhookConfiguration/istio-validator-${ns}: rev.validation.istio.io=Fail`,
        ]);
        assert.deepEqual(await webhooksOf(major, kubeconfig, PARIS, { ns, name: 'istio-base' }), ['ValidatingWebhookConfiguration/istiod-default-validator: validation.istio.io=Fail']);

        // enabled: false everywhere: each release goes before the one it needs
        writeRepoFiles(dir, istioReleases(ns, { enabled: false }));
        const down = join(dir, 'uninstall.jsonl');
        const u = await run(dir, ['apply', '--yes', '--log', down]);
        assert.equal(u.exitCode, 0, u.stdout + u.stderr);
        const gone = eventsOf(down);
        for (const [cluster] of FLEET) {
          const unit = (name: string) => `${cluster}/${ns}/${name}`;
          assertBefore(gone, { needed: unit('istiod'), done: 'uninstall', dependent: unit('istio-base'), then: 'uninstall' });
          assertBefore(gone, { needed: unit('widget'), done: 'uninstall', dependent: unit('crds'), then: 'uninstall' });
        }
        const left = await Promise.all(FLEET.map(async ([cluster, ctx]) => [cluster, await helmReleases(major, kubeconfig, ctx, ns)]));
        assert.deepEqual(left, FLEET.map(([cluster]) => [cluster, []]), 'nothing left installed');
      } finally {
        await sweepIstio(kubeconfig, group);
      }
    });

    it("db's gate fails: app is not started, skipped naming the need in every report, and apply exits 3", async () => {
      const ns = nss.next();
      const dir = scratchRepo({
        'clusters.yaml': CLUSTERS,
        'values/crash.yaml': 'podAnnotations:\n  fleet.helm-cascade.dev/behavior: crashloop\n',
        'releases/app.yaml': release('app', ns, 'needs: [db]\n'),
        'releases/db.yaml': release('db', ns, 'values: [values/crash.yaml]\n'),
      });
      const log = join(dir, 'run.jsonl');
      const r = await run(dir, ['apply', '--yes', '--log', log, '--junit', join(dir, 'run.xml')]);
      assert.equal(r.exitCode, 3, r.stdout + r.stderr);
      const [app, db] = [`paris/${ns}/app`, `paris/${ns}/db`];
      assert.match(r.stdout + r.stderr, new RegExp(`SKIPPED ${app} \\[prod\\]: skipped: needs ${db}, which failed`));
      const events = eventsOf(log);
      assert.ok(
        ofUnit(events, db).some((e) => e.event === 'step-end' && e.kind === 'gate' && e.result === 'failed'),
        `db's gate failed: ${JSON.stringify(ofUnit(events, db))}`,
      );
      assert.deepEqual(
        ofUnit(events, app).filter((e) => e.event !== 'unit-end'),
        [],
        'no step of app ran',
      );
      const end = ofUnit(events, app).find((e) => e.event === 'unit-end');
      assert.deepEqual([end?.result, end?.reason, end?.needs], ['not-started', `skipped: needs ${db}, which failed`, [db]]);
      const json = await run(dir, ['report', log, '--format', 'json']);
      const unit = (JSON.parse(json.stdout) as { units: { id: string; outcome: string; reason?: string; needs?: string[] }[] }).units.find((x) => x.id === app);
      assert.deepEqual([unit?.outcome, unit?.reason, unit?.needs], ['not-started', `skipped: needs ${db}, which failed`, [db]]);
      assert.match(readFileSync(join(dir, 'run.xml'), 'utf8'), new RegExp(`<testcase name="${app}"[^>]*>\\s*<skipped message="skipped: needs ${db}, which failed"/>`));
      assert.deepEqual(await historyOrNone(major, kubeconfig, PARIS, ns, 'app'), [], 'helm never installed app');
      const list = await helmReleases(major, kubeconfig, PARIS, ns);
      assert.ok(!list.some((x) => x.name.startsWith('app')), `helm never installed app: ${JSON.stringify(list)}`);
    });
  });
}
