// Live drift asked of the API server: every object the pure comparison
// (drift.ts) found changed is applied in dry-run (kube/apply-dry-run.ts),
// and only what the server's answer still has different from the live object
// counts. The pure rules catch the common cases without a request; the server
// settles the rest (defaulted fields, normal forms, other managers' fields).
// Secrets stay with the pure comparison (their values are never sent).
import pLimit from 'p-limit';
import { applyDryRun } from '../kube/apply-dry-run.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../model/objects.ts';
import type { IgnoreRule } from '../model/spec.ts';
import { deployedObjects, driftFields, LiveObjects } from './drift.ts';
import type { LiveDriftResult, ObjectDrift } from './types.ts';

async function confirmObject(client: KubeClient, o: ObjectDrift, release: { manifest: string; namespace: string }, live: LiveObjects, ignore: readonly IgnoreRule[]): Promise<ObjectDrift | undefined> {
  if (o.change !== 'changed' || o.kind === 'Secret') return o;
  const m = deployedObjects(release.manifest, release.namespace).find((x) => x.kind === o.kind && x.name === o.name && x.namespace === o.namespace);
  const found = m && live.find(m);
  if (!m || !found) return o;
  const wanted = await applyDryRun(client, m.object as KubeObject, m.namespace).catch(() => undefined);
  if (!wanted) return o; // the server will not say: the pure comparison stands
  const fields = driftFields(m, wanted, found, ignore, live);
  return fields.length ? { ...o, fields } : undefined;
}

/** The drift of one release with every changed object confirmed by its API server. */
export async function confirmLiveDrift(client: KubeClient, release: { manifest: string; namespace: string }, result: LiveDriftResult, live: LiveObjects, ignore: readonly IgnoreRule[] = []): Promise<LiveDriftResult> {
  if (!result.drifted) return result;
  const limit = pLimit(4);
  const objects = (await Promise.all(result.objects.map((o) => limit(() => confirmObject(client, o, release, live, ignore))))).filter((o): o is ObjectDrift => o !== undefined);
  return { ...result, drifted: objects.length > 0, objects };
}
