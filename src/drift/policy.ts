// House rules on live pods (drift's "policy" finding): the pods each deployed
// release runs now, judged by the rules of clusters.yaml with the release's
// exceptions. A pod belongs to a release when a workload of its deployed
// manifest selects it (a Job's pods by their job-name label) or the manifest
// names it. The pods are read once per namespace (readPods); the rest is pure.
import { selectorMatches } from '../health/evaluate.ts';
import type { KubeClient } from '../kube/client.ts';
import { deployedUnitRef, releaseId } from '../model/release.ts';
import type { DeployedRelease } from '../model/release.ts';
import type { LabelSelector } from '../model/live-views.ts';
import { renderedObjects } from '../model/manifest.ts';
import type { LiveObject } from '../model/objects.ts';
import { builtinResource } from '../model/resources.ts';
import type { ClusterSpec, DeployRepo } from '../model/spec.ts';
import { PolicySet, violationLine } from '../policy/evaluate.ts';
import type { PolicySubject } from '../policy/evaluate.ts';
import type { ClusterRead } from './assess.ts';
import type { DriftFinding } from './types.ts';

/** The live pods of these namespaces, read one list per namespace; a namespace that cannot be read is left out (its live objects report it). */
async function readPods(client: KubeClient, namespaces: Iterable<string>): Promise<LiveObject[]> {
  const pod = builtinResource('Pod')!;
  const lists = await Promise.all([...new Set(namespaces)].map((ns) => client.list(pod, ns).catch(() => [] as LiveObject[])));
  return lists.flat();
}


/** The release's live pods, each with the workload that runs it. */
export function podsOfRelease(dep: DeployedRelease, pods: readonly LiveObject[]): PolicySubject[] {
  const owners: { kind: string; name: string; selects: (p: LiveObject) => boolean }[] = [];
  for (const o of renderedObjects(dep.manifest, dep.namespace, { skipInvalid: true })) {
    const spec = o.object.spec as { selector?: LabelSelector } | undefined;
    if (o.kind === 'Pod') owners.push({ kind: 'Pod', name: o.name, selects: (p) => p.metadata.name === o.name });
    else if (o.kind === 'Job') owners.push({ kind: 'Job', name: o.name, selects: (p) => (p.metadata.labels?.['batch.kubernetes.io/job-name'] ?? p.metadata.labels?.['job-name']) === o.name });
    else if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.kind)) owners.push({ kind: o.kind, name: o.name, selects: (p) => selectorMatches(spec?.selector, p.metadata.labels) });
  }
  const out: PolicySubject[] = [];
  for (const p of pods) {
    if ((p.metadata.namespace ?? dep.namespace) !== dep.namespace || p.metadata.deletionTimestamp) continue;
    const owner = owners.find((w) => w.selects(p));
    if (!owner) continue;
    const s: PolicySubject = { object: p, kind: 'Pod', namespace: dep.namespace, name: p.metadata.name };
    if (owner.kind !== 'Pod') s.owner = { kind: owner.kind, name: owner.name };
    out.push(s);
  }
  return out;
}

/** The rules of a repository, ready for drift; undefined when it has none. */
export function driftPolicies(repo: DeployRepo): { set: PolicySet; exceptionsOf: (release: string) => DeployRepo['releases'][number]['policyExceptions'] } | undefined {
  const specs = repo.config.policies ?? [];
  if (specs.length === 0) return undefined;
  const byName = new Map(repo.releases.map((r) => [r.name, r.policyExceptions ?? []]));
  return { set: new PolicySet(specs), exceptionsOf: (name) => byName.get(name) ?? [] };
}

/** The "policy" finding of a deployed release: every rule its live pods break (warn rules too, marked). */
export function policyFinding(dep: DeployedRelease, pods: readonly LiveObject[], cluster: ClusterSpec, policies: NonNullable<ReturnType<typeof driftPolicies>>): DriftFinding | undefined {
  const ref = deployedUnitRef(dep);
  const found = policies.set.check(podsOfRelease(dep, pods), { cluster, release: { name: ref.release, namespace: dep.namespace, track: ref.track }, exceptions: policies.exceptionsOf(ref.release) ?? [] });
  if (found.length === 0) return undefined;
  const n = new Set(found.map((v) => v.name)).size;
  const rules = [...new Set(found.map((v) => v.rule))];
  return {
    kind: 'policy',
    summary: `${n} live pod${n === 1 ? '' : 's'} break${n === 1 ? 's' : ''} house rule${rules.length === 1 ? '' : 's'} ${rules.join(', ')}`,
    details: found.map((v) => `${v.action === 'warn' ? '(warn) ' : ''}${violationLine(v)}`),
  };
}

/**
 * The "policy" findings of every readable cluster's deployed releases that the
 * repository lists, by release id: one pod list per namespace they use.
 */
export async function collectPolicyFindings(repo: DeployRepo, clientOf: (c: ClusterSpec) => KubeClient, reads: readonly ClusterRead[], isKnown: (id: string) => boolean): Promise<Map<string, DriftFinding>> {
  const policies = driftPolicies(repo);
  if (!policies) return new Map();
  const parts = await Promise.all(
    reads.map(async (read) => {
      const cluster = repo.config.clusters.find((c) => c.name === read.cluster);
      if (read.error || !cluster) return [];
      const deployed = read.releases.filter((r) => r.status === 'deployed' && isKnown(releaseId(r)));
      if (deployed.length === 0) return [];
      const pods = await readPods(clientOf(cluster), deployed.map((r) => r.namespace));
      return deployed.flatMap((r) => {
        const f = policyFinding(r, pods, cluster, policies);
        return f ? [[releaseId(r), f] as const] : [];
      });
    }),
  );
  return new Map(parts.flat());
}
