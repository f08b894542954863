// Kubeconfig files as kubectl reads them. A KUBECONFIG-style list (files
// joined by `:`) is merged with kubectl's rules: the first file that names a
// cluster, user or context wins, `current-context` comes from the first file
// that sets one, missing files in the list are skipped, and the relative paths
// of each file (certificate-authority, client-certificate, client-key,
// tokenFile, an exec command holding a `/`) resolve from that file's folder.
// `contextAccess` turns one context into what the transport needs: the server,
// the TLS settings and the user's credentials (auth.ts applies them).
// `resolveKubeconfig` says which kubeconfig a run reads, in kubectl's order.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { PreflightError } from '../errors.ts';
import { IN_CLUSTER_CONTEXT } from '../model/identity.ts';
import type { ClustersFileSpec } from '../model/spec.ts';
import { redactor } from '../redact.ts';
import { inClusterKubeconfig, inClusterUnavailable } from './in-cluster.ts';

/** kubeconfig `exec:` (client.authentication.k8s.io ExecConfig). */
interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: string;
}

/** kubeconfig `users[].user`, as kubectl reads it. */
export interface UserEntry {
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  exec?: ExecConfig;
  'auth-provider'?: { name: string; config?: Record<string, string> };
  as?: string;
  'as-uid'?: string;
  'as-groups'?: string[];
  'as-user-extra'?: Record<string, string[]>;
}

/** kubeconfig `clusters[].cluster`. */
interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
}

interface Named<T> {
  name: string;
  value: T;
}

/** A merged kubeconfig: every named entry (first file wins) and the file each came from. */
export interface Kubeconfig {
  files: string[];
  missingFiles: string[];
  currentContext: string | undefined;
  clusters: Map<string, ClusterEntry>;
  users: Map<string, Named<UserEntry>>;
  contexts: Map<string, { cluster: string; user: string; namespace?: string }>;
}

/** The files of a KUBECONFIG-style list, in order, empty entries dropped (kubectl's filepath.SplitList). */
export function kubeconfigFiles(list: string): string[] {
  return list.split(delimiter).filter(Boolean);
}

type Doc = { clusters?: unknown; users?: unknown; contexts?: unknown; 'current-context'?: unknown };

const asList = (v: unknown): { name?: unknown; [k: string]: unknown }[] => (Array.isArray(v) ? v.filter((e) => e && typeof e === 'object') : []);

/** A relative path of a file resolved from the file's folder (kubectl's ResolveLocalPaths); '' and absolute paths stay. */
function under(dir: string, p: string | undefined): string | undefined {
  return p && !isAbsolute(p) ? resolve(dir, p) : p;
}

function resolveCluster(dir: string, c: ClusterEntry): ClusterEntry {
  const ca = under(dir, c['certificate-authority']);
  return ca ? { ...c, 'certificate-authority': ca } : c;
}

function resolveUser(dir: string, u: UserEntry): UserEntry {
  const out: UserEntry = { ...u };
  for (const k of ['client-certificate', 'client-key', 'tokenFile'] as const) {
    const p = under(dir, u[k]);
    if (p) out[k] = p;
  }
  // an exec command is resolved only when it names a path, not a program found on PATH
  if (u.exec?.command?.includes('/')) out.exec = { ...u.exec, command: under(dir, u.exec.command)! };
  return out;
}

/**
 * kubectl's merge of parsed kubeconfig documents, first file first (pure).
 * An entry without a name is skipped, as kubectl skips it.
 */
export function mergeKubeconfigs(docs: readonly { file: string; doc: Doc | null }[]): Omit<Kubeconfig, 'files' | 'missingFiles'> {
  const merged: Omit<Kubeconfig, 'files' | 'missingFiles'> = { currentContext: undefined, clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const { file, doc } of docs) {
    if (!doc || typeof doc !== 'object') continue;
    const dir = dirname(file);
    const cc = doc['current-context'];
    if (merged.currentContext === undefined && typeof cc === 'string' && cc) merged.currentContext = cc;
    for (const e of asList(doc.clusters)) {
      if (typeof e.name === 'string' && !merged.clusters.has(e.name)) merged.clusters.set(e.name, resolveCluster(dir, (e.cluster ?? {}) as ClusterEntry));
    }
    for (const e of asList(doc.users)) {
      if (typeof e.name === 'string' && !merged.users.has(e.name)) merged.users.set(e.name, { name: e.name, value: resolveUser(dir, (e.user ?? {}) as UserEntry) });
    }
    for (const e of asList(doc.contexts)) {
      const c = (e.context ?? {}) as { cluster?: unknown; user?: unknown; namespace?: unknown };
      if (typeof e.name !== 'string' || merged.contexts.has(e.name)) continue;
      merged.contexts.set(e.name, { cluster: String(c.cluster ?? ''), user: String(c.user ?? ''), ...(typeof c.namespace === 'string' ? { namespace: c.namespace } : {}) });
    }
  }
  return merged;
}

/** Secrets a kubeconfig holds, registered with the redactor so no output ever shows them. */
function registerSecrets(k: Omit<Kubeconfig, 'files' | 'missingFiles'>): void {
  for (const { value: u } of k.users.values()) {
    const provider = u['auth-provider']?.config ?? {};
    const secrets = [u.token, u.password, u['client-key-data'], provider['id-token'], provider['refresh-token'], provider['client-secret'], provider['access-token']];
    redactor.add(...secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8));
  }
}

/**
 * Reads and merges a KUBECONFIG-style list. A file that is not YAML is
 * refused (exit 5) without quoting it: a kubeconfig holds credentials.
 */
export function loadKubeconfig(list: string): Kubeconfig {
  const files = kubeconfigFiles(list);
  const missingFiles: string[] = [];
  const docs: { file: string; doc: Doc | null }[] = [];
  for (const file of files) {
    if (!existsSync(file)) {
      missingFiles.push(file);
      continue;
    }
    try {
      docs.push({ file, doc: parse(readFileSync(file, 'utf8')) as Doc | null });
    } catch {
      throw new PreflightError(`kubeconfig ${file} is not a valid kubeconfig (YAML)`);
    }
  }
  const merged = mergeKubeconfigs(docs);
  registerSecrets(merged);
  return { files, missingFiles, ...merged };
}

/** Context names defined across every file of a KUBECONFIG-style path list (an unreadable file adds none). */
export function kubeconfigContexts(kubeconfig: string): { contexts: Set<string>; missingFiles: string[] } {
  try {
    const k = loadKubeconfig(kubeconfig);
    return { contexts: new Set(k.contexts.keys()), missingFiles: k.missingFiles };
  } catch {
    return { contexts: new Set(), missingFiles: [] };
  }
}

/** Contexts missing from the kubeconfig: one PreflightError naming every one (no cluster is called). */
export function checkContexts(clusters: readonly { name: string; context: string }[], kubeconfig: string): void {
  const { contexts, missingFiles } = kubeconfigContexts(kubeconfig);
  const missing = clusters.filter((c) => !contexts.has(c.context));
  if (!missing.length) return;
  const why = (c: { name: string; context: string }) =>
    c.context === IN_CLUSTER_CONTEXT
      ? `cluster "${c.name}" is reached with the pod's service account, which is not available here: ${inClusterUnavailable() ?? 'no in-cluster kubeconfig'}`
      : `cluster "${c.name}": context "${c.context}" is not in the kubeconfig (${kubeconfig})`;
  const problems = [...missingFiles.map((f) => `kubeconfig not found: ${f}`), ...missing.map(why)];
  throw new PreflightError(problems.join('\n'));
}

/** Everything needed to reach the API server of one context. */
export interface ContextAccess {
  context: string;
  /** The server's URL, without a trailing slash (its path, if any, prefixes every request). */
  server: URL;
  cluster: ClusterEntry;
  /** The user's name (credential caches are keyed by it) and entry. */
  userName: string;
  user: UserEntry;
  namespace: string | undefined;
}

/** The access of one context, or why there is none (a PreflightError naming the cluster). */
export function contextAccess(k: Kubeconfig, context: string, where: string): ContextAccess {
  const ctx = k.contexts.get(context);
  if (!ctx) {
    const hint = k.missingFiles.length ? ` (kubeconfig not found: ${k.missingFiles.join(', ')})` : '';
    throw new PreflightError(`${where}: the context is not in the kubeconfig (${k.files.join(delimiter)})${hint}`);
  }
  const cluster = k.clusters.get(ctx.cluster);
  if (!cluster?.server) throw new PreflightError(`${where}: kubeconfig cluster "${ctx.cluster}" ${cluster ? 'has no server' : 'is not defined'}`);
  let server: URL;
  try {
    server = new URL(cluster.server);
  } catch {
    throw new PreflightError(`${where}: kubeconfig cluster "${ctx.cluster}" has a server that is not a URL`);
  }
  const user = k.users.get(ctx.user);
  return { context, server, cluster, userName: user?.name ?? ctx.user, user: user?.value ?? {}, namespace: ctx.namespace };
}

/**
 * The kubeconfig of a run, as kubectl's users expect it: --kubeconfig, then
 * $KUBECONFIG (a list of files joined by `:` is kept as such and merged as
 * kubectl merges it), then clusters.yaml `kubeconfig:` (relative to the
 * repository), then ~/.kube/config. When a cluster is reached in-cluster (the
 * pod's service account), the in-cluster kubeconfig is put first.
 */
export function resolveKubeconfig(flag: string | undefined, config: Pick<ClustersFileSpec, 'kubeconfig' | 'root' | 'clusters'>, env: NodeJS.ProcessEnv = process.env): string {
  const expand = (p: string) => (p.startsWith('~/') ? resolve(homedir(), p.slice(2)) : p);
  const user = (() => {
    if (flag) return resolve(expand(flag));
    if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean).map((p) => resolve(expand(p))).join(delimiter);
    if (config.kubeconfig) return config.kubeconfig.split(delimiter).filter(Boolean).map((p) => (isAbsolute(expand(p)) ? expand(p) : resolve(config.root, p))).join(delimiter);
    return resolve(homedir(), '.kube', 'config');
  })();
  const inCluster = config.clusters.some((c) => c.context === IN_CLUSTER_CONTEXT) ? inClusterKubeconfig() : undefined;
  return inCluster ? `${inCluster}${delimiter}${user}` : user;
}
