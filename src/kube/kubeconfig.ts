// Reading contexts out of kubeconfig files (KUBECONFIG may list several).
import { existsSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { parse } from 'yaml';

/** Context names defined across every file of a KUBECONFIG-style path list. */
export function kubeconfigContexts(kubeconfig: string): { contexts: Set<string>; missingFiles: string[] } {
  const contexts = new Set<string>();
  const missingFiles: string[] = [];
  for (const file of kubeconfig.split(delimiter).filter(Boolean)) {
    if (!existsSync(file)) {
      missingFiles.push(file);
      continue;
    }
    const doc = parse(readFileSync(file, 'utf8')) as { contexts?: { name?: string }[] } | null;
    for (const c of doc?.contexts ?? []) if (c.name) contexts.add(c.name);
  }
  return { contexts, missingFiles };
}
