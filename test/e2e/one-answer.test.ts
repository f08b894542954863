// One answer per question, end to end on the shared fleet with real helm 3
// and 4 (issue 26):
// - health: a Ready pod whose only container restart was 40 days ago is
//   Healthy in `status` and clean in `drift` (one judge, the restart window);
//   the same pod with that restart 10 minutes ago is Degraded in `status` and
//   unhealthy in `drift`, with the same reason;
// - the outcome: `drift --format json --notify URL` with a webhook that
//   refuses (a closed port, and one answering 500) writes the same exitCode
//   in its JSON (stdout and file), its JUnit, its Markdown and its text as the
//   process exits with.
// The pod's restart is written into its status (kwok keeps a Running, Ready
// pod's status as it is); every wait polls, no fixed sleeps. Each test owns
// its namespace.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import type { DriftReport } from '../../src/drift/types.ts';
import { asPod } from '../../src/model/live-views.ts';
import type { LiveObject } from '../../src/model/objects.ts';
import { cascade, CONTEXTS, helmMajors, kubectl, scratchRepo, sharedFleet, suffix } from './support/cascade.ts';
import { tempDir } from '../support/tmp.ts';

const DAY = 86_400_000;

/** Polls `check` until it returns a value; fails after `ms` naming what it waited for. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A webhook that answers 500 to everything, counting the posts. */
async function refusingHook(): Promise<{ url: string; posts: () => number; close: () => void }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.statusCode = 500;
      res.end('no_service');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T0/B0/x`, posts: () => n, close: () => server.close() };
}

/** A port nothing listens on (bound, then closed): connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface StatusRow {
  helmName: string;
  cluster: string;
  health: string;
}

for (const major of helmMajors()) {
  describe(`one answer per question (helm ${major})`, { timeout: 600_000 }, () => {
    const ns = `one-answer-h${major}-${suffix()}`;
    let kubeconfig = '';
    let dir = '';
    const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
    const k = (args: string[]) => kubectl(kubeconfig, CONTEXTS.paris, ['-n', ns, ...args]);

    before(async () => {
      kubeconfig = await sharedFleet();
      dir = scratchRepo({
        'clusters.yaml': stringify({
          kubeconfig,
          clusters: { paris: { context: CONTEXTS.paris, provider: 'onprem', region: 'europe' } },
          // judged fully once `timeout` has passed since the deploy; the apply's gate waits up to 2m
          health: { timeout: '1s', soak: '0s', restartWindow: '1h', maxRecentRestarts: 0 },
          waves: [{ name: 'all', health: { timeout: '2m', soak: '0s' } }],
        }),
        'releases/web.yaml': stringify({ name: 'web', namespace: ns, chart: { ref: 'charts/cascade-demo' } }),
      });
      const apply = await run(['apply', '--yes']);
      assert.equal(apply.exitCode, 0, apply.stdout + apply.stderr);
    });

    after(async () => {
      await kubectl(kubeconfig, CONTEXTS.paris, ['delete', 'namespace', ns, '--wait=false']).catch(() => undefined);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** The web pod, Ready, with its one container's last restart ended `ago` ms before now (restartCount 1). */
    async function restartedAgo(ago: number): Promise<string> {
      const pod = await until('a Ready pod of web', async () => {
        const items = (JSON.parse(await k(['get', 'pods', '-l', 'app.kubernetes.io/instance=web', '-o', 'json'])) as { items: LiveObject[] }).items;
        return items.find((p) => asPod(p).status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'));
      });
      const status = pod.status as { containerStatuses: Record<string, unknown>[] };
      const finishedAt = new Date(Date.now() - ago).toISOString().replace(/\.\d+Z$/, 'Z');
      const startedAt = new Date(Date.now() - ago - DAY).toISOString().replace(/\.\d+Z$/, 'Z');
      const containerStatuses = status.containerStatuses.map((c) => ({ ...c, restartCount: 1, lastState: { terminated: { reason: 'OOMKilled', exitCode: 137, startedAt, finishedAt } } }));
      await k(['patch', 'pod', pod.metadata.name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { containerStatuses } })]);
      await until(`${pod.metadata.name} to show its restart`, async () => {
        const now = JSON.parse(await k(['get', 'pod', pod.metadata.name, '-o', 'json'])) as LiveObject;
        return JSON.stringify(now.status).includes(finishedAt) && JSON.stringify(now.status).includes('"restartCount":1') ? true : undefined;
      });
      return pod.metadata.name;
    }

    const statusHealth = async () => {
      const r = await run(['status', '-o', 'json']);
      assert.equal(r.exitCode, 0, r.stderr);
      return (JSON.parse(r.stdout) as StatusRow[]).find((row) => row.helmName === 'web')!.health;
    };
    const driftUnit = async () => {
      const r = await run(['drift', '--format', 'json']);
      const report = JSON.parse(r.stdout) as DriftReport & { exitCode: number };
      assert.equal(report.exitCode, r.exitCode, 'the JSON says the exit code of the process');
      return { exitCode: r.exitCode, unit: report.units.find((u) => u.helmName === 'web')!, stderr: r.stderr };
    };

    it('a Ready pod whose only restart was 40 days ago: Healthy in status, clean in drift', async () => {
      await restartedAgo(40 * DAY);
      assert.equal(await statusHealth(), 'Healthy');
      const d = await driftUnit();
      assert.equal(d.unit.state, 'clean', JSON.stringify(d.unit.findings));
      assert.equal(d.exitCode, 0, d.stderr);
    });

    it('the same restart 10 minutes ago: Degraded in status, unhealthy in drift, for the same reason', async () => {
      const pod = await restartedAgo(10 * 60_000);
      const health = await statusHealth();
      assert.match(health, new RegExp(`^Degraded: pod ${pod}: Restarts: container web restarted 1 time, last at \\S+ \\(10m(\\d+s)? ago, within restartWindow 1h; maxRecentRestarts 0\\)$`));
      const d = await driftUnit();
      assert.equal(d.unit.state, 'unhealthy');
      assert.equal(d.exitCode, 2);
      const finding = d.unit.findings.find((f) => f.kind === 'unhealthy')!;
      // one reason (the two commands ran seconds apart: "10m8s ago" and "10m14s ago")
      const ago = (s: string) => s.replace(/\(10m(\d+s)? ago/, '(10m ago');
      assert.equal(ago(`Degraded: ${finding.health!.pods.map((p) => `pod ${p.name}: ${p.reason}: ${p.message}`).join('')}`), ago(health), 'status and drift give one reason');
    });

    it('a webhook that refuses: every format says the exit code the process exits with', async () => {
      // the pod restarted long ago again: nothing drifted, so the refused webhook decides the outcome
      await restartedAgo(40 * DAY);
      const hook = await refusingHook();
      const out = tempDir('hc-one-answer-');
      try {
        for (const url of [hook.url, `http://127.0.0.1:${await closedPort()}/hook`]) {
          const files = `json=${join(out, 'd.json')},junit=${join(out, 'd.xml')},markdown=${join(out, 'd.md')}`;
          const r = await run(['drift', '--format', `json,${files}`, '--notify', url, '--notify-always']);
          assert.equal(r.exitCode, 1, r.stderr);
          assert.match(r.stderr, /could not notify http:\/\/127\.0\.0\.1:\d+\/…/);
          const stdout = JSON.parse(r.stdout) as DriftReport & { exitCode: number };
          const file = JSON.parse(readFileSync(join(out, 'd.json'), 'utf8')) as DriftReport & { exitCode: number };
          assert.deepEqual([stdout.exitCode, file.exitCode, stdout.outcome.exitCode], [1, 1, 1]);
          assert.match(stdout.outcome.why, /^no drift, but notify http:\/\/127\.0\.0\.1:\d+\/… failed: /);
          assert.deepEqual(stdout.deliveries.map((d) => [d.what, d.ok]), [['notify', false]]);
          assert.match(readFileSync(join(out, 'd.xml'), 'utf8'), /<property name="exitCode" value="1"\/>/);
          assert.match(readFileSync(join(out, 'd.md'), 'utf8'), /^\*\*exit code 1\*\*: no drift, but notify /m);
        }
        assert.equal(hook.posts(), 1, 'the refusing webhook was asked once');
        // with drift found, a refused webhook does not hide it: 2 everywhere
        await restartedAgo(10 * 60_000);
        const r = await run(['drift', '--format', 'text', '--notify', hook.url]);
        assert.equal(r.exitCode, 2, r.stderr);
        assert.match(r.stdout, /^exit code 2: drift found in 1 release$/m);
        assert.equal(hook.posts(), 2);
      } finally {
        hook.close();
        rmSync(out, { recursive: true, force: true });
      }
    });
  });
}
