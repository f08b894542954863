// apply end-to-end on the local fleet (real kube-apiservers, kwok nodes), with
// the real helm binaries, Helm 3 and Helm 4.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin, kubectlBin } from '../../fleet/tools.ts';
import type { HelmMajor } from '../../fleet/tools.ts';
import { cascade, cascadeProcess, CONTEXTS, helmJson, helmMajors, helmReleases, kubectl, scratchRepo, sharedFleet, suffix, writeRepoFiles } from './support/cascade.ts';
import type { HistoryEntry } from './support/cascade.ts';
import { assertValidJunit } from '../ship/support/junit-xsd.ts';

const CLUSTERS = `clusters:
  paris: { context: ${CONTEXTS.paris}, provider: onprem, region: europe }
  europe: { context: ${CONTEXTS.europe}, provider: gke, region: europe, failoverFor: paris }
  us: { context: ${CONTEXTS.us}, provider: gke, region: us }
tracks: [internal, free, paid, production]
waves:
  - { name: internal, tracks: [internal] }
  - { name: canary, tracks: [free, paid] }
  - { name: production, tracks: [production] }
health: { timeout: 60s, soak: 1s, minReadyEndpoints: 1, maxRestarts: 0 }
onFailure: rollback
`;

function release(ns: string, extra = ''): string {
  return `name: web
namespace: ${ns}
chart: { ref: charts/cascade-demo }
set: { image.tag: "1.0.0" }
tracks:
  internal: {}
  free: {}
  paid: {}
  production: {}
${extra}`;
}

const CTX: Record<string, string> = { paris: CONTEXTS.paris, europe: CONTEXTS.europe, us: CONTEXTS.us };

interface JsonRun {
  outcome: string;
  failedWave?: string;
  units: JsonUnit[];
}

interface JsonUnit {
  id: string;
  cluster: string;
  track?: string;
  wave: string;
  outcome: string;
  startedAt?: string;
  gatePassedAt?: string;
  finishedAt?: string;
  reason?: string;
  rollback?: string;
  gate?: { failingPods: { name: string; reason: string }[] };
}

/** The one failing pod the unit's gate names: a pod of that Deployment (name-<hash>-<id>). */
function failingPod(u: JsonUnit, deployment: string): string {
  const pods = u.gate?.failingPods.map((p) => p.name) ?? [];
  assert.equal(pods.length, 1, JSON.stringify(u));
  assert.match(pods[0]!, new RegExp(`^${deployment}-[a-z0-9]+-[a-z0-9]+$`));
  return pods[0]!;
}

for (const major of helmMajors()) {
  describe(`apply on the local fleet (helm ${major})`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    const namespaces: string[] = [];
    const run = (dir: string, args: string[], env?: Record<string, string>) => cascade(dir, args, { kubeconfig, helm: major, ...(env ? { env } : {}) });
    const history = (cluster: string, ns: string, name: string) => helmJson<HistoryEntry[]>(major, kubeconfig, CTX[cluster]!, ['history', name, '-n', ns]);
    const newNs = () => {
      const ns = `apply-${major}-${suffix()}`;
      namespaces.push(ns);
      return ns;
    };

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      for (const ns of namespaces) for (const ctx of Object.values(CTX)) await kubectl(kubeconfig, ctx, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    });

    it('rolls out 3 clusters x 4 tracks wave by wave; a failover starts after its primary passed; a second apply changes nothing', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      const r = await run(dir, ['apply', '--yes', '-o', 'json', '--junit', join(dir, 'junit.xml')]);
      assert.equal(r.exitCode, 0, r.stderr + r.stdout);
      const report = JSON.parse(r.stdout) as JsonRun;
      assert.equal(report.outcome, 'succeeded');
      assert.equal(report.units.length, 12);
      assert.ok(report.units.every((u) => u.outcome === 'applied'), JSON.stringify(report.units.filter((u) => u.outcome !== 'applied')));
      for (const c of ['paris', 'europe', 'us']) {
        for (const t of ['internal', 'free', 'paid', 'production']) {
          const h = await history(c, ns, `web-${t}`);
          assert.deepEqual(h.map((x) => [x.revision, x.status]), [[1, 'deployed']], `${c} web-${t}`);
          assert.match(h[0]!.description, /^helm-cascade run \S+ wave /);
        }
      }
      // waves in order; inside a wave the failover (europe) starts after paris passed its gate
      const at = (cluster: string, track: string, k: 'startedAt' | 'gatePassedAt') => Date.parse(report.units.find((u) => u.cluster === cluster && u.track === track)![k]!);
      for (const t of ['internal', 'free', 'paid', 'production']) assert.ok(at('europe', t, 'startedAt') >= at('paris', t, 'gatePassedAt'), `failover ${t}`);
      assert.ok(at('paris', 'free', 'startedAt') >= at('us', 'internal', 'gatePassedAt'), 'canary after internal');
      assert.ok(at('us', 'production', 'startedAt') >= at('europe', 'paid', 'gatePassedAt'), 'production after canary');
      const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
      assert.equal((junit.match(/<testcase /g) ?? []).length, 12);
      assert.doesNotMatch(junit, /<failure/);
      assertValidJunit(junit); // as Jenkins' xunit plugin reads it (junit-10.xsd)

      const again = await run(dir, ['apply', '--yes']);
      assert.equal(again.exitCode, 0, again.stderr);
      assert.match(again.stdout, /Plan: 0 to install, 0 to upgrade, 12 unchanged, 0 to uninstall\./);
      assert.match(again.stdout, /nothing to change/);
      const h = await history('us', ns, 'web-production');
      assert.equal(h.length, 1, 'no helm upgrade on a no-op apply');
    });

    it('a crash-looping canary halts long before the timeout (exit 3), production untouched, the canary wave rolled back', async () => {
      const ns = newNs();
      // an hour's timeout: the gate failing at all shows it failed on the crash loop, not the clock
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns, 'health: { timeout: 1h, soak: 1s }\n') });
      const sel = ['-l', 'cluster=paris'];
      assert.equal((await run(dir, ['apply', '--yes', ...sel])).exitCode, 0);
      writeRepoFiles(dir, {
        'values/crash.yaml': 'podAnnotations:\n  fleet.helm-cascade.dev/behavior: crashloop\n',
        'releases/web.yaml': release(ns, 'health: { timeout: 1h, soak: 1s }\n').replace('image.tag: "1.0.0"', 'image.tag: "2.0.0"').replace('  free: {}', '  free: { values: [values/crash.yaml] }'),
      });
      const r = await run(dir, ['apply', '--yes', ...sel, '-o', 'json']);
      assert.equal(r.exitCode, 3, r.stderr + r.stdout);
      const report = JSON.parse(r.stdout) as JsonRun;
      assert.equal(report.failedWave, 'canary');
      const free = report.units.find((u) => u.track === 'free')!;
      assert.equal(free.outcome, 'rolled-back');
      const pod = failingPod(free, 'web-free');
      assert.equal(free.reason, `pod ${pod} is in CrashLoopBackOff: container web: back-off restarting failed container web in pod ${pod}_${ns} (fleet behaviour crashloop) (last exit: Error, code 1)`);
      assert.equal(report.units.find((u) => u.track === 'production')!.outcome, 'not-started');
      assert.equal(report.units.find((u) => u.track === 'internal')!.outcome, 'applied');
      const prod = await history('paris', ns, 'web-production');
      assert.deepEqual(prod.map((x) => x.revision), [1], 'production untouched');
      const freeH = await history('paris', ns, 'web-free');
      assert.deepEqual(freeH.map((x) => [x.revision, x.status]), [[1, 'superseded'], [2, 'superseded'], [3, 'deployed']]);
      assert.match(freeH[2]!.description, /Rollback to 1/);
    });

    it('never-ready fails at the timeout; image-pull-error fails fast; restarts during the soak fail', async () => {
      const ns = newNs();
      // image-pull-error and restart get an hour's timeout (and soak): failing at all shows they failed on the evidence
      const cases: [string, string, (pod: string) => string | RegExp][] = [
        [
          'never-ready',
          'health: { timeout: 15s, soak: 1s }',
          (pod) =>
            'timed out after 15s waiting for rollout: Service never-ready: Waiting for endpoints: Service never-ready has 0 ready endpoints (1 not ready), needs at least 1; ' +
            `Deployment never-ready: Waiting for rollout to finish: 0 of 1 updated replicas are available (pod ${pod}: NotReady)`,
        ],
        [
          'image-pull-error',
          'health: { timeout: 1h, soak: 1s }',
          // the kubelet's first word, or the back-off it turns into: either, exactly
          (pod) =>
            new RegExp(
              `^pod ${pod} is in (ErrImagePull: container web: failed to pull image "ghcr\\.io/helm-cascade/demo-web:1\\.0\\.0": fleet behaviour image-pull-error|` +
                `ImagePullBackOff: container web: Back-off pulling image "ghcr\\.io/helm-cascade/demo-web:1\\.0\\.0")$`,
            ),
        ],
        ['restart', 'health: { timeout: 1h, soak: 1h, maxRestarts: 0 }', (pod) => new RegExp(`^(\\d+) container restarts? since the gate started, more than maxRestarts 0: ${pod} \\(\\1\\)$`)],
      ];
      for (const [behavior, health, reason] of cases) {
        const dir = scratchRepo({
          'clusters.yaml': CLUSTERS,
          'values/b.yaml': `podAnnotations:\n  fleet.helm-cascade.dev/behavior: ${behavior}\n  fleet.helm-cascade.dev/restart-every: 2s\n`,
          'releases/web.yaml': `name: ${behavior}\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\nvalues: [values/b.yaml]\ntrack: internal\nclusters: { paris: {} }\n${health}\n`,
        });
        const r = await run(dir, ['apply', '--yes', '-o', 'json']);
        assert.equal(r.exitCode, 3, `${behavior}: ${r.stdout}${r.stderr}`);
        const unit = (JSON.parse(r.stdout) as JsonRun).units[0]!;
        assert.equal(unit.outcome, 'rolled-back', behavior);
        const expected = reason(failingPod(unit, behavior));
        if (typeof expected === 'string') assert.equal(unit.reason, expected, behavior);
        else assert.match(unit.reason ?? '', expected, behavior);
        // installed by this run, so the rollback uninstalled it
        const list = await helmReleases(major, kubeconfig, CONTEXTS.paris, ns);
        assert.ok(!list.some((x) => x.name === behavior), `${behavior} should be uninstalled`);
      }
    });

    it('a release locked by another holder refuses with exit 5 naming the holder', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      await kubectl(kubeconfig, CONTEXTS.paris, ['create', 'namespace', ns]);
      const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
      const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'helm-cascade.web-internal', namespace: ns }, spec: { holderIdentity: 'jenkins-deploy-42', leaseDurationSeconds: 300, acquireTime: now, renewTime: now } };
      const created = await execa(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', CONTEXTS.paris, 'create', '-f', '-'], { input: JSON.stringify(lease), reject: false });
      assert.equal(created.exitCode, 0, created.stderr);
      const r = await run(dir, ['apply', '--yes', '-l', 'cluster=paris,track=internal']);
      assert.equal(r.exitCode, 5, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /locked by "jenkins-deploy-42" since/);
      const list = await helmReleases(major, kubeconfig, CONTEXTS.paris, ns);
      assert.deepEqual(list, [], 'nothing installed');
    });

    it('a release left pending-upgrade refuses (exit 5); --recover rolls it back, then applies', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      const sel = ['-l', 'cluster=paris,track=internal'];
      assert.equal((await run(dir, ['apply', '--yes', ...sel])).exitCode, 0);
      // a helm upgrade killed mid-way (a Jenkins agent lost) leaves the release pending-upgrade
      const h = execa(helmBin(major), ['upgrade', 'web-internal', join(dir, 'charts/cascade-demo'), '-n', ns, '--kube-context', CONTEXTS.paris, '--kubeconfig', kubeconfig, '--wait', '--timeout', '120s', '--reuse-values', '--set', 'podAnnotations.fleet\\.helm-cascade\\.dev/behavior=never-ready'], { reject: false });
      // until helm's own record says pending-upgrade (each look is a helm call: no sleep needed)
      for (let i = 0; i < 600; i++) {
        const s = await history('paris', ns, 'web-internal').catch(() => []);
        if (s.some((x) => x.status === 'pending-upgrade')) break;
      }
      h.kill('SIGKILL');
      await h;
      assert.equal((await history('paris', ns, 'web-internal')).at(-1)!.status, 'pending-upgrade');
      const refused = await run(dir, ['apply', '--yes', ...sel]);
      assert.equal(refused.exitCode, 5, refused.stdout + refused.stderr);
      assert.match(refused.stderr, /pending-upgrade.*\n.*--recover/s);
      const recovered = await run(dir, ['apply', '--yes', '--recover', ...sel]);
      assert.equal(recovered.exitCode, 0, recovered.stdout + recovered.stderr);
      // the interrupted revision stays in helm's history; the release itself is deployed again
      const after = await history('paris', ns, 'web-internal');
      assert.equal(after.at(-1)!.status, 'deployed');
      const status = await helmJson<{ info: { status: string } }>(major, kubeconfig, CONTEXTS.paris, ['status', 'web-internal', '-n', ns]);
      assert.equal(status.info.status, 'deployed');
      assert.equal((await run(dir, ['apply', '--yes', ...sel])).exitCode, 0, 'a later apply is not refused');
    });

    it('SIGTERM mid-wave: exit 143, the wave rolled back, no release left pending', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      const sel = ['-l', 'cluster=paris'];
      assert.equal((await run(dir, ['apply', '--yes', ...sel])).exitCode, 0);
      writeRepoFiles(dir, {
        'values/slow.yaml': 'podAnnotations:\n  fleet.helm-cascade.dev/behavior: never-ready\n',
        'releases/web.yaml': release(ns).replace('  internal: {}', '  internal: { values: [values/slow.yaml] }'),
      });
      const p = cascadeProcess(dir, ['apply', '--yes', ...sel], { kubeconfig, helm: major });
      // SIGTERM once the run says it is waiting on the gate (its own output, not a clock)
      let out = '';
      let ended = false;
      await new Promise<void>((resolve) => {
        p.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          if (/waiting for health|rolling-out/.test(out)) resolve();
        });
        void p.then(() => ((ended = true), resolve()));
      });
      assert.equal(ended, false, `apply ended before the gate: ${out}`);
      p.kill('SIGTERM');
      const r = await p;
      assert.equal(r.exitCode, 143, String(r.stdout) + String(r.stderr));
      const h = await history('paris', ns, 'web-internal');
      assert.ok(!h.some((x) => x.status.startsWith('pending')), JSON.stringify(h));
      assert.equal(h.at(-1)!.status, 'deployed');
      assert.match(h.at(-1)!.description, /Rollback to 1/);
      const leases = await kubectl(kubeconfig, CONTEXTS.paris, ['get', 'leases', '-n', ns, '-o', 'name']);
      assert.equal(leases.trim(), '', 'locks released');
    });

    it('--plan applies the reviewed plan and refuses a stale one (exit 5)', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      const sel = ['-l', 'cluster=paris,track=internal'];
      assert.equal((await run(dir, ['plan', ...sel, '--out', join(dir, 'plan.json')])).exitCode, 0);
      assert.doesNotMatch(readFileSync(join(dir, 'plan.json'), 'utf8'), /"values":\s*\{/, 'the saved plan holds no values');
      writeRepoFiles(dir, { 'releases/web.yaml': release(ns).replace('"1.0.0"', '"1.0.1"') });
      const stale = await run(dir, ['apply', '--yes', '--plan', join(dir, 'plan.json'), ...sel]);
      assert.equal(stale.exitCode, 5, stale.stdout + stale.stderr);
      assert.match(stale.stderr, /stale/);
      assert.equal((await run(dir, ['plan', ...sel, '--out', join(dir, 'plan.json')])).exitCode, 0);
      const ok = await run(dir, ['apply', '--yes', '--plan', join(dir, 'plan.json'), ...sel]);
      assert.equal(ok.exitCode, 0, ok.stdout + ok.stderr);
    });

    it('live drift: a Deployment scaled and a ConfigMap edited by hand are planned as upgrades and repaired by apply; drift is clean after', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      const sel = ['-l', 'cluster=paris,track=production'];
      assert.equal((await run(dir, ['apply', '--yes', ...sel])).exitCode, 0);
      await kubectl(kubeconfig, CONTEXTS.paris, ['-n', ns, 'scale', 'deployment', 'web-production', '--replicas=4']);
      await kubectl(kubeconfig, CONTEXTS.paris, ['-n', ns, 'patch', 'configmap', 'web-production', '--type=merge', '-p', '{"data":{"LOG_LEVEL":"debug"}}']);
      const ignored = await run(dir, ['plan', '--detailed-exitcode', '--ignore-live-drift', ...sel]);
      assert.equal(ignored.exitCode, 0, ignored.stdout);
      const plan = await run(dir, ['plan', '--detailed-exitcode', ...sel]);
      assert.equal(plan.exitCode, 2, plan.stdout + plan.stderr);
      assert.match(plan.stdout, /web-production .*upgrade.*live-drift/);
      assert.match(plan.stdout, /spec\.replicas: 1 -> 4/);
      assert.match(plan.stdout, /data\.LOG_LEVEL/);
      const drift = await run(dir, ['drift', ...sel]);
      assert.equal(drift.exitCode, 2, drift.stdout);
      const applied = await run(dir, ['apply', '--yes', ...sel]);
      assert.equal(applied.exitCode, 0, applied.stdout + applied.stderr);
      assert.equal((await kubectl(kubeconfig, CONTEXTS.paris, ['-n', ns, 'get', 'deployment', 'web-production', '-o', 'jsonpath={.spec.replicas}'])).trim(), '1');
      assert.equal((await kubectl(kubeconfig, CONTEXTS.paris, ['-n', ns, 'get', 'configmap', 'web-production', '-o', 'jsonpath={.data.LOG_LEVEL}'])).trim(), 'info');
      const clean = await run(dir, ['drift', ...sel]);
      assert.equal(clean.exitCode, 0, clean.stdout + clean.stderr);
    });

    it('an object the API server refuses: plan shows it, apply stops before any change, naming object, template and field; validated units (hooks included) skip helm\'s own OpenAPI validation', async () => {
      const ns = newNs();
      const chart = (name: string, cm: string) => ({
        [`charts/${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`,
        [`charts/${name}/templates/cm.yaml`]: cm,
      });
      const only = 'track: internal\nclusters: { paris: {} }\n';
      const files = {
        'clusters.yaml': CLUSTERS,
        'releases/web.yaml': `name: web\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\n${only}`,
        'releases/settings.yaml': `name: settings\nnamespace: ${ns}\nchart: { ref: charts/settings }\n${only}`,
        'releases/hooked.yaml': `name: hooked\nnamespace: ${ns}\nchart: { ref: charts/hooked }\n${only}`,
        ...chart('settings', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndat:\n  level: info\n'),
        // the hook is refused (a bad field) as a template would be: the plan renders and validates hooks too
        ...chart('hooked', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked-pre\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\ndata:\n  a: b\nbogus: 1\n'),
      };
      const dir = scratchRepo(files);
      const plan = await run(dir, ['plan']);
      assert.equal(plan.exitCode, 4, `a refused object is bad input: ${plan.stdout}${plan.stderr}`);
      assert.match(plan.stdout, /settings \(\S+\) +error[\s\S]*ConfigMap\/settings \(settings\/templates\/cm\.yaml\): .*unknown field "dat"/);
      assert.match(plan.stdout, /hooked \(\S+\) +error[\s\S]*ConfigMap\/hooked-pre \(hooked\/templates\/cm\.yaml\): .*unknown field "bogus"/);
      assert.match(plan.stdout, /2 releases failed to render or have objects the API server refuses/);
      const bad = await run(dir, ['apply', '--yes']);
      assert.equal(bad.exitCode, 4, bad.stdout + bad.stderr);
      assert.match(bad.stderr, /paris\/[a-z0-9-]+\/settings: ConfigMap\/settings \(settings\/templates\/cm\.yaml\): .*unknown field "dat"/);
      assert.match(bad.stderr, /nothing was applied/);
      // nothing touched: not even the namespace (the objects were checked in "default" meanwhile)
      await assert.rejects(kubectl(kubeconfig, CONTEXTS.paris, ['get', 'namespace', ns]), /not found/);

      writeRepoFiles(dir, { 'charts/settings/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: info\n' });
      writeRepoFiles(dir, { 'charts/hooked/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked-pre\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\ndata:\n  a: b\n' });
      const shown = await run(dir, ['plan', '-l', 'name=hooked']);
      assert.match(shown.stdout, /hooks \(helm runs them\): ConfigMap\/hooked-pre \(pre-install\)/);
      const good = await run(dir, ['apply', '--yes', '--verbose']);
      assert.equal(good.exitCode, 0, good.stdout + good.stderr);
      const upgradeLine = (name: string) => good.stderr.split('\n').find((l) => l.startsWith('» ') && l.includes(' upgrade --install ') && l.includes(` ${name} `)) ?? '';
      assert.match(upgradeLine('web'), /--disable-openapi-validation/);
      assert.match(upgradeLine('settings'), /--disable-openapi-validation/);
      // hooks are rendered and validated by the server with the manifest: helm may skip its own check for them too
      assert.match(upgradeLine('hooked'), /--disable-openapi-validation/);
      const list = await helmReleases(major, kubeconfig, CONTEXTS.paris, ns);
      assert.deepEqual(list.map((r) => [r.name, r.status]).sort(), [['hooked', 'deployed'], ['settings', 'deployed'], ['web', 'deployed']]);
    });

    it('status shows revision, chart, status and health; rollback --wave puts one wave back, then rollback undoes the rest of the last run', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      const sel = ['-l', 'cluster=paris'];
      assert.equal((await run(dir, ['apply', '--yes', ...sel])).exitCode, 0);
      writeRepoFiles(dir, { 'releases/web.yaml': release(ns).replace('"1.0.0"', '"2.0.0"') });
      const second = await run(dir, ['apply', '--yes', ...sel]);
      assert.equal(second.exitCode, 0, second.stdout + second.stderr);

      type Row = { cluster: string; track: string; helmName: string; revision: number | null; chartVersion: string | null; status: string; health: string };
      const status = await run(dir, ['status', '-o', 'json', ...sel]);
      assert.equal(status.exitCode, 0, status.stderr);
      const rows = JSON.parse(status.stdout) as Row[];
      assert.deepEqual(rows.map((r) => [r.helmName, r.revision, r.status, r.health]).sort(), ['free', 'internal', 'paid', 'production'].map((t) => [`web-${t}`, 2, 'deployed', 'Healthy']));
      assert.ok(rows.every((r) => r.chartVersion && /^\d+\.\d+\.\d+/.test(r.chartVersion)), JSON.stringify(rows));
      const table = await run(dir, ['status', ...sel]);
      assert.match(table.stdout, /^paris +\S+ +web +internal +2 +\S+ +deployed +Healthy$/m);

      const image = async (track: string) => JSON.parse(await kubectl(kubeconfig, CONTEXTS.paris, ['-n', ns, 'get', 'deployment', `web-${track}`, '-o', 'json'])).spec.template.spec.containers[0].image as string;
      const one = await run(dir, ['rollback', '--wave', 'internal', ...sel]);
      assert.equal(one.exitCode, 0, one.stdout + one.stderr);
      assert.match(one.stdout, /web-internal \[internal\]: rolled back to revision 1/);
      assert.match(await image('internal'), /:1\.0\.0$/);
      assert.match(await image('production'), /:2\.0\.0$/, 'the other waves are left');

      const rest = await run(dir, ['rollback', ...sel]);
      assert.equal(rest.exitCode, 0, rest.stdout + rest.stderr);
      assert.match(rest.stdout, /Rollback of run \S+: 3 release\(s\) put back/);
      for (const t of ['free', 'paid', 'production']) assert.match(await image(t), /:1\.0\.0$/, t);
      const h = await history('paris', ns, 'web-production');
      assert.deepEqual(h.map((x) => [x.revision, x.status]), [[1, 'superseded'], [2, 'superseded'], [3, 'deployed']]);
      const leases = await kubectl(kubeconfig, CONTEXTS.paris, ['-n', ns, 'get', 'leases', '-o', 'name']);
      assert.equal(leases.trim(), '', 'every lock released');
    });

    it('--dry-run runs helm in server dry-run mode and changes nothing', async () => {
      const ns = newNs();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      const r = await run(dir, ['apply', '--dry-run', '-l', 'cluster=paris']);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Dry run: 4 accepted by helm --dry-run=server/);
      const list = await helmReleases(major, kubeconfig, CONTEXTS.paris, ns);
      assert.deepEqual(list, []);
    });
  });
}

describe('a fleet migrating between helm majors', { timeout: 300_000 }, () => {
  it('a release installed with Helm 3 upgrades cleanly under Helm 4', async () => {
    const kubeconfig = await sharedFleet();
    const ns = `migrate-${suffix()}`;
    const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
    const sel = ['-l', 'cluster=paris,track=production'];
    const h3 = await cascade(dir, ['apply', '--yes', ...sel], { kubeconfig, helm: 3 });
    assert.equal(h3.exitCode, 0, h3.stdout + h3.stderr);
    writeRepoFiles(dir, { 'releases/web.yaml': release(ns).replace('"1.0.0"', '"1.1.0"') });
    const h4 = await cascade(dir, ['apply', '--yes', ...sel], { kubeconfig, helm: 4 });
    assert.equal(h4.exitCode, 0, h4.stdout + h4.stderr);
    const h = await helmJson<HistoryEntry[]>(4 as HelmMajor, kubeconfig, CONTEXTS.paris, ['history', 'web-production', '-n', ns]);
    assert.deepEqual(h.map((x) => [x.revision, x.status]), [[1, 'superseded'], [2, 'deployed']]);
    await kubectl(kubeconfig, CONTEXTS.paris, ['delete', 'namespace', ns, '--wait=false']);
  });
});
