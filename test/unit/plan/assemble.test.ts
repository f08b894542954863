import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH } from '../../../src/config/load.ts';
import type { ClusterSpec, ReleaseSpec } from '../../../src/model/spec.ts';
import { EXIT_CODES } from '../../../src/errors.ts';
import { assemblePlan, planCommandOutcome, sha256, summaryLine, withRefusedObjects } from '../../../src/plan/assemble.ts';
import type { AssembleInput, GatheredUnit } from '../../../src/plan/assemble.ts';
import type { DeployedRelease, ResolvedChart } from '../../../src/model/release.ts';
import type { PlannedUnit } from '../../../src/plan/types.ts';
import type { UnitSpec } from '../../../src/model/units.ts';
import { planForDisplay, renderPlanText } from '../../../src/report/plan-text.ts';
import { Redactor } from '../../../src/redact.ts';

const pos = { file: 'x', line: 1, col: 1 };
const cluster = (name: string): ClusterSpec => ({ name, context: name, provider: 'gke', region: 'eu', labels: {}, pos });
const rel: ReleaseSpec = { name: 'web', namespace: 'ns', file: 'releases/web.yaml', chart: { ref: 'charts/demo', pos }, base: { values: [], set: {}, pos }, clusters: [], health: {}, repositories: [], ignoreDifferences: [], pos };
const chart: ResolvedChart = { ref: 'charts/demo', name: 'demo', version: '1.1.0', path: '/c', digest: 'd1', features: { lookup: false, hooks: false, crdsDir: false, schema: undefined, apiQueries: [] } };

const manifest = (replicas: number, pw = 'pw-original') => `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec: { replicas: ${replicas} }
---
apiVersion: v1
kind: Secret
metadata: { name: web }
stringData: { PASSWORD: "${pw}" }
`;

function unit(c: string, opts: { enabled?: boolean; track?: string } = {}): UnitSpec {
  return {
    release: 'web',
    track: opts.track,
    cluster: c,
    namespace: 'ns',
    helmName: opts.track ? `web-${opts.track}` : 'web',
    releaseSpec: rel,
    clusterSpec: cluster(c),
    waveTrack: opts.track,
    enabled: opts.enabled ?? true,
    layers: [],
    health: DEFAULT_HEALTH,
  };
}

function desired(c: string, replicas: number, opts: { enabled?: boolean; pw?: string; error?: string } = {}): GatheredUnit {
  const values = { replicaCount: replicas, secrets: { PASSWORD: opts.pw ?? 'pw-original' } };
  const base = { unit: unit(c, opts), wave: 'w1', step: 0, health: DEFAULT_HEALTH };
  if (opts.enabled === false) return { ...base, state: 'disabled' };
  if (opts.error) return { ...base, state: 'failed', error: opts.error, chart, values };
  return { ...base, state: 'rendered', chart, values, origins: [], manifest: manifest(replicas, opts.pw), hooks: [], crds: [], extra: '', inputs: `in-${replicas}`, nondeterministic: false, notes: [] };
}

/** plan's exit code, --detailed-exitcode or not: the command's own outcome, mapped by errors.ts. */
function planExitCode(plan: ReturnType<typeof assemblePlan>, detailed: boolean): number {
  return EXIT_CODES[planCommandOutcome(plan, detailed)];
}

const errorOf = (u: PlannedUnit | undefined) => (u?.kind === 'failed' ? u.error : undefined);

function deployed(c: string, name: string, replicas: number, o: { managed?: boolean; version?: string; status?: string; labels?: Record<string, string> } = {}): DeployedRelease {
  return {
    cluster: c,
    namespace: 'ns',
    name,
    revision: 4,
    status: o.status ?? 'deployed',
    chartName: 'demo',
    chartVersion: o.version ?? '1.1.0',
    manifest: manifest(replicas),
    config: { replicaCount: replicas, secrets: { PASSWORD: 'pw-original' } },
    labels: o.managed === false ? {} : { 'managed-by': 'helm-cascade', 'cascade-repo': 'deploy', 'cascade-release': name, ...o.labels },
    managed: o.managed !== false,
  };
}

function input(units: GatheredUnit[], dep: DeployedRelease[], extra: Partial<AssembleInput> = {}): AssembleInput {
  return {
    clustersFile: 'clusters.yaml',
    waves: [{ name: 'w1', index: 0, steps: [units] }],
    deployed: dep,
    listedIds: new Set(units.map((u) => `${u.unit.cluster}/ns/${u.unit.helmName}`)),
    clustersRead: new Set(['a', 'b', 'c']),
    repo: 'deploy',
    selector: {},
    prune: false,
    orphanPlacement: () => ({ wave: 'w1', health: DEFAULT_HEALTH }),
    createdAt: '2026-11-22T00:00:00Z',
    ...extra,
  };
}

const all = (p: ReturnType<typeof assemblePlan>) => p.waves.flatMap((w) => w.steps.flat());

describe('assemblePlan', () => {
  it('install when nothing is deployed; unchanged when identical; upgrade with the diff when changed', () => {
    const plan = assemblePlan(input([desired('a', 1), desired('b', 2), desired('c', 3)], [deployed('b', 'web', 2), deployed('c', 'web', 1)]));
    assert.deepEqual(all(plan).map((u) => [u.cluster, u.action, u.reasons]), [
      ['a', 'install', ['new']],
      ['b', 'unchanged', []],
      ['c', 'upgrade', ['manifest-changed', 'values-changed']],
    ]);
    const up = all(plan)[2]!;
    assert.equal(up.diffs.length, 1);
    assert.match(up.diffs[0]!.diff, /-\s+replicas: 1\n\+\s+replicas: 3/);
    assert.equal(up.deployedRevision, 4);
    assert.equal(up.digest.deployedRevision, 4);
    assert.equal(plan.summary.install, 1);
    assert.equal(summaryLine(plan.summary), 'Plan: 1 to install, 1 to upgrade, 1 unchanged, 0 to uninstall.');
  });
  it('chart version change and failed release are upgrades', () => {
    const plan = assemblePlan(input([desired('a', 1), desired('b', 1)], [deployed('a', 'web', 1, { version: '1.0.0' }), deployed('b', 'web', 1, { status: 'failed' })]));
    assert.deepEqual(all(plan).map((u) => [u.action, u.reasons, u.fromVersion, u.kind === 'rendered' ? u.toVersion : undefined]), [
      ['upgrade', ['chart-changed'], '1.0.0', '1.1.0'],
      ['upgrade', ['failed-release'], '1.1.0', '1.1.0'],
    ]);
  });
  it('enabled:false plans the uninstall where deployed, nothing where absent', () => {
    const plan = assemblePlan(input([desired('a', 1, { enabled: false }), desired('b', 1, { enabled: false })], [deployed('a', 'web', 1)]));
    assert.deepEqual(all(plan).map((u) => [u.cluster, u.action, u.reasons]), [['a', 'uninstall', ['disabled']]]);
    assert.deepEqual(all(plan)[0]!.diffs.map((d) => [d.kind, d.change]), [['Deployment', 'removed'], ['Secret', 'removed']]);
    assert.equal(plan.summary.uninstall, 1);
  });
  it('a managed release the repository no longer lists is an orphan, uninstalled only with --prune', () => {
    const dep = [deployed('a', 'web', 1), deployed('a', 'old-svc', 1), deployed('a', 'hand-made', 1, { managed: false })];
    const kept = assemblePlan(input([desired('a', 1)], dep));
    assert.deepEqual(kept.orphans.map((o) => [o.helmName, o.action, o.reasons]), [['old-svc', 'unchanged', ['orphaned']]]);
    assert.equal(kept.summary.uninstall, 0);
    assert.equal(planExitCode(kept, true), 0);
    const pruned = assemblePlan(input([desired('a', 1)], dep, { prune: true }));
    assert.deepEqual(pruned.orphans.map((o) => [o.helmName, o.action]), [['old-svc', 'uninstall']]);
    assert.equal(pruned.summary.uninstall, 1);
    assert.equal(planExitCode(pruned, true), 2);
  });
  it('releases another deploy repository made (its cascade-repo label) are never our orphans, not even with --prune', () => {
    const dep = [deployed('a', 'old-svc', 1), deployed('a', 'theirs', 1, { labels: { 'cascade-repo': 'other-repo' } })];
    const pruned = assemblePlan(input([], dep, { prune: true }));
    assert.deepEqual(pruned.orphans.map((o) => [o.helmName, o.action]), [['old-svc', 'uninstall']]);
  });
  it('an unchanged unit whose live objects were changed by hand is upgraded to repair them (live-drift)', () => {
    const live = { drifted: true, objects: [{ kind: 'Deployment', namespace: 'ns', name: 'web', change: 'changed' as const, fields: [{ message: 'spec.replicas: 1 -> 5' }] }] };
    const plan = assemblePlan(input([desired('a', 1)], [deployed('a', 'web', 1)], { liveDrift: new Map([['a/ns/web', live]]) }));
    const [u] = all(plan);
    assert.equal(u!.action, 'upgrade');
    assert.deepEqual(u!.reasons, ['live-drift']);
    assert.match(u!.diffs[0]!.diff, /spec\.replicas: 1 -> 5/);
    const clean = assemblePlan(input([desired('a', 1)], [deployed('a', 'web', 1)], { liveDrift: new Map([['a/ns/web', { drifted: false, objects: [] }]]) }));
    assert.equal(all(clean)[0]!.action, 'unchanged');
  });
  it('orphans respect the selector and the clusters read', () => {
    const dep = [deployed('a', 'old-svc', 1), deployed('z', 'other', 1)];
    const p = assemblePlan(input([], dep, { selector: { name: 'web*' } }));
    assert.equal(p.orphans.length, 0);
    const q = assemblePlan(input([], dep));
    assert.deepEqual(q.orphans.map((o) => o.cluster), ['a']);
  });
  it('a render error is shown on its unit, others still planned, exit 4 (bad input, nothing changed)', () => {
    const plan = assemblePlan(input([desired('a', 1, { error: 'Error: template: demo/templates/x.yaml:3:7: bad' }), desired('b', 1)], []));
    assert.equal(plan.summary.errors, 1);
    assert.equal(plan.summary.install, 1);
    assert.equal(planExitCode(plan, false), 4);
    assert.match(renderPlanText(plan, { color: false }), /x\.yaml:3:7/);
  });
  it('objects the API server refused become the unit\'s error, counted like a render error', () => {
    const plan = assemblePlan(input([desired('a', 1), desired('b', 1)], []));
    assert.equal(withRefusedObjects(plan, new Map()), plan);
    const refused = withRefusedObjects(plan, new Map([['a/ns/web', ['ConfigMap/web (demo/templates/cm.yaml): strict decoding error: unknown field "dat"']]]));
    assert.deepEqual(refused.summary, { install: 1, upgrade: 0, unchanged: 0, uninstall: 0, errors: 1 });
    assert.match(errorOf(all(refused)[0])!, /unknown field "dat"/);
    assert.equal(errorOf(all(refused)[1]), undefined);
    assert.equal(errorOf(all(plan)[0]), undefined, 'the plan given is left as it was');
    assert.equal(planExitCode(refused, false), 4);
    assert.match(renderPlanText(refused, { color: false }), /1 release failed to render or has objects the API server refuses/);
  });
  it('a nondeterministic chart with unchanged inputs is not upgraded, and says why; its first install is still an install', () => {
    const d = desired('a', 1);
    if (d.state !== 'rendered') throw new Error('rendered');
    // same values, another output: the chart generated a new password on its own
    const nd = { ...d, manifest: manifest(1, 'pw-generated-on-this-render'), nondeterministic: true };
    const dep = deployed('a', 'web', 1);
    dep.labels['cascade-inputs'] = nd.inputs;
    const plan = assemblePlan(input([nd], [dep]));
    const [u] = all(plan);
    assert.equal(u!.action, 'unchanged');
    assert.deepEqual(u!.diffs, []);
    assert.match(u!.kind === 'rendered' ? u!.notes.join('\n') : '', /nondeterministic: .*inputs are those of revision 4/);
    assert.match(renderPlanText(plan, { color: false }), /web \(ns\)  unchanged .*inputs unchanged: not upgraded/);
    assert.equal(all(assemblePlan(input([nd], [])))[0]!.action, 'install');
    // other inputs (or none recorded): the difference is a change
    assert.equal(all(assemblePlan(input([nd], [deployed('a', 'web', 1)])))[0]!.action, 'upgrade');
  });
  it('a nondeterministic unit names the fields that change; --force-nondeterministic upgrades it with its diff, and only it', () => {
    const d = desired('a', 1);
    if (d.state !== 'rendered') throw new Error('rendered');
    const nd = { ...d, manifest: manifest(1, 'pw-generated-on-this-render'), nondeterministic: true, volatile: ['Secret/web: stringData.PASSWORD'] };
    const dep = deployed('a', 'web', 1);
    dep.labels['cascade-inputs'] = nd.inputs;
    const [left] = all(assemblePlan(input([nd], [dep])));
    assert.equal(left!.action, 'unchanged');
    assert.deepEqual(left!.kind === 'rendered' ? left!.nondeterministic : undefined, ['Secret/web: stringData.PASSWORD']);
    assert.match(left!.kind === 'rendered' ? left!.notes.join('\n') : '', /differ in Secret\/web: stringData\.PASSWORD .*--force-nondeterministic/);
    assert.match(renderPlanText(assemblePlan(input([nd], [dep])), { color: false }), /\n {8}nondeterministic, changes on every render: Secret\/web: stringData\.PASSWORD\n/);
    const [forced] = all(assemblePlan(input([nd], [dep], { forceNondeterministic: true })));
    assert.equal(forced!.action, 'upgrade');
    assert.deepEqual(forced!.reasons, ['manifest-changed', 'nondeterministic']);
    assert.deepEqual(forced!.diffs.map((x) => `${x.kind}/${x.name}`), ['Secret/web']);
    // a deterministic unit whose output changed with the same inputs (lookup) is not forced
    const lookup = { ...nd, nondeterministic: false, volatile: [] };
    assert.equal(all(assemblePlan(input([lookup], [dep], { forceNondeterministic: true })))[0]!.action, 'unchanged');
  });
  it('detailed exit codes', () => {
    const same = assemblePlan(input([desired('a', 1)], [deployed('a', 'web', 1)]));
    assert.equal(planExitCode(same, true), 0);
    const changed = assemblePlan(input([desired('a', 2)], [deployed('a', 'web', 1)]));
    assert.equal(planExitCode(changed, true), 2);
    assert.equal(planExitCode(changed, false), 0);
  });
  it('a secret value change shows the key as changed and never the value', () => {
    const plan = assemblePlan(input([desired('a', 1, { pw: 'pw-rotated-xyz' })], [deployed('a', 'web', 1)]));
    const u = all(plan)[0]!;
    assert.equal(u.action, 'upgrade');
    const text = renderPlanText(plan, { color: false, explain: true }) + JSON.stringify(planForDisplay(plan));
    assert.match(text, /data\.PASSWORD: \(secret value changed\)/);
    for (const secret of ['pw-rotated-xyz', 'pw-original']) {
      assert.ok(!text.includes(secret), `text shows ${secret}`);
      assert.ok(!JSON.stringify({ ...u, values: undefined, manifest: undefined }).includes(secret), `json shows ${secret}`);
    }
  });
});

describe('plan text', () => {
  it('ends with exactly the summary line, one line per unchanged release, no colour when off', () => {
    const plan = assemblePlan(input([desired('a', 1), desired('b', 1)], [deployed('a', 'web', 1)]));
    const text = renderPlanText(plan, { color: false });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[lines.length - 1], 'Plan: 1 to install, 0 to upgrade, 1 unchanged, 0 to uninstall.');
    assert.ok(!text.includes('\u001b['));
    assert.equal(lines.filter((l) => l.includes('web (ns)  unchanged')).length, 1);
    assert.match(renderPlanText(plan, { color: true }), /\u001b\[32m/);
  });
});

describe('another run\'s unfinished work', () => {
  const byRun = (labels: Record<string, string> = {}) => ({ ...deployed('a', 'web', 1, { labels }), description: 'helm-cascade run 20261202T100000Z-abc123 wave w1' });
  it('a revision whose gate has not passed is never unchanged: it is upgraded and gated again', () => {
    const plan = assemblePlan(input([desired('a', 1)], [byRun()]));
    const u = all(plan)[0]!;
    assert.equal(u.action, 'upgrade');
    assert.deepEqual(u.reasons, ['ungated']);
    assert.ok(u.kind === 'rendered' && u.notes.includes('revision 4 was made by run 20261202T100000Z-abc123 and its health gate has not passed (still gating, halted, or the run died): upgraded and gated again, never taken for done'));
    assert.equal(summaryLine(plan.summary), 'Plan: 0 to install, 1 to upgrade, 0 unchanged, 0 to uninstall.');
  });
  it('once its gate passed (marker on that revision) it is unchanged', () => {
    const plan = assemblePlan(input([desired('a', 1)], [byRun({ 'cascade-gate-passed': '4' })]));
    assert.deepEqual(all(plan).map((u) => [u.action, u.reasons]), [['unchanged', []]]);
  });
});

/** The gathered unit, known to be rendered. */
function rendered(d: GatheredUnit): Extract<GatheredUnit, { state: 'rendered' }> {
  if (d.state !== 'rendered') throw new Error('rendered');
  return d;
}

/** A digest of something (sha256 or its keyed form): 64 hex digits. */
const HEX = /^[0-9a-f]{64}$/;

describe('what a rendered unit says', () => {
  it('sha256 is the hex SHA-256 of the text', () => {
    assert.equal(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('digests: a render has its chart, values and manifest; an uninstall only the revision', () => {
    const plan = assemblePlan(input([desired('a', 1), desired('b', 1, { enabled: false })], [deployed('a', 'web', 1), deployed('b', 'web', 1)]));
    const [kept, gone] = all(plan);
    assert.equal(kept!.digest.chart, 'd1');
    assert.match(kept!.digest.values, HEX);
    assert.match(kept!.digest.manifest, HEX);
    assert.equal(kept!.digest.deployedRevision, 4);
    assert.deepEqual(gone!.digest, { chart: '', values: '', manifest: '', deployedRevision: 4 });
  });
  it('another chart of the same version is a chart change', () => {
    const dep = { ...deployed('a', 'web', 1), chartName: 'other-chart' };
    assert.deepEqual(all(assemblePlan(input([desired('a', 1)], [dep])))[0]!.reasons, ['chart-changed']);
  });
  it('an unchanged unit: no notes, no values diff, whether or not its inputs are recorded', () => {
    const dep = deployed('a', 'web', 1, { labels: { 'cascade-inputs': 'in-1' } });
    const [u] = all(assemblePlan(input([desired('a', 1)], [dep])));
    assert.equal(u!.action, 'unchanged');
    assert.ok(u!.kind === 'rendered');
    assert.deepEqual(u!.notes, []);
    assert.equal('valuesDiff' in u!, false);
    const [chartOnly] = all(assemblePlan(input([desired('a', 1)], [deployed('a', 'web', 1, { version: '1.0.0' })])));
    assert.equal('valuesDiff' in chartOnly!, false);
  });
  it('objects changed by hand: one diff each, what changed or that it is missing', () => {
    const live = {
      drifted: true,
      objects: [
        { kind: 'Deployment', namespace: 'ns', name: 'web', change: 'changed' as const, fields: [{ message: 'spec.replicas: 1 -> 5' }, { message: 'spec.paused: added' }] },
        { kind: 'ClusterRole', namespace: undefined, name: 'web-reader', change: 'missing' as const, fields: [] },
      ],
    };
    const [u] = all(assemblePlan(input([desired('a', 1)], [deployed('a', 'web', 1)], { liveDrift: new Map([['a/ns/web', live]]) })));
    assert.deepEqual(u!.diffs, [
      { kind: 'Deployment', namespace: 'ns', name: 'web', change: 'changed', diff: 'live (changed by hand): spec.replicas: 1 -> 5; spec.paused: added' },
      { kind: 'ClusterRole', namespace: '', name: 'web-reader', change: 'changed', diff: 'live (changed by hand): object missing' },
    ]);
  });
  it('a deterministic unit whose output changed with the same inputs says why: lookup, or nothing it is rendered from', () => {
    const d = rendered(desired('a', 1));
    const other = { ...d, manifest: manifest(1, 'pw-changed-by-itself') };
    const dep = deployed('a', 'web', 1, { labels: { 'cascade-inputs': d.inputs } });
    const [plain] = all(assemblePlan(input([other], [dep])));
    assert.deepEqual(plain!.kind === 'rendered' && plain!.notes, ['its output changed although nothing it is rendered from did; the inputs are those of revision 4, so it is not upgraded']);
    const lookup = { ...other, chart: { ...chart, features: { ...chart.features, lookup: true } } };
    const [looked] = all(assemblePlan(input([lookup], [dep])));
    assert.deepEqual(looked!.kind === 'rendered' && looked!.notes, ['its output depends on what its templates read in the cluster (lookup); the inputs are those of revision 4, so it is not upgraded']);
  });
  it('--force-nondeterministic: the note names the fields that change; without them, no note', () => {
    const d = rendered(desired('a', 1));
    const nd = { ...d, manifest: manifest(1, 'pw-generated-on-this-render'), nondeterministic: true, volatile: ['Secret/web: stringData.PASSWORD'] };
    const dep = deployed('a', 'web', 1, { labels: { 'cascade-inputs': nd.inputs } });
    const [forced] = all(assemblePlan(input([nd], [dep], { forceNondeterministic: true })));
    assert.deepEqual(forced!.kind === 'rendered' && forced!.notes, ['nondeterministic: two renders of the same inputs differ in Secret/web: stringData.PASSWORD; upgraded: --force-nondeterministic']);
    const [left] = all(assemblePlan(input([nd], [dep])));
    assert.deepEqual(left!.kind === 'rendered' && left!.notes, [
      'nondeterministic: two renders of the same inputs differ in Secret/web: stringData.PASSWORD (--force-nondeterministic upgrades it anyway); the inputs are those of revision 4, so it is not upgraded',
    ]);
    const { volatile: _v, ...unnamed } = nd;
    const [bare] = all(assemblePlan(input([unnamed], [dep], { forceNondeterministic: true })));
    assert.deepEqual([bare!.action, bare!.reasons, bare!.kind === 'rendered' && bare!.notes], ['upgrade', ['manifest-changed', 'nondeterministic'], []]);
  });
});

describe('what failed units, uninstalls and orphans say', () => {
  it('a failed unit: what it would have been, its chart and values, its string values masked in --explain', () => {
    const origins = [
      { path: 'image.tag', value: 'v1.2.3', source: 'values/a.yaml' },
      { path: 'hosts', value: ['a.example'], source: 'values/a.yaml' },
      { path: 'replicaCount', value: 2, source: 'values/a.yaml' },
    ];
    const failed = (): GatheredUnit => ({ ...desired('a', 2, { error: 'Error: boom' }), origins } as GatheredUnit);
    const fresh = all(assemblePlan(input([failed()], [])))[0];
    if (fresh?.kind !== 'failed') throw new Error(`failed unit expected, got ${fresh?.kind}`);
    assert.deepEqual([fresh.action, fresh.reasons, fresh.diffs, fresh.error, fresh.chart, fresh.toVersion, fresh.values], ['install', [], [], 'Error: boom', chart, '1.1.0', { replicaCount: 2, secrets: { PASSWORD: 'pw-original' } }]);
    assert.deepEqual(fresh.origins, [
      { path: 'image.tag', value: '(secret)', source: 'values/a.yaml' },
      { path: 'hosts', value: '(secret)', source: 'values/a.yaml' },
      { path: 'replicaCount', value: 2, source: 'values/a.yaml' },
    ]);
    assert.equal(fresh.digest.chart, 'd1');
    assert.match(fresh.digest.values, HEX);
    assert.equal(fresh.digest.manifest, '');
    const [over] = all(assemblePlan(input([failed()], [deployed('a', 'web', 1)])));
    assert.deepEqual([over!.action, over!.deployedRevision, over!.digest.deployedRevision], ['unchanged', 4, 4]);
  });
  it('a unit that failed to render registers nothing with the redactor: no render says what is secret', () => {
    const redactor = new Redactor();
    const d = { ...desired('a', 1, { error: 'Error: boom' }), values: { upstream: 'https://bot:Tk-77aa@git.example.com/r.git' } } as GatheredUnit;
    assemblePlan(input([d, desired('b', 1, { enabled: false })], [], { redactor }));
    assert.equal(redactor.size, 0);
  });
  it('a disabled unit still deployed: an uninstall that lists the objects that go, cluster-scoped ones without a namespace', () => {
    const dep = { ...deployed('a', 'web', 1), manifest: `${manifest(1)}---\napiVersion: v1\nkind: Namespace\nmetadata: { name: team }\n`, applyMethod: 'ssa' };
    const [u] = all(assemblePlan(input([desired('a', 1, { enabled: false })], [dep])));
    assert.equal(u!.kind, 'orphan');
    assert.equal(u!.deployedApplyMethod, 'ssa');
    assert.deepEqual(u!.diffs, [
      { kind: 'Deployment', namespace: 'ns', name: 'web', change: 'removed', diff: '' },
      { kind: 'Secret', namespace: 'ns', name: 'web', change: 'removed', diff: '' },
      { kind: 'Namespace', namespace: '', name: 'team', change: 'removed', diff: '' },
    ]);
    const unreadable = { ...deployed('a', 'web', 1), manifest: 'kind: [x\n' };
    assert.deepEqual(all(assemblePlan(input([desired('a', 1, { enabled: false })], [unreadable])))[0]!.diffs, []);
  });
  it('a step left without units is dropped', () => {
    const plan = assemblePlan({ ...input([], []), waves: [{ name: 'w1', index: 0, steps: [[desired('a', 1, { enabled: false })], [desired('b', 1)]] }] });
    assert.deepEqual(plan.waves[0]!.steps.map((s) => s.map((u) => u.cluster)), [['b']]);
  });
  it('orphans: sorted by cluster, namespace and name; one not in the selected waves is left out', () => {
    const dep = [deployed('b', 'aaa', 1), { ...deployed('a', 'abc', 1), namespace: 'x' }, deployed('a', 'mmm', 1), deployed('a', 'bbb', 1)];
    const plan = assemblePlan(input([], dep));
    assert.deepEqual(plan.orphans.map((o) => [o.kind, o.cluster, o.namespace, o.helmName, o.diffs]), [
      ['orphan', 'a', 'ns', 'bbb', []],
      ['orphan', 'a', 'ns', 'mmm', []],
      ['orphan', 'a', 'x', 'abc', []],
      ['orphan', 'b', 'ns', 'aaa', []],
    ]);
    assert.deepEqual(assemblePlan(input([], dep, { orphanPlacement: () => undefined })).orphans, []);
  });
});

describe('withRefusedObjects', () => {
  const refuse = (plan: ReturnType<typeof assemblePlan>, ...lines: string[]) => withRefusedObjects(plan, new Map([['a/ns/web', lines]]));
  it('a unit refused becomes a failed one, what it would have been kept (install or unchanged), one line per object', () => {
    const lines = ['ConfigMap/web (demo/templates/cm.yaml): strict decoding error: unknown field "dat"', 'Service/web (demo/templates/svc.yaml): spec.ports: Required value'];
    const [fresh] = all(refuse(assemblePlan(input([desired('a', 1)], [])), ...lines));
    assert.deepEqual([fresh!.kind, fresh!.action, errorOf(fresh)], ['failed', 'install', lines.join('\n')]);
    assert.equal('manifest' in fresh!, false);
    const [over] = all(refuse(assemblePlan(input([desired('a', 2)], [deployed('a', 'web', 1)])), lines[0]!));
    assert.deepEqual([over!.kind, over!.action, errorOf(over)], ['failed', 'unchanged', lines[0]]);
  });
  it('a unit that failed to render keeps its error, the refusals after it', () => {
    const [u] = all(refuse(assemblePlan(input([desired('a', 1, { error: 'Error: boom' })], [])), 'ConfigMap/web (demo/templates/cm.yaml): spec: Required value'));
    assert.equal(errorOf(u), 'Error: boom\nConfigMap/web (demo/templates/cm.yaml): spec: Required value');
  });
  it('an uninstall sends no object: it is left as it is', () => {
    const plan = assemblePlan(input([desired('a', 1, { enabled: false })], [deployed('a', 'web', 1)]));
    const refused = refuse(plan, 'ConfigMap/web (demo/templates/cm.yaml): spec: Required value');
    assert.equal(all(refused)[0], all(plan)[0]);
  });
  it('the object before ": " is kept; the message loses the unit\'s values, with or without ": "', () => {
    const d = { ...rendered(desired('a', 1)), values: { configName: 'webapp-config' } };
    const plan = assemblePlan(input([d], []));
    const [u] = all(refuse(plan, 'ConfigMap/webapp-config (demo/templates/cm.yaml): data.x: Invalid value: "abc": must not be webapp-config', 'webapp-config is refused'));
    assert.equal(errorOf(u), 'ConfigMap/webapp-config (demo/templates/cm.yaml): data.x: Invalid value: (a string of 3 bytes, not shown): must not be (secret)\n(secret) is refused');
  });
});
