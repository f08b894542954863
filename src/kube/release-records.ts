// helm's own release records, decoded in process (pure). helm stores each
// revision as a Secret (type helm.sh/release.v1, name sh.helm.release.v1.NAME.vREV)
// or a ConfigMap (HELM_DRIVER=configmap) labelled owner=helm, name, status,
// version; its `release` field is base64(gzip(JSON)), and a Secret's data adds
// one more base64 on top. Custom labels (`helm --labels`) live on the object.
// They are read through the cluster's KubeClient: every latest record of a
// cluster in ONE list (not one helm call per release), or one revision by name.
import { promisify } from 'node:util';
import { gunzip, gunzipSync } from 'node:zlib';
import type { DeployedRelease } from '../model/release.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../model/release.ts';
import { builtinResource, objectPath } from '../model/resources.ts';
import type { KubeClient } from './client.ts';
import { parseJsonExact } from '../model/json.ts';

/** Labels helm itself puts on a record; everything else came from --labels. */
const SYSTEM_LABELS = new Set(['name', 'owner', 'status', 'version', 'createdAt', 'modifiedAt']);

export interface RecordObject {
  kind?: string; // Secret | ConfigMap
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

interface HelmReleaseJson {
  name?: string;
  namespace?: string;
  version?: number;
  info?: { status?: string; last_deployed?: string; description?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
  config?: Record<string, unknown> | null;
  manifest?: string;
  /** Helm 4: how the revision was applied, "ssa" (server-side) or "csa" (client-side); absent for Helm 3. */
  apply_method?: string;
}

const gunzipAsync = promisify(gunzip);
const isGzip = (b: Buffer) => b[0] === 0x1f && b[1] === 0x8b;

/** A record's release payload as helm encoded it: base64 (a Secret's data adds one more) of gzip (very old helm: none) of JSON. */
function payloadOf(obj: RecordObject): Buffer {
  const raw = obj.data?.release;
  if (typeof raw !== 'string') throw new Error(`release record ${obj.metadata?.namespace}/${obj.metadata?.name} has no release data`);
  const payload = obj.kind === 'ConfigMap' ? raw : Buffer.from(raw, 'base64').toString('utf8');
  return Buffer.from(payload, 'base64');
}

// integers past 2^53 (a --set id) read back exactly, so the config compares equal to the planned values
const releaseJson = (b: Buffer) => parseJsonExact(b.toString('utf8')) as HelmReleaseJson;

/** One record object (as `kubectl get -o json` lists it) -> DeployedRelease. */
export function decodeRecord(obj: RecordObject, cluster: string): DeployedRelease {
  const b = payloadOf(obj);
  return deployedOf(obj, releaseJson(isGzip(b) ? gunzipSync(b) : b), cluster);
}

/** decodeRecord with the gunzip on libuv's thread pool: a cluster's hundreds of records unzip beside the main thread's JSON parsing. */
async function decodeRecordAsync(obj: RecordObject, cluster: string): Promise<DeployedRelease> {
  const b = payloadOf(obj);
  return deployedOf(obj, releaseJson(isGzip(b) ? await gunzipAsync(b) : b), cluster);
}

function deployedOf(obj: RecordObject, rel: HelmReleaseJson, cluster: string): DeployedRelease {
  const allLabels = obj.metadata?.labels ?? {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(allLabels)) if (!SYSTEM_LABELS.has(k)) labels[k] = v;
  const d: DeployedRelease = {
    cluster,
    namespace: rel.namespace ?? obj.metadata?.namespace ?? '',
    name: rel.name ?? allLabels.name ?? '',
    revision: rel.version ?? Number(allLabels.version ?? 0),
    status: rel.info?.status ?? allLabels.status ?? 'unknown',
    chartName: rel.chart?.metadata?.name ?? '',
    chartVersion: rel.chart?.metadata?.version ?? '',
    manifest: rel.manifest ?? '',
    config: rel.config ?? {},
    labels,
    managed: labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE,
  };
  if (rel.chart?.metadata?.appVersion) d.appVersion = rel.chart.metadata.appVersion;
  if (rel.info?.last_deployed) d.updated = rel.info.last_deployed;
  if (rel.info?.description) d.description = rel.info.description;
  if (rel.apply_method) d.applyMethod = rel.apply_method;
  return d;
}

/**
 * The latest revision of every release among the listed records, decoding
 * only those. Releases whose latest revision is `uninstalled` (kept history)
 * are not deployed and are left out.
 */
export function latestReleases(items: RecordObject[], cluster: string): DeployedRelease[] {
  return byName(latestRecords(items).map((obj) => decodeRecord(obj, cluster)));
}

const byName = (ds: DeployedRelease[]) => ds.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));

/** The record of each release's latest revision, but those whose latest is `uninstalled`. */
function latestRecords(items: RecordObject[]): RecordObject[] {
  const latest = new Map<string, { rev: number; obj: RecordObject }>();
  for (const obj of items) {
    const l = obj.metadata?.labels ?? {};
    if (l.owner !== 'helm' || !l.name) continue;
    const key = `${obj.metadata?.namespace ?? ''}/${l.name}`;
    const rev = Number(l.version ?? 0);
    const cur = latest.get(key);
    if (!cur || rev > cur.rev) latest.set(key, { rev, obj });
  }
  return [...latest.values()].map((l) => l.obj).filter((obj) => obj.metadata?.labels?.status !== 'uninstalled');
}

/** Where helm's storage driver keeps release records: Secrets (default) or ConfigMaps (HELM_DRIVER=configmap). */
function recordStore(driver: string | undefined): { kind: 'Secret' | 'ConfigMap' } {
  const configMaps = (driver ?? process.env.HELM_DRIVER ?? 'secret').toLowerCase().startsWith('configmap');
  return { kind: configMaps ? 'ConfigMap' : 'Secret' };
}

export interface ReadDeployedOptions {
  /** helm's storage driver: secret (default) or configmap; default from $HELM_DRIVER. */
  driver?: string;
  /** Only these namespaces (one list per namespace); default: all namespaces in one list. */
  namespaces?: string[];
}

/**
 * The latest revision of every helm release in the cluster. Superseded
 * revisions are filtered server-side (`status!=superseded`) so the list stays
 * small; the newest revision of a release is never superseded.
 */
export async function readDeployedReleases(client: KubeClient, opts: ReadDeployedOptions = {}): Promise<DeployedRelease[]> {
  const { kind } = recordStore(opts.driver);
  const resource = builtinResource(kind)!;
  const labelSelector = 'owner=helm,status!=superseded';
  const scopes: (string | undefined)[] = opts.namespaces?.length ? opts.namespaces : [undefined];
  const lists = await Promise.all(scopes.map((ns) => client.list(resource, ns, { labelSelector, timeoutMs: 120_000 })));
  return byName(await Promise.all(latestRecords(lists.flat() as RecordObject[]).map((obj) => decodeRecordAsync(obj, client.cluster))));
}

/** One revision of one release from helm's record `sh.helm.release.v1.NAME.vREV`; undefined when there is no such record. */
export async function readReleaseRevision(client: KubeClient, namespace: string, name: string, revision: number, driver?: string): Promise<DeployedRelease | undefined> {
  const { kind } = recordStore(driver);
  const record = await client.getObject<RecordObject>(objectPath(builtinResource(kind)!, namespace, `sh.helm.release.v1.${name}.v${revision}`));
  return record && decodeRecord({ ...record, kind }, client.cluster);
}

/** Every revision of one release still recorded (helm keeps --history-max of them), oldest first. */
export async function readReleaseHistory(client: KubeClient, namespace: string, name: string, driver?: string): Promise<DeployedRelease[]> {
  const { kind } = recordStore(driver);
  const items = await client.list(builtinResource(kind)!, namespace, { labelSelector: `owner=helm,name=${name}` });
  return items.map((o) => decodeRecord({ ...(o as RecordObject), kind }, client.cluster)).sort((a, b) => a.revision - b.revision);
}

/** Adds labels to helm's record of one revision (a JSON merge patch of its metadata; helm keeps custom labels). */
export async function labelReleaseRevision(client: KubeClient, namespace: string, name: string, revision: number, labels: Record<string, string>, driver?: string): Promise<void> {
  const { kind } = recordStore(driver);
  const path = objectPath(builtinResource(kind)!, namespace, `sh.helm.release.v1.${name}.v${revision}`);
  await client.json('PATCH', path, JSON.stringify({ metadata: { labels } }), { contentType: 'application/merge-patch+json' });
}
