// The informer-style cache of one (kind, namespace): the objects of a list,
// kept current by the events of a watch (pure: each function returns what
// the caller stores). A watch's ERROR event with 410 Gone (its
// resourceVersion too old) means list again; other ERRORs too.
import type { LiveObject } from '../model/objects.ts';
import type { WatchEvent } from '../kube/client.ts';

/** The objects of one kind in one namespace, by name, and where a watch resumes. */
export interface KindCache {
  objects: ReadonlyMap<string, LiveObject>;
  resourceVersion: string;
}

/** The cache of a fresh list. */
export function cacheOfList(items: readonly LiveObject[], resourceVersion: string): KindCache {
  return { objects: new Map(items.map((o) => [o.metadata.name, o])), resourceVersion };
}

/** What an event does: the next cache (same object when nothing changed), or 'relist'. */
export function applyWatchEvent(c: KindCache, e: WatchEvent): KindCache | 'relist' {
  if (e.type === 'ERROR') return 'relist';
  const rv = e.object?.metadata?.resourceVersion ?? c.resourceVersion;
  if (e.type === 'BOOKMARK') return rv === c.resourceVersion ? c : { objects: c.objects, resourceVersion: rv };
  const name = e.object.metadata.name;
  const objects = new Map(c.objects);
  if (e.type === 'DELETED') objects.delete(name);
  else objects.set(name, e.object);
  return { objects, resourceVersion: rv };
}

/** Whether an event changes what a gate sees (bookmarks only move the resourceVersion). */
export const changesObjects = (e: WatchEvent): boolean => e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED';
