// The native transport against the fleet's real API servers, one way of
// authenticating at a time, as a kubeconfig (or a pod) gives it: client
// certificates, a bearer token, a KUBECONFIG split over several files, an exec
// credential plugin whose credential expires, the service-account token of a
// pod (rotated), a watch the server closes, a 429 with Retry-After from an API
// server with tiny in-flight limits, an API server restarted during a gate.
// "Who am I" is asked of the server itself (SelfSubjectReview).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { ensureFleet, stopFleetCluster } from '../../fleet/fleet-api.ts';
import { fleetName, readState } from '../../fleet/layout.ts';
import { helmBin, repoRoot } from '../../fleet/tools.ts';
import { resolveKubeconfig } from '../../src/kube/kubeconfig.ts';
import { PreflightError } from '../../src/errors.ts';
import { prepareGate, runGate } from '../../src/health/gate.ts';
import { WatchReader } from '../../src/health/watcher.ts';
import { KubeClients } from '../../src/kube/client.ts';
import type { KubeClient, WatchEvent } from '../../src/kube/client.ts';
import { IN_CLUSTER_CONTEXT } from '../../src/model/identity.ts';
import { builtinResource } from '../../src/model/resources.ts';
import type { ClustersFileSpec } from '../../src/model/spec.ts';
import { CONTEXTS, cascade, kubectl, scratchRepo, sharedFleetInfo, suffix } from './support/cascade.ts';
import type { FleetCluster } from './support/kube-users.ts';
import { serviceAccountToken, serviceAccountWithRules, writeKubeconfig } from './support/kube-users.ts';
import { tempDir } from '../support/tmp.ts';

const tmp = tempDir('hc-transport-');
const ALL = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }];
const USERS_NS = 'hc-test-users';

async function whoami(client: KubeClient): Promise<{ username: string; groups: string[] }> {
  const r = await client.json<{ status: { userInfo: { username: string; groups: string[] } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  return r.status.userInfo;
}

/** A deploy repository of one release on one cluster (the shared fleet's paris), reached as `cluster`. */
function oneReleaseRepo(cluster: string, kubeconfigLine: string): string {
  return scratchRepo({
    'clusters.yaml': `${kubeconfigLine}clusters:\n  paris:\n    ${cluster}\n`,
    'releases/web.yaml': `name: web\nnamespace: hc-transport-${suffix()}\nchart: { ref: charts/cascade-demo }\nset: { replicaCount: 0 }\n`,
  });
}

describe('the native transport on real API servers', { timeout: 600_000 }, () => {
  let paris: FleetCluster;
  let admin: { kubeconfig: string; context: string };

  before(async () => {
    const fleet = await sharedFleetInfo();
    paris = fleet.clusters.find((c) => c.context === CONTEXTS.paris)!;
    admin = { kubeconfig: fleet.kubeconfig, context: CONTEXTS.paris };
  });

  it('client certificates (files, relative to the kubeconfig) and the CA file: the server knows the certificate user', async () => {
    const dir = join(tmp, 'certs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'me.crt'), readFileSync(paris.pki.clientCert));
    writeFileSync(join(dir, 'me.key'), readFileSync(paris.pki.clientKey));
    const kubeconfig = writeKubeconfig(join(dir, 'config'), paris, { context: 'cert', user: { 'client-certificate': 'me.crt', 'client-key': 'me.key' } });
    const clients = new KubeClients({ kubeconfig });
    try {
      const me = await whoami(clients.for({ name: 'paris', context: 'cert' }));
      assert.equal(me.username, 'fleet-cert-admin');
      assert.ok(me.groups.includes('system:masters'));
    } finally {
      await clients.close();
    }
  });

  it('a bearer token; a wrong one is refused before anything happens (exit 5, the token never shown)', async () => {
    const good = new KubeClients({ kubeconfig: writeKubeconfig(join(tmp, 'token'), paris, { context: 't', user: { token: paris.token } }) });
    const bad = new KubeClients({ kubeconfig: writeKubeconfig(join(tmp, 'bad-token'), paris, { context: 't', user: { token: 'not-a-valid-token-0123456789' } }) });
    try {
      assert.equal((await whoami(good.for({ name: 'paris', context: 't' }))).username, 'fleet-admin');
      await assert.rejects(bad.for({ name: 'paris', context: 't' }).kubeVersion(), (e: unknown) => e instanceof PreflightError && /cluster "paris" \(context "t"\) refused the kubeconfig's credentials/.test(e.message) && !e.message.includes('not-a-valid-token'));
    } finally {
      await good.close();
      await bad.close();
    }
  });

  it('KUBECONFIG split over files (one missing) is merged as kubectl does, for helm-cascade and for helm; it wins over clusters.yaml kubeconfig: pointing nowhere, and --kubeconfig over both', async () => {
    const dir = join(tmp, 'split');
    mkdirSync(join(dir, 'users', 'pki'), { recursive: true });
    const clustersFile = join(dir, 'clusters.yaml');
    writeFileSync(clustersFile, stringify({ clusters: [{ name: 'paris-cluster', cluster: { server: paris.server, 'certificate-authority-data': readFileSync(paris.pki.servingCa).toString('base64') } }] }));
    writeFileSync(join(dir, 'users', 'pki', 'me.crt'), readFileSync(paris.pki.clientCert));
    writeFileSync(join(dir, 'users', 'pki', 'me.key'), readFileSync(paris.pki.clientKey));
    const usersFile = join(dir, 'users', 'config');
    writeFileSync(usersFile, stringify({
      users: [{ name: 'me', user: { 'client-certificate': 'pki/me.crt', 'client-key': 'pki/me.key' } }],
      contexts: [{ name: 'split', context: { cluster: 'paris-cluster', user: 'me' } }],
    }));
    const list = [clustersFile, join(dir, 'missing'), usersFile].join(':');
    const repo = oneReleaseRepo('context: split', 'kubeconfig: /nowhere/kubeconfig\n');
    // $KUBECONFIG wins over kubeconfig: (which points nowhere); helm renders against the server through the same list
    const viaEnv = await cascade(repo, ['plan', '--detailed-exitcode', '--no-color'], { kubeconfig: list, helm: 3 });
    assert.equal(viaEnv.exitCode, 2, viaEnv.stdout + viaEnv.stderr);
    assert.match(viaEnv.stdout, /install/);
    // --kubeconfig wins over $KUBECONFIG (here pointing nowhere) and kubeconfig:
    const single = writeKubeconfig(join(dir, 'single'), paris, { context: 'split', user: { token: paris.token } });
    const viaFlag = await cascade(repo, ['plan', '--detailed-exitcode', '--no-color', '--kubeconfig', single], { kubeconfig: '/nowhere/either', helm: 3 });
    assert.equal(viaFlag.exitCode, 2, viaFlag.stdout + viaFlag.stderr);
    // with neither, clusters.yaml's kubeconfig: is read, and it points nowhere: exit 5 naming it
    const none = await cascade(repo, ['plan', '--no-color'], { kubeconfig: '', helm: 3 });
    assert.equal(none.exitCode, 5, none.stdout + none.stderr);
    assert.match(none.stderr, /\/nowhere\/kubeconfig/);
  });

  it('an exec credential plugin: run once for concurrent requests, again when its credential expires; a missing one names its install hint', async () => {
    const calls = join(tmp, 'plugin-calls');
    const plugin = join(tmp, 'plugin.mjs');
    writeFileSync(plugin, `import { appendFileSync } from 'node:fs';
appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ at: Date.now(), info: JSON.parse(process.env.KUBERNETES_EXEC_INFO ?? 'null') }) + '\\n');
const expirationTimestamp = new Date(Date.now() + 2500).toISOString();
process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: process.env.FLEET_TOKEN, expirationTimestamp } }));
`);
    writeFileSync(calls, '');
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: [plugin], env: [{ name: 'FLEET_TOKEN', value: paris.token }], provideClusterInfo: true, interactiveMode: 'Never' };
    const clients = new KubeClients({ kubeconfig: writeKubeconfig(join(tmp, 'exec'), paris, { context: 'exec', user: { exec } }) });
    const missing = new KubeClients({ kubeconfig: writeKubeconfig(join(tmp, 'exec-missing'), paris, { context: 'exec', user: { exec: { ...exec, command: 'no-such-auth-plugin', installHint: 'install it with: gcloud components install no-such-auth-plugin' } } }) });
    try {
      const client = clients.for({ name: 'paris', context: 'exec' });
      await Promise.all([whoami(client), client.kubeVersion(), client.json('GET', '/api/v1/namespaces/default')]);
      const first = readFileSync(calls, 'utf8').trim().split('\n');
      assert.equal(first.length, 1, 'one plugin run for three concurrent requests');
      const info = (JSON.parse(first[0]!) as { info: { spec: { interactive: boolean; cluster?: { server: string } } } }).info;
      assert.equal(info.spec.interactive, false);
      assert.equal(info.spec.cluster?.server, paris.server, 'provideClusterInfo: the cluster is passed to the plugin');
      await client.json('GET', '/api/v1/namespaces/default');
      assert.equal(readFileSync(calls, 'utf8').trim().split('\n').length, 1, 'the cached credential is used until it expires');
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal((await whoami(client)).username, 'fleet-admin');
      assert.equal(readFileSync(calls, 'utf8').trim().split('\n').length, 2, 'expired: the plugin ran again');
      await assert.rejects(missing.for({ name: 'paris', context: 'exec' }).kubeVersion(), (e: unknown) => e instanceof PreflightError && /exec plugin no-such-auth-plugin not found: install it with: gcloud components install/.test(e.message));
    } finally {
      await clients.close();
      await missing.close();
    }
  });

  it("the pod's service account (in-cluster layout): no kubeconfig at all for helm-cascade and helm; the token re-read when it rotates", async () => {
    await serviceAccountWithRules(admin, { namespace: USERS_NS, name: 'in-cluster', rules: ALL });
    for (const s of ['bound-1', 'bound-2']) await kubectl(admin.kubeconfig, admin.context, ['-n', USERS_NS, 'create', 'secret', 'generic', s, '--dry-run=client', '-o', 'yaml']).then((y) => writeFileSync(join(tmp, `${s}.yaml`), y));
    for (const s of ['bound-1', 'bound-2']) await kubectl(admin.kubeconfig, admin.context, ['apply', '-f', join(tmp, `${s}.yaml`)]);
    const token1 = await serviceAccountToken(admin, { namespace: USERS_NS, name: 'in-cluster', boundSecret: 'bound-1' });
    const token2 = await serviceAccountToken(admin, { namespace: USERS_NS, name: 'in-cluster', boundSecret: 'bound-2' });
    const sa = join(tmp, 'serviceaccount');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), token1);
    writeFileSync(join(sa, 'ca.crt'), readFileSync(paris.pki.servingCa));
    writeFileSync(join(sa, 'namespace'), USERS_NS);
    const port = new URL(paris.server).port;
    const podEnv = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port, HELM_CASCADE_SERVICE_ACCOUNT_DIR: sa };

    // the CLI, as the drift CronJob runs it: inCluster: true, and no kubeconfig anywhere
    const repo = oneReleaseRepo('inCluster: true', '');
    const plan = await cascade(repo, ['plan', '--detailed-exitcode', '--no-color'], { kubeconfig: join(tmp, 'no-kubeconfig'), helm: 3, env: { ...podEnv, HOME: tmp } });
    assert.equal(plan.exitCode, 2, plan.stdout + plan.stderr);
    // the same repository shape with a context, pointed in-cluster for this run by HELM_CASCADE_IN_CLUSTER
    const named = oneReleaseRepo('context: not-in-any-kubeconfig', '');
    const status = await cascade(named, ['status', '--no-color'], { kubeconfig: join(tmp, 'no-kubeconfig'), helm: 3, env: { ...podEnv, HOME: tmp, HELM_CASCADE_IN_CLUSTER: 'paris' } });
    assert.equal(status.exitCode, 0, status.stdout + status.stderr);
    // outside a pod, an in-cluster cluster says why it cannot be reached (exit 5)
    const outside = await cascade(repo, ['plan', '--no-color'], { kubeconfig: join(tmp, 'no-kubeconfig'), helm: 3, env: { HOME: tmp, KUBERNETES_SERVICE_HOST: '' } });
    assert.equal(outside.exitCode, 5, outside.stdout + outside.stderr);
    assert.match(outside.stderr, /service account|KUBERNETES_SERVICE_HOST/);

    // in process: the token file rotates; the old token is revoked; the next request re-reads the file
    const saved = Object.fromEntries(Object.keys(podEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, podEnv);
    const kubeconfig = resolveKubeconfig(join(tmp, 'no-kubeconfig'), { root: tmp, clusters: [{ name: 'paris', context: IN_CLUSTER_CONTEXT }] } as unknown as ClustersFileSpec, process.env);
    const clients = new KubeClients({ kubeconfig });
    try {
      const client = clients.for({ name: 'paris', context: IN_CLUSTER_CONTEXT });
      assert.equal((await whoami(client)).username, `system:serviceaccount:${USERS_NS}:in-cluster`);
      writeFileSync(join(sa, 'token'), token2);
      await kubectl(admin.kubeconfig, admin.context, ['-n', USERS_NS, 'delete', 'secret', 'bound-1', '--wait=true']);
      // the API server sees the bound Secret gone through its informers: wait until it refuses the first token
      const refused = async () => {
        const old = new KubeClients({ kubeconfig: writeKubeconfig(join(tmp, 'old-token'), paris, { context: 'old', user: { token: token1 } }) });
        try {
          return await whoami(old.for({ name: 'paris', context: 'old' })).then(() => false, (e: unknown) => /refused the kubeconfig's credentials/.test(String(e)));
        } finally {
          await old.close();
        }
      };
      let revoked = false;
      for (let i = 0; i < 60 && !revoked; i++) revoked = await refused() || (await new Promise((r) => setTimeout(r, 500)), false);
      assert.ok(revoked, 'the first token is revoked');
      assert.equal((await whoami(client)).username, `system:serviceaccount:${USERS_NS}:in-cluster`, 'the rotated token was read');
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      await clients.close();
    }
  });

  it('a watch the server closes (its timeoutSeconds) ends by itself, with the events it carried', async () => {
    const ns = `hc-watch-close-${suffix()}`;
    await kubectl(admin.kubeconfig, admin.context, ['create', 'namespace', ns]);
    const clients = new KubeClients({ kubeconfig: admin.kubeconfig });
    try {
      const client = clients.for({ name: 'paris', context: admin.context });
      const cm = builtinResource('ConfigMap')!;
      const { resourceVersion } = await client.listVersioned(cm, ns);
      const events: WatchEvent[] = [];
      const t0 = Date.now();
      const watching = client.watch(cm, ns, resourceVersion, (e) => events.push(e), AbortSignal.timeout(60_000), { timeoutSeconds: 3 });
      await client.json('POST', `/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seen' }, data: { a: '1' } });
      await watching;
      const ms = Date.now() - t0;
      assert.ok(ms >= 2500 && ms < 30_000, `closed by the server after about 3s, not by us: ${ms}ms`);
      assert.deepEqual(events.filter((e) => e.type === 'ADDED').map((e) => `${e.object.kind}/${e.object.metadata?.name}`), ['ConfigMap/seen']);
    } finally {
      await clients.close();
      await kubectl(admin.kubeconfig, admin.context, ['delete', 'namespace', ns, '--wait=false']);
    }
  });

  describe('an API server of its own (tiny in-flight limits)', () => {
    const fleetFile = join(tmp, 'throttled-fleet.yaml');
    let throttled: FleetCluster;
    let own: { kubeconfig: string; context: string };
    before(async () => {
      writeFileSync(fleetFile, stringify({ clusters: { throttled: { context: 'hc-throttled', fleet: { apiserverArgs: ['--max-requests-inflight=1', '--max-mutating-requests-inflight=1'] } } } }));
      const info = await ensureFleet({ clustersFile: fleetFile, log: () => undefined });
      throttled = info.clusters[0]!;
      own = { kubeconfig: info.kubeconfig, context: 'hc-throttled' };
    });
    after(async () => {
      await stopFleetCluster('hc-throttled', { log: () => undefined });
    });

    it('429 Too Many Requests with Retry-After: 1 from the real API server: every request waits that long and succeeds', async () => {
      // system:masters is not limited by --max-requests-inflight: a plain user is
      await serviceAccountWithRules(own, { namespace: USERS_NS, name: 'reader', rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets', 'serviceaccounts'], verbs: ['list', 'get'] }] });
      const token = await serviceAccountToken(own, { namespace: USERS_NS, name: 'reader' });
      const lines: string[] = [];
      const clients = new KubeClients({ kubeconfig: writeKubeconfig(join(tmp, 'reader'), throttled, { context: 'reader', user: { token } }), log: (l) => lines.push(l), limits: { qps: 1000, burst: 1000, concurrency: 16 } });
      try {
        const client = clients.for({ name: 'throttled', context: 'reader' });
        const kinds = ['configmaps', 'secrets', 'serviceaccounts'];
        // 8 at once against one in-flight slot: some get 429, and each 1 s round answers at least one, so every
        // request succeeds within client-go's 10 retries (48 at once could exhaust them: a herd the server sheds)
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => client.json<{ items: unknown[] }>('GET', `/api/v1/${kinds[i % 3]}`)));
        assert.ok(results.every((r) => Array.isArray(r.items)), 'every request answered');
        const stats = await client.stats();
        const retried = lines.filter((l) => /HTTP 429; retrying in 1000ms/.test(l));
        assert.ok(stats.retries > 0 && retried.length > 0, `the server sent 429s with Retry-After: 1 and they were retried after it: ${JSON.stringify(stats)}\n${lines.slice(-5).join('\n')}`);
      } finally {
        await clients.close();
      }
    });

    it('the API server restarted during a gate: requests and watches reconnect, the gate passes', async () => {
      const ns = `hc-restart-${suffix()}`;
      const chart = join(repoRoot, 'charts', 'cascade-demo');
      const clients = new KubeClients({ kubeconfig: own.kubeconfig });
      const reader = WatchReader.of(clients.for({ name: 'throttled', context: own.context }));
      try {
        const manifest = (await execa(helmBin(3), ['template', 'demo', chart, '-n', ns])).stdout;
        const prep = await prepareGate(reader, ns, manifest, undefined);
        await execa(helmBin(3), ['upgrade', '--install', 'demo', chart, '-n', ns, '--create-namespace', '--kubeconfig', own.kubeconfig, '--kube-context', own.context]);
        let restarted: Promise<void> | undefined;
        const r = await runGate({
          unit: `throttled/${ns}/demo`,
          reader,
          ...prep,
          health: { timeoutMs: 240_000, soakMs: 30_000, minReadyEndpoints: 1, maxRestarts: 0, http: [] },
          // what is tested is that the transport reconnects, not how long a gate bears an unreachable server:
          // on a loaded 2-core CI machine the restart alone can take longer than the default 15 s
          maxReadErrorMs: 180_000,
          onProgress: (e) => {
            if (e.phase !== 'soaking' || restarted) return;
            const pid = readState(fleetName())?.clusters['hc-throttled']?.processes['kube-apiserver']?.pid;
            assert.ok(pid, 'the apiserver pid');
            process.kill(pid, 'SIGKILL');
            restarted = ensureFleet({ clustersFile: fleetFile, log: () => undefined }).then(() => undefined);
          },
        });
        await restarted;
        assert.ok(restarted, 'the apiserver was restarted while the gate soaked');
        assert.equal(r.phase, 'passed', r.reason);
        const stats = await clients.for({ name: 'throttled', context: own.context }).stats();
        assert.ok(stats.connections >= 2, `a new connection after the restart: ${JSON.stringify(stats)}`);
      } finally {
        reader.close();
        await clients.close();
      }
    });
  });
});
