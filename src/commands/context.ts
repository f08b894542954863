// A cluster-facing command's flags as the request of its context
// (context/command-context.ts): where the repository is, what it selects, how
// to reach the clusters; the context itself is made one stage down.
import type { ContextRequest } from '../context/command-context.ts';
import type { Selection } from '../model/selection.ts';
import { note } from './io.ts';
import type { ClusterOptions } from './options.ts';

/** The flags of a context: the repository's, the selection's (-l, and the command's own --wave, --shard, ...), the clusters'. */
export function contextRequest(o: ClusterOptions & Omit<Selection, 'selector'>): ContextRequest {
  return {
    files: { clustersFile: o.clustersFile, allowRoots: o.allowRoots, ...(o.releasesDir ? { releasesDir: o.releasesDir } : {}) },
    selection: { selector: o.selector, wave: o.wave, fromWave: o.fromWave, shard: o.shard, prune: o.prune },
    kubeconfig: o.kubeconfig,
    helmBin: o.helmBin,
    // --verbose: every helm call and API request on stderr (redacted, as every note)
    log: o.verbose ? (l: string) => note(`» ${l}`) : undefined,
  };
}
