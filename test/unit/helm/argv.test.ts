import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crdsRenderedApart, formatArgv, historyCommand, int64Assignments, redactArgv, rollbackCommand, templateCommand, uninstallCommand, upgradeInstallCommand, valueArgs, valueFlagList, versionCommand } from '../../../src/helm/argv.ts';
import { parseHelmVersion } from '../../../src/helm/helm.ts';

const up = {
  releaseName: 'web-internal',
  namespace: 'accounts',
  chart: '/charts/demo',
  values: { secrets: { PW: 'hunter2' } },
  cluster: 'c', context: 'dc-paris',
  kubeconfig: '/k',
  labels: { 'managed-by': 'helm-cascade', 'cascade-release': 'web' },
  rollbackOnFailure: true,
  timeoutMs: 120_000,
};

describe('helm argv builders', () => {
  it('upgrade --install: Helm 3 uses --atomic --wait', () => {
    const c = upgradeInstallCommand(3, up);
    assert.deepEqual(c.argv, ['upgrade', '--install', 'web-internal', '/charts/demo', '--namespace', 'accounts', '--create-namespace', '--kube-context', 'dc-paris', '--kubeconfig', '/k', '-f', '-', '--labels', 'managed-by=helm-cascade,cascade-release=web', '--atomic', '--wait', '--timeout', '120s']);
    assert.equal(c.input, JSON.stringify(up.values));
  });
  it('upgrade --install: Helm 4 uses --rollback-on-failure --wait=watcher', () => {
    const c = upgradeInstallCommand(4, { ...up, dryRun: 'server' });
    assert.ok(c.argv.includes('--rollback-on-failure'));
    assert.ok(c.argv.includes('--wait=watcher'));
    assert.ok(!c.argv.includes('--atomic'));
    assert.ok(c.argv.includes('--dry-run=server'));
  });
  it('upgrade --install skips helm\'s OpenAPI validation only when asked (the server validated first)', () => {
    for (const m of [3, 4] as const) {
      assert.ok(!upgradeInstallCommand(m, up).argv.includes('--disable-openapi-validation'));
      assert.ok(upgradeInstallCommand(m, { ...up, disableOpenApiValidation: true }).argv.includes('--disable-openapi-validation'));
    }
  });
  it('values go to stdin, never to argv; only int64s are given again with --set', () => {
    for (const m of [3, 4] as const) assert.ok(!upgradeInstallCommand(m, up).argv.join(' ').includes('hunter2'));
    const values = { image: { tag: 20240101n, repo: 'r' }, replicas: 1000000n, ratio: 1000000, list: [1n, 'x', [2n]] };
    const c = upgradeInstallCommand(3, { ...up, values });
    assert.deepEqual(c.argv.slice(c.argv.indexOf('-f'), c.argv.indexOf('--labels')), ['-f', '-', '--set', 'image.tag=20240101,replicas=1000000,list[0]=1,list[2][0]=2']);
    // the float64 (a values file's number) is not given again: helm reads it from stdin as a float64, as from the file
    assert.equal(c.input, '{"image":{"tag":20240101,"repo":"r"},"replicas":1000000,"ratio":1000000,"list":[1,"x",[2]]}');
    const t = templateCommand(4, { releaseName: 'a', namespace: 'n', chart: 'c', values: { id: 9007199254740993n } });
    assert.deepEqual(t.argv.slice(t.argv.indexOf('-f')), ['-f', '-', '--set', 'id=9007199254740993']);
  });
  it('an int64 under a key helm would split is escaped as strvals reads it; an empty key cannot be named', () => {
    assert.deepEqual(int64Assignments({ 'a.b': { 'c,d': { 'e=f': { 'g[0]': { 'h\\i': 1n } } } }, '': 2n, neg: -5n }), ['a\\.b.c\\,d.e\\=f.g\\[0].h\\\\i=1', 'neg=-5']);
  });
  it('many int64s are split over --set arguments of at most 64 KiB', () => {
    const values = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key${i}`, BigInt(i)]));
    const { argv } = valueArgs(values);
    const sets = argv.filter((_a, i) => argv[i - 1] === '--set');
    assert.ok(sets.length > 1 && sets.every((a) => a.length <= 64 * 1024));
    assert.equal(sets.join(',').split(',').length, 20_000);
  });
  it('value flags in the order helm applies them', () => {
    const f = { values: ['v.yaml'], set: ['s=1'], setString: ['ss=1'], setFile: ['sf=p'], setJson: ['sj=1'], setLiteral: ['sl=1'] };
    assert.deepEqual(valueFlagList(f).map((x) => `${x.flag} ${x.value}`), ['--values v.yaml', '--set-json sj=1', '--set s=1', '--set-string ss=1', '--set-file sf=p', '--set-literal sl=1']);
  });
  it('template renders hooks (no tests) and crds/, with the cluster\'s capabilities; against the cluster when asked', () => {
    assert.deepEqual(templateCommand(3, { releaseName: 'a', namespace: 'n', chart: 'c', values: {}, kubeVersion: 'v1.34.8', apiVersions: ['v1', 'policy/v1/PodDisruptionBudget'] }).argv, ['template', 'a', 'c', '--namespace', 'n', '--include-crds', '--skip-tests', '-f', '-', '--kube-version', 'v1.34.8', '--api-versions', 'v1,policy/v1/PodDisruptionBudget']);
    const server = templateCommand(4, { releaseName: 'a', namespace: 'n', chart: 'c', values: {}, kubeVersion: 'v1.34.8', isUpgrade: true, server: { cluster: 'x', context: 'ctx', kubeconfig: '/k' } }).argv;
    assert.deepEqual(server, ['template', 'a', 'c', '--namespace', 'n', '--skip-tests', '-f', '-', '--dry-run=server', '--kube-context', 'ctx', '--kubeconfig', '/k', '--is-upgrade']);
    const server3 = templateCommand(3, { releaseName: 'a', namespace: 'n', chart: 'c', values: {}, server: { cluster: 'x', context: 'ctx', kubeconfig: '/k' } }).argv;
    assert.ok(server3.includes('--include-crds'), 'Helm 3 template stays client-only for the ownership check: crds/ rendered with the rest');
  });
  it('Helm 4 renders crds/ apart only against the cluster (its ownership check would refuse present CRDs helm install skips)', () => {
    const server = { cluster: 'x', context: 'ctx', kubeconfig: '/k' };
    assert.equal(crdsRenderedApart(4, { server }), true);
    assert.equal(crdsRenderedApart(4, {}), false);
    assert.equal(crdsRenderedApart(3, { server }), false);
  });
  it('rollback and uninstall', () => {
    const t = { releaseName: 'a', namespace: 'n', cluster: 'c', context: 'x', kubeconfig: '/k' };
    assert.deepEqual(rollbackCommand(4, { ...t, revision: 3, wait: true }).argv, ['rollback', 'a', '3', '--namespace', 'n', '--kube-context', 'x', '--kubeconfig', '/k', '--wait=watcher']);
    assert.deepEqual(uninstallCommand(3, { ...t, wait: true, timeoutMs: 1500 }).argv, ['uninstall', 'a', '--namespace', 'n', '--kube-context', 'x', '--kubeconfig', '/k', '--wait', '--timeout', '2s']);
  });
  it('a call that reaches a cluster carries its kubeconfig as $KUBECONFIG (a list is merged by helm; a single file is --kubeconfig too); one that does not carries none', () => {
    const list = { releaseName: 'a', namespace: 'n', cluster: 'c', context: 'x', kubeconfig: '/in-cluster:/k' };
    assert.deepEqual(rollbackCommand(4, list).env, { KUBECONFIG: '/in-cluster:/k' });
    assert.ok(!rollbackCommand(4, list).argv.includes('--kubeconfig'));
    assert.deepEqual(uninstallCommand(3, { ...list, kubeconfig: '/k' }).env, { KUBECONFIG: '/k' });
    assert.deepEqual(historyCommand(3, list).env, { KUBECONFIG: '/in-cluster:/k' });
    assert.deepEqual(upgradeInstallCommand(4, { ...list, chart: 'c', values: {}, labels: {} }).env, { KUBECONFIG: '/in-cluster:/k' });
    assert.deepEqual(templateCommand(4, { releaseName: 'a', namespace: 'n', chart: 'c', values: {}, server: { cluster: 'c', context: 'x', kubeconfig: '/k' } }).env, { KUBECONFIG: '/k' });
    assert.equal(templateCommand(4, { releaseName: 'a', namespace: 'n', chart: 'c', values: {} }).env, undefined);
    assert.equal(versionCommand().env, undefined);
  });
  it('redacts --set values and stdin values', () => {
    assert.deepEqual(redactArgv(['--set', 'a.b=pw,c=d', '--set-string=x=y', '-f', '-', '--password', 'p']), ['--set', 'a.b=(hidden),c=(hidden)', '--set-string=x=(hidden)', '-f', '(values from stdin, hidden)', '--password', '(hidden)']);
    assert.ok(!formatArgv('helm', ['upgrade', '--set', 'pw=hunter2']).includes('hunter2'));
  });
  it('checks the helm version', () => {
    assert.deepEqual(parseHelmVersion('v3.17.3', 'helm'), { version: 'v3.17.3', major: 3, minor: 17 });
    assert.equal(parseHelmVersion('v4.1.4\n', 'helm').major, 4);
    assert.throws(() => parseHelmVersion('v3.12.0', 'helm'), /needs Helm 3\.17\+ or Helm 4/);
    assert.throws(() => parseHelmVersion('v2.16.0', 'helm'), /needs/);
  });
});
