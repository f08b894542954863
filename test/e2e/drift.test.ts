// `helm-cascade drift` end to end on the local fleet (real kube-apiservers,
// real helm, real kubectl): deployed as the repository says -> exit 0; then
// each kind of drift made by hand (kubectl scale, a ConfigMap patched, a
// Service deleted, a Secret edited, a helm upgrade to another chart version,
// a release left failed, an unmanaged release) -> each found and named, exit 2;
// JSON and JUnit parse, HTML renders in chromium, the webhook receives the
// summary, no secret value anywhere; an unreachable cluster -> exit 5 with the
// others still reported.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { parse, stringify } from 'yaml';
import { ensureFleet } from '../../fleet/fleet-api.ts';
import { helmBin, kubectlBin } from '../../fleet/tools.ts';
import { testHelmMajors } from '../support/helm-majors.ts';
import { chromiumBin } from '../support/tools.ts';
import { loadDeployRepoOrThrow } from '../../src/config/load.ts';
import type { DriftReport } from '../../src/drift/types.ts';
import { createHelm } from '../../src/helm/helm.ts';
import { markerLabels } from '../../src/model/release.ts';
import { repoNameOf } from '../../src/config/load.ts';
import { deployPlanned, planOnce } from './support/deploy.ts';
import { startWebhook } from './support/webhook.ts';
import { planUnits } from '../../src/plan/assemble.ts';
import { assertValidJunit } from '../ship/support/junit-xsd.ts';
import { tempDir } from '../support/tmp.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'bin', 'helm-cascade.js');
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
/** Both helm majors, unless HELM_CASCADE_TEST_HELM narrows them (HELM_BIN does not). */
const HELMS: { label: string; bin: string }[] = testHelmMajors().map((m) => ({ label: `helm ${m}`, bin: helmBin(m) }));
const KUBECTL = kubectlBin();
const CONTEXTS = { paris: 'dc-paris', europe: 'gke_demo_europe-west1_main' } as const;
const SECRET = 'orig-db-pass-7f3a9c';
const SECRET_EDITED = 'hand-edited-pass-91bd2e';


interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

for (const { label, bin: HELM } of HELMS) describe(`drift on the local fleet (${label})`, { timeout: 900_000 }, () => {
  const ns = `drift-e2e-${label.toLowerCase().replace(/[^a-z0-9]/g, '')}-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  let kubeconfig = '';
  let dir = '';
  const helm = createHelm({ bin: HELM });

  const cli = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
    const r = await execa(NODE, [CLI, 'drift', '--clusters', join(dir, 'clusters.yaml'), '--helm', HELM, '-l', `namespace=${ns}`, ...args], {
      reject: false,
      env: { ...process.env, NO_COLOR: '1', ...env },
      cwd: dir,
    });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const kubectl = (cluster: keyof typeof CONTEXTS, args: string[]): string => {
    const r = spawnSync(KUBECTL, ['--kubeconfig', kubeconfig, '--context', CONTEXTS[cluster], '-n', ns, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const target = (cluster: keyof typeof CONTEXTS) => ({ cluster, context: CONTEXTS[cluster], kubeconfig });

  /** What apply does: every planned install/upgrade with the real helm and the marker labels. */
  const deployAll = async () => {
    const repo = loadDeployRepoOrThrow({ clustersFile: join(dir, 'clusters.yaml') });
    const plan = await planOnce(repo, { kubeconfig, selector: { namespace: ns } }, helm);
    await deployPlanned(repo, plan, kubeconfig, helm);
    return plan;
  };

  before(async () => {
    dir = tempDir('hc-drift-e2e-');
    writeFileSync(
      join(dir, 'clusters.yaml'),
      stringify({
        clusters: {
          paris: { context: CONTEXTS.paris, provider: 'onprem', region: 'europe' },
          europe: { context: CONTEXTS.europe, provider: 'gke', region: 'europe' },
        },
        tracks: ['internal', 'canary', 'production'],
      }),
    );
    const fleet = await ensureFleet({ clustersFile: join(dir, 'clusters.yaml'), log: () => undefined });
    kubeconfig = fleet.kubeconfig;
    const cfg = parse(readFileSync(join(dir, 'clusters.yaml'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'clusters.yaml'), stringify({ kubeconfig, ...cfg }));
    mkdirSync(join(dir, 'releases'), { recursive: true });
    cpSync(join(ROOT, 'charts', 'cascade-demo'), join(dir, 'charts', 'cascade-demo'), { recursive: true });
    // the same chart, one version on: what someone upgraded to by hand
    cpSync(join(ROOT, 'charts', 'cascade-demo'), join(dir, 'charts', 'cascade-demo-next'), { recursive: true });
    const chartYaml = join(dir, 'charts', 'cascade-demo-next', 'Chart.yaml');
    writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: .*$/m, 'version: 1.3.0'));
    writeFileSync(
      join(dir, 'releases', 'shop.yaml'),
      stringify({
        name: 'shop',
        namespace: ns,
        chart: { ref: 'charts/cascade-demo' },
        set: { 'image.tag': '1.0.0', 'secrets.DB_PASSWORD': SECRET },
        tracks: { internal: { set: { replicaCount: 1 } }, canary: { set: { replicaCount: 1 } }, production: { set: { replicaCount: 2 } } },
      }),
    );
  });

  after(() => {
    if (process.env.HELM_CASCADE_KEEP_DRIFT === '1') return;
    for (const ctx of Object.values(CONTEXTS)) {
      const r = spawnSync(KUBECTL, ['--kubeconfig', kubeconfig, '--context', ctx, 'delete', 'namespace', ns, '--wait=false', '--ignore-not-found'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `cleanup of namespace ${ns} in ${ctx}: ${r.stderr}${r.error?.message ?? ''}`);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('deployed as the repository says: no drift, exit 0', async () => {
    const plan = await deployAll();
    assert.equal(planUnits(plan).length, 6);
    const hook = await startWebhook();
    let r: Run;
    let always: Run;
    try {
      r = await cli(['--format', 'text,json=out/clean.json', '--notify', hook.url]);
      assert.equal(hook.got.length, 0, 'notified although nothing drifted');
      always = await cli(['--format', 'json=out/clean2.json', '--notify', hook.url, '--notify-always']);
    } finally {
      hook.close();
    }
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(always.code, 0, always.stderr);
    assert.equal(always.stdout, '');
    assert.match(always.stderr, /6 clean, 0 drifted; wrote out\/clean2\.json/);
    assert.equal(hook.got.length, 1);
    assert.match((JSON.parse(hook.got[0] ?? '{}') as { text: string }).text, /no drift across 6 releases on 2 clusters/);
    assert.match(r.stdout, /6 releases on 2 clusters: 6 clean, 0 drifted/);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'clean.json'), 'utf8')) as DriftReport;
    assert.equal(report.pendingChecked, true, report.notes.join('\n'));
    assert.deepEqual([...new Set(report.units.map((u) => u.state))], ['clean']);
  });

  it('every kind of hand-made drift is found and named, exit 2, in every format', async () => {
    // live drift
    kubectl('paris', ['scale', 'deployment', 'shop-production', '--replicas=5']);
    kubectl('paris', ['patch', 'configmap', 'shop-canary', '--type=merge', '-p', JSON.stringify({ data: { LOG_LEVEL: 'debug' } })]);
    kubectl('europe', ['delete', 'service', 'shop-canary']);
    kubectl('europe', ['patch', 'secret', 'shop-production', '--type=merge', '-p', JSON.stringify({ stringData: { DB_PASSWORD: SECRET_EDITED } })]);
    // skew: a helm upgrade by hand to another chart version (same values, same marker)
    const values = (track: string, cluster: string) => ({ image: { tag: '1.0.0' }, secrets: { DB_PASSWORD: SECRET }, replicaCount: 1, cascade: { cluster, region: 'europe', provider: cluster === 'paris' ? 'onprem' : 'gke', track } });
    await helm.upgradeInstall({ ...target('europe'), releaseName: 'shop-internal', namespace: ns, chart: join(dir, 'charts', 'cascade-demo-next'), values: values('internal', 'europe'), labels: markerLabels({ release: 'shop', track: 'internal', cluster: 'europe' }, repoNameOf(dir)) });
    // broken: an upgrade the API server refuses leaves the release failed
    await assert.rejects(
      helm.upgradeInstall({ ...target('paris'), releaseName: 'shop-internal', namespace: ns, chart: join(dir, 'charts', 'cascade-demo'), values: { ...values('internal', 'paris'), service: { port: 99999999 } }, labels: markerLabels({ release: 'shop', track: 'internal', cluster: 'paris' }, repoNameOf(dir)) }),
    );
    // unmanaged: a release nobody told helm-cascade about, in its namespace
    await helm.upgradeInstall({ ...target('paris'), releaseName: 'stray', namespace: ns, chart: join(dir, 'charts', 'cascade-demo'), values: {}, labels: {} });

    const hook = await startWebhook();
    const got = hook.got;
    let r: Run;
    try {
      r = await cli(['--format', 'text,json=out/drift.json,junit=out/drift.xml,html=out/drift.html,markdown=out/drift.md', '--notify', hook.url]);
    } finally {
      hook.close();
    }
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'drift.json'), 'utf8')) as DriftReport;
    assertValidJunit(readFileSync(join(dir, 'out', 'drift.xml'), 'utf8')); // as Jenkins' xunit plugin reads it (junit-10.xsd)
    const unit = (cluster: string, name: string) => {
      const u = report.units.find((x) => x.cluster === cluster && x.helmName === name);
      assert.ok(u, `${cluster}/${name} missing from the report`);
      return { ...u, text: u.findings.flatMap((f) => [f.summary, ...f.details]).join('\n'), kinds: u.findings.map((f) => f.kind) };
    };
    const scaled = unit('paris', 'shop-production');
    assert.ok(scaled.kinds.includes('live'), scaled.text);
    assert.match(scaled.text, /Deployment [^ ]+\/shop-production: spec\.replicas: 2 -> 5/);
    const cm = unit('paris', 'shop-canary');
    assert.match(cm.text, /ConfigMap [^ ]+\/shop-canary: data\.LOG_LEVEL: "info" -> "debug"/);
    const svc = unit('europe', 'shop-canary');
    assert.match(svc.text, /Service [^ ]+\/shop-canary: missing/);
    const sec = unit('europe', 'shop-production');
    assert.match(sec.text, /Secret [^ ]+\/shop-production: key DB_PASSWORD changed/);
    const skew = unit('europe', 'shop-internal');
    assert.ok(skew.kinds.includes('skew'), skew.text);
    assert.ok(skew.kinds.includes('pending'), `a hand upgrade to 1.3.0 is also pending back to 1.2.0: ${skew.text}`);
    assert.match(skew.text, /chart 1\.3\.0 here, 1\.2\.0 on paris/);
    const failed = unit('paris', 'shop-internal');
    assert.equal(failed.state, 'broken', failed.text);
    assert.match(failed.text, /status failed/);
    const stray = unit('paris', 'stray');
    assert.equal(stray.known, false);
    assert.ok(stray.kinds.includes('unmanaged'));
    assert.equal(report.summary.drifted, 7);

    // text names them too; JUnit parses with one failure per drifted unit; Markdown has the matrix
    for (const s of ['spec.replicas: 2 -> 5', 'key DB_PASSWORD changed', 'status failed', 'stray']) assert.ok(r.stdout.includes(s), `text lacks "${s}"`);
    const xml = readFileSync(join(dir, 'out', 'drift.xml'), 'utf8');
    assert.equal((xml.match(/<testcase /g) ?? []).length, 7);
    assert.equal((xml.match(/<failure /g) ?? []).length, 7);
    assert.match(xml, /<testsuites tests="7" failures="7" errors="0"/);
    // (well-formed and valid: assertValidJunit above ran xmllint against junit-10.xsd)
    assert.match(readFileSync(join(dir, 'out', 'drift.md'), 'utf8'), /\| release \| paris \| europe \|/);

    // the webhook got one summary
    assert.equal(got.length, 1);
    const msg = JSON.parse(got[0] ?? '{}') as { text: string };
    assert.match(msg.text, /7 of 7 releases drifted/);

    // no secret value anywhere
    const outputs = [r.stdout, r.stderr, got.join('\n'), ...['drift.json', 'drift.xml', 'drift.html', 'drift.md'].map((f) => readFileSync(join(dir, 'out', f), 'utf8'))];
    for (const s of [SECRET, SECRET_EDITED, Buffer.from(SECRET).toString('base64'), Buffer.from(SECRET_EDITED).toString('base64')]) {
      assert.ok(!outputs.some((o) => o.includes(s)), `a secret value leaked: ${s}`);
    }

    // the HTML renders in a real browser with a cell per unit
    {
      const CHROMIUM = chromiumBin();
      const profile = tempDir('chromium-');
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', `--user-data-dir=${profile}`];
      const page = `file://${join(dir, 'out', 'drift.html')}`;
      const shot = join(dir, 'out', 'drift.png');
      spawnSync(CHROMIUM, [...flags, `--screenshot=${shot}`, '--window-size=1200,800', page], { timeout: 90_000 });
      assert.ok(existsSync(shot) && statSync(shot).size > 10_000, 'no screenshot, or a blank one');
      const dom = spawnSync(CHROMIUM, [...flags, '--dump-dom', page], { encoding: 'utf8', timeout: 90_000 }).stdout;
      assert.equal((dom.match(/<td class="cell /g) ?? []).length, 7);
      assert.match(dom, new RegExp(`data-unit="paris/${ns}/shop-internal" data-state="broken"`));
      rmSync(profile, { recursive: true, force: true });
    }
  });

  it('an unreachable cluster: the others are still reported, exit 5', async () => {
    const kc = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: unknown[]; contexts: unknown[]; users: unknown[] };
    kc.clusters.push({ name: 'dead', cluster: { server: 'https://127.0.0.1:1', 'insecure-skip-tls-verify': true } });
    kc.users.push({ name: 'dead', user: { token: 'x' } });
    kc.contexts.push({ name: 'dead', context: { cluster: 'dead', user: 'dead' } });
    const kcFile = join(dir, 'kubeconfig-with-dead');
    writeFileSync(kcFile, stringify(kc));
    const cfg = parse(readFileSync(join(dir, 'clusters.yaml'), 'utf8')) as { clusters: Record<string, unknown> };
    cfg.clusters.gone = { context: 'dead', provider: 'onprem', region: 'us' };
    const clusters2 = join(dir, 'clusters-dead.yaml');
    writeFileSync(clusters2, stringify({ ...cfg, kubeconfig: kcFile }));
    const r = await execa(NODE, [CLI, 'drift', '--clusters', clusters2, '--helm', HELM, '-l', `namespace=${ns}`, '--format', 'json'], { reject: false, env: { ...process.env, NO_COLOR: '1' }, cwd: dir });
    assert.equal(r.exitCode, 5, String(r.stderr));
    const report = JSON.parse(String(r.stdout)) as DriftReport;
    assert.deepEqual(report.clusters.map((c) => `${c.name}:${c.readable}`), ['paris:true', 'europe:true', 'gone:false']);
    assert.ok(report.units.some((u) => u.cluster === 'paris' && u.state === 'broken'), 'the readable clusters are still judged');
    assert.match(String(r.stderr), /cluster "gone" could not be read/);
  });
});
