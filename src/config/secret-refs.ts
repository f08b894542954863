// `validate`'s checks of secret references (model/secret-ref.ts), offline:
// every `ref+...` value of a release's `set:` and of the values files it
// names is well formed, and every sops file a reference names is inside the
// repository, present, sops-encrypted, and holds the value the pointer names
// (sops keeps keys in clear, so this needs no key). Resolving them is
// `validate --online`'s (secrets/online.ts).
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Diagnostic } from '../errors.ts';
import { atPointer, findRefs, parseSecretRef } from '../model/secret-ref.ts';
import type { SopsRef } from '../model/secret-ref.ts';
import type { DeployRepo, Limits, SourcePos } from '../model/spec.ts';
import { checkBoundary, outsideMessage } from './boundary.ts';
import type { Boundary } from './boundary.ts';
import { layersOf } from './validate.ts';
import { readYamlFile } from './yaml-file.ts';
import type { YamlFile, YamlPath } from './yaml-file.ts';

/** How a reference is quoted in a message: it names a secret, it is not one. */
export function quoteRef(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text);
}

interface RefCheckContext {
  root: string;
  boundary: Boundary;
  limits: Limits;
  /** A file as the user sees it (relative to cwd when inside). */
  shown: (abs: string) => string;
  /** The repository's files already read with positions (clusters.yaml, release files). */
  files: Map<string, YamlFile>;
}

/** Why a sops reference cannot be resolved offline (undefined: it can be tried). */
function sopsProblem(ref: SopsRef, ctx: RefCheckContext, sopsFiles: Map<string, YamlFile | string>): string | undefined {
  const where = checkBoundary(ref.file, ctx.root, ctx.boundary);
  if (!where.inside) return outsideMessage('sops file', ref.file, where.via, ctx.boundary);
  if (where.real === undefined || !existsSync(where.real) || !statSync(where.real).isFile()) return `sops file not found: ${ref.file} (paths are relative to the folder holding clusters.yaml)`;
  let f = sopsFiles.get(where.real);
  if (f === undefined) {
    const read = readYamlFile(where.real, ref.file, ctx.limits);
    const d = read.data;
    f = read.diagnostics.length ? `sops file ${ref.file} does not parse as YAML or JSON` : typeof d !== 'object' || d === null || !('sops' in d) ? `${ref.file} is not sops-encrypted (no "sops" metadata): encrypt it with sops --encrypt` : read;
    sopsFiles.set(where.real, f);
  }
  if (typeof f === 'string') return f;
  const { sops: _meta, ...doc } = f.data as Record<string, unknown>;
  const found = atPointer(doc, ref.pointer);
  if (!found.found) return `${ref.file} has no ${found.missing}${found.keys.length ? ` (keys there: ${found.keys.join(', ')})` : ''}`;
  return undefined;
}

/** Every reference of one values tree: well formed, and a sops one resolvable offline. */
function checkTree(data: unknown, posOf: (path: YamlPath) => SourcePos, ctx: RefCheckContext, sopsFiles: Map<string, YamlFile | string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { path, text } of findRefs(data)) {
    const parsed = parseSecretRef(text)!;
    const at = posOf(path);
    if ('error' in parsed) out.push({ ...at, message: `secret reference ${quoteRef(text)} ${parsed.error}` });
    else if (parsed.ref.kind === 'sops') {
      const problem = sopsProblem(parsed.ref, ctx, sopsFiles);
      if (problem) out.push({ ...at, message: `secret reference ${quoteRef(text)}: ${problem}` });
    }
  }
  return out;
}

/**
 * Problems of the secret references of every release: in each layer's
 * `set:` (at their place in the release file) and in each values file it
 * names (at their place there; a values file that does not parse is
 * reported by the values file checks).
 */
export function secretRefDiagnostics(repo: DeployRepo, ctx: RefCheckContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sopsFiles = new Map<string, YamlFile | string>();
  const valuesFiles = new Set<string>();
  for (const rel of repo.releases) {
    const rf = ctx.files.get(rel.file);
    for (const [layer, path] of layersOf(rel)) {
      const top = { file: rel.file, line: 1, col: 1 };
      out.push(...checkTree(layer.set, (p) => rf?.posOf([...path, 'set', ...p]) ?? top, ctx, sopsFiles));
      for (const v of layer.values) {
        const where = checkBoundary(v, ctx.root, ctx.boundary);
        if (!where.inside || where.real === undefined || valuesFiles.has(where.real) || !existsSync(where.real)) continue;
        valuesFiles.add(where.real);
        const vf = readYamlFile(where.real, ctx.shown(isAbsolute(v) ? v : join(ctx.root, v)), ctx.limits);
        if (!vf.diagnostics.length) out.push(...checkTree(vf.data, (p) => vf.posOf(p), ctx, sopsFiles));
      }
    }
  }
  return out;
}
