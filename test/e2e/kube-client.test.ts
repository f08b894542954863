// The one KubeClient against a real kube-apiserver of the fleet: its reads
// over the native transport return what kubectl itself returns (kinds and
// apiVersions filled in), over HTTP/2 and over HTTP/1.1 (DISABLE_HTTP2), and
// release records decode as helm wrote them. No helper process is started.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GATE_KINDS, clientList } from '../../src/health/poller.ts';
import { KubeClients } from '../../src/kube/client.ts';
import { readReleaseRevision } from '../../src/kube/release-records.ts';
import { PreflightError } from '../../src/errors.ts';
import { execa } from 'execa';
import { join } from 'node:path';
import { helmBin, repoRoot } from '../../fleet/tools.ts';
import { CONTEXTS, kubectl, sharedFleet, suffix } from './support/cascade.ts';

const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;

describe('KubeClient on the fleet', { timeout: 120_000 }, () => {
  it('lists the same objects as kubectl, over HTTP/2 and over HTTP/1.1, on one connection per cluster', async () => {
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
    const http1 = new KubeClients({ kubeconfig });
    const client1 = http1.for({ name: 'paris', context: CONTEXTS.paris });
    try {
      const listed = await clientList(client)(ns, GATE_KINDS);
      assert.deepEqual(listed.map(key).sort(), viaKubectl.map(key).sort());
      const kinds = new Set(listed.map((o) => o.kind));
      for (const kind of ['Deployment', 'ReplicaSet', 'Pod', 'Service', 'EndpointSlice']) assert.ok(kinds.has(kind), `${kind} listed`);
      assert.equal(listed.filter((o) => o.kind === 'Pod').length, 2);
      assert.ok(listed.every((o) => o.kind && o.apiVersion));
      await assert.rejects(client.json('GET', '/api/v1/namespaces/no-such-namespace-xyz'), /HTTP 404/);
      assert.equal(await client.getObject('/api/v1/namespaces/no-such-namespace-xyz'), undefined);
      assert.match(await client.kubeVersion(), /^v1\.\d+\.\d+$/);
      assert.ok((await client.capabilities()).includes('apps/v1/Deployment'));
      // every one of those requests (lists of 8 kinds at once, discovery, /version) on one HTTP/2 connection
      const stats = await client.stats();
      assert.equal(stats.connections, 1, JSON.stringify(stats));
      assert.ok(stats.requests >= 12, JSON.stringify(stats));
      // HTTP/1.1 (a server or proxy without h2; DISABLE_HTTP2 as client-go reads it): the same answers, over keep-alive sockets
      process.env.DISABLE_HTTP2 = '1';
      assert.deepEqual((await clientList(client1)(ns, GATE_KINDS)).map(key).sort(), viaKubectl.map(key).sort());
      assert.equal(await client1.getObject('/api/v1/namespaces/no-such-namespace-xyz'), undefined);
      const s1 = await client1.stats();
      assert.ok(s1.connections > 1 && s1.connections <= 16, `HTTP/1.1 needs a socket per request in flight, at most the concurrency: ${JSON.stringify(s1)}`);
    } finally {
      delete process.env.DISABLE_HTTP2;
      await clients.close();
      await http1.close();
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

  it('a context that does not exist: the client refuses (exit 5) naming it', async () => {
    const kubeconfig = await sharedFleet();
    const clients = new KubeClients({ kubeconfig });
    try {
      await assert.rejects(clients.for({ name: 'x', context: 'no-such-context' }).kubeVersion(), (e: unknown) => e instanceof PreflightError && /cluster "x" \(context "no-such-context"\): the context is not in the kubeconfig/.test(e.message));
    } finally {
      await clients.close();
    }
  });
});
