// THE manifest parser: helm's rendered manifests -> objects, for plan diffs,
// live drift, the gates' owned objects and the server-side validation. Plus
// the one list of fields that never count as a difference (pure).
import { parseAllDocuments } from 'yaml';
import { isPlainObject, sortKeys } from './json.ts';
import { fastDocuments } from './manifest-yaml.ts';
import type { Values } from './json.ts';
import { isClusterScoped } from './resources.ts';

/** One object of a rendered manifest, as helm and the API server read it. */
export interface RenderedObject {
  object: Values;
  apiVersion: string;
  kind: string;
  name: string;
  /** The object's namespace (the release's when the manifest omits it); undefined when cluster-scoped. */
  namespace: string | undefined;
  /** metadata.namespace exactly as the template set it (undefined when it did not). */
  explicitNamespace: string | undefined;
  /** The document's own text, as helm will send it (undefined for an item of a *List document). */
  text: string | undefined;
  /** The template it came from (helm's `# Source:` comment). */
  source: string | undefined;
  /** Named by metadata.generateName only: the API server picks the name (no drift or diff can find it). */
  generated: boolean;
}

/**
 * The objects of a helm manifest (multi-document YAML, `# Source:` comments),
 * read as YAML 1.1 as helm and the API server read it (0644 is octal, yes is a
 * boolean). `*List` documents are flattened; documents without kind or name
 * are skipped (an object named by generateName only is kept, marked `generated`). A document that is not valid
 * YAML throws, or is skipped with `skipInvalid` (a deployed manifest helm
 * itself rendered). `shared`: the objects of the parse kept for the whole run,
 * not a copy, for a caller that only reads them.
 */
export function renderedObjects(manifest: string | undefined, releaseNamespace: string, opts: { skipInvalid?: boolean; shared?: boolean } = {}): RenderedObject[] {
  const out: RenderedObject[] = [];
  for (const doc of parsedDocuments(manifest ?? '')) {
    if (doc.error !== undefined) {
      if (opts.skipInvalid) continue;
      throw new Error(`manifest is not valid YAML: ${doc.error}`);
    }
    // a copy: callers own what they get, the parse stays as it was; `shared` (a caller that only reads) gets the kept parse itself
    collect(opts.shared ? doc.js : structuredClone(doc.js), releaseNamespace, doc.text, doc.source, out);
  }
  return out;
}

export interface ParsedDocument {
  js: unknown;
  text: string;
  source: string | undefined;
  error: string | undefined;
}

/**
 * Read by the fast reader (manifest-yaml.ts) when it can read the text
 * exactly as `yaml` does, else by `yaml` itself (yamlDocuments).
 * A run reads one manifest several times (live reads, live drift, secret
 * masking, the plan's diff of a deployed manifest with the same planned one):
 * each text is parsed once (YAML parsing is most of a no-op plan's CPU), the
 * most recent texts kept.
 */
const parsed = new Map<string, ParsedDocument[]>();
const PARSED_KEPT = 1024;

function parsedDocuments(text: string): ParsedDocument[] {
  const kept = parsed.get(text);
  if (kept) return kept;
  const fast = fastDocuments(text);
  const docs = fast ? fast.map((d): ParsedDocument => ({ ...d, source: sourceOf(d.text), error: undefined })) : yamlDocuments(text);
  if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value!);
  parsed.set(text, docs);
  return docs;
}

const sourceOf = (docText: string) => /^# Source: (\S+)/m.exec(docText)?.[1];

/** The documents of a manifest read by the `yaml` library (YAML 1.1), each with its error if any: exact for every text, and the reference the fast reader is tested against. */
export function yamlDocuments(text: string): ParsedDocument[] {
  return parseAllDocuments(text, { version: '1.1', uniqueKeys: false }).map((doc): ParsedDocument => {
    const docText = text.slice(doc.range[0], doc.range[2]);
    if (doc.errors.length) return { js: undefined, text: docText, source: undefined, error: doc.errors[0]!.message };
    return { js: doc.toJS({ maxAliasCount: -1 }), text: docText, source: sourceOf(docText), error: undefined };
  });
}

function collect(o: unknown, releaseNamespace: string, text: string | undefined, source: string | undefined, out: RenderedObject[]): void {
  if (!isPlainObject(o)) return;
  if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
    for (const item of o.items as unknown[]) collect(item, releaseNamespace, undefined, source, out);
    return;
  }
  const meta = isPlainObject(o.metadata) ? o.metadata : {};
  const generated = !(typeof meta.name === 'string' && meta.name) && typeof meta.generateName === 'string';
  const name = generated ? String(meta.generateName) : typeof meta.name === 'string' ? meta.name : '';
  if (typeof o.kind !== 'string' || !o.kind || !name) return;
  const explicitNamespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : undefined;
  out.push({
    object: o,
    apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : 'v1',
    kind: o.kind,
    name,
    namespace: isClusterScoped(o.kind) ? undefined : (explicitNamespace ?? releaseNamespace),
    explicitNamespace,
    text,
    source,
    generated,
  });
}

/** An object of a manifest with a name the API server keeps: what plan diffs and live drift compare. */
export interface ManifestObject extends RenderedObject {
  /** kind/namespace/name (cluster-scoped: empty namespace): the identity plan diffs key objects by. */
  key: string;
}

/**
 * THE parser of a release manifest into the objects it names: every document
 * of `renderedObjects`, those named by generateName only left out (the API
 * server picks their name: nothing can find them again). A document that is
 * not valid YAML throws, or is skipped with `skipInvalid` (a deployed
 * manifest helm itself rendered). `shared` as for renderedObjects.
 */
export function parseManifest(manifest: string | undefined, releaseNamespace: string, opts: { skipInvalid?: boolean; shared?: boolean } = {}): ManifestObject[] {
  return renderedObjects(manifest, releaseNamespace, opts)
    .filter((r) => !r.generated)
    .map((r) => ({ ...r, key: `${r.kind}/${r.namespace ?? ''}/${r.name}` }));
}

/**
 * THE list of what never counts as a difference, in plan diffs and live drift:
 * metadata the API server, helm or controllers write, and annotations clients
 * and controllers add.
 */
export const IGNORED_METADATA: readonly string[] = [
  'creationTimestamp', 'resourceVersion', 'uid', 'generation', 'managedFields', 'selfLink',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences', 'finalizers',
];
export const IGNORED_ANNOTATIONS: readonly string[] = [
  'meta.helm.sh/release-name', 'meta.helm.sh/release-namespace', 'kubectl.kubernetes.io/last-applied-configuration',
  'deployment.kubernetes.io/revision', 'kubectl.kubernetes.io/restartedAt',
];

/** Sorted keys, the ignored metadata dropped, status dropped, empty metadata maps removed. */
export function normaliseObject(obj: Values): Values {
  const o = structuredClone(obj);
  delete o.status;
  if (isPlainObject(o.metadata)) {
    const meta = o.metadata;
    for (const k of IGNORED_METADATA) delete meta[k];
    if (isPlainObject(meta.annotations)) {
      for (const k of IGNORED_ANNOTATIONS) delete meta.annotations[k];
      if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
    }
    if (isPlainObject(meta.labels) && Object.keys(meta.labels).length === 0) delete meta.labels;
  }
  return sortKeys(dropNulls(o)) as Values;
}

/** `key: null` / `key:` in templates means "unset": the API server never stores it. */
function dropNulls(v: Values): Values {
  const out: Values = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined) continue;
    out[k] = isPlainObject(x) ? dropNulls(x) : Array.isArray(x) ? x.map((i) => (isPlainObject(i) ? dropNulls(i) : i)) : x;
  }
  return out;
}
