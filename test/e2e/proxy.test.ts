// The gates' reads through `kubectl proxy` on a unix socket return what
// kubectl itself returns, kinds and apiVersions filled in, and the proxy is
// gone after stop().
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GATE_KINDS } from '../../src/health/poller.ts';
import { listObjects } from '../../src/kube/live.ts';
import { KubeProxy } from '../../src/kube/proxy.ts';
import { readReleaseRevision } from '../../src/kube/deployed.ts';
import { execa } from 'execa';
import { join } from 'node:path';
import { connect } from 'node:net';
import { helmBin, repoRoot } from '../../fleet/tools.ts';
import { CONTEXTS, kubectl, sharedFleet, suffix } from './support/cascade.ts';

describe('reads through kubectl proxy', { timeout: 120_000 }, () => {
  it('lists the same objects as kubectl, then stops without a trace', async () => {
    const target = { kubeconfig: await sharedFleet(), context: CONTEXTS.paris };
    const ns = `proxy-${suffix()}`;
    const k = (args: string[]) => kubectl(target.kubeconfig, target.context, args);
    await k(['create', 'namespace', ns]);
    await k(['-n', ns, 'create', 'deployment', 'web', '--image=example/web:1', '--replicas=2']);
    await k(['-n', ns, 'expose', 'deployment', 'web', '--port=80']);
    await k(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=60s']);
    const proxy = await KubeProxy.start(target);
    try {
      const viaProxy = await proxy.list(ns, GATE_KINDS);
      const viaKubectl = await listObjects(target, ns, GATE_KINDS);
      const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
      assert.deepEqual(viaProxy.map(key).sort(), viaKubectl.map(key).sort());
      const kinds = new Set(viaProxy.map((o) => o.kind));
      for (const kind of ['Deployment', 'ReplicaSet', 'Pod', 'Service', 'EndpointSlice']) assert.ok(kinds.has(kind), `${kind} listed`);
      assert.equal(viaProxy.filter((o) => o.kind === 'Pod').length, 2);
      assert.ok(viaProxy.every((o) => o.kind && o.apiVersion));
      await assert.rejects(proxy.get('/api/v1/namespaces/no-such-namespace-xyz'), /HTTP 404/);
    } finally {
      proxy.stop();
      await k(['delete', 'namespace', ns, '--wait=false']);
    }
    assert.equal(existsSync(proxy.socket), false);
  });

  it("reads a release revision from helm's record, the same manifest as `helm get manifest`", async () => {
    const target = { kubeconfig: await sharedFleet(), context: CONTEXTS.paris };
    const ns = `proxy-rel-${suffix()}`;
    const helm = (args: string[]) => execa(helmBin(3), [...args, '-n', ns, '--kube-context', target.context, '--kubeconfig', target.kubeconfig]);
    await helm(['install', 'web', join(repoRoot, 'charts', 'cascade-demo'), '--create-namespace', '--set', 'image.tag=1.0.0']);
    await helm(['upgrade', 'web', join(repoRoot, 'charts', 'cascade-demo'), '--set', 'image.tag=2.0.0']);
    const proxy = await KubeProxy.start(target);
    try {
      const r1 = await readReleaseRevision(proxy, 'paris', ns, 'web', 1);
      const r2 = await readReleaseRevision(proxy, 'paris', ns, 'web', 2);
      assert.equal(r1?.revision, 1);
      assert.equal(r2?.status, 'deployed');
      assert.equal(r2?.manifest, String((await helm(['get', 'manifest', 'web', '--revision', '2'])).stdout).trimEnd() + '\n');
      assert.match(r1!.manifest, /1\.0\.0/);
      assert.equal(await readReleaseRevision(proxy, 'paris', ns, 'web', 3), undefined);
    } finally {
      proxy.stop();
      await kubectl(target.kubeconfig, target.context, ['delete', 'namespace', ns, '--wait=false']);
    }
  });

  it('a run killed with SIGKILL leaves no kubectl proxy behind', async () => {
    const kubeconfig = await sharedFleet();
    const script = `const { KubeProxy } = await import(${JSON.stringify(join(repoRoot, 'src/kube/proxy.ts'))}); const p = await KubeProxy.start({ kubeconfig: ${JSON.stringify(kubeconfig)}, context: ${JSON.stringify(CONTEXTS.paris)} }); console.log(p.socket); setInterval(() => {}, 1000);`;
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
    for (let i = 0; i < 50 && alive; i++) {
      await new Promise((r) => setTimeout(r, 100));
      alive = await served();
    }
    assert.equal(alive, false, 'the proxy stopped with its run');
  });

  it('a context that does not exist fails to start, saying so', async () => {
    await assert.rejects(KubeProxy.start({ kubeconfig: await sharedFleet(), context: 'no-such-context' }), /kubectl proxy for context no-such-context/);
  });
});
