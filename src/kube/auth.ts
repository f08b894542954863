// The credentials of a kubeconfig user, as kubectl sends them: a bearer token,
// a token file (re-read as it rotates), basic auth, client certificates, an
// exec credential plugin (gke-gcloud-auth-plugin, aws eks get-token, kubelogin)
// whose ExecCredential is cached until its expirationTimestamp, or the `oidc`
// auth-provider; plus impersonation headers. The plugins and the token file
// are run and read by @kubernetes/client-node's ExecAuth, FileAuth and
// OpenIDConnectAuth (imported only when a user needs them). A 401 makes the
// transport call `refused()`, which forgets what was cached, and retry once.
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { PreflightError } from '../errors.ts';
import { redactor } from '../redact.ts';
import type { ContextAccess, UserEntry } from './kubeconfig.ts';

/** What one request carries: headers (Authorization, Impersonate-*) and a client certificate. */
interface AppliedCredentials {
  headers: Record<string, string | string[]>;
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface Credentials {
  /** The credentials for the next request (runs the exec plugin when its credential expired). */
  apply(): Promise<AppliedCredentials>;
  /** The server answered 401: forget cached credentials. True when fresh ones may differ (worth one retry). */
  refused(): boolean;
}

/** client-node's authenticators, as far as they are used here. */
interface Authenticator {
  applyAuthentication(user: object, opts: RequestOptions): Promise<void>;
}

/** Removed from kubectl in 1.26: their replacements are exec plugins. */
const REMOVED_PROVIDERS: Record<string, string> = {
  gcp: 'gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin)',
  azure: 'kubelogin (https://azure.github.io/kubelogin)',
};

/** A file or base64 data field of a kubeconfig, read once. */
function fileOrData(file: string | undefined, data: string | undefined, what: string, where: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new PreflightError(`${where}: cannot read the kubeconfig's ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function impersonation(u: UserEntry): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {};
  if (u.as) h['impersonate-user'] = u.as;
  if (u['as-uid']) h['impersonate-uid'] = u['as-uid'];
  if (u['as-groups']?.length) h['impersonate-group'] = u['as-groups'];
  for (const [k, v] of Object.entries(u['as-user-extra'] ?? {})) h[`impersonate-extra-${encodeURIComponent(k)}`] = v;
  return h;
}

/** KUBERNETES_EXEC_INFO as client-go sets it for a plugin (non-interactive; the cluster when provideClusterInfo). */
function execInfo(a: ContextAccess): string {
  const apiVersion = a.user.exec?.apiVersion ?? 'client.authentication.k8s.io/v1';
  const cluster = a.user.exec?.provideClusterInfo
    ? { cluster: { server: a.server.href.replace(/\/$/, ''), ...(a.cluster['certificate-authority-data'] ? { 'certificate-authority-data': a.cluster['certificate-authority-data'] } : {}), ...(a.cluster['tls-server-name'] ? { 'tls-server-name': a.cluster['tls-server-name'] } : {}), ...(a.cluster['insecure-skip-tls-verify'] ? { 'insecure-skip-tls-verify': true } : {}) } }
    : {};
  return JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: { interactive: false, ...cluster } });
}

/** The client-node authenticator a user needs, with the user object it reads; undefined for static credentials. */
async function authenticatorOf(a: ContextAccess, where: string): Promise<{ make: () => Authenticator; user: object; what: string } | undefined> {
  const u = a.user;
  if (u.exec?.command) {
    const { ExecAuth } = await import('@kubernetes/client-node/dist/exec_auth.js');
    const env = [...(u.exec.env ?? []), { name: 'KUBERNETES_EXEC_INFO', value: execInfo(a) }];
    return { make: () => new ExecAuth(), user: { name: a.userName, exec: { ...u.exec, args: u.exec.args ?? [], env } }, what: `exec plugin ${u.exec.command}` };
  }
  if (u.tokenFile) {
    const { FileAuth } = await import('@kubernetes/client-node/dist/file_auth.js');
    return { make: () => new FileAuth(), user: { name: a.userName, authProvider: { name: 'tokenFile', config: { tokenFile: u.tokenFile } } }, what: `token file ${u.tokenFile}` };
  }
  const provider = u['auth-provider'];
  if (!provider) return undefined;
  if (REMOVED_PROVIDERS[provider.name]) throw new PreflightError(`${where}: the kubeconfig's auth-provider "${provider.name}" was removed from kubectl in 1.26; use the exec plugin ${REMOVED_PROVIDERS[provider.name]}`);
  if (provider.name !== 'oidc') throw new PreflightError(`${where}: the kubeconfig's auth-provider "${provider.name}" is not supported (only oidc; use an exec plugin)`);
  const { OpenIDConnectAuth } = await import('@kubernetes/client-node/dist/oidc_auth.js');
  return { make: () => new OpenIDConnectAuth(), user: { name: a.userName, authProvider: provider }, what: 'oidc auth-provider' };
}

/** A plugin's error without its raw text beyond the last lines (it may print what it was given). */
function pluginError(what: string, err: unknown, hint: string | undefined, where: string): PreflightError {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return new PreflightError(`${where}: ${what} not found${hint ? `: ${hint}` : ' (is it installed and on PATH?)'}`);
  const text = String(e?.message ?? err).trim().split('\n').slice(-3).join(' | ');
  return new PreflightError(`${where}: ${what} failed: ${text || 'no output'}`);
}

/**
 * The credentials of a context's user. `where` names the cluster in errors.
 * Static files (client certificate and key) are read now; plugins run on the
 * first request.
 */
export async function credentialsOf(a: ContextAccess, where: string): Promise<Credentials> {
  const u = a.user;
  const cert = fileOrData(u['client-certificate'], u['client-certificate-data'], 'client-certificate', where);
  const key = fileOrData(u['client-key'], u['client-key-data'], 'client-key', where);
  const base: AppliedCredentials = { headers: impersonation(u), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  if (u.token) base.headers.authorization = `Bearer ${u.token}`;
  else if (u.username !== undefined && u.password !== undefined) base.headers.authorization = `Basic ${Buffer.from(`${u.username}:${u.password}`).toString('base64')}`;
  const auth = await authenticatorOf(a, where);
  if (!auth) return { apply: async () => base, refused: () => false };
  let authenticator = auth.make();
  let inFlight: Promise<AppliedCredentials> | undefined;
  const once = async (): Promise<AppliedCredentials> => {
    const opts: RequestOptions & { headers: Record<string, string> } = { headers: {} };
    try {
      await authenticator.applyAuthentication(auth.user, opts);
    } catch (err) {
      throw pluginError(auth.what, err, u.exec?.installHint, where);
    }
    const bearer = opts.headers.Authorization;
    if (bearer) redactor.add(bearer.replace(/^Bearer /, ''));
    return { headers: { ...base.headers, ...(bearer ? { authorization: bearer.trim() } : {}) }, ...(opts.cert ? { cert: opts.cert as string } : base.cert ? { cert: base.cert } : {}), ...(opts.key ? { key: opts.key as string } : base.key ? { key: base.key } : {}) };
  };
  return {
    // one plugin run at a time: concurrent first requests wait for it, then read its cache
    apply: async () => {
      while (inFlight) await inFlight.catch(() => undefined);
      inFlight = once();
      try {
        return await inFlight;
      } finally {
        inFlight = undefined;
      }
    },
    refused: () => {
      authenticator = auth.make();
      return true;
    },
  };
}
