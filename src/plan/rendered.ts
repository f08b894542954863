// What `helm template --include-crds` (hooks included, tests skipped) printed,
// told apart (pure): the release manifest exactly as helm will store it, the
// hooks helm will run around the change, and the CRDs of crds/ folders helm
// installs before a first install. helm prints each document as
// "---\n# Source: <template>\n<content>\n": CRDs first, then the manifest,
// then the hooks.
import { isPlainObject } from '../model/json.ts';
import { renderedObjects } from '../model/manifest.ts';

/** A hook helm runs: its object, when it runs, and what deletes it. */
export interface HookRef {
  kind: string;
  name: string;
  namespace: string | undefined;
  /** pre-install, post-upgrade, ... */
  events: string[];
  /** before-hook-creation (helm's default), hook-succeeded, hook-failed. */
  deletePolicies: string[];
  source: string | undefined;
}

export interface CrdRef {
  name: string;
  source: string | undefined;
}

export interface SplitRender {
  /** The release manifest, as helm stores it (its diff against the deployed one is the plan's). */
  manifest: string;
  hooks: HookRef[];
  crds: CrdRef[];
  /** The hooks' and crds/ documents, as helm will send them (validated on the server with the manifest). */
  extra: string;
}

/** The documents of helm's output, each with its own text (its trailing newline included), in order. */
function documents(text: string): string[] {
  const starts: number[] = [];
  const marker = '---\n# Source: ';
  for (let i = text.indexOf(marker); i >= 0; i = text.indexOf(marker, i + 1)) if (i === 0 || text[i - 1] === '\n') starts.push(i);
  if (starts[0] !== 0 && text.slice(0, starts[0] ?? text.length).trim()) starts.unshift(0);
  return starts.map((s, k) => text.slice(s, starts[k + 1] ?? text.length));
}

/** The template a document came from, and whether it is a crds/ file of some chart. */
function sourceOf(doc: string): string | undefined {
  return /^---\n# Source: (.+)$/m.exec(doc)?.[1]?.trim();
}

const isCrdFile = (source: string | undefined) => source !== undefined && /(^|\/)crds\//.test(source) && !/(^|\/)templates\//.test(source);

const list = (v: unknown): string[] => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

/** The crds/ documents of helm's output, as printed (they come first): what a render without `--include-crds` lacks. */
export function crdDocuments(text: string): string {
  return documents(text).filter((doc) => isCrdFile(sourceOf(doc))).join('');
}

export function splitRendered(text: string, namespace: string): SplitRender {
  const manifest: string[] = [];
  const extra: string[] = [];
  const hooks: HookRef[] = [];
  const crds: CrdRef[] = [];
  for (const doc of documents(text)) {
    const source = sourceOf(doc);
    if (isCrdFile(source)) {
      extra.push(doc);
      for (const o of renderedObjects(doc, namespace, { skipInvalid: true })) crds.push({ name: o.name, source });
      continue;
    }
    const objects = renderedObjects(doc, namespace, { skipInvalid: true });
    const hookObjects = objects.filter((o) => isPlainObject(o.object.metadata) && isPlainObject(o.object.metadata.annotations) && 'helm.sh/hook' in o.object.metadata.annotations);
    if (hookObjects.length === 0) {
      manifest.push(doc);
      continue;
    }
    extra.push(doc);
    for (const o of hookObjects) {
      const ann = (o.object.metadata as { annotations: Record<string, unknown> }).annotations;
      hooks.push({ kind: o.kind, name: o.name, namespace: o.namespace, events: list(ann['helm.sh/hook']), deletePolicies: list(ann['helm.sh/hook-delete-policy'] ?? 'before-hook-creation'), source });
    }
  }
  return { manifest: manifest.join(''), hooks, crds, extra: extra.join('') };
}
