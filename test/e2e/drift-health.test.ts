// drift's "unhealthy" findings end to end on the shared fleet (real API
// servers, real helm 3 and 4, kwok's pod behaviours): after a healthy
// `apply`, with no manifest change,
// - a pod of one release starts crash-looping (behaviour crashloop set on the running pod),
// - a container of another keeps restarting (behaviour restart, every 2s),
// - a pod of a third becomes not Ready (behaviour never-ready), so its Service
//   falls below minReadyEndpoints 2;
// drift exits 2 and names the release, the cluster, the pod and the reason
// (the Service and the count), never calls them changed live, and its
// metrics (textfile and Pushgateway) say unhealthy. Every wait polls the
// pod's status until kwok applied the behaviour; no fixed sleeps.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import parse from 'parse-prometheus-text-format';
import { stringify } from 'yaml';
import { repoNameOf } from '../../src/config/load.ts';
import type { DriftReport, DriftUnit } from '../../src/drift/types.ts';
import { asPod } from '../../src/model/live-views.ts';
import type { LiveObject } from '../../src/model/objects.ts';
import { cascade, CONTEXTS, helmMajors, kubectl, scratchRepo, sharedFleet, suffix } from './support/cascade.ts';

const BEHAVIOR = 'fleet.helm-cascade.dev/behavior';
const EVERY = 'fleet.helm-cascade.dev/restart-every';
const NO_LOGS = 'no logs available (the cluster served none)';

/** A local HTTP server that records every request (a Slack hook, a Pushgateway). */
async function recorder(): Promise<{ url: string; got: { method: string; url: string; body: string }[]; close: () => void }> {
  const got: { method: string; url: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.end('');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, close: () => server.close() };
}

/** Polls `check` (each call reads the cluster) until it returns a value; fails after `ms` naming what it waited for. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

for (const major of helmMajors()) {
  describe(`drift: unhealthy releases on the fleet (helm ${major})`, { timeout: 600_000 }, () => {
    const ns = `drift-health-h${major}-${suffix()}`;
    let kubeconfig = '';
    let dir = '';
    const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
    const k = (args: string[]) => kubectl(kubeconfig, CONTEXTS.paris, ['-n', ns, ...args]);
    const pods = async (release: string): Promise<LiveObject[]> => (JSON.parse(await k(['get', 'pods', '-l', `app.kubernetes.io/instance=${release}`, '-o', 'json'])) as { items: LiveObject[] }).items;
    const onePod = async (release: string) => (await until(`a pod of ${release}`, async () => (await pods(release))[0]));

    before(async () => {
      kubeconfig = await sharedFleet();
      const release = (name: string, extra: Record<string, unknown> = {}) => stringify({ name, namespace: ns, chart: { ref: 'charts/cascade-demo' }, ...extra });
      dir = scratchRepo({
        'clusters.yaml': stringify({
          kubeconfig,
          clusters: { paris: { context: CONTEXTS.paris, provider: 'onprem', region: 'europe' }, europe: { context: CONTEXTS.europe, provider: 'gke', region: 'europe' } },
          // drift judges a release fully once `timeout` has passed since its deploy; the apply's gate waits up to 2m
          health: { timeout: '1s', soak: '0s', restartWindow: '1h', maxRecentRestarts: 0 },
          waves: [{ name: 'all', health: { timeout: '2m', soak: '0s' } }],
        }),
        'releases/crashy.yaml': release('crashy'),
        'releases/restarty.yaml': release('restarty'),
        'releases/svc.yaml': release('svc', { set: { replicaCount: 2 }, health: { minReadyEndpoints: 2 } }),
      });
    });

    after(async () => {
      for (const ctx of [CONTEXTS.paris, CONTEXTS.europe]) await kubectl(kubeconfig, ctx, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('after a healthy apply: no drift, exit 0; the metrics on stdout say clean', async () => {
      const apply = await run(['apply', '--yes']);
      assert.equal(apply.exitCode, 0, apply.stdout + apply.stderr);
      const r = await run(['drift', '--format', 'prometheus']);
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      const state = parse(r.stdout).find((f) => f.name === 'helm_cascade_release_state');
      assert.ok(state, r.stdout);
      const on = state.metrics.filter((m) => m.value === '1').map((m) => `${m.labels?.cluster}/${m.labels?.helm_release}=${m.labels?.state}`).sort();
      assert.deepEqual(on, ['europe/crashy=clean', 'europe/restarty=clean', 'europe/svc=clean', 'paris/crashy=clean', 'paris/restarty=clean', 'paris/svc=clean']);
    });

    it('a crash loop, a restarting container and a Service below minReadyEndpoints: unhealthy, exit 2, never changed live', async () => {
      // crashy: its running pod starts crash-looping
      const crash = (await onePod('crashy')).metadata.name;
      await k(['annotate', 'pod', crash, `${BEHAVIOR}=crashloop`, `${EVERY}=2s`, '--overwrite']);
      // restarty: its container restarts every 2s, the pod stays Ready
      const restart = (await onePod('restarty')).metadata.name;
      await k(['annotate', 'pod', restart, `${BEHAVIOR}=restart`, `${EVERY}=2s`, '--overwrite']);
      // svc: one of its 2 pods becomes not Ready. kwok plays never-ready when a pod starts, so the
      // pod's status is reset to Pending (as after a sandbox restart: no IP yet) and kwok starts it again, never Ready.
      const notReady = (await pods('svc'))[0]!.metadata.name;
      await k(['annotate', 'pod', notReady, `${BEHAVIOR}=never-ready`, '--overwrite']);
      await k(['patch', 'pod', notReady, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Pending', podIP: null, podIPs: null } })]);

      const status = async (name: string) => asPod(JSON.parse(await k(['get', 'pod', name, '-o', 'json'])) as LiveObject).status;
      await until(`${crash} in CrashLoopBackOff`, async () => ((await status(crash)).containerStatuses[0]?.waiting?.reason === 'CrashLoopBackOff' ? true : undefined));
      await until(`${restart} restarted`, async () => ((await status(restart)).containerStatuses[0]?.lastTerminated ? true : undefined));
      await until(`${notReady} not Ready`, async () => {
        const s = await status(notReady);
        return s.phase === 'Running' && s.conditions.find((c) => c.type === 'Ready')?.status === 'False' ? true : undefined;
      });
      await until('the Service svc down to 1 ready endpoint', async () => {
        const slices = (JSON.parse(await k(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=svc', '-o', 'json'])) as { items: { endpoints?: { conditions?: { ready?: boolean } }[] }[] }).items;
        const ready = slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
        return ready === 1 ? true : undefined;
      });

      const hook = await recorder();
      const gateway = await recorder();
      let r;
      try {
        r = await run(['drift', '--format', 'text,json=out/drift.json,junit=out/drift.xml,markdown=out/drift.md,html=out/drift.html,prometheus=out/drift.prom', '--notify', `${hook.url}/hooks/T0/B0/x`, '--pushgateway', gateway.url]);
      } finally {
        hook.close();
        gateway.close();
      }
      assert.equal(r.exitCode, 2, r.stdout + r.stderr);
      const report = JSON.parse(readFileSync(join(dir, 'out', 'drift.json'), 'utf8')) as DriftReport;
      const unit = (cluster: string, name: string): DriftUnit => {
        const u = report.units.find((x) => x.cluster === cluster && x.helmName === name);
        assert.ok(u, `${cluster}/${name} missing`);
        return u;
      };
      assert.deepEqual(report.summary, { units: 6, clean: 3, drifted: 3, unreadable: 0, broken: 0, unhealthy: 3, live: 0, pending: 0, skew: 0, unmanaged: 0, policy: 0 });
      for (const name of ['crashy', 'restarty', 'svc']) {
        assert.deepEqual(unit('paris', name).findings.map((f) => f.kind), ['unhealthy'], `paris/${name}: unhealthy only, not changed live`);
        assert.equal(unit('europe', name).state, 'clean');
      }

      // the crash loop: the pod, the reason, the message, its events, no logs on kwok
      const crashF = unit('paris', 'crashy').findings[0]!;
      const crashPod = crashF.health?.pods.find((p) => p.name === crash);
      assert.ok(crashPod, JSON.stringify(crashF));
      assert.equal(crashPod.reason, 'CrashLoopBackOff');
      assert.equal(crashPod.message, `container web: back-off restarting failed container web in pod ${crash}_${ns} (fleet behaviour crashloop) (last exit: Error, code 1)`);
      assert.ok(crashPod.events.some((e) => e.startsWith('Warning BackOff: Back-off restarting failed container (fleet behaviour crashloop)')), crashPod.events.join('\n'));
      assert.equal(crashPod.logs, NO_LOGS);

      // the restarting container: reason Restarts, its restartCount and last restart in the window
      const restartPod = unit('paris', 'restarty').findings[0]!.health?.pods.find((p) => p.name === restart);
      assert.ok(restartPod);
      assert.equal(restartPod.reason, 'Restarts');
      assert.ok(restartPod.restarts >= 1);
      assert.match(restartPod.message, new RegExp(`^container web restarted ${restartPod.restarts} times?, last at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\((\\d+(\\.\\d)?s|\\d+m(\\d+s)?) ago, within restartWindow 1h; maxRecentRestarts 0\\)$`));

      // the Service below minReadyEndpoints, and the pod that is not Ready
      const svcF = unit('paris', 'svc').findings[0]!;
      assert.deepEqual(svcF.health?.objects.filter((o) => o.kind === 'Service').map((o) => [o.name, o.readyEndpoints, o.minReadyEndpoints]), [['svc', 1, 2]]);
      assert.deepEqual(svcF.health?.pods.map((p) => [p.name, p.reason]), [[notReady, 'NotReady']]);

      // the text report names the cluster, the release, the pod, the reason; the Service and the count
      assert.match(r.stdout, /^paris: 0\/3 clean$/m);
      assert.ok(r.stdout.includes(`✗ unhealthy    ${ns}/crashy`), r.stdout);
      assert.ok(r.stdout.includes(`pod ${crash}: CrashLoopBackOff: container web: back-off restarting failed container web in pod ${crash}_${ns}`), r.stdout);
      assert.ok(r.stdout.includes(`pod ${restart}: Restarts: container web restarted`), r.stdout);
      assert.ok(r.stdout.includes('Service svc: 1 ready endpoint, minReadyEndpoints 2'), r.stdout);
      for (const f of ['drift.xml', 'drift.md', 'drift.html']) assert.ok(readFileSync(join(dir, 'out', f), 'utf8').includes(crash), `${f} names the pod`);

      // the notification, the textfile and the Pushgateway
      assert.equal(hook.got.length, 1);
      assert.equal((JSON.parse(hook.got[0]!.body) as { text: string }).text, 'helm-cascade drift: 3 of 6 releases drifted (3 unhealthy)');
      const prom = readFileSync(join(dir, 'out', 'drift.prom'), 'utf8');
      const state = parse(prom).find((f) => f.name === 'helm_cascade_release_state')!;
      const on = state.metrics.filter((m) => m.value === '1').map((m) => `${m.labels?.cluster}/${m.labels?.helm_release}=${m.labels?.state}`).sort();
      assert.deepEqual(on, ['europe/crashy=clean', 'europe/restarty=clean', 'europe/svc=clean', 'paris/crashy=unhealthy', 'paris/restarty=unhealthy', 'paris/svc=unhealthy']);
      assert.equal(gateway.got.length, 1);
      assert.equal(gateway.got[0]!.method, 'PUT');
      assert.equal(gateway.got[0]!.url, `/metrics/job/helm_cascade_drift/repo/${encodeURIComponent(repoNameOf(dir))}`);
      assert.equal(gateway.got[0]!.body, prom);
    });
  });
}
