// Two jobs, one repository, on the local fleet with real helm (3 and 4): the
// run lock (a Lease per repository and cluster) makes a second apply or a
// rollback refuse while the first is inside a gate, --lock-timeout waits its
// turn, a SIGKILLed holder's lock is taken over after it expires and its
// ungated release is gated again (never taken for done), and refusals of bad
// input leave the lock released. Every wait is on an event (a line of the
// first run's output, a process exit), never a fixed sleep.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { helmBin } from '../../fleet/tools.ts';
import type { HelmMajor } from '../../fleet/tools.ts';
import { cascade, cascadeProcess, CONTEXTS, helmMajors, historyOrNone, kubectl, scratchRepo, sharedFleet, suffix, writeRepoFiles } from './support/cascade.ts';

const CTX = { paris: CONTEXTS.paris, us: CONTEXTS.us } as const;

/**
 * Two independent clusters. With `held`, the canary gate waits (up to 15 min)
 * for 2 ready endpoints of a 1-replica release: the first run stays inside
 * that gate until the test scales the Deployment (release()), so nothing
 * depends on how fast a loaded machine starts the other runs.
 */
function clustersYaml(repo: string, held: boolean): string {
  const canaryHealth = held ? ', health: { minReadyEndpoints: 2, timeout: 15m }' : '';
  return `name: ${repo}
clusters:
  paris: { context: ${CTX.paris}, provider: onprem, region: europe }
  us: { context: ${CTX.us}, provider: gke, region: us }
tracks: [canary, production]
waves:
  - { name: canary, tracks: [canary]${canaryHealth} }
  - { name: production, tracks: [production] }
health: { timeout: 5m, soak: 1s, minReadyEndpoints: 1, maxRestarts: 0 }
onFailure: rollback
`;
}

/** The replicas the test scales by hand to open the held gate are not the repository's business. */
function releaseYaml(ns: string): string {
  return `name: web
namespace: ${ns}
chart: { ref: charts/cascade-demo }
set: { image.tag: "1.0.0" }
tracks:
  canary: {}
  production: {}
ignoreDifferences: [{ kind: Deployment, jsonPointers: [/spec/replicas] }]
`;
}

/** A running CLI process whose output (stdout + stderr) can be awaited line by line. */
class Watched {
  readonly p: ResultPromise<{ reject: false }>;
  out = '';
  readonly #waiters: { re: RegExp; resolve: () => void }[] = [];
  constructor(p: ResultPromise<{ reject: false }>) {
    this.p = p;
    const on = (d: Buffer) => {
      this.out += d.toString();
      for (const w of [...this.#waiters]) if (w.re.test(this.out)) (this.#waiters.splice(this.#waiters.indexOf(w), 1), w.resolve());
    };
    p.stdout?.on('data', on);
    p.stderr?.on('data', on);
  }
  /** Resolves when the output matches; rejects if the process ends first. */
  until(re: RegExp): Promise<void> {
    if (re.test(this.out)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ re, resolve });
      void this.p.then(() => (re.test(this.out) ? resolve() : reject(new Error(`process ended before ${re}:\n${this.out}`))));
    });
  }
}

interface JsonRun {
  startedAt: string;
  finishedAt: string;
  outcome: string;
  units: { id: string; action: string; outcome: string; toRevision?: number }[];
}

interface LeaseJson {
  metadata: { annotations?: Record<string, string> };
  spec: { holderIdentity?: string; acquireTime?: string; renewTime?: string; leaseDurationSeconds?: number };
}

for (const major of helmMajors()) {
  describe(`run lock on the local fleet (helm ${major})`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    const namespaces: string[] = [];
    const env = (holder: string) => ({ BUILD_TAG: holder });
    const start = (dir: string, args: string[], holder: string) => new Watched(cascadeProcess(dir, args, { kubeconfig, helm: major as HelmMajor, env: env(holder) }));
    const run = (dir: string, args: string[], holder: string, extra: Record<string, string> = {}) => cascade(dir, args, { kubeconfig, helm: major as HelmMajor, env: { ...env(holder), ...extra } });
    const history = (cluster: keyof typeof CTX, ns: string, name: string) => historyOrNone(major as HelmMajor, kubeconfig, CTX[cluster], ns, name);
    const lease = async (cluster: keyof typeof CTX, repo: string): Promise<LeaseJson | undefined> => {
      const out = await kubectl(kubeconfig, CTX[cluster], ['get', 'lease', '-n', 'helm-cascade', `helm-cascade-run.${repo}`, '-o', 'json', '--ignore-not-found']);
      return out.trim() ? (JSON.parse(out) as LeaseJson) : undefined;
    };
    /** Opens the held canary gate of the first run: a second replica, so 2 endpoints are ready. */
    const openGate = (ns: string) => Promise.all((['paris', 'us'] as const).map((c) => kubectl(kubeconfig, CTX[c], ['scale', 'deployment', 'web-canary', '-n', ns, '--replicas=2'])));
    const fresh = (held: boolean) => {
      const id = suffix();
      const ns = `lock-${major}-${id}`;
      const repo = `lock-repo-${major}-${id}`;
      namespaces.push(ns);
      return { ns, repo, dir: scratchRepo({ 'clusters.yaml': clustersYaml(repo, held), 'releases/web.yaml': releaseYaml(ns) }) };
    };

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      for (const ns of namespaces) for (const ctx of Object.values(CTX)) await kubectl(kubeconfig, ctx, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(() => undefined);
    });

    it('while a run is inside a gate: a second apply and a rollback refuse (exit 5) naming holder, run id, since when and cluster, and change nothing; plan and apply --dry-run only note it; the first finishes normally', async () => {
      const { ns, repo, dir } = fresh(true);
      const first = start(dir, ['apply', '--yes'], `jenkins-a-${major}`);
      await first.until(new RegExp(`paris/${ns}/web-canary: waiting for health`));
      const held = await lease('paris', repo);
      assert.ok(held, 'the first run holds the run lock on paris');
      assert.ok(await lease('us', repo), 'and on us');
      assert.equal(held.spec.holderIdentity, `jenkins-a-${major}`);
      assert.equal(held.spec.leaseDurationSeconds, 20);
      const runId = held.metadata.annotations?.['helm-cascade.dev/run'] ?? '';
      assert.match(runId, /^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
      assert.equal(held.metadata.annotations?.['helm-cascade.dev/repo'], repo);

      const [second, rollback, plan, dry] = await Promise.all([
        run(dir, ['apply', '--yes'], `jenkins-b-${major}`),
        run(dir, ['rollback'], `jenkins-b-${major}`),
        run(dir, ['plan'], `laptop-${major}`),
        run(dir, ['apply', '--dry-run'], `laptop-${major}`),
      ]);
      const refusal = new RegExp(`repository "${repo}" on cluster "(paris|us)" is locked by "jenkins-a-${major}" \\(run ${runId}, apply\\) since ${held.spec.acquireTime!.replace(/\./g, '\\.')} \\(Lease helm-cascade/helm-cascade-run\\.${repo}; it expires at \\S+ unless renewed\\)`);
      for (const [what, r] of [['apply', second], ['rollback', rollback]] as const) {
        assert.equal(r.exitCode, 5, `${what}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, refusal, what);
        assert.match(r.stderr, /^hint: a run of this repository is in progress there; run again with --lock-timeout DURATION/m, what);
      }
      assert.doesNotMatch(second.stdout, /Plan:|install|upgrade/, 'the second apply did not even plan');
      const note = new RegExp(`^note: a run of repository "${repo}" is in progress on cluster "paris": locked by "jenkins-a-${major}" \\(run ${runId}, apply\\)`, 'm');
      for (const [what, r] of [['plan', plan], ['apply --dry-run', dry]] as const) {
        assert.equal(r.exitCode, 0, `${what}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, note, what);
      }

      assert.doesNotMatch(first.out, /gate passed/, 'all of this while the first run was inside its canary gate');
      await openGate(ns);
      const done = await first.p;
      assert.equal(done.exitCode, 0, first.out);
      for (const cluster of ['paris', 'us'] as const) {
        for (const name of ['web-canary', 'web-production']) {
          const h = await history(cluster, ns, name);
          assert.equal(h.length, 1, `${cluster}/${name}: one revision, the first run's: ${JSON.stringify(h)}`);
          assert.equal(h[0]!.description, `helm-cascade run ${runId} wave ${name === 'web-canary' ? 'canary' : 'production'}`);
        }
        assert.equal(await lease(cluster, repo), undefined, `${cluster}: run lock released`);
      }
    });

    it('--lock-timeout waits for the first run, then runs after it and finds its work done', async () => {
      const { ns, repo, dir } = fresh(true);
      const first = start(dir, ['apply', '--yes', '-o', 'json'], `jenkins-a-${major}`);
      await first.until(new RegExp(`paris/${ns}/web-canary: waiting for health`));
      const second = start(dir, ['apply', '--yes', '-o', 'json', '--lock-timeout', '15m'], `jenkins-b-${major}`);
      await second.until(new RegExp(`^waiting for the run lock \\(--lock-timeout\\): repository "${repo}" on cluster "(paris|us)" is locked by "jenkins-a-${major}"`, 'm'));
      await openGate(ns);
      const [a, b] = await Promise.all([first.p, second.p]);
      assert.equal(a.exitCode, 0, first.out);
      assert.equal(b.exitCode, 0, second.out);
      assert.match(second.out, /^run lock taken after \d+s of waiting$/m);
      const ra = JSON.parse(String(a.stdout)) as JsonRun;
      const rb = JSON.parse(String(b.stdout)) as JsonRun;
      assert.ok(rb.startedAt >= ra.finishedAt, `the second started (${rb.startedAt}) after the first finished (${ra.finishedAt})`);
      assert.deepEqual(rb.units.map((u) => u.outcome), ['skipped', 'skipped', 'skipped', 'skipped'], 'the first run\'s gated work is done: nothing to change');
    });

    it('the holder SIGKILLed mid-wave: its lock is taken over once it expires (at most 20 s), the release left pending is recovered, the dead run\'s ungated releases are gated again', async () => {
      const { ns, repo, dir } = fresh(true);
      const first = start(dir, ['apply', '--yes'], `jenkins-a-${major}`);
      await first.until(new RegExp(`paris/${ns}/web-canary: waiting for health`));
      const runA = (await lease('paris', repo))?.metadata.annotations?.['helm-cascade.dev/run'] ?? '';
      first.p.kill('SIGKILL');
      await first.p;
      const killedAt = new Date().toISOString();
      // helm's record: installed by the killed run, its gate never passed
      const before = await history('paris', ns, 'web-canary');
      assert.deepEqual(before.map((h) => [h.revision, h.status, h.description]), [[1, 'deployed', `helm-cascade run ${runA} wave canary`]]);

      // SIGKILL released nothing: the lock still names the dead run, and counts until 20 s after its last renewal
      const dead = await lease('paris', repo);
      assert.equal(dead?.spec.holderIdentity, `jenkins-a-${major}`);
      assert.equal(dead.spec.leaseDurationSeconds, 20);
      const expiresAt = Date.parse(dead.spec.renewTime ?? '') + 20_000;
      assert.ok(expiresAt - Date.parse(killedAt) <= 20_000, `expiry ${new Date(expiresAt).toISOString()} within 20 s of the kill at ${killedAt}`);

      // the lost agent's other helm call, killed mid-way: us/web-canary left pending-upgrade on top of the dead run's ungated install
      for (let i = 0; i < 600 && (await history('us', ns, 'web-canary')).at(-1)?.status !== 'deployed'; i++) await sleep(100);
      const stuck = execa(helmBin(major as HelmMajor), ['upgrade', 'web-canary', join(dir, 'charts/cascade-demo'), '-n', ns, '--kube-context', CTX.us, '--kubeconfig', kubeconfig, '--wait', '--timeout', '120s', '--reuse-values', '--set', 'podAnnotations.fleet\\.helm-cascade\\.dev/behavior=never-ready'], { reject: false });
      for (let i = 0; i < 600 && !(await history('us', ns, 'web-canary')).some((x) => x.status === 'pending-upgrade'); i++) await sleep(100);
      stuck.kill('SIGKILL');
      await stuck;
      assert.deepEqual((await history('us', ns, 'web-canary')).map((h) => h.status), ['deployed', 'pending-upgrade']);

      writeRepoFiles(dir, { 'clusters.yaml': clustersYaml(repo, false) }); // the next run's gates are not held
      const next = await run(dir, ['apply', '--yes', '--recover', '--lock-timeout', '2m', '-o', 'json'], `jenkins-c-${major}`);
      assert.equal(next.exitCode, 0, next.stdout + next.stderr);
      const r = JSON.parse(next.stdout) as JsonRun;
      assert.ok(Date.parse(r.startedAt) >= expiresAt, `taken over only after the expiry (${r.startedAt} >= ${new Date(expiresAt).toISOString()})`);
      assert.equal(await lease('paris', repo), undefined, 'and released at the end');
      const canary = r.units.find((u) => u.id === `paris/${ns}/web-canary`)!;
      assert.deepEqual([canary.action, canary.outcome, canary.toRevision], ['upgrade', 'applied', 2], 'the ungated release is upgraded and gated again, not skipped');
      assert.match(next.stderr, new RegExp(`^recover: us/${ns}/web-canary pending-upgrade -> rolling back to revision 1$`, 'm'));
      const usCanary = r.units.find((u) => u.id === `us/${ns}/web-canary`)!;
      assert.deepEqual([usCanary.action, usCanary.outcome, usCanary.toRevision], ['upgrade', 'applied', 4], 'recovered to the dead run\'s ungated revision 1 (as revision 3), then upgraded and gated, not taken for done');
      const usAfter = await history('us', ns, 'web-canary');
      assert.deepEqual(usAfter.slice(2).map((h) => [h.revision, h.status, h.description.replace(/run \S+/, 'run <id>')]), [
        [3, 'superseded', 'Rollback to 1'],
        [4, 'deployed', 'helm-cascade run <id> wave canary'],
      ]);
      const after = await history('paris', ns, 'web-canary');
      assert.equal(after.at(-1)!.status, 'deployed');
      assert.doesNotMatch(after.at(-1)!.description, new RegExp(runA));
      const labels = JSON.parse(await kubectl(kubeconfig, CTX.paris, ['get', 'secret', '-n', ns, 'sh.helm.release.v1.web-canary.v2', '-o', 'jsonpath={.metadata.labels}'])) as Record<string, string>;
      assert.equal(labels['cascade-gate-passed'], '2', 'the gate-passed marker is on the revision that passed');
      const again = await run(dir, ['apply', '--yes'], `jenkins-c-${major}`);
      assert.equal(again.exitCode, 0, again.stderr);
      assert.match(again.stdout, /Plan: 0 to install, 0 to upgrade, 4 unchanged, 0 to uninstall\./);
    });

    it('bad input refuses with exit 4 and leaves no lock behind: a chart that fails to render, an object the API server refuses, apply without a terminal and without --yes or CI', async () => {
      const { ns, repo, dir } = fresh(false);
      const writeChart = (name: string, template: string) =>
        writeRepoFiles(dir, { [`charts/${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 1.0.0\n`, [`charts/${name}/templates/cm.yaml`]: template });
      writeChart('broken', '{{ required "level is required" .Values.level }}\n');
      writeChart('refused', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: refused\ndat:\n  a: "1"\n');
      for (const [chart, why] of [['broken', /level is required/], ['refused', /unknown field "dat"/]] as const) {
        writeRepoFiles(dir, { 'releases/web.yaml': `name: web\nnamespace: ${ns}\nchart: { ref: charts/${chart} }\ntracks: { canary: {}, production: {} }\n` });
        for (const args of [['plan'], ['apply', '--yes']]) {
          const r = await run(dir, args, `jenkins-a-${major}`);
          assert.equal(r.exitCode, 4, `${chart} ${args[0]}: ${r.stdout}${r.stderr}`);
          assert.match(r.stdout + r.stderr, why, `${chart} ${args[0]}`);
        }
      }
      writeRepoFiles(dir, { 'releases/web.yaml': releaseYaml(ns) });
      const noTty = await run(dir, ['apply'], `jenkins-a-${major}`, { CI: '' });
      assert.equal(noTty.exitCode, 4, noTty.stdout + noTty.stderr);
      assert.match(noTty.stderr, /apply would change 4 release\(s\) and there is no terminal to ask for approval; nothing was changed/);
      assert.match(noTty.stderr, /^hint: .*--yes \(CI set counts as --yes\)/m);
      for (const cluster of ['paris', 'us'] as const) {
        assert.deepEqual(await history(cluster, ns, 'web-canary'), [], `${cluster}: nothing installed`);
        assert.equal(await lease(cluster, repo), undefined, `${cluster}: the run lock was released`);
      }
    });
  });
}
