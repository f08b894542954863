// Server-side validation of what apply is about to send, before anything is
// changed (SPEC "Safety": bad input is reported before any cluster is touched).
//
// Each object a unit will apply is POSTed as helm rendered it (YAML, decoded by
// the API server exactly as helm's own request will be) with dryRun=All and
// fieldValidation=Strict. The server decodes it strictly (unknown or duplicate
// fields, wrong types), validates it (required fields, formats), runs admission
// and stores nothing. The check that the object already exists comes after all
// of that, so 409 AlreadyExists means "valid" as well.
//
// A unit whose every object was validated needs no second, client-side check:
// helm then runs with --disable-openapi-validation, which spares each helm
// process downloading and parsing the cluster's OpenAPI schema (about half the
// CPU of a `helm upgrade`). Whatever could not be checked here (a kind the
// cluster does not serve yet, such as the resources of a CRD the same release
// installs; an explicit namespace that does not exist; RBAC) leaves helm's own
// validation on for that unit.
import pLimit from 'p-limit';
import { parseAllDocuments } from 'yaml';
import { apiJson, statusMessage } from './proxy.ts';
import type { ApiResponse, KubeApi } from './proxy.ts';

/** Where objects of one kind are created. */
export interface ResourceInfo {
  /** API prefix of the group/version: /api/v1, /apis/apps/v1. */
  prefix: string;
  plural: string;
  namespaced: boolean;
}

/** Keyed by `${apiVersion} ${kind}`, e.g. "apps/v1 Deployment". */
export type ResourceMap = Map<string, ResourceInfo>;

export const resourceKey = (apiVersion: string, kind: string) => `${apiVersion} ${kind}`;

/** Aggregated discovery (one request per prefix), with plain JSON as the server's fallback. */
export const DISCOVERY_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

interface AggregatedList {
  kind?: string;
  items?: { metadata?: { name?: string }; versions?: { version: string; resources?: { resource: string; responseKind?: { kind?: string }; scope?: string }[] }[] }[];
}

/** Resources out of an APIGroupDiscoveryList of /api or /apis (pure). */
export function resourcesFromAggregated(prefix: '/api' | '/apis', list: AggregatedList, into: ResourceMap = new Map()): ResourceMap {
  for (const group of list.items ?? []) {
    const name = group.metadata?.name ?? '';
    for (const v of group.versions ?? []) {
      const apiVersion = name ? `${name}/${v.version}` : v.version;
      for (const r of v.resources ?? []) {
        const kind = r.responseKind?.kind;
        if (!kind) continue;
        const key = resourceKey(apiVersion, kind);
        if (!into.has(key)) into.set(key, { prefix: `${prefix}/${apiVersion}`, plural: r.resource, namespaced: r.scope !== 'Cluster' });
      }
    }
  }
  return into;
}

/** Resources out of one APIResourceList (/api/v1, /apis/apps/v1), subresources left out (pure). */
export function resourcesFromList(prefix: string, apiVersion: string, list: { resources?: { name: string; kind: string; namespaced: boolean }[] }, into: ResourceMap = new Map()): ResourceMap {
  for (const r of list.resources ?? []) {
    if (r.name.includes('/')) continue;
    const key = resourceKey(apiVersion, r.kind);
    if (!into.has(key)) into.set(key, { prefix, plural: r.name, namespaced: r.namespaced });
  }
  return into;
}

const getJson = (api: KubeApi, path: string, accept?: string) => apiJson(api, 'GET', path, undefined, accept ? { accept } : {});

/** Every kind the cluster serves and where it is created: aggregated discovery, else one request per group/version. */
export async function discoverResources(api: KubeApi): Promise<ResourceMap> {
  const out: ResourceMap = new Map();
  for (const prefix of ['/api', '/apis'] as const) {
    const doc = (await getJson(api, prefix, DISCOVERY_ACCEPT)) as AggregatedList & { versions?: string[]; groups?: { versions?: { groupVersion: string }[] }[] };
    if (doc.kind === 'APIGroupDiscoveryList') {
      resourcesFromAggregated(prefix, doc, out);
      continue;
    }
    const gvs = prefix === '/api' ? (doc.versions ?? []) : (doc.groups ?? []).flatMap((g) => (g.versions ?? []).map((v) => v.groupVersion));
    const lists = await Promise.all(gvs.map(async (gv) => ({ gv, list: (await getJson(api, `${prefix}/${gv}`)) as Parameters<typeof resourcesFromList>[2] })));
    for (const { gv, list } of lists) resourcesFromList(`${prefix}/${gv}`, gv, list, out);
  }
  return out;
}

/** One document of a rendered manifest, its text as helm will send it. */
export interface ManifestDoc {
  text: string;
  apiVersion: string;
  kind: string;
  name: string;
  /** metadata.namespace when the template sets it. */
  namespace?: string;
  /** The template it came from (helm's `# Source:` comment). */
  source?: string;
}

/** The documents of a manifest that are Kubernetes objects (pure). */
export function splitManifest(manifest: string): ManifestDoc[] {
  const out: ManifestDoc[] = [];
  for (const doc of parseAllDocuments(manifest)) {
    const obj: unknown = doc.toJS();
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) continue;
    const o = obj as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; generateName?: unknown; namespace?: unknown } };
    const d: ManifestDoc = {
      text: manifest.slice(doc.range[0], doc.range[2]),
      apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : '',
      kind: typeof o.kind === 'string' ? o.kind : '',
      name: typeof o.metadata?.name === 'string' ? o.metadata.name : typeof o.metadata?.generateName === 'string' ? o.metadata.generateName : '',
    };
    if (typeof o.metadata?.namespace === 'string' && o.metadata.namespace) d.namespace = o.metadata.namespace;
    const source = /^# Source: (\S+)/m.exec(d.text)?.[1];
    if (source) d.source = source;
    out.push(d);
  }
  return out;
}

/** What a dry-run create says about one object. */
export type Verdict = { kind: 'valid' } | { kind: 'invalid'; message: string } | { kind: 'unchecked'; why: string; namespaceMissing?: boolean };

/** The verdict of a dry-run create's answer (pure). */
export function verdictOf(res: ApiResponse): Verdict {
  if ((res.status >= 200 && res.status < 300) || res.status === 409) return { kind: 'valid' };
  const message = statusMessage(res.body);
  // a webhook registered with side effects refuses every dry run: says nothing about the object
  if (/does not support dry run/.test(message)) return { kind: 'unchecked', why: message };
  // 400: strict decoding (unknown/duplicate field, wrong type) or a webhook's denial; 422: validation
  if (res.status === 400 || res.status === 422) return { kind: 'invalid', message };
  if (res.status === 404 && /namespaces? "[^"]+" not found/.test(message)) return { kind: 'unchecked', why: message, namespaceMissing: true };
  return { kind: 'unchecked', why: `HTTP ${res.status}: ${message}` };
}

/** The dry-run create path of an object in a namespace (pure). */
export function dryRunPath(r: ResourceInfo, namespace: string): string {
  const ns = r.namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${r.prefix}${ns}/${r.plural}?dryRun=All&fieldValidation=Strict`;
}

export interface ManifestValidation {
  /** One line per invalid object: kind/name (template): the server's message. */
  invalid: string[];
  /** Objects that could not be checked here (helm validates them itself). */
  unchecked: string[];
}

/** Namespace to validate in when the release's own does not exist yet (a first install). */
const FALLBACK_NAMESPACE = 'default';

/** Dry-run creates every object of a manifest (in `namespace` unless an object sets its own). */
export async function validateManifest(api: KubeApi, resources: ResourceMap, manifest: string, namespace: string, concurrency = 4): Promise<ManifestValidation> {
  const out: ManifestValidation = { invalid: [], unchecked: [] };
  const limit = pLimit(concurrency);
  await Promise.all(
    splitManifest(manifest).map((d) =>
      limit(async () => {
        const what = `${d.kind || '(no kind)'}/${d.name || '(no name)'}${d.source ? ` (${d.source})` : ''}`;
        const r = resources.get(resourceKey(d.apiVersion, d.kind));
        if (!r) {
          out.unchecked.push(`${what}: the cluster does not serve ${d.apiVersion} ${d.kind} (yet)`);
          return;
        }
        const post = (ns: string) => api.request('POST', dryRunPath(r, ns), d.text, { contentType: 'application/yaml' }).then(verdictOf);
        let v = await post(d.namespace ?? namespace);
        // a first install into a new namespace: the object is as valid in another one (unless it names its own)
        if (v.kind === 'unchecked' && v.namespaceMissing && r.namespaced && d.namespace === undefined) v = await post(FALLBACK_NAMESPACE);
        if (v.kind === 'invalid') out.invalid.push(`${what}: ${v.message}`);
        else if (v.kind === 'unchecked') out.unchecked.push(`${what}: ${v.why}`);
      }),
    ),
  );
  return out;
}
