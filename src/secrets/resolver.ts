// Resolves secret references (model/secret-ref.ts) for a cluster: vault
// references against the cluster's Vault (one client, one login per distinct
// Vault configuration), sops references by decrypting the file once. Each
// (reference, cluster) is resolved once per run, each Vault secret read once,
// through a bounded pool of requests. Every value is registered in the
// redactor the moment it is known, before anything could print it.
import { isAbsolute, join } from 'node:path';
import pLimit from 'p-limit';
import { checkBoundary, makeBoundary, outsideMessage } from '../config/boundary.ts';
import { BadInputError } from '../errors.ts';
import { canonicalJson, isPlainObject } from '../model/json.ts';
import { atPointer } from '../model/secret-ref.ts';
import type { SecretRef, SopsRef, VaultRef } from '../model/secret-ref.ts';
import type { ClusterSpec, VaultSpec } from '../model/spec.ts';
import { redactor } from '../redact.ts';
import { decryptSopsFile } from './sops.ts';
import { VaultClient } from './vault.ts';
import type { VaultSecret } from './vault.ts';

/** Shortest secret helm-cascade accepts: a shorter one could not be kept out of the output (redact.ts). */
const MIN_SECRET_LENGTH = 4;

/** The default Vault of a cluster clusters.yaml gives none: $VAULT_ADDR, the token in $VAULT_TOKEN. */
const DEFAULT_VAULT: VaultSpec = { kvVersion: 2, auth: { method: 'token', tokenEnv: 'VAULT_TOKEN' }, pos: { file: 'clusters.yaml', line: 1, col: 1 } };

export interface SecretResolverOptions {
  /** The repository root (sops paths are relative to it) and the folders paths may lead to (--allow-root). */
  root: string;
  allowedRoots?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Requests to Vault (and sops runs) in flight at once. */
  concurrency?: number;
  /** Per Vault request. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A resolved value: a string or a number, as the secret holds it. */
export type SecretValue = string | number;

export class SecretResolver {
  readonly #o: SecretResolverOptions;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #pool: ReturnType<typeof pLimit>;
  readonly #clients = new Map<string, VaultClient>();
  readonly #reads = new Map<string, Promise<VaultSecret>>();
  readonly #sops = new Map<string, Promise<unknown>>();
  readonly #values = new Map<string, Promise<SecretValue>>();

  constructor(o: SecretResolverOptions) {
    this.#o = o;
    this.#env = o.env ?? process.env;
    this.#pool = pLimit(Math.max(1, o.concurrency ?? 8));
  }

  /** The value a reference stands for on a cluster; once per (reference, cluster). */
  resolve(ref: SecretRef, cluster: ClusterSpec): Promise<SecretValue> {
    const key = `${cluster.name}\0${ref.text}`;
    let v = this.#values.get(key);
    if (!v) {
      v = (ref.kind === 'vault' ? this.#fromVault(ref, cluster) : this.#fromSops(ref)).then(acceptValue);
      this.#values.set(key, v);
    }
    return v;
  }

  /** One client per distinct Vault configuration (address, namespace, mount, auth): clusters that share a Vault share its login. */
  #client(spec: VaultSpec): { client: VaultClient; key: string } {
    const { pos: _pos, ...config } = spec;
    const key = canonicalJson(config);
    let client = this.#clients.get(key);
    if (!client) {
      client = new VaultClient({ spec, env: this.#env, timeoutMs: this.#o.timeoutMs ?? 10_000, schedule: (f) => this.#pool(f), ...(this.#o.fetch ? { fetch: this.#o.fetch } : {}) });
      this.#clients.set(key, client);
    }
    return { client, key };
  }

  async #fromVault(ref: VaultRef, cluster: ClusterSpec): Promise<unknown> {
    const { client, key } = this.#client(cluster.vault ?? DEFAULT_VAULT);
    const readKey = `${key}\0${ref.path}\0${ref.version ?? ''}`;
    let read = this.#reads.get(readKey);
    if (!read) {
      read = client.read(ref);
      this.#reads.set(readKey, read);
    }
    const secret = await read;
    const found = atPointer(secret.data, ref.pointer);
    if (!found.found) throw new BadInputError(`the secret has no key ${found.missing.slice(1)} in ${client.name}${found.keys.length ? ` (its keys: ${found.keys.join(', ')})` : ''}`);
    return found.value;
  }

  async #fromSops(ref: SopsRef): Promise<unknown> {
    const boundary = makeBoundary(this.#o.root, this.#o.allowedRoots?.slice(1) ?? []);
    const where = checkBoundary(ref.file, this.#o.root, boundary);
    if (!where.inside) throw new BadInputError(outsideMessage('sops file', ref.file, where.via, boundary));
    if (where.real === undefined) throw new BadInputError(`sops file not found: ${ref.file}`);
    const abs = where.real;
    let doc = this.#sops.get(abs);
    if (!doc) {
      doc = this.#pool(() => decryptSopsFile(abs, isAbsolute(ref.file) ? ref.file : join('.', ref.file), { bin: this.#env.SOPS_BIN || 'sops', env: this.#env }));
      this.#sops.set(abs, doc);
    }
    const found = atPointer(await doc, ref.pointer);
    if (!found.found) throw new BadInputError(`${ref.file} has no ${found.missing}${found.keys.length ? ` (keys there: ${found.keys.join(', ')})` : ''}`);
    return found.value;
  }
}

/** A value a reference may stand for: one string or number, long enough to be kept out of the output; registered at once. */
function acceptValue(v: unknown): SecretValue {
  if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) {
    const text = String(v);
    redactor.add(text);
    if (text.length < MIN_SECRET_LENGTH) throw new BadInputError(`the value is ${text.length === 0 ? 'empty' : `${text.length} characters long`}: a secret of fewer than ${MIN_SECRET_LENGTH} characters cannot be kept out of the output`);
    return v;
  }
  const what = v === null ? 'null' : Array.isArray(v) ? 'a list' : isPlainObject(v) ? 'a map' : typeof v;
  throw new BadInputError(`points at ${what}, not one value (a string or a number)`);
}
