// The fleet's pure parts: stages, argv, kubeconfig, clusters.yaml reading.
// No processes; runs in milliseconds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments, parse } from 'yaml';
import { parseClusterList } from '../../fleet/cluster-list.ts';
import type { Binaries } from '../../fleet/components.ts';
import { apiserverCommand, controllerManagerCommand, etcdCommand, kwokCommand, schedulerCommand } from '../../fleet/components.ts';
import { caFromServingCert, renderKubeconfig } from '../../fleet/kubeconfig.ts';
import type { Stage } from '../../fleet/kwok-stages.ts';
import { BEHAVIOR_ANNOTATION, BEHAVIORS, fleetStages, fleetStagesYaml } from '../../fleet/kwok-stages.ts';
import type { ClusterState } from '../../fleet/layout.ts';
import { clusterNetwork, clusterPaths, componentsOf, fleetName, fleetPaths } from '../../fleet/layout.ts';

const bins: Binaries = { etcd: '/c/etcd', kwok: '/c/kwok', kubeDir: '/c/kube' };
const cluster = (context: string, index: number, base: number): ClusterState => ({
  context,
  name: context,
  index,
  token: `t${index}`,
  ports: { apiserver: base, controllerManager: base + 1, scheduler: base + 2 },
  processes: {},
});

describe('kwok stages', () => {
  it('round-trips through YAML as one Stage document each', () => {
    const docs = parseAllDocuments(fleetStagesYaml()).map((d) => d.toJS() as Stage);
    assert.deepEqual(docs, fleetStages());
    assert.ok(docs.every((d) => d.kind === 'Stage' && d.apiVersion === 'kwok.x-k8s.io/v1alpha1'));
    assert.equal(new Set(docs.map((d) => d.metadata.name)).size, docs.length, 'stage names are unique');
  });

  it('has node stages and the normal pod lifecycle', () => {
    const names = fleetStages().map((s) => s.metadata.name);
    for (const n of ['fleet-node-initialize', 'fleet-node-heartbeat', 'fleet-pod-ready', 'fleet-pod-complete', 'fleet-pod-delete']) {
      assert.ok(names.includes(n), n);
    }
  });

  it('gives every behaviour a weight-1 stage selecting on the annotation and a phase', () => {
    for (const behavior of BEHAVIORS) {
      const stages = fleetStages().filter((s) => s.spec.selector.matchAnnotations?.[BEHAVIOR_ANNOTATION] === behavior);
      assert.ok(stages.length > 0, behavior);
      for (const s of stages) {
        assert.equal(s.spec.weight, 1, s.metadata.name);
        assert.equal(s.spec.resourceRef.kind, 'Pod');
        assert.ok(s.spec.selector.matchExpressions.some((e) => e.key === '.status.phase'), `${s.metadata.name} selects on phase`);
        assert.ok(
          s.spec.selector.matchExpressions.some((e) => e.key === '.metadata.deletionTimestamp' && e.operator === 'DoesNotExist'),
          `${s.metadata.name} leaves deleted pods to fleet-pod-delete`,
        );
      }
    }
  });

  it('keeps pods that must not become Ready away from fleet-pod-ready', () => {
    const ready = fleetStages().find((s) => s.metadata.name === 'fleet-pod-ready');
    const gate = ready?.spec.selector.matchExpressions.find((e) => e.key.includes(BEHAVIOR_ANNOTATION));
    assert.deepEqual(gate?.operator, 'NotIn');
    assert.deepEqual([...(gate?.values ?? [])].sort(), ['crashloop', 'image-pull-error', 'never-ready']);
  });
});

describe('process command lines', () => {
  const fp = fleetPaths('unit');
  const a = cluster('ctx-a', 0, 40000);
  const b = cluster('ctx-b', 1, 41000);

  /** The value of `--name=value`; fails unless the flag is there exactly once. */
  const only = (argv: string[], name: string): string => {
    const hits = argv.filter((x) => x.startsWith(`--${name}=`));
    assert.equal(hits.length, 1, `--${name} once in ${argv.join(' ')}`);
    return hits[0]!.slice(name.length + 3);
  };

  it('binds every server to 127.0.0.1 only', () => {
    const etcd = etcdCommand(bins, fp, 2379, 2380).args;
    assert.equal(only(etcd, 'listen-client-urls'), 'http://127.0.0.1:2379');
    assert.equal(only(etcd, 'advertise-client-urls'), 'http://127.0.0.1:2379');
    assert.equal(only(etcd, 'listen-peer-urls'), 'http://127.0.0.1:2380');
    assert.equal(only(etcd, 'initial-advertise-peer-urls'), 'http://127.0.0.1:2380');
    const servers: Array<[string, string[], number]> = [
      ['kube-apiserver', apiserverCommand(bins, 'unit', a, clusterPaths(fp, a.context), 2379).args, a.ports.apiserver],
      ['kube-controller-manager', controllerManagerCommand(bins, a, clusterPaths(fp, a.context)).args, a.ports.controllerManager],
      ['kube-scheduler', schedulerCommand(bins, a, clusterPaths(fp, a.context)).args, a.ports.scheduler],
    ];
    for (const [what, argv, port] of servers) {
      assert.equal(only(argv, 'bind-address'), '127.0.0.1', what);
      assert.equal(only(argv, 'secure-port'), String(port), what);
    }
    // kwok serves nothing: no server address at all (its default is none).
    const kwok = kwokCommand(bins, fp, a, clusterPaths(fp, a.context)).args;
    assert.deepEqual(kwok.filter((x) => /^--(server-address|bind-address|secure-port)/.test(x)), []);
  });

  it('gives each cluster its own etcd prefix, ports and service range', () => {
    const argA = apiserverCommand(bins, 'unit', a, clusterPaths(fp, a.context), 2379).args;
    const argB = apiserverCommand(bins, 'unit', b, clusterPaths(fp, b.context), 2379).args;
    for (const name of ['etcd-prefix', 'secure-port', 'service-cluster-ip-range', 'cert-dir', 'token-auth-file']) {
      assert.notEqual(only(argA, name), only(argB, name), name);
    }
    // Endpoints refuse loopback addresses: the advertised one is fake, and not loopback.
    assert.match(only(argA, 'advertise-address'), /^\d+\.\d+\.\d+\.\d+$/);
    assert.doesNotMatch(only(argA, 'advertise-address'), /^127\./);
    assert.notEqual(clusterNetwork(0).podCIDR(0), clusterNetwork(1).podCIDR(0));
  });

  it('names a path inside the fleet directory in every argv (how down finds its processes)', () => {
    const cp = clusterPaths(fp, a.context);
    const argvs = [
      etcdCommand(bins, fp, 1, 2).args,
      apiserverCommand(bins, 'unit', a, cp, 1).args,
      controllerManagerCommand(bins, a, cp).args,
      schedulerCommand(bins, a, cp).args,
      kwokCommand(bins, fp, a, cp).args,
    ];
    for (const argv of argvs) assert.ok(argv.some((x) => x.includes(`${fp.dir}/`)), argv.join(' '));
  });

  it('runs controller-manager and scheduler without leader election, on their own ports', () => {
    const cp = clusterPaths(fp, a.context);
    const kcm = controllerManagerCommand(bins, a, cp).args;
    const sched = schedulerCommand(bins, a, cp).args;
    assert.ok(kcm.includes('--leader-elect=false') && sched.includes('--leader-elect=false'));
    assert.ok(kcm.includes('--secure-port=40001') && sched.includes('--secure-port=40002'));
  });
});

describe('kubeconfig', () => {
  it('holds a cluster, user and context per entry, current-context first', () => {
    const text = renderKubeconfig([
      { context: 'dc-paris', server: 'https://127.0.0.1:1', token: 'a', caPem: 'PEM' },
      { context: 'gke_x', server: 'https://127.0.0.1:2', token: 'b' },
    ]);
    const doc = parse(text) as {
      'current-context': string;
      clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
      users: Array<{ name: string; user: { token: string } }>;
      contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
    };
    assert.equal(doc['current-context'], 'dc-paris');
    assert.deepEqual(doc.contexts.map((c) => c.name), ['dc-paris', 'gke_x']);
    assert.equal(doc.clusters[0]?.cluster['certificate-authority-data'], Buffer.from('PEM').toString('base64'));
    assert.equal(doc.clusters[1]?.cluster['insecure-skip-tls-verify'], true);
    assert.equal(doc.users[1]?.user.token, 'b');
  });

  it('takes the CA from the end of a self-signed serving cert bundle', () => {
    const block = (s: string) => `-----BEGIN CERTIFICATE-----\n${s}\n-----END CERTIFICATE-----`;
    assert.equal(caFromServingCert(`${block('leaf')}\n${block('ca')}\n`), `${block('ca')}\n`);
    assert.equal(caFromServingCert(block('only')), undefined);
  });
});

describe('clusters.yaml', () => {
  it('reads each cluster context, one local cluster per distinct context', () => {
    const list = parseClusterList('clusters:\n  a: { context: x }\n  b: { context: y }\n  c: { context: x }\n', 'c.yaml');
    assert.deepEqual(list, [
      { name: 'a', context: 'x' },
      { name: 'b', context: 'y' },
    ]);
  });

  it('reads `fleet: { light: true }` (apiserver and controller-manager only) per context', () => {
    const list = parseClusterList('clusters:\n  a: { context: x, fleet: { light: true } }\n  b: { context: y, fleet: { light: false } }\n', 'c.yaml');
    assert.deepEqual(list, [
      { name: 'a', context: 'x', light: true },
      { name: 'b', context: 'y' },
    ]);
    assert.deepEqual(componentsOf({ light: true }), ['kube-apiserver', 'kube-controller-manager']);
    assert.deepEqual(componentsOf({}), ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
  });

  it('reports every entry without a context, naming the file', () => {
    assert.throws(() => parseClusterList('clusters:\n  a: {}\n  b: { provider: gke }\n', 'c.yaml'), (err: Error) => {
      assert.match(err.message, /c\.yaml: clusters\.a: needs a `context:`/);
      assert.match(err.message, /c\.yaml: clusters\.b: needs a `context:`/);
      return true;
    });
    assert.throws(() => parseClusterList('tracks: []\n', 'c.yaml'), /needs a `clusters:` map/);
  });
});

describe('fleet names', () => {
  it('defaults to $HELM_CASCADE_FLEET, then "default", and refuses path tricks', () => {
    const saved = process.env.HELM_CASCADE_FLEET;
    try {
      delete process.env.HELM_CASCADE_FLEET;
      assert.equal(fleetName(), 'default');
      process.env.HELM_CASCADE_FLEET = 'ci';
      assert.equal(fleetName(), 'ci');
      assert.equal(fleetName('x'), 'x');
      assert.throws(() => fleetName('../etc'), /bad fleet name/);
    } finally {
      if (saved === undefined) delete process.env.HELM_CASCADE_FLEET;
      else process.env.HELM_CASCADE_FLEET = saved;
    }
  });
});
