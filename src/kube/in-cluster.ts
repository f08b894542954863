// The pod's own service account, as client-go's InClusterConfig finds it:
// the API server at $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the
// token and CA in the service-account folder (projected: the kubelet rotates
// the token in place). It becomes one more kubeconfig, written once per
// process into a private folder and put first in the run's KUBECONFIG list,
// holding the context IN_CLUSTER_CONTEXT with `tokenFile:` and
// `certificate-authority:` pointing into that folder: helm (client-go) and
// helm-cascade's own transport both re-read the token as it rotates, and the
// file holds no secret. HELM_CASCADE_SERVICE_ACCOUNT_DIR overrides the folder
// (tests; unusual mounts).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { IN_CLUSTER_CONTEXT } from '../model/identity.ts';

const DEFAULT_SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function serviceAccountDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HELM_CASCADE_SERVICE_ACCOUNT_DIR || DEFAULT_SA_DIR;
}

/** Why the pod's service account cannot be used here; undefined when it can. */
export function inClusterUnavailable(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = serviceAccountDir(env);
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return 'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not running in a pod?)';
  if (!existsSync(join(dir, 'token'))) return `no service-account token at ${join(dir, 'token')} (automountServiceAccountToken: false? or set HELM_CASCADE_SERVICE_ACCOUNT_DIR)`;
  return undefined;
}

/** The in-cluster kubeconfig document (pure): server, CA file, token file, namespace. */
export function inClusterKubeconfigDoc(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const dir = serviceAccountDir(env);
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
  const ca = join(dir, 'ca.crt');
  const nsFile = join(dir, 'namespace');
  const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: IN_CLUSTER_CONTEXT, cluster: { server, ...(existsSync(ca) ? { 'certificate-authority': ca } : {}) } }],
    users: [{ name: IN_CLUSTER_CONTEXT, user: { tokenFile: join(dir, 'token') } }],
    contexts: [{ name: IN_CLUSTER_CONTEXT, context: { cluster: IN_CLUSTER_CONTEXT, user: IN_CLUSTER_CONTEXT, ...(namespace ? { namespace } : {}) } }],
  };
}

let written: string | undefined;

/** The in-cluster kubeconfig file of this process (written on first use, removed at exit); undefined outside a pod. */
export function inClusterKubeconfig(): string | undefined {
  if (inClusterUnavailable()) return undefined;
  if (written) return written;
  const dir = mkdtempSync(join(tmpdir(), 'helm-cascade-in-cluster-'));
  const file = join(dir, 'kubeconfig');
  writeFileSync(file, `# helm-cascade: the pod's service account (no secret here: the token is read from its file)\n${stringify(inClusterKubeconfigDoc())}`, { mode: 0o600 });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  written = file;
  return file;
}
