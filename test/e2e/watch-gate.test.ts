// Watch-based gates on the shared fleet (kwok pods): a healthy release is
// gated from one list and one watch per kind of its namespace, with no
// further list while it soaks; a pod that starts crash-looping after the
// rollout fails the gate through the watch; a user whose RBAC allows list but
// not watch (a real 403 from the API server) has the same gate poll, and pass.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin, kubectlBin, repoRoot } from '../../fleet/tools.ts';
import { prepareGate, runGate } from '../../src/health/gate.ts';
import { GATE_KINDS, LivePoller } from '../../src/health/poller.ts';
import { WatchReader } from '../../src/health/watcher.ts';
import { KubeClients } from '../../src/kube/client.ts';
import type { HealthSpec } from '../../src/model/spec.ts';
import { CONTEXTS, sharedFleet, sharedFleetInfo, suffix } from './support/cascade.ts';
import { serviceAccountToken, serviceAccountWithRules, writeKubeconfig } from './support/kube-users.ts';
import { tempDir } from '../support/tmp.ts';

const CONTEXT = CONTEXTS.paris;
const chart = join(repoRoot, 'charts', 'cascade-demo');
const health = (over: Partial<HealthSpec> = {}): HealthSpec => ({ timeoutMs: 90_000, soakMs: 2_000, minReadyEndpoints: 1, maxRestarts: 0, http: [], ...over });

describe('watch-based gates on the fleet', { timeout: 300_000 }, () => {
  let kubeconfig = '';
  let clients: KubeClients;
  const requests: string[] = [];
  const namespaces: string[] = [];
  const tmp = tempDir('hc-watch-');
  const kube = (args: string[]) => execa(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', CONTEXT, ...args], { reject: false });
  const newNs = () => {
    const ns = `i15-watch-${suffix()}`;
    namespaces.push(ns);
    return ns;
  };

  before(async () => {
    kubeconfig = await sharedFleet();
    clients = new KubeClients({ kubeconfig, log: (l) => requests.push(l) });
  });
  after(async () => {
    await clients?.close();
    for (const ns of namespaces) await kube(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  });

  /** helm template + baseline + helm upgrade --install, as apply orders them; returns what runGate needs. */
  async function deploy(reader: LivePoller | WatchReader, ns: string, values: Record<string, unknown>) {
    const valuesFile = join(tmp, `${ns}.json`);
    writeFileSync(valuesFile, JSON.stringify(values));
    const manifest = (await execa(helmBin(3), ['template', 'demo', chart, '-n', ns, '-f', valuesFile])).stdout;
    const prep = await prepareGate(reader, ns, manifest, undefined);
    await execa(helmBin(3), ['upgrade', '--install', 'demo', chart, '-n', ns, '--create-namespace', '-f', valuesFile, '--kubeconfig', kubeconfig, '--kube-context', CONTEXT]);
    return prep;
  }

  it('a healthy release passes from the watch cache: one list per kind, then watches, no list while it soaks', async () => {
    const ns = newNs();
    const reader = WatchReader.of(clients.for({ name: 'paris', context: CONTEXT }));
    try {
      const prep = await deploy(reader, ns, { replicaCount: 2 });
      const r = await runGate({ unit: `paris/${ns}/demo`, reader, ...prep, health: health() });
      assert.equal(r.phase, 'passed', r.reason);
      assert.deepEqual(reader.watched(), [ns]);
      const podReads = requests.filter((l) => l.includes(`/api/v1/namespaces/${ns}/pods`));
      assert.deepEqual(podReads.map((l) => l.split(' ')[0]), ['GET', 'WATCH'], podReads.join('\n'));
    } finally {
      reader.close();
    }
  });

  it('a pod that starts crash-looping during the soak fails the gate through its watch', async () => {
    const ns = newNs();
    const reader = WatchReader.of(clients.for({ name: 'paris', context: CONTEXT }));
    try {
      const prep = await deploy(reader, ns, {});
      let annotated = false;
      const r = await runGate({
        unit: `paris/${ns}/demo`,
        reader,
        ...prep,
        health: health({ soakMs: 120_000, timeoutMs: 180_000 }),
        onProgress: (e) => {
          if (e.phase !== 'soaking' || annotated) return;
          annotated = true;
          void kube(['-n', ns, 'annotate', 'pods', '--all', 'fleet.helm-cascade.dev/behavior=crashloop']);
        },
      });
      assert.equal(r.phase, 'failed', r.reason);
      assert.match(r.reason, /CrashLoopBackOff/);
      assert.deepEqual(reader.watched(), [ns]);
    } finally {
      reader.close();
    }
  });

  it('a user allowed to list but not to watch: the watch is refused (403) and the gate polls, and passes', async () => {
    const ns = newNs();
    const fleet = await sharedFleetInfo();
    const paris = fleet.clusters.find((c) => c.context === CONTEXT)!;
    const admin = { kubeconfig, context: CONTEXT };
    const groups = { '': ['pods', 'services', 'events', 'namespaces'], apps: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], batch: ['jobs'], 'discovery.k8s.io': ['endpointslices'] };
    const rules = Object.entries(groups).map(([g, resources]) => ({ apiGroups: [g], resources, verbs: ['get', 'list'] }));
    await serviceAccountWithRules(admin, { namespace: 'hc-test-users', name: 'no-watch', rules });
    const token = await serviceAccountToken(admin, { namespace: 'hc-test-users', name: 'no-watch' });
    const listOnly = new KubeClients({ kubeconfig: writeKubeconfig(join(tmp, 'no-watch.kubeconfig'), paris, { context: 'no-watch', user: { token } }) });
    const client = listOnly.for({ name: 'paris', context: 'no-watch' });
    const reader = WatchReader.of(client);
    try {
      await assert.rejects(client.watch(GATE_KINDS[0]!, ns, '0', () => undefined, AbortSignal.timeout(10_000)), /HTTP 403/);
      const prep = await deploy(reader, ns, {});
      const r = await runGate({ unit: `paris/${ns}/demo`, reader, ...prep, health: health({ soakMs: 1_000 }) });
      assert.equal(r.phase, 'passed', r.reason);
      assert.deepEqual(reader.watched(), []);
    } finally {
      reader.close();
      await listOnly.close();
    }
  });
});
