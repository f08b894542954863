// Deployed manifest object vs live object: a pure "subset" comparison. Only
// the leaves the manifest sets are compared, so server defaults, status,
// managedFields and annotations added by controllers never count. Secret
// contents are compared but never shown (key names only); any other value is
// shown through the redactor (a chart may copy a Secret's value into a
// ConfigMap), before it is cut to length.
import { createTwoFilesPatch } from 'diff';
import { redactor } from '../redact.ts';
import type { FieldDrift } from './types.ts';
import { IGNORED_ANNOTATIONS, IGNORED_METADATA } from '../model/manifest.ts';
import type { KubeObject } from '../model/objects.ts';

/** Paths (from the object root) never compared even when a manifest sets them: status, and model/manifest.ts's ignored metadata. */
const IGNORED_PATHS = new Set(['status', ...IGNORED_METADATA.map((k) => `metadata.${k}`)]);
const IGNORED_ANNOTATION_SET = new Set(IGNORED_ANNOTATIONS);

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("100m", "1Gi", "0.5", 2) as a number, or undefined. */
export function parseQuantity(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = QUANTITY.exec(v.trim());
  if (!m) return undefined;
  const num = Number(m[1]);
  const suffix = m[2] ?? '';
  if (/^[eE]/.test(suffix)) return num * 10 ** Number(suffix.slice(1));
  const factor = SUFFIX[suffix];
  return factor === undefined ? undefined : num * factor;
}

/** Where the API server canonicalises quantities ("1.0" -> "1", "0.5" -> "500m"). */
const QUANTITY_PATH = /(^|\.)(resources|requests|limits|hard|capacity|overhead|sizeLimit|storage)(\.|\[|$)/;
const HAS_SUFFIX = /\d(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)$/;

/**
 * Scalars equal after normalisation: ints-as-strings, booleans-as-strings, and
 * quantities (when one carries a unit, "0.5" vs "500m", or the path is a
 * resource field). Plain numbers-as-strings elsewhere ("1.10" vs "1.1") stay different.
 */
export function scalarsEqual(deployed: unknown, live: unknown, path = ''): boolean {
  if (deployed === live) return true;
  if (deployed === null || deployed === undefined || live === null || live === undefined) return false;
  if (typeof deployed === 'object' || typeof live === 'object') return false;
  if (String(deployed) === String(live)) return true;
  if (!QUANTITY_PATH.test(path) && !HAS_SUFFIX.test(String(deployed)) && !HAS_SUFFIX.test(String(live))) return false;
  const a = parseQuantity(deployed);
  const b = parseQuantity(live);
  if (a === undefined || b === undefined) return false;
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return Object.keys(v).length === 0;
  return false;
}

const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function joinPath(base: string, key: string): string {
  if (SIMPLE_KEY.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Short display of a value, registered secrets removed before it is cut (long strings cut; multi-line values get a diff instead). */
function display(v: unknown): string {
  if (v === undefined) return '(unset)';
  const s = redactor.redact(JSON.stringify(v) ?? String(v));
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function lineDiff(path: string, deployed: unknown, live: unknown): string | undefined {
  const a = typeof deployed === 'string' ? redactor.redact(deployed) : undefined;
  const b = typeof live === 'string' ? redactor.redact(live) : undefined;
  if (a === undefined && b === undefined) return undefined;
  if (!(a ?? '').includes('\n') && !(b ?? '').includes('\n') && (a ?? '').length + (b ?? '').length < 160) return undefined;
  const withNl = (s: string) => (s.endsWith('\n') ? s : `${s}\n`);
  return createTwoFilesPatch(`deployed ${path}`, `live ${path}`, withNl(a ?? ''), withNl(b ?? ''), undefined, undefined, { context: 2 })
    .split('\n')
    .slice(2) // drop the "====" header lines
    .join('\n')
    .trimEnd();
}

function changed(path: string, deployed: unknown, live: unknown): FieldDrift {
  if (live === undefined || live === null) {
    return { path, change: 'removed', deployed: display(deployed), message: `${path}: ${display(deployed)} -> (removed)`, ...diffOf(path, deployed, undefined) };
  }
  return { path, change: 'changed', deployed: display(deployed), live: display(live), message: `${path}: ${display(deployed)} -> ${display(live)}`, ...diffOf(path, deployed, live) };
}

function diffOf(path: string, deployed: unknown, live: unknown): { diff?: string } {
  const d = lineDiff(path, deployed, live);
  return d === undefined ? {} : { diff: d };
}

/**
 * The key list items are matched by, as the API server's strategic merge
 * does (its patchMergeKey): volumeMounts by mountPath, volumeDevices by
 * devicePath, ports by containerPort (Service ports by port), hostAliases by
 * ip, and everything else that carries one by name. Only when every item has
 * the key and no two share it.
 */
const MERGE_KEYS: Record<string, string[]> = { volumeMounts: ['mountPath'], volumeDevices: ['devicePath'], ports: ['containerPort', 'port'], hostAliases: ['ip'] };

function mergeKeyOf(path: string, list: unknown[]): string | undefined {
  if (list.length === 0) return undefined;
  const field = /([A-Za-z0-9_]+)(\[[^\]]*\])*$/.exec(path)?.[1] ?? '';
  for (const key of [...(MERGE_KEYS[field] ?? []), 'name']) {
    const values = list.map((e) => (isPlainObject(e) && (typeof e[key] === 'string' || typeof e[key] === 'number') ? String(e[key]) : undefined));
    if (values.every((v) => v !== undefined) && new Set(values).size === values.length) return key;
  }
  return undefined;
}

/** false, 0 and "": what the API server leaves out of a stored object (Go's omitempty), so absent live means the same. */
const isZeroValue = (v: unknown) => v === false || v === 0 || v === '';

function compareValue(path: string, deployed: unknown, live: unknown, out: FieldDrift[]): void {
  if (deployed === null || deployed === undefined) return; // unset in the manifest: not ours
  if (IGNORED_PATHS.has(path)) return;
  if (isPlainObject(deployed)) {
    if (Object.keys(deployed).length === 0) return;
    if (!isPlainObject(live)) {
      if (isEmpty(live)) {
        // The whole subtree is gone; report its leaves so the message names them.
        for (const [k, v] of Object.entries(deployed)) compareValue(joinPath(path, k), v, undefined, out);
        return;
      }
      out.push(changed(path, deployed, live));
      return;
    }
    for (const [k, v] of Object.entries(deployed)) {
      if (path === 'metadata.annotations' && IGNORED_ANNOTATION_SET.has(k)) continue;
      compareValue(joinPath(path, k), v, live[k], out);
    }
    return;
  }
  if (Array.isArray(deployed)) {
    const liveList = Array.isArray(live) ? live : [];
    if (deployed.length === 0) return; // [] and absent are the same to the API server
    const key = mergeKeyOf(path, deployed);
    if (key !== undefined) {
      compareKeyedList(path, key, deployed as Record<string, unknown>[], liveList, out);
      return;
    }
    if (deployed.every((e) => !isPlainObject(e) && !Array.isArray(e))) {
      // A list of scalars (args, command, hosts): order and length matter.
      const same = deployed.length === liveList.length && deployed.every((d, i) => scalarsEqual(d, liveList[i], path));
      if (!same) out.push(changed(path, deployed, Array.isArray(live) ? live : undefined));
      return;
    }
    deployed.forEach((d, i) => compareValue(`${path}[${i}]`, d, liveList[i], out));
    if (liveList.length > deployed.length) {
      out.push({ path, change: 'added', live: `${liveList.length - deployed.length} more`, message: `${path}: ${liveList.length - deployed.length} item(s) added` });
    }
    return;
  }
  if ((live === undefined || live === null) && isZeroValue(deployed)) return;
  if (!scalarsEqual(deployed, live, path)) out.push(changed(path, deployed, live));
}

/** A list matched item by item on its merge key; items only the live list has are reported as added. */
function compareKeyedList(path: string, key: string, deployed: Record<string, unknown>[], liveList: unknown[], out: FieldDrift[]): void {
  const keyOf = (e: unknown) => (isPlainObject(e) ? String(e[key] ?? '') : '');
  const byKey = new Map(liveList.map((e) => [keyOf(e), e] as const));
  for (const d of deployed) {
    const p = `${path}[${keyOf(d)}]`;
    const l = byKey.get(keyOf(d));
    if (l === undefined) out.push({ path: p, change: 'removed', deployed: display(keyOf(d)), message: `${p}: removed` });
    else compareValue(p, d, l, out);
  }
  const wanted = new Set(deployed.map(keyOf));
  for (const l of liveList) {
    if (!wanted.has(keyOf(l))) out.push({ path: `${path}[${keyOf(l)}]`, change: 'added', live: display(keyOf(l)), message: `${path}[${keyOf(l)}]: added` });
  }
}

function decodeBase64(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  return Buffer.from(v, 'base64').toString('utf8');
}

/**
 * Secret data: manifest `stringData` and `data` against live `data` (base64),
 * reported by key name only.
 */
function compareSecretData(deployed: KubeObject, live: KubeObject, out: FieldDrift[]): void {
  const liveData = isPlainObject(live.data) ? live.data : {};
  const want = new Map<string, string>();
  if (isPlainObject(deployed.data)) for (const [k, v] of Object.entries(deployed.data)) want.set(k, decodeBase64(v) ?? '');
  if (isPlainObject(deployed.stringData)) for (const [k, v] of Object.entries(deployed.stringData)) want.set(k, v === null || v === undefined ? '' : String(v));
  for (const [k, v] of want) {
    const l = decodeBase64(liveData[k]);
    const path = `data.${k}`;
    if (l === undefined) out.push({ path, change: 'removed', message: `key ${k} removed` });
    else if (l !== v) out.push({ path, change: 'changed', message: `key ${k} changed` });
  }
  for (const k of Object.keys(liveData)) {
    if (!want.has(k)) out.push({ path: `data.${k}`, change: 'added', message: `key ${k} added` });
  }
}

function isSecret(o: KubeObject): boolean {
  return o.kind === 'Secret' && (o.apiVersion === 'v1' || o.apiVersion === undefined);
}

/** Fields of `deployed` (a manifest document) that `live` does not match. */
export function compareObject(deployed: KubeObject, live: KubeObject): FieldDrift[] {
  const out: FieldDrift[] = [];
  const secret = isSecret(deployed);
  for (const [k, v] of Object.entries(deployed)) {
    if (k === 'apiVersion' || k === 'kind') continue; // the API server may serve another version
    if (secret && (k === 'data' || k === 'stringData')) continue;
    compareValue(k, v, live[k], out);
  }
  if (secret) compareSecretData(deployed, live, out);
  return out;
}
