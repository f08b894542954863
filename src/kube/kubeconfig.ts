// Reading contexts out of kubeconfig files (KUBECONFIG may list several).
import { existsSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { parse } from 'yaml';
import { PreflightError } from '../errors.ts';

/**
 * The contexts of one kubeconfig file. A file that is not YAML yields none
 * (every context is then reported missing): the parser's message quotes the
 * file's text, and a kubeconfig holds credentials, so it is never shown.
 */
function contextsOf(file: string): { name?: string }[] {
  try {
    const doc = parse(readFileSync(file, 'utf8')) as { contexts?: unknown } | null;
    return Array.isArray(doc?.contexts) ? (doc.contexts as { name?: string }[]) : [];
  } catch {
    return [];
  }
}

/** Context names defined across every file of a KUBECONFIG-style path list. */
export function kubeconfigContexts(kubeconfig: string): { contexts: Set<string>; missingFiles: string[] } {
  const contexts = new Set<string>();
  const missingFiles: string[] = [];
  for (const file of kubeconfig.split(delimiter).filter(Boolean)) {
    if (!existsSync(file)) {
      missingFiles.push(file);
      continue;
    }
    for (const c of contextsOf(file)) if (c.name) contexts.add(c.name);
  }
  return { contexts, missingFiles };
}

/** Contexts missing from the kubeconfig: one PreflightError naming every one (no cluster is called). */
export function checkContexts(clusters: readonly { name: string; context: string }[], kubeconfig: string): void {
  const { contexts, missingFiles } = kubeconfigContexts(kubeconfig);
  const problems: string[] = missingFiles.map((f) => `kubeconfig not found: ${f}`);
  for (const c of clusters) if (!contexts.has(c.context)) problems.push(`cluster "${c.name}": context "${c.context}" is not in the kubeconfig (${kubeconfig})`);
  if (problems.length) throw new PreflightError(problems.join('\n'));
}
