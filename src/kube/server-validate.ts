// Server-side validation of what apply is about to send, before anything is
// changed (docs/bad-input.md: bad input is reported before any cluster is touched).
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
import { renderedObjects } from '../model/manifest.ts';
import type { RenderedObject } from '../model/manifest.ts';
import { collectionPath } from '../model/resources.ts';
import type { ResourceInfo } from '../model/resources.ts';
import { statusMessage } from './client.ts';
import type { ApiResponse, KubeClient } from './client.ts';

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
  // an admission webhook that cannot be called refuses the real request just the same
  if (/failed calling webhook/.test(message)) return { kind: 'invalid', message };
  if (res.status === 404 && /namespaces? "[^"]+" not found/.test(message)) return { kind: 'unchecked', why: message, namespaceMissing: true };
  return { kind: 'unchecked', why: `HTTP ${res.status}: ${message}` };
}

/** The dry-run create path of an object in a namespace (pure). */
export function dryRunPath(r: ResourceInfo, namespace: string): string {
  return `${collectionPath(r, namespace)}?dryRun=All&fieldValidation=Strict`;
}

export interface ManifestValidation {
  /** One line per invalid object: kind/name (template): the server's message. */
  invalid: string[];
  /** Objects that could not be checked here (helm validates them itself). */
  unchecked: string[];
}

/** Namespace to validate in when the release's own does not exist yet (a first install). */
const FALLBACK_NAMESPACE = 'default';

/** The body sent for an object: its document's text as helm rendered it, or (an item of a List) its JSON. */
function bodyOf(o: RenderedObject): { body: string; contentType: string } {
  return o.text !== undefined ? { body: o.text, contentType: 'application/yaml' } : { body: JSON.stringify(o.object), contentType: 'application/json' };
}

async function validateObject(client: KubeClient, o: RenderedObject, namespace: string): Promise<{ invalid?: string; unchecked?: string }> {
  const what = `${o.kind}/${o.name}${o.source ? ` (${o.source})` : ''}`;
  const r = await client.resourceOf(o.apiVersion, o.kind);
  if (!r) return { unchecked: `${what}: the cluster does not serve ${o.apiVersion} ${o.kind} (yet)` };
  const { body, contentType } = bodyOf(o);
  const post = (ns: string) => client.request('POST', dryRunPath(r, ns), body, { contentType }).then(verdictOf);
  let v = await post(o.explicitNamespace ?? namespace);
  // a first install into a new namespace: the object is as valid in another one (unless it names its own)
  if (v.kind === 'unchecked' && v.namespaceMissing && r.namespaced && o.explicitNamespace === undefined) v = await post(FALLBACK_NAMESPACE);
  if (v.kind === 'invalid') return { invalid: `${what}: ${v.message}` };
  if (v.kind === 'unchecked') return { unchecked: `${what}: ${v.why}` };
  return {};
}

/** Dry-run creates every object of a manifest (in `namespace` unless an object sets its own). */
export async function validateManifest(client: KubeClient, manifest: string, namespace: string, concurrency = 4): Promise<ManifestValidation> {
  const limit = pLimit(concurrency);
  const results = await Promise.all(renderedObjects(manifest, namespace).map((o) => limit(() => validateObject(client, o, namespace))));
  return { invalid: results.flatMap((r) => (r.invalid ? [r.invalid] : [])), unchecked: results.flatMap((r) => (r.unchecked ? [r.unchecked] : [])) };
}
