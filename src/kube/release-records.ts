// helm's own release records, decoded in process (pure). helm stores each
// revision as a Secret (type helm.sh/release.v1, name sh.helm.release.v1.NAME.vREV)
// or a ConfigMap (HELM_DRIVER=configmap) labelled owner=helm, name, status,
// version; its `release` field is base64(gzip(JSON)), and a Secret's data adds
// one more base64 on top. Custom labels (`helm --labels`) live on the object.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DeployedRelease } from '../model/release.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../model/release.ts';

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
  info?: { status?: string; last_deployed?: string };
  chart?: { metadata?: { name?: string; version?: string; appVersion?: string } };
  config?: Record<string, unknown> | null;
  manifest?: string;
  /** Helm 4: how the revision was applied, "ssa" (server-side) or "csa" (client-side); absent for Helm 3. */
  apply_method?: string;
}

/** helm's encodeRelease: JSON -> gzip -> base64 (the Secret's data then base64s it again). */
export function encodeReleaseJson(release: unknown): string {
  return gzipSync(Buffer.from(JSON.stringify(release))).toString('base64');
}

/** The inverse of helm's encodeRelease; non-gzipped payloads (very old helm) pass through. */
export function decodeReleaseString(s: string): HelmReleaseJson {
  let b = Buffer.from(s, 'base64');
  if (b[0] === 0x1f && b[1] === 0x8b) b = gunzipSync(b);
  return JSON.parse(b.toString('utf8')) as HelmReleaseJson;
}

/** One record object (as `kubectl get -o json` lists it) -> DeployedRelease. */
export function decodeRecord(obj: RecordObject, cluster: string): DeployedRelease {
  const raw = obj.data?.release;
  if (typeof raw !== 'string') throw new Error(`release record ${obj.metadata?.namespace}/${obj.metadata?.name} has no release data`);
  const payload = obj.kind === 'ConfigMap' ? raw : Buffer.from(raw, 'base64').toString('utf8');
  const rel = decodeReleaseString(payload);
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
  if (rel.apply_method) d.applyMethod = rel.apply_method;
  return d;
}

/**
 * The latest revision of every release among the listed records, decoding
 * only those. Releases whose latest revision is `uninstalled` (kept history)
 * are not deployed and are left out.
 */
export function latestReleases(items: RecordObject[], cluster: string): DeployedRelease[] {
  const latest = new Map<string, { rev: number; obj: RecordObject }>();
  for (const obj of items) {
    const l = obj.metadata?.labels ?? {};
    if (l.owner !== 'helm' || !l.name) continue;
    const key = `${obj.metadata?.namespace ?? ''}/${l.name}`;
    const rev = Number(l.version ?? 0);
    const cur = latest.get(key);
    if (!cur || rev > cur.rev) latest.set(key, { rev, obj });
  }
  const out: DeployedRelease[] = [];
  for (const { obj } of latest.values()) {
    if (obj.metadata?.labels?.status === 'uninstalled') continue;
    out.push(decodeRecord(obj, cluster));
  }
  return out.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
