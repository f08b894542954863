// Where the real helm and kubectl binaries live. `npm ci` unpacks them
// (fleet/install-helm.mjs) into node_modules/.helm-cascade/; tests, the demo
// and the fleet import these functions instead of guessing paths.
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type HelmMajor = 3 | 4;

/** The checkout's root (the folder that holds package.json). */
export const repoRoot: string = join(dirname(fileURLToPath(import.meta.url)), '..');

const toolsDir = join(repoRoot, 'node_modules', '.helm-cascade');

/**
 * Path of a helm binary. With a major, that major's unpacked binary; without
 * one, `$HELM_BIN` when set, else Helm 3.
 */
export function helmBin(major?: HelmMajor): string {
  if (major === undefined) {
    const fromEnv = process.env.HELM_BIN;
    if (fromEnv) return fromEnv;
    major = 3;
  }
  return join(toolsDir, `helm-v${major}`, 'helm');
}

/** Path of kubectl: `$KUBECTL_BIN` when set, else the unpacked one when present, else the first `kubectl` on PATH. */
export function kubectlBin(): string {
  const fromEnv = process.env.KUBECTL_BIN;
  if (fromEnv) return fromEnv;
  const unpacked = join(toolsDir, 'kubectl', 'kubectl');
  if (existsSync(unpacked)) return unpacked;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'kubectl'))) return join(dir, 'kubectl');
  }
  return 'kubectl';
}

/** Explains what is missing, or returns undefined when both helms and kubectl are there. */
export function missingTools(): string | undefined {
  const missing = [helmBin(3), helmBin(4)].filter((p) => !existsSync(p));
  if (missing.length === 0) return undefined;
  return `missing ${missing.join(', ')}: run \`npm ci\` (the postinstall of its devDependency fleet/dev-setup unpacks helm and kubectl)`;
}
