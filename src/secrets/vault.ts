// A Vault client over HTTP (Node's fetch): logs in once (a token from the
// environment, AppRole, or Kubernetes auth with a service-account token) and
// reads KV v1 and v2 secrets. Every credential it handles (token, secret id,
// service-account token) is registered in the redactor before anything could
// print it. Failures are sorted by whose they are: Vault unreachable, sealed
// or failing (PreflightError, exit 5) or a request Vault refuses: unknown
// path, permission denied, login refused (BadInputError, exit 4). Messages
// name the path and the Vault, never a value.
import { readFileSync } from 'node:fs';
import { BadInputError, PreflightError } from '../errors.ts';
import { isPlainObject } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import type { VaultRef } from '../model/secret-ref.ts';
import type { VaultAuthSpec, VaultSpec } from '../model/spec.ts';
import { redactor } from '../redact.ts';

export interface VaultClientOptions {
  spec: VaultSpec;
  /** Where the token, role and secret ids are read from (process.env). */
  env: Readonly<Record<string, string | undefined>>;
  /** Per request. */
  timeoutMs: number;
  /** Runs each HTTP request (a bounded pool); default: at once. */
  schedule?: <T>(f: () => Promise<T>) => Promise<T>;
  fetch?: typeof fetch;
}

/** What one secret holds, and which KV version served it. */
export interface VaultSecret {
  data: Values;
  kv: 1 | 2;
}

interface Reply {
  status: number;
  body: Values;
}

const errorsOf = (body: Values): string => {
  const errors = Array.isArray(body.errors) ? body.errors.map(String).filter(Boolean) : [];
  return errors.length ? errors.join('; ').slice(0, 300) : 'no reason given';
};

/** The API path of a reference on this Vault: under `mount` (KV v2: MOUNT/data/PATH) or as written. */
export function apiPathOf(ref: VaultRef, spec: Pick<VaultSpec, 'mount' | 'kvVersion'>): { path: string; kv: 1 | 2 | undefined } {
  if (spec.mount === undefined) return { path: ref.path, kv: undefined };
  return { path: `${spec.mount}/${spec.kvVersion === 2 ? 'data/' : ''}${ref.path}`, kv: spec.kvVersion };
}

export class VaultClient {
  readonly #o: VaultClientOptions;
  readonly #address: string;
  #token: Promise<string> | undefined;

  constructor(o: VaultClientOptions) {
    this.#o = o;
    const address = o.spec.address ?? o.env.VAULT_ADDR;
    if (!address) throw new BadInputError('no Vault address: set vault.address in clusters.yaml (or $VAULT_ADDR)');
    this.#address = address.replace(/\/+$/, '');
  }

  /** How the Vault is named in messages. */
  get name(): string {
    return `Vault ${this.#address}${this.#o.spec.namespace ? ` (namespace ${this.#o.spec.namespace})` : ''}`;
  }

  async #request(method: 'GET' | 'POST', path: string, opts: { token?: string; body?: Values; query?: string } = {}): Promise<Reply> {
    const url = `${this.#address}/v1/${path.split('/').map(encodeURIComponent).join('/')}${opts.query ? `?${opts.query}` : ''}`;
    const headers: Record<string, string> = { 'X-Vault-Request': 'true' };
    if (opts.token) headers['X-Vault-Token'] = opts.token;
    if (this.#o.spec.namespace) headers['X-Vault-Namespace'] = this.#o.spec.namespace;
    if (opts.body) headers['Content-Type'] = 'application/json';
    const run = async (): Promise<Reply> => {
      let res: Response;
      try {
        res = await (this.#o.fetch ?? fetch)(url, { method, headers, signal: AbortSignal.timeout(this.#o.timeoutMs), ...(opts.body ? { body: JSON.stringify(opts.body) } : {}) });
      } catch (err) {
        throw new PreflightError(`${this.name} is unreachable: ${causeOf(err)}`);
      }
      const text = await res.text().catch(() => '');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = {};
      }
      return { status: res.status, body: isPlainObject(body) ? body : {} };
    };
    const reply = await (this.#o.schedule ? this.#o.schedule(run) : run());
    if (reply.status === 503) throw new PreflightError(`${this.name} is sealed or not ready (503: ${errorsOf(reply.body)})`);
    if (reply.status >= 500) throw new PreflightError(`${this.name} failed (${reply.status}: ${errorsOf(reply.body)})`);
    return reply;
  }

  /** The client token: logged in once, by the configured method. */
  token(): Promise<string> {
    this.#token ??= this.#login(this.#o.spec.auth);
    return this.#token;
  }

  #fromEnv(name: string, what: string): string {
    const v = this.#o.env[name];
    if (!v) throw new BadInputError(`${this.name}: ${what} is read from $${name}, which is not set`);
    redactor.add(v);
    return v;
  }

  async #login(auth: VaultAuthSpec): Promise<string> {
    if (auth.method === 'token') return this.#fromEnv(auth.tokenEnv, 'the Vault token');
    let body: Values;
    let how: string;
    if (auth.method === 'approle') {
      body = { role_id: this.#fromEnv(auth.roleIdEnv, 'the AppRole role id'), secret_id: this.#fromEnv(auth.secretIdEnv, 'the AppRole secret id') };
      how = `AppRole login (auth/${auth.mount})`;
    } else {
      body = { role: auth.role, jwt: this.#serviceAccountToken(auth.tokenFile) };
      how = `Kubernetes login as role "${auth.role}" (auth/${auth.mount})`;
    }
    const reply = await this.#request('POST', `auth/${auth.mount}/login`, { body });
    const auth0 = reply.body.auth;
    const token = isPlainObject(auth0) && typeof auth0.client_token === 'string' ? auth0.client_token : undefined;
    if (reply.status !== 200 || !token) throw new BadInputError(`${this.name}: ${how} refused (${reply.status}: ${errorsOf(reply.body)})`);
    redactor.add(token);
    return token;
  }

  #serviceAccountToken(file: string): string {
    let jwt: string;
    try {
      jwt = readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new BadInputError(`${this.name}: no service-account token at ${file} for Kubernetes auth (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}); it runs in a pod, or give vault.auth.tokenFile`);
    }
    redactor.add(jwt);
    return jwt;
  }

  /** The data of the secret a reference names (KV v2: its `data.data`; KV v1: its `data`). */
  async read(ref: VaultRef): Promise<VaultSecret> {
    const { path, kv } = apiPathOf(ref, this.#o.spec);
    if (ref.version !== undefined && kv === 1) throw new BadInputError(`?version= is for KV v2 secrets, and vault.mount ${this.#o.spec.mount} is KV v1`);
    const reply = await this.#request('GET', path, { token: await this.token(), ...(ref.version !== undefined ? { query: `version=${ref.version}` } : {}) });
    return secretOf(reply, { path, kv, name: this.name });
  }
}

/** The secret in a read's reply, or why there is none. */
function secretOf(reply: Reply, at: { path: string; kv: 1 | 2 | undefined; name: string }): VaultSecret {
  const { status, body } = reply;
  const data = body.data;
  if (status === 404) {
    const warnings = Array.isArray(body.warnings) ? body.warnings.map(String).join(' ') : '';
    const deleted = isPlainObject(data) && isPlainObject(data.metadata) && data.metadata.deletion_time ? ' (that version is deleted)' : '';
    const v2 = /versioned K\/V/i.test(warnings) ? '; the mount is KV v2: its secrets are read at MOUNT/data/PATH' : '';
    throw new BadInputError(`no secret at ${at.path} in ${at.name}${deleted}${v2}`);
  }
  if (status === 403) throw new BadInputError(`permission denied reading ${at.path} in ${at.name}: the policies of helm-cascade's Vault login do not allow it (${errorsOf(body)})`);
  if (status !== 200 || !isPlainObject(data)) throw new BadInputError(`reading ${at.path} in ${at.name} failed (${status}: ${errorsOf(body)})`);
  const v2 = at.kv === 2 || (at.kv === undefined && isPlainObject(data.data) && isPlainObject(data.metadata));
  if (!v2) return { data, kv: 1 };
  if (!isPlainObject(data.data)) throw new BadInputError(`no secret at ${at.path} in ${at.name} (its current version is deleted)`);
  return { data: data.data, kv: 2 };
}

/** The reason a request never got an answer: ECONNREFUSED, a timeout, a DNS failure. */
function causeOf(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'no answer in time';
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
