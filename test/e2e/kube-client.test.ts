// The one KubeClient against a real kube-apiserver of the fleet: its reads
// through `kubectl proxy` return what kubectl itself returns (kinds and
// apiVersions filled in), release records decode as helm wrote them, the
// proxy is gone after close() and after its run is SIGKILLed, and the kubectl
// fallback answers the same.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GATE_KINDS, clientList } from '../../src/health/poller.ts';
import { KubeClient, KubeClients } from '../../src/kube/client.ts';
import { KubeProxy } from '../../src/kube/proxy.ts';
import { readReleaseRevision } from '../../src/kube/release-records.ts';
import { PreflightError } from '../../src/errors.ts';
import { execa } from 'execa';
import { join } from 'node:path';
import { connect } from 'node:net';
import { helmBin, repoRoot } from '../../fleet/tools.ts';
import { CONTEXTS, kubectl, sharedFleet, suffix } from './support/cascade.ts';

const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;

describe('KubeClient on the fleet', { timeout: 120_000 }, () => {
  it('lists the same objects as kubectl, through the proxy and through the kubectl fallback, then stops without a trace', async () => {
    const kubeconfig = await sharedFleet();
    const target = { cluster: 'paris', kubeconfig, context: CONTEXTS.paris };
    const ns = `proxy-${suffix()}`;
    const k = (args: string[]) => kubectl(kubeconfig, target.context, args);
    await k(['create', 'namespace', ns]);
    await k(['-n', ns, 'create', 'deployment', 'web', '--image=example/web:1', '--replicas=2']);
    await k(['-n', ns, 'expose', 'deployment', 'web', '--port=80']);
    await k(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    const clients = new KubeClients({ kubeconfig });
    const client = clients.for({ name: 'paris', context: CONTEXTS.paris });
    const viaKubectl = (JSON.parse(await k(['get', 'deployments.apps,statefulsets.apps,daemonsets.apps,replicasets.apps,jobs.batch,services,endpointslices.discovery.k8s.io,pods', '-n', ns, '-o', 'json'])) as { items: { kind: string; metadata: { name: string } }[] }).items;
    try {
      const viaProxy = await clientList(client)(ns, GATE_KINDS);
      assert.deepEqual(viaProxy.map(key).sort(), viaKubectl.map(key).sort());
      const kinds = new Set(viaProxy.map((o) => o.kind));
      for (const kind of ['Deployment', 'ReplicaSet', 'Pod', 'Service', 'EndpointSlice']) assert.ok(kinds.has(kind), `${kind} listed`);
      assert.equal(viaProxy.filter((o) => o.kind === 'Pod').length, 2);
      assert.ok(viaProxy.every((o) => o.kind && o.apiVersion));
      await assert.rejects(client.json('GET', '/api/v1/namespaces/no-such-namespace-xyz'), /HTTP 404/);
      assert.equal(await client.getObject('/api/v1/namespaces/no-such-namespace-xyz'), undefined);
      // the private fallback: no proxy, kubectl --raw per request, the same answers
      const fallback = new KubeClient(target, async () => undefined);
      assert.deepEqual((await clientList(fallback)(ns, GATE_KINDS)).map(key).sort(), viaKubectl.map(key).sort());
      assert.equal(await fallback.getObject('/api/v1/namespaces/no-such-namespace-xyz'), undefined);
      assert.match(await client.kubeVersion(), /^v1\.\d+\.\d+$/);
      assert.ok((await client.capabilities()).includes('apps/v1/Deployment'));
    } finally {
      await clients.close();
      await k(['delete', 'namespace', ns, '--wait=false']);
    }
  });

  it("reads a release revision from helm's record, the same manifest as `helm get manifest`", async () => {
    const target = { cluster: 'paris', kubeconfig: await sharedFleet(), context: CONTEXTS.paris };
    const ns = `proxy-rel-${suffix()}`;
    const helm = (args: string[]) => execa(helmBin(3), [...args, '-n', ns, '--kube-context', target.context, '--kubeconfig', target.kubeconfig]);
    await helm(['install', 'web', join(repoRoot, 'charts', 'cascade-demo'), '--create-namespace', '--set', 'image.tag=1.0.0']);
    await helm(['upgrade', 'web', join(repoRoot, 'charts', 'cascade-demo'), '--set', 'image.tag=2.0.0']);
    const clients = new KubeClients({ kubeconfig: target.kubeconfig });
    const client = clients.for({ name: 'paris', context: target.context });
    try {
      const r1 = await readReleaseRevision(client, ns, 'web', 1);
      const r2 = await readReleaseRevision(client, ns, 'web', 2);
      assert.equal(r1?.revision, 1);
      assert.equal(r2?.status, 'deployed');
      assert.equal(r2?.manifest, String((await helm(['get', 'manifest', 'web', '--revision', '2'])).stdout).trimEnd() + '\n');
      assert.match(r1!.manifest, /1\.0\.0/);
      assert.equal(await readReleaseRevision(client, ns, 'web', 3), undefined);
    } finally {
      await clients.close();
      await kubectl(target.kubeconfig, target.context, ['delete', 'namespace', ns, '--wait=false']);
    }
  });

  it('a run killed with SIGKILL leaves no kubectl proxy behind', async () => {
    const kubeconfig = await sharedFleet();
    const script = `const { KubeProxy } = await import(${JSON.stringify(join(repoRoot, 'src/kube/proxy.ts'))}); const p = await KubeProxy.start({ cluster: 'paris', kubeconfig: ${JSON.stringify(kubeconfig)}, context: ${JSON.stringify(CONTEXTS.paris)} }); console.log(p.socket); setInterval(() => {}, 1000);`;
    const child = execa(process.execPath, ['--input-type=module', '-e', script], { reject: false, buffer: false });
    const socket = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim()));
      void child.then(() => reject(new Error('the child ended before its proxy served')));
    });
    const served = () => new Promise<boolean>((resolve) => {
      const c = connect(socket, () => (c.end(), resolve(true)));
      c.on('error', () => resolve(false));
    });
    assert.equal(await served(), true, 'the proxy serves while its run lives');
    child.kill('SIGKILL');
    await child;
    let alive = true;
    for (let i = 0; i < 600 && alive; i++) {
      await new Promise((r) => setTimeout(r, 100));
      alive = await served();
    }
    assert.equal(alive, false, 'the proxy stopped with its run');
  });

  it('a context that does not exist: the proxy fails to start, saying so, and the client refuses (exit 5) naming it', async () => {
    const kubeconfig = await sharedFleet();
    await assert.rejects(KubeProxy.start({ cluster: 'x', kubeconfig, context: 'no-such-context' }), /kubectl proxy for context no-such-context/);
    const clients = new KubeClients({ kubeconfig });
    try {
      await assert.rejects(clients.for({ name: 'x', context: 'no-such-context' }).kubeVersion(), (e: unknown) => e instanceof PreflightError && /cluster "x" \(context "no-such-context"\): the context is not in the kubeconfig/.test(e.message));
    } finally {
      await clients.close();
    }
  });
});
