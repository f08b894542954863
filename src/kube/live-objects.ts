// The live objects a set of manifests names, read in one list per (kind,
// namespace) through the cluster's KubeClient, never one GET per object.
// Kinds are resolved through discovery, so a CRD's objects are read in the
// version the cluster serves; a kind it does not serve (a CRD gone) is left
// out, so its objects show up as missing.
import pLimit from 'p-limit';
import { PreflightError, ToolError } from '../errors.ts';
import type { LiveObject } from '../model/objects.ts';
import type { KubeClient } from './client.ts';

/** namespace (undefined: cluster-scoped) -> the kinds to read there, as `group/Kind` ("apps/Deployment", "/ConfigMap"). */
export type LiveReadRequests = Map<string | undefined, Set<string>>;

export interface LiveRead {
  objects: LiveObject[];
  /** namespace ("(cluster-scoped)" for those) -> why it could not be read. */
  errors: Record<string, string>;
}

function message(err: unknown): string {
  if (err instanceof ToolError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Reads every requested (kind, namespace), `concurrency` lists at a time. An unreachable cluster throws (PreflightError). */
export async function readLiveObjects(client: KubeClient, requests: LiveReadRequests, concurrency = 8): Promise<LiveRead> {
  const limit = pLimit(concurrency);
  const objects: LiveObject[] = [];
  const errors: Record<string, string> = {};
  const jobs = [...requests].flatMap(([ns, kinds]) => [...kinds].map((gk) => ({ ns, gk })));
  await Promise.all(
    jobs.map(({ ns, gk }) =>
      limit(async () => {
        const slash = gk.indexOf('/');
        const r = await client.resourceOfKind(gk.slice(0, slash), gk.slice(slash + 1));
        if (!r) return; // not served: its objects are missing
        try {
          objects.push(...(await client.list(r, r.namespaced ? ns : undefined)));
        } catch (err) {
          if (err instanceof PreflightError) throw err;
          errors[ns ?? '(cluster-scoped)'] = message(err);
        }
      }),
    ),
  );
  return { objects, errors };
}
