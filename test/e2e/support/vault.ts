// A real Vault for the secret-reference tests: `vault server -dev` (the
// binary fleet/build-secret-tools.sh builds) on 127.0.0.1 and a free port,
// configured through its HTTP API as an operator would: KV v2 at secret/ (the
// dev default), a KV v1 mount, policies, AppRole, and Kubernetes auth that
// asks a fleet cluster's API server to review service-account tokens.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ensureSecretTools, secretToolPaths } from '../../../fleet/secret-tools.ts';
import { kubectl } from './cascade.ts';
import { tempDir } from '../../support/tmp.ts';

const ROOT_TOKEN = 'root';

/** A free port on 127.0.0.1 (bound, read, released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export class DevVault {
  readonly address: string;
  readonly #child: ChildProcess;
  readonly log: string;

  private constructor(address: string, child: ChildProcess, log: string) {
    this.address = address;
    this.#child = child;
    this.log = log;
  }

  /** Starts a dev server and waits until it answers unsealed. */
  static async start(): Promise<DevVault> {
    await ensureSecretTools(() => undefined); // built in the background by the global setup: wait for it here
    const port = await freePort();
    const dir = tempDir('hc-vault-');
    const log = join(dir, 'vault.log');
    const out = openSync(log, 'a');
    const args = ['server', '-dev', `-dev-root-token-id=${ROOT_TOKEN}`, `-dev-listen-address=127.0.0.1:${port}`, '-dev-no-store-token'];
    const child = spawn(secretToolPaths().vault, args, { stdio: ['ignore', out, out], env: { ...process.env, HOME: dir, VAULT_ADDR: '', VAULT_TOKEN: '' } });
    const v = new DevVault(`http://127.0.0.1:${port}`, child, log);
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`vault server -dev exited (${child.exitCode}):\n${readFileSync(log, 'utf8').slice(-2000)}`);
      const ok = await fetch(`${v.address}/v1/sys/health`).then((r) => r.status === 200, () => false);
      if (ok) return v;
      if (Date.now() > deadline) throw new Error(`vault server -dev did not become ready in 60s:\n${readFileSync(log, 'utf8').slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** One API call as root; throws on an error status. */
  async api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.address}/v1/${path}`, { method, headers: { 'X-Vault-Token': ROOT_TOKEN, 'Content-Type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    if (res.status >= 400) throw new Error(`vault ${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  /** Writes a KV v2 secret (a new version when it exists). */
  async putV2(mount: string, path: string, data: Record<string, string>): Promise<void> {
    await this.api('POST', `${mount}/data/${path}`, { data });
  }

  async enableKvV1(mount: string): Promise<void> {
    await this.api('POST', `sys/mounts/${mount}`, { type: 'kv', options: { version: '1' } });
  }

  async enableKvV2(mount: string): Promise<void> {
    await this.api('POST', `sys/mounts/${mount}`, { type: 'kv', options: { version: '2' } });
  }

  async putV1(mount: string, path: string, data: Record<string, string>): Promise<void> {
    await this.api('POST', `${mount}/${path}`, data);
  }

  /** A policy that may read the given paths (and nothing else). */
  async policy(name: string, readPaths: string[]): Promise<void> {
    await this.api('PUT', `sys/policies/acl/${name}`, { policy: readPaths.map((p) => `path "${p}" { capabilities = ["read"] }`).join('\n') });
  }

  /** A token with these policies (what $VAULT_TOKEN holds for token auth). */
  async token(policies: string[]): Promise<string> {
    const r = await this.api('POST', 'auth/token/create', { policies, no_default_policy: false, ttl: '1h' });
    return (r.auth as { client_token: string }).client_token;
  }

  /** AppRole enabled, a role with these policies; its role id and a fresh secret id. */
  async approle(role: string, policies: string[]): Promise<{ roleId: string; secretId: string }> {
    const auths = await this.api('GET', 'sys/auth');
    if (!('approle/' in ((auths.data as Record<string, unknown> | undefined) ?? auths))) await this.api('POST', 'sys/auth/approle', { type: 'approle' });
    await this.api('POST', `auth/approle/role/${role}`, { token_policies: policies, token_ttl: '1h' });
    const roleId = ((await this.api('GET', `auth/approle/role/${role}/role-id`)).data as { role_id: string }).role_id;
    const secretId = ((await this.api('POST', `auth/approle/role/${role}/secret-id`)).data as { secret_id: string }).secret_id;
    return { roleId, secretId };
  }

  /**
   * Kubernetes auth against a fleet cluster: its API server reviews the
   * tokens (a reviewer service account bound to system:auth-delegator), and
   * `role` admits the service account `sa` of `namespace` with `policies`.
   * Returns a token of that service account, as a pod would hold it.
   */
  async kubernetesAuth(o: { kubeconfig: string; context: string; namespace: string; sa: string; role: string; policies: string[] }): Promise<string> {
    const k = (args: string[]) => kubectl(o.kubeconfig, o.context, args);
    await k(['create', 'namespace', o.namespace]).catch(() => undefined);
    for (const sa of [o.sa, 'vault-reviewer']) await k(['-n', o.namespace, 'create', 'serviceaccount', sa]).catch(() => undefined);
    await k(['create', 'clusterrolebinding', `vault-reviewer-${o.namespace}`, '--clusterrole=system:auth-delegator', `--serviceaccount=${o.namespace}:vault-reviewer`]).catch(() => undefined);
    const reviewer = (await k(['-n', o.namespace, 'create', 'token', 'vault-reviewer', '--duration=2h'])).trim();
    const { server, ca } = clusterOf(o.kubeconfig, o.context);
    await this.api('POST', 'sys/auth/kubernetes', { type: 'kubernetes' }).catch(() => undefined);
    await this.api('POST', 'auth/kubernetes/config', { kubernetes_host: server, ...(ca ? { kubernetes_ca_cert: ca } : {}), token_reviewer_jwt: reviewer, disable_local_ca_jwt: true });
    await this.api('POST', `auth/kubernetes/role/${o.role}`, { bound_service_account_names: [o.sa], bound_service_account_namespaces: [o.namespace], token_policies: o.policies, token_ttl: '1h' });
    return (await k(['-n', o.namespace, 'create', 'token', o.sa, '--duration=2h'])).trim();
  }

  /** Stops the server (SIGTERM, then waits for it to exit). */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((r) => this.#child.once('exit', r));
    this.#child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      // a loaded machine may take longer than 10 s to shut Vault down: gone means gone (no listener left)
      this.#child.kill('SIGKILL');
      await exited;
    }
  }
}

/** A context's API server URL and CA (PEM) from the fleet's kubeconfig. */
function clusterOf(kubeconfig: string, context: string): { server: string; ca: string | undefined } {
  const doc = parse(readFileSync(kubeconfig, 'utf8')) as { contexts: { name: string; context: { cluster: string } }[]; clusters: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[] };
  const ctx = doc.contexts.find((c) => c.name === context);
  const cluster = doc.clusters.find((c) => c.name === ctx?.context.cluster);
  if (!cluster) throw new Error(`no cluster for context ${context} in ${kubeconfig}`);
  const data = cluster.cluster['certificate-authority-data'];
  return { server: cluster.cluster.server, ca: data ? Buffer.from(data, 'base64').toString('utf8') : undefined };
}

/** Writes text to a new file of its own (a service-account token, as mounted in a pod). */
export function tempFile(name: string, text: string): string {
  const p = join(tempDir('hc-file-'), name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
}
