// drift's I/O: what one cluster says. helm's release records in one batched
// list per cluster (kube/deployed.ts), then the live objects the deployed
// manifests name in ONE `kubectl get KIND,KIND,... -n NS -o json` per
// namespace (cluster-scoped kinds in one more call), never one GET per object.
import { ToolError } from '../errors.ts';
import { readDeployedReleases } from '../kube/deployed.ts';
import { kubectl as runKubectl } from '../kube/kubectl.ts';
import type { KubectlOptions, KubeTargetRef } from '../kube/kubectl.ts';
import type { DeployedRelease } from '../model/release.ts';
import { limit } from '../plan/pool.ts';
import type { ClusterRead } from './assess.ts';
import { latestReleases } from './assess.ts';
import { detectLiveDrift, liveReadRequests, LiveObjects } from './live.ts';
import type { LiveDriftResult } from './types.ts';
import type { KubeObject } from '../model/objects.ts';

export interface DriftReadOptions {
  kubectl?: KubectlOptions;
  /** kubectl calls in flight per cluster. */
  concurrency?: number;
}

export interface DriftReadDeps {
  readDeployed?: (t: KubeTargetRef) => Promise<DeployedRelease[]>;
  kubectl?: (t: KubeTargetRef, args: string[]) => Promise<string>;
}

const UNKNOWN_TYPE = /the server doesn't have a resource type "([^"]+)"|no matches for kind "([^"]+)"/;

function message(err: unknown): string {
  if (err instanceof ToolError) return err.stderr.trim() || err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Live objects of the given kinds, one kubectl call per namespace. A kind the
 * server does not serve (CRD gone) is dropped and the call retried, so its
 * objects show up as missing; other failures are reported per namespace.
 */
export async function readLiveObjects(
  t: KubeTargetRef,
  requests: Map<string | undefined, Set<string>>,
  opts: DriftReadOptions = {},
  deps: DriftReadDeps = {},
): Promise<{ objects: KubeObject[]; errors: Record<string, string> }> {
  const kubectl = deps.kubectl ?? ((tt: KubeTargetRef, args: string[]) => runKubectl(tt, args, opts.kubectl ?? {}));
  const pool = limit(Math.max(1, opts.concurrency ?? 4));
  const objects: KubeObject[] = [];
  const errors: Record<string, string> = {};
  await Promise.all(
    [...requests].map(([ns, kindSet]) =>
      pool(async () => {
        let kinds = [...kindSet].sort();
        for (let attempt = 0; kinds.length && attempt <= kindSet.size; attempt++) {
          const scope = ns === undefined ? [] : ['-n', ns];
          try {
            const out = await kubectl(t, ['get', kinds.join(','), ...scope, '-o', 'json']);
            const list = JSON.parse(out) as { items?: KubeObject[]; kind?: string };
            for (const o of list.items ?? [list as KubeObject]) objects.push(o);
            return;
          } catch (err) {
            const m = UNKNOWN_TYPE.exec(message(err));
            const unknown = m?.[1] ?? m?.[2];
            if (err instanceof ToolError && unknown) {
              const before = kinds.length;
              kinds = kinds.filter((k) => k !== unknown && k.split('.')[0]?.toLowerCase() !== unknown.split('.')[0]?.toLowerCase());
              if (kinds.length < before) continue;
            }
            if (!(err instanceof ToolError)) throw err; // unreachable cluster: the whole cluster is unreadable
            errors[ns ?? '(cluster-scoped)'] = message(err);
            return;
          }
        }
      }),
    ),
  );
  return { objects, errors };
}

/**
 * Everything drift needs from one cluster. `wantLive` picks the releases whose
 * live objects are compared (the repository's; unmanaged releases are not).
 * Never throws: an unreachable cluster comes back with `error` set.
 */
export async function readClusterForDrift(
  t: KubeTargetRef,
  wantLive: (r: DeployedRelease) => boolean,
  opts: DriftReadOptions = {},
  deps: DriftReadDeps = {},
): Promise<ClusterRead> {
  const readDeployed = deps.readDeployed ?? ((tt: KubeTargetRef) => readDeployedReleases(tt, opts.kubectl ?? {}));
  try {
    const releases = await readDeployed(t);
    const compared = latestReleases(releases).filter(wantLive);
    const { objects, errors } = await readLiveObjects(t, liveReadRequests(compared), opts, deps);
    return { cluster: t.cluster, releases, live: new LiveObjects(objects), liveErrors: errors };
  } catch (err) {
    return { cluster: t.cluster, error: message(err), releases: [], live: [] };
  }
}

/**
 * For plan and apply: the live drift of these deployed releases of one
 * cluster, read in one kubectl call per namespace. Key: `namespace/name`.
 * Throws PreflightError when the cluster is unreachable, ToolError when a read fails.
 */
export async function detectLiveDriftInCluster(
  t: KubeTargetRef,
  releases: readonly DeployedRelease[],
  opts: DriftReadOptions = {},
  deps: DriftReadDeps = {},
): Promise<Map<string, LiveDriftResult>> {
  const { objects, errors } = await readLiveObjects(t, liveReadRequests(releases), opts, deps);
  const failed = Object.entries(errors);
  if (failed.length) throw new ToolError(`cluster "${t.cluster}": live objects could not be read: ${failed.map(([ns, e]) => `${ns}: ${e}`).join('; ')}`, undefined, failed.map(([, e]) => e).join('\n'));
  const index = new LiveObjects(objects);
  const out = new Map<string, LiveDriftResult>();
  for (const r of releases) out.set(`${r.namespace}/${r.name}`, detectLiveDrift(r, index));
  return out;
}
