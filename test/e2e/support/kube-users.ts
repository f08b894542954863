// Users of the fleet's API servers other than its admin token, made the way a
// cluster admin makes them: a ServiceAccount, RBAC rules, and a token from the
// TokenRequest API (`kubectl create token`), optionally bound to a Secret so
// deleting that Secret revokes it. And kubeconfig files for them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { tempDir } from '../../support/tmp.ts';
import { kubectl } from './cascade.ts';

export interface FleetCluster {
  context: string;
  server: string;
  /** The admin token (system:masters). */
  token: string;
  pki: { servingCa: string; clientCert: string; clientKey: string };
}

/** A ServiceAccount `name` in `namespace` with a ClusterRole of these rules bound to it (idempotent). */
export async function serviceAccountWithRules(admin: { kubeconfig: string; context: string }, o: { namespace: string; name: string; rules: object[] }): Promise<void> {
  const docs = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: o.name, namespace: o.namespace } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `test-${o.namespace}-${o.name}` }, rules: o.rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `test-${o.namespace}-${o.name}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `test-${o.namespace}-${o.name}` },
      subjects: [{ kind: 'ServiceAccount', name: o.name, namespace: o.namespace }],
    },
  ];
  const file = join(tempDir('hc-sa-'), `${o.namespace}-${o.name}.yaml`);
  writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
  await kubectl(admin.kubeconfig, admin.context, ['apply', '-f', file]);
}

/** A token of the ServiceAccount from the TokenRequest API; bound to a Secret when `boundSecret` names one (deleting it revokes the token). */
export async function serviceAccountToken(admin: { kubeconfig: string; context: string }, o: { namespace: string; name: string; boundSecret?: string; duration?: string }): Promise<string> {
  const bound = o.boundSecret ? ['--bound-object-kind', 'Secret', '--bound-object-name', o.boundSecret] : [];
  return (await kubectl(admin.kubeconfig, admin.context, ['-n', o.namespace, 'create', 'token', o.name, '--duration', o.duration ?? '1h', ...bound])).trim();
}

/** A one-context kubeconfig file for a user entry (token, tokenFile, client certificate, exec...), the fleet's CA trusted. */
export function writeKubeconfig(file: string, c: FleetCluster, o: { context: string; user: Record<string, unknown>; cluster?: Record<string, unknown> }): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': o.context,
    clusters: [{ name: o.context, cluster: { server: c.server, 'certificate-authority': c.pki.servingCa, ...o.cluster } }],
    users: [{ name: o.context, user: o.user }],
    contexts: [{ name: o.context, context: { cluster: o.context, user: o.context } }],
  };
  writeFileSync(file, stringify(doc), { mode: 0o600 });
  return file;
}
