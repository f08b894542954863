import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareObject, parseQuantity, scalarsEqual } from '../../../src/live/compare.ts';
import { deployedObjects, detectLiveDrift, liveReadRequests } from '../../../src/live/drift.ts';
import { liveObjects, manifest, SECRET_VALUE, SECRET_VALUE_EDITED } from '../drift/fixtures.ts';

describe('quantities and scalars', () => {
  it('parses Kubernetes quantities', () => {
    assert.equal(parseQuantity('100m'), 0.1);
    assert.equal(parseQuantity('1Gi'), 1024 ** 3);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity(2), 2);
    assert.equal(parseQuantity('abc'), undefined);
  });
  it('treats equal quantities, ints-as-strings and booleans-as-strings as equal', () => {
    assert.ok(scalarsEqual('0.5', '500m'));
    assert.ok(scalarsEqual('1024Mi', '1Gi'));
    assert.ok(scalarsEqual(1, '1'));
    assert.ok(scalarsEqual('8080', 8080));
    assert.ok(scalarsEqual(true, 'true'));
    assert.ok(!scalarsEqual('1Gi', '1G'));
    assert.ok(!scalarsEqual('info', 'debug'));
    assert.ok(!scalarsEqual(3, 5));
    assert.ok(!scalarsEqual('1.10', '1.1', 'metadata.labels.version'), 'plain numbers-as-strings outside resources stay strings');
    assert.ok(scalarsEqual('1.0', '1', 'spec.containers[web].resources.limits.cpu'));
  });
});

describe('deployedObjects', () => {
  it('reads every document with its namespace, skipping empty ones', () => {
    const objs = deployedObjects(`---\n# Source: x\n---\n${manifest('api', 'ns')}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: api-reader }\n`, 'ns');
    assert.deepEqual(
      objs.map((o) => `${o.kind} ${o.namespace ?? '-'}/${o.name}`),
      ['Secret ns/api', 'ConfigMap ns/api', 'Service ns/api', 'Deployment ns/api', 'ClusterRole -/api-reader'],
    );
  });
  it('reads YAML 1.1 like helm: 0644 is octal', () => {
    const [o] = deployedObjects('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {}\nspec: {mode: 0644}\n', 'ns');
    assert.equal((o?.object.spec as { mode: number }).mode, 420);
  });
  it('groups the kinds to read per namespace, cluster-scoped apart', () => {
    const req = liveReadRequests([{ manifest: `${manifest('api', 'ns')}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: r }\n`, namespace: 'ns' }]);
    assert.deepEqual([...(req.get('ns') ?? [])].sort(), ['/ConfigMap', '/Secret', '/Service', 'apps/Deployment', 'autoscaling/HorizontalPodAutoscaler'], 'an autoscaler may own a Deployment\'s replicas');
    assert.deepEqual([...(req.get(undefined) ?? [])], ['rbac.authorization.k8s.io/ClusterRole']);
  });
});

describe('detectLiveDrift (subset comparison)', () => {
  it('finds nothing when only the server added defaults, status, managedFields and controller annotations', () => {
    const r = detectLiveDrift({ manifest: manifest('api', 'ns'), namespace: 'ns' }, liveObjects('api', 'ns'));
    assert.deepEqual(r.objects, []);
    assert.equal(r.drifted, false);
    assert.equal(r.checked, 4);
  });
  it('names a scaled Deployment', () => {
    const r = detectLiveDrift({ manifest: manifest('api', 'ns'), namespace: 'ns' }, liveObjects('api', 'ns', { replicas: 7 }));
    assert.equal(r.objects.length, 1);
    assert.equal(r.objects[0]?.kind, 'Deployment');
    assert.deepEqual(r.objects[0]?.fields.map((f) => f.message), ['spec.replicas: 2 -> 7']);
  });
  it('names an edited ConfigMap key', () => {
    const r = detectLiveDrift({ manifest: manifest('api', 'ns'), namespace: 'ns' }, liveObjects('api', 'ns', { logLevel: 'debug' }));
    assert.deepEqual(r.objects[0]?.fields.map((f) => f.message), ['data.LOG_LEVEL: "info" -> "debug"']);
  });
  it('reports a deleted Service as missing', () => {
    const live = liveObjects('api', 'ns').filter((o) => o.kind !== 'Service');
    const r = detectLiveDrift({ manifest: manifest('api', 'ns'), namespace: 'ns' }, live);
    assert.deepEqual(r.objects.map((o) => `${o.kind} ${o.name} ${o.change}`), ['Service api missing']);
  });
  it('reports an edited Secret by key name only, never its values', () => {
    const r = detectLiveDrift({ manifest: manifest('api', 'ns'), namespace: 'ns' }, liveObjects('api', 'ns', { secret: SECRET_VALUE_EDITED }));
    assert.deepEqual(r.objects[0]?.fields.map((f) => f.message), ['key DB_PASSWORD changed']);
    const text = JSON.stringify(r);
    for (const v of [SECRET_VALUE, SECRET_VALUE_EDITED, Buffer.from(SECRET_VALUE).toString('base64'), Buffer.from(SECRET_VALUE_EDITED).toString('base64')]) {
      assert.ok(!text.includes(v), `secret value leaked: ${v}`);
    }
  });
  it('matches containers by name and reports an image changed by hand', () => {
    const live = liveObjects('api', 'ns');
    const dep = live.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: { image: string }[] } } } };
    const c = dep.spec.template.spec.containers[0];
    if (c) c.image = 'evil:latest';
    const r = detectLiveDrift({ manifest: manifest('api', 'ns'), namespace: 'ns' }, live);
    assert.deepEqual(r.objects[0]?.fields.map((f) => f.path), ['spec.template.spec.containers[web].image']);
  });
  it('reports a container added by hand and a label removed', () => {
    const live = liveObjects('api', 'ns');
    const dep = live.find((o) => o.kind === 'Deployment') as { metadata: { labels: Record<string, string> }; spec: { template: { spec: { containers: unknown[] } } } };
    dep.spec.template.spec.containers.push({ name: 'sidecar', image: 'x' });
    delete dep.metadata.labels['app.kubernetes.io/name'];
    const r = detectLiveDrift({ manifest: manifest('api', 'ns'), namespace: 'ns' }, live);
    const msgs = r.objects[0]?.fields.map((f) => f.message) ?? [];
    assert.ok(msgs.some((m) => m.includes('containers[sidecar]: added')), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.includes('app.kubernetes.io/name') && m.includes('(removed)')), msgs.join('\n'));
  });
  it('compares Secret data given base64 in the manifest too, and reports keys added by hand', () => {
    const deployed = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { A: Buffer.from('x').toString('base64') } };
    const live = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' }, data: { A: Buffer.from('x').toString('base64'), B: Buffer.from('y').toString('base64') } };
    assert.deepEqual(compareObject(deployed, live).map((f) => f.message), ['key B added']);
  });
  it('gives multi-line values a unified diff', () => {
    const deployed = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'app.conf': 'a=1\nb=2\nc=3\n' } };
    const live = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'app.conf': 'a=1\nb=20\nc=3\n' } };
    const [f] = compareObject(deployed, live);
    assert.match(f?.diff ?? '', /-b=2\n\+b=20/);
  });
});
