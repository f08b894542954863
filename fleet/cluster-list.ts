// Which clusters a fleet runs: the `clusters:` map of a clusters.yaml, each
// entry's `context:` naming the kubeconfig context the local cluster answers to.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface FleetClusterSpec {
  /** Key in clusters.yaml. */
  name: string;
  context: string;
  /** `fleet: { apiserverArgs: [...] }`: extra kube-apiserver flags (a fleet file of the tests or benchmarks, never a deploy repository's). */
  apiserverArgs?: string[];
}

/** Parses clusters.yaml text; every problem is reported at once. Clusters sharing a context share one local cluster. */
export function parseClusterList(text: string, file: string): FleetClusterSpec[] {
  const doc = parse(text) as { clusters?: unknown } | null;
  const clusters = doc?.clusters;
  if (!clusters || typeof clusters !== 'object' || Array.isArray(clusters)) {
    throw new Error(`${file}: needs a \`clusters:\` map (name -> { context: ... })`);
  }
  const out: FleetClusterSpec[] = [];
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(clusters as Record<string, unknown>)) {
    const context = (entry as { context?: unknown } | null)?.context;
    if (typeof context !== 'string' || context === '') {
      problems.push(`${file}: clusters.${name}: needs a \`context:\` (the kubeconfig context to serve it under)`);
      continue;
    }
    const args = (entry as { fleet?: { apiserverArgs?: unknown } }).fleet?.apiserverArgs;
    if (args !== undefined && !(Array.isArray(args) && args.every((a) => typeof a === 'string' && a.startsWith('--')))) {
      problems.push(`${file}: clusters.${name}.fleet.apiserverArgs: a list of --flags`);
      continue;
    }
    if (!out.some((c) => c.context === context)) out.push({ name, context, ...(args ? { apiserverArgs: args as string[] } : {}) });
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
  if (out.length === 0) throw new Error(`${file}: \`clusters:\` is empty`);
  return out;
}

export function readClusterList(file: string): FleetClusterSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as Error).message}. Pass --clusters FILE.`);
  }
  return parseClusterList(text, file);
}
