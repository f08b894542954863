// kubectl's kubeconfig rules, on files written here: a KUBECONFIG list merged
// first-file-wins, relative paths from each file's folder, missing files
// skipped, current-context from the first file that sets one; the in-cluster
// kubeconfig; the run's precedence (--kubeconfig > $KUBECONFIG > clusters.yaml
// > ~/.kube/config).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { inClusterKubeconfigDoc } from '../../../src/kube/in-cluster.ts';
import { inClusterNames, withInClusterContexts } from '../../../src/model/in-cluster.ts';
import { checkContexts, contextAccess, kubeconfigContexts, kubeconfigFiles, loadKubeconfig, mergeKubeconfigs, resolveKubeconfig } from '../../../src/kube/kubeconfig.ts';
import { IN_CLUSTER_CONTEXT } from '../../../src/model/identity.ts';
import type { ClustersFileSpec } from '../../../src/model/spec.ts';
import { PreflightError, UsageError } from '../../../src/errors.ts';
import { redactor } from '../../../src/redact.ts';
import { tempDir } from '../../support/tmp.ts';

const dir = tempDir('hc-kubeconfig-');
const write = (rel: string, doc: object) => {
  const file = join(dir, rel);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, stringify(doc));
  return file;
};

describe('kubeconfig merging (kubectl rules)', () => {
  const a = write('a/config', {
    'current-context': 'paris',
    clusters: [{ name: 'paris', cluster: { server: 'https://paris.example:6443', 'certificate-authority': 'ca/paris.crt' } }],
    users: [{ name: 'ops', user: { token: 'token-from-a-0123456789' } }],
    contexts: [{ name: 'paris', context: { cluster: 'paris', user: 'ops', namespace: 'web' } }],
  });
  const b = write('b/config', {
    'current-context': 'amsterdam',
    clusters: [
      { name: 'paris', cluster: { server: 'https://wrong.example' } },
      { name: 'amsterdam', cluster: { server: 'https://ams.example/k8s/clusters/c-1/', 'insecure-skip-tls-verify': true, 'proxy-url': 'socks5://proxy:1080' } },
    ],
    users: [
      { name: 'ops', user: { token: 'token-from-b-0123456789' } },
      { name: 'certs', user: { 'client-certificate': 'pki/me.crt', 'client-key': '/abs/me.key', tokenFile: 'tok', exec: { command: './bin/plugin', args: ['x'] } } },
      { name: 'gke', user: { exec: { command: 'gke-gcloud-auth-plugin' } } },
    ],
    contexts: [
      { name: 'paris', context: { cluster: 'amsterdam', user: 'certs' } },
      { name: 'amsterdam', context: { cluster: 'amsterdam', user: 'certs' } },
      { name: 'gke', context: { cluster: 'paris', user: 'gke' } },
    ],
  });

  it('the first file that names an entry wins; current-context from the first that sets one; missing files skipped', () => {
    const k = loadKubeconfig([a, join(dir, 'missing'), b].join(':'));
    assert.equal(k.currentContext, 'paris');
    assert.deepEqual(k.missingFiles, [join(dir, 'missing')]);
    assert.equal(k.clusters.get('paris')?.server, 'https://paris.example:6443');
    assert.equal(k.users.get('ops')?.value.token, 'token-from-a-0123456789');
    assert.deepEqual(k.contexts.get('paris'), { cluster: 'paris', user: 'ops', namespace: 'web' });
    assert.deepEqual([...k.contexts.keys()], ['paris', 'amsterdam', 'gke']);
    // the other order: b's entries win
    const k2 = loadKubeconfig(`${b}:${a}`);
    assert.equal(k2.clusters.get('paris')?.server, 'https://wrong.example');
    assert.equal(k2.currentContext, 'amsterdam');
  });

  it("relative paths resolve from their own file's folder; an exec command found on PATH stays as it is", () => {
    const k = loadKubeconfig(`${a}:${b}`);
    assert.equal(k.clusters.get('paris')?.['certificate-authority'], join(dir, 'a/ca/paris.crt'));
    const certs = k.users.get('certs')!.value;
    assert.equal(certs['client-certificate'], join(dir, 'b/pki/me.crt'));
    assert.equal(certs['client-key'], '/abs/me.key');
    assert.equal(certs.tokenFile, join(dir, 'b/tok'));
    assert.equal(certs.exec?.command, join(dir, 'b/bin/plugin'));
    assert.equal(k.users.get('gke')!.value.exec?.command, 'gke-gcloud-auth-plugin');
  });

  it("a context's access: server (a path prefix kept), cluster entry, user; a missing context or server is a PreflightError naming the cluster", () => {
    const k = loadKubeconfig(`${a}:${b}`);
    const ams = contextAccess(k, 'amsterdam', 'cluster "ams"');
    assert.equal(ams.server.pathname, '/k8s/clusters/c-1/');
    assert.equal(ams.cluster['proxy-url'], 'socks5://proxy:1080');
    assert.equal(ams.userName, 'certs');
    assert.equal(contextAccess(k, 'paris', 'x').namespace, 'web');
    assert.throws(() => contextAccess(k, 'nope', 'cluster "x" (context "nope")'), (e: unknown) => e instanceof PreflightError && /cluster "x" \(context "nope"\): the context is not in the kubeconfig/.test(e.message));
    const broken = mergeKubeconfigs([{ file: '/k', doc: { contexts: [{ name: 'c', context: { cluster: 'none', user: 'u' } }] } }]);
    assert.throws(() => contextAccess({ ...broken, files: ['/k'], missingFiles: [] }, 'c', 'w'), /kubeconfig cluster "none" is not defined/);
  });

  it('tokens of the kubeconfig are registered with the redactor', () => {
    loadKubeconfig(a);
    assert.equal(redactor.redact('token-from-a-0123456789 leaked'), '(secret) leaked');
  });

  it('a file that is not YAML is refused without quoting it', () => {
    const bad = join(dir, 'bad');
    writeFileSync(bad, 'users: [ { token: "s3cr3t-value-xyz"\n');
    assert.throws(() => loadKubeconfig(bad), (e: unknown) => e instanceof PreflightError && !e.message.includes('s3cr3t'));
    assert.deepEqual(kubeconfigContexts(bad).contexts, new Set());
  });

  it('checkContexts names every missing context, and the missing files as the likely reason', () => {
    assert.doesNotThrow(() => checkContexts([{ name: 'p', context: 'paris' }], `${a}:${join(dir, 'gone')}`));
    assert.throws(() => checkContexts([{ name: 'p', context: 'paris' }, { name: 'x', context: 'nope' }], `${join(dir, 'gone')}:${a}`), (e: unknown) => e instanceof PreflightError && /kubeconfig not found: .*gone/.test(e.message) && /cluster "x": context "nope"/.test(e.message) && !/cluster "p"/.test(e.message));
  });

  it('a KUBECONFIG list splits on ":" and drops empty entries', () => {
    assert.deepEqual(kubeconfigFiles('/a::/b:'), ['/a', '/b']);
  });
});

describe('in-cluster', () => {
  const sa = join(dir, 'sa');
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, 'token'), 't');
  writeFileSync(join(sa, 'ca.crt'), 'c');
  writeFileSync(join(sa, 'namespace'), 'drift\n');
  const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443', HELM_CASCADE_SERVICE_ACCOUNT_DIR: sa };

  it('the pod service account as a kubeconfig: server from the env (IPv6 bracketed), CA and token files, namespace', () => {
    const doc = inClusterKubeconfigDoc(env);
    const k = mergeKubeconfigs([{ file: join(dir, 'x'), doc }]);
    const access = contextAccess({ ...k, files: ['x'], missingFiles: [] }, IN_CLUSTER_CONTEXT, 'w');
    assert.equal(access.server.href, 'https://[fd00::1]/');
    assert.equal(access.cluster['certificate-authority'], join(sa, 'ca.crt'));
    assert.equal(access.user.tokenFile, join(sa, 'token'));
    assert.equal(access.namespace, 'drift');
  });

  it('clusters reached in-cluster: inCluster: true ones, and the one HELM_CASCADE_IN_CLUSTER names (an unknown name is bad input)', () => {
    const clusters = [{ name: 'paris', context: 'dc-paris' }, { name: 'ams', context: IN_CLUSTER_CONTEXT }];
    assert.deepEqual([...inClusterNames(clusters, {})], ['ams']);
    assert.deepEqual(withInClusterContexts(clusters, { HELM_CASCADE_IN_CLUSTER: 'paris' }).map((c) => c.context), [IN_CLUSTER_CONTEXT, IN_CLUSTER_CONTEXT]);
    assert.throws(() => inClusterNames(clusters, { HELM_CASCADE_IN_CLUSTER: 'pariss' }), (e: unknown) => e instanceof UsageError && /HELM_CASCADE_IN_CLUSTER=pariss: no such cluster/.test(e.message));
  });
});

describe('kubeconfig precedence', () => {
  const config = { root: '/repo', kubeconfig: 'kube/config', clusters: [] } as unknown as ClustersFileSpec;
  it('--kubeconfig, then $KUBECONFIG (a list kept), then clusters.yaml kubeconfig: (from the repository), then ~/.kube/config', () => {
    assert.equal(resolveKubeconfig('/flag', config, { KUBECONFIG: '/env' }), '/flag');
    assert.equal(resolveKubeconfig(undefined, config, { KUBECONFIG: '/e1::/e2' }), '/e1:/e2');
    assert.equal(resolveKubeconfig(undefined, config, {}), '/repo/kube/config');
    assert.equal(resolveKubeconfig(undefined, { ...config, kubeconfig: '~/k' }, {}), join(homedir(), 'k'));
    assert.equal(resolveKubeconfig(undefined, { ...config, kubeconfig: undefined } as ClustersFileSpec, {}), join(homedir(), '.kube', 'config'));
  });
});
