// clusters.yaml `vault:` -> each cluster's VaultSpec: the top-level block is
// the default, a cluster's own `vault:` overrides it field by field (its
// `auth` merges into the default's when the method is the same, and replaces
// it when the method differs). Defaults are made explicit here; the schema
// has already reported unknown keys and wrong types.
import type { Diagnostic } from '../errors.ts';
import type { SourcePos, VaultAuthSpec, VaultSpec } from '../model/spec.ts';
import type { YamlFile, YamlPath } from './yaml-file.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const KUBERNETES_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** Which auth fields belong to which method (a field of another method is a mistake worth naming). */
const FIELDS: Record<VaultAuthSpec['method'], string[]> = {
  token: ['tokenEnv'],
  approle: ['roleIdEnv', 'secretIdEnv', 'mount'],
  kubernetes: ['role', 'tokenFile', 'mount'],
};

interface Layer {
  raw: Obj;
  /** Where this block is in clusters.yaml. */
  path: YamlPath;
}

function authOf(layers: Layer[], file: YamlFile, diags: Diagnostic[]): VaultAuthSpec {
  let method: VaultAuthSpec['method'] = 'token';
  // each field with the place it was written, so a mistake is named where it is
  let fields = new Map<string, { value: unknown; at: YamlPath }>();
  let at: YamlPath | undefined;
  for (const l of layers) {
    const a = l.raw.auth;
    if (!isObj(a)) continue;
    // an unknown method was reported by the schema: that block is left out
    if (a.method !== undefined && a.method !== 'approle' && a.method !== 'kubernetes' && a.method !== 'token') continue;
    const m: VaultAuthSpec['method'] = a.method ?? method;
    if (m !== method) fields = new Map();
    method = m;
    at = [...l.path, 'auth'];
    for (const [k, value] of Object.entries(a)) if (k !== 'method') fields.set(k, { value, at: at });
  }
  for (const [k, f] of fields) {
    if (!FIELDS[method].includes(k)) diags.push({ ...file.keyPosOf(f.at, k), message: `vault.auth.${k} does not apply to method "${method}" (its fields: ${FIELDS[method].join(', ')})` });
  }
  const get = (k: string) => str(fields.get(k)?.value);
  if (method === 'approle') return { method, mount: get('mount') ?? 'approle', roleIdEnv: get('roleIdEnv') ?? 'VAULT_ROLE_ID', secretIdEnv: get('secretIdEnv') ?? 'VAULT_SECRET_ID' };
  if (method === 'kubernetes') {
    const role = get('role');
    if (!role) diags.push({ ...file.posOf(at ?? []), message: 'vault.auth: method "kubernetes" needs the Vault role to log in as ("role")' });
    return { method, mount: get('mount') ?? 'kubernetes', role: role ?? '', tokenFile: get('tokenFile') ?? KUBERNETES_TOKEN_FILE };
  }
  return { method, tokenEnv: get('tokenEnv') ?? 'VAULT_TOKEN' };
}

/** An http(s) URL without credentials (they would be printed with it). */
function addressProblem(address: string): string | undefined {
  let u: URL;
  try {
    u = new URL(address);
  } catch {
    return 'is not a URL (write e.g. https://vault.example.com:8200)';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (u.username || u.password) return 'must not hold credentials (give them with vault.auth)';
  return undefined;
}

/** The VaultSpec of one cluster from the top-level `vault:` and the cluster's own (both optional). */
function vaultOf(layers: Layer[], file: YamlFile, diags: Diagnostic[]): VaultSpec {
  const pick = (k: string) => layers.reduce<string | undefined>((acc, l) => str(l.raw[k]) ?? acc, undefined);
  const last = [...layers].reverse().find((l) => Object.keys(l.raw).length > 0);
  const pos: SourcePos = file.posOf(last?.path ?? []);
  const spec: VaultSpec = { kvVersion: layers.reduce<1 | 2>((acc, l) => (l.raw.kvVersion === 1 || l.raw.kvVersion === 2 ? l.raw.kvVersion : acc), 2), auth: authOf(layers, file, diags), pos };
  const address = pick('address');
  if (address !== undefined) {
    const bad = addressProblem(address);
    const from = [...layers].reverse().find((l) => str(l.raw.address) !== undefined)!;
    if (bad) diags.push({ ...file.posOf([...from.path, 'address']), message: `vault.address ${bad}` });
    spec.address = address.replace(/\/+$/, '');
  }
  const namespace = pick('namespace');
  if (namespace !== undefined) spec.namespace = namespace;
  const mount = pick('mount');
  if (mount !== undefined) spec.mount = mount;
  return spec;
}

/**
 * The Vault of each cluster of clusters.yaml: `vaultFor(name, raw)` with the
 * cluster's raw `vault:` block (undefined when it has none). Problems of the
 * top-level block are reported once, those of a cluster's at its own block.
 */
export function vaultBuilder(file: YamlFile, top: unknown, diags: Diagnostic[]): (cluster: string, raw: unknown) => VaultSpec {
  const base: Layer = { raw: isObj(top) ? top : {}, path: ['vault'] };
  // the default alone, so its own mistakes are reported once rather than per cluster
  const seen = new Set<string>();
  const once: Diagnostic[] = [];
  vaultOf([base], file, once);
  const report = (d: Diagnostic) => {
    const k = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(k)) {
      seen.add(k);
      diags.push(d);
    }
  };
  once.forEach(report);
  return (cluster, raw) => {
    const own: Diagnostic[] = [];
    const spec = vaultOf(isObj(raw) ? [base, { raw, path: ['clusters', cluster, 'vault'] }] : [base], file, own);
    own.forEach(report);
    return spec;
  };
}
