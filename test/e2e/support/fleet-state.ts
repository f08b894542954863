// What the clusters say after a run, read through the real helm and kubectl
// (never through helm-cascade itself): a release's history, a namespace's
// releases, the Leases left behind. Used by the end-to-end tests of apply's
// options, signals, preflight and gates.
import type { HelmMajor } from '../../../fleet/tools.ts';
import { helmJson, kubectl, suffix } from './cascade.ts';
import type { HistoryEntry } from './cascade.ts';

export interface FleetState {
  /** [revision, status] of every revision of a release, oldest first. */
  history(context: string, ns: string, name: string): Promise<[number, string][]>;
  /** The full history entries (description included). */
  historyEntries(context: string, ns: string, name: string): Promise<HistoryEntry[]>;
  /** `helm list` of a namespace (every status): [name, revision, status], sorted by name. */
  releases(context: string, ns: string): Promise<[string, number, string][]>;
  /** Names of the Leases in a namespace ('' when none). */
  leases(context: string, ns: string): Promise<string>;
}

export function fleetState(major: HelmMajor, kubeconfig: () => string): FleetState {
  const historyEntries = (context: string, ns: string, name: string) => helmJson<HistoryEntry[]>(major, kubeconfig(), context, ['history', name, '-n', ns]);
  return {
    historyEntries,
    history: async (context, ns, name) => (await historyEntries(context, ns, name)).map((h) => [h.revision, h.status]),
    releases: async (context, ns) => {
      const list = await helmJson<{ name: string; revision: string; status: string }[]>(major, kubeconfig(), context, ['list', '--deployed', '--failed', '--pending', '--superseded', '--uninstalling', '-n', ns]);
      return list.map((r): [string, number, string] => [r.name, Number(r.revision), r.status]).sort((a, b) => a[0].localeCompare(b[0]));
    },
    leases: async (context, ns) => (await kubectl(kubeconfig(), context, ['get', 'leases', '-n', ns, '-o', 'name'])).trim(),
  };
}

/** Unique namespaces for one suite, deleted (without waiting) from every given context afterwards. */
export function namespaces(prefix: string, contexts: readonly string[], kubeconfig: () => string): { next(): string; cleanup(): Promise<string[]> } {
  const made: string[] = [];
  return {
    next: () => {
      const ns = `${prefix}-${suffix()}`;
      made.push(ns);
      return ns;
    },
    /** Deletes them; returns the failures (so a test can report, not hide, a broken cleanup). */
    cleanup: async () => {
      const failures: string[] = [];
      for (const ns of made) {
        for (const ctx of contexts) {
          await kubectl(kubeconfig(), ctx, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch((err: Error) => failures.push(`${ctx}/${ns}: ${err.message}`));
        }
      }
      return failures;
    },
  };
}
