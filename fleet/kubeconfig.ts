// kubeconfig files of the fleet, as plain data rendered to YAML.
import { stringify } from 'yaml';

export interface KubeconfigEntry {
  context: string;
  server: string;
  token: string;
  /** PEM of the CA that signed the apiserver's serving cert; without it, TLS is not verified. */
  caPem?: string;
}

/** One kubeconfig holding a cluster, a user and a context per entry (all named after the context). */
export function renderKubeconfig(entries: readonly KubeconfigEntry[], currentContext?: string): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': currentContext ?? entries[0]?.context ?? '',
    clusters: entries.map((e) => ({
      name: e.context,
      cluster: e.caPem
        ? { server: e.server, 'certificate-authority-data': Buffer.from(e.caPem).toString('base64') }
        : { server: e.server, 'insecure-skip-tls-verify': true },
    })),
    users: entries.map((e) => ({ name: e.context, user: { token: e.token } })),
    contexts: entries.map((e) => ({ name: e.context, context: { cluster: e.context, user: e.context } })),
  };
  return `# Written by helm-cascade fleet; rewritten by every \`fleet up\`.\n${stringify(doc, { lineWidth: 0 })}`;
}

/**
 * The CA certificate of a self-signed apiserver.crt: kube-apiserver's
 * --cert-dir writes the serving certificate followed by the CA that signed it.
 */
export function caFromServingCert(pem: string): string | undefined {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks || blocks.length < 2) return undefined;
  return `${blocks[blocks.length - 1]}\n`;
}
