// helmfile -> helm-cascade, the pure core of `import helmfile`: the engine's
// answer for each environment (what helmfile would run) becomes clusters
// (one per environment and kube context), release files (one per helmfile
// release, per-cluster layers where environments differ) and the values files
// they name; whatever cannot be expressed is a gap, whatever maps with a
// difference a note, each at the helmfile's file:line. No release is left out
// without a gap saying why.
import { mapChart, repositoryExtras } from './charts.ts';
import type { EngineRelease, EngineRepository, EngineResult, EngineState } from './engine-types.ts';
import { helmDefaultsFindings, releaseFindings } from './keys.ts';
import type { Locator, Where } from './locate.ts';
import { parseAllDocuments } from 'yaml';
import { clusterNameOf, guessProvider } from './providers.ts';
import { setMapOf } from './set-values.ts';
import { destFor, Destinations, foldLayers, refSchemes, rewriteSopsRefs, valueItems } from './values-layout.ts';
import type { ClusterLayer } from './values-layout.ts';

export interface Finding extends Where {
  message: string;
}

export interface ImportInput {
  /** One engine answer per environment, in the order given (-e). */
  envs: readonly EngineResult[];
  /** The folder of the helmfile: copied files keep their paths below it. */
  rootDir: string;
  /** The root helmfile (where findings about the whole import are reported). */
  rootFile: string;
  locate: Locator;
  isDir: (abs: string) => boolean;
  /** The context helm uses where the helmfile names none (the kubeconfig's current context, or --current-context). */
  currentContext?: string;
}

interface ImportedCluster {
  name: string;
  context: string;
  environment: string;
  provider: string;
}

/** A release file's content (before YAML), with where it came from. */
interface ImportedRelease {
  spec: Record<string, unknown>;
  from: Where;
  environments: string[];
}

export interface ImportResult {
  clusters: ImportedCluster[];
  /** Environments in wave order (one wave each when there are several). */
  environments: string[];
  repositories: { name: string; url: string }[];
  releases: ImportedRelease[];
  /** Repository-relative path -> content to write. */
  files: Map<string, string>;
  /** Repository-relative path -> absolute file or folder copied as it is. */
  copies: Map<string, string>;
  gaps: Finding[];
  notes: Finding[];
}

/** One helmfile release in one environment. */
interface Unit {
  env: string;
  state: EngineState;
  release: EngineRelease;
  name: string;
  namespace: string;
  context: string;
  status: 'enabled' | 'disabled' | 'absent';
  cluster: string;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Environment variable names that hold secrets. */
const SECRET_NAME = /secret|passw|token|key|credential|private|auth/i;

class Findings {
  readonly gaps: Finding[] = [];
  readonly notes: Finding[] = [];
  private seen = new Set<string>();
  add(kind: 'gap' | 'note', where: Where, message: string): void {
    const key = `${kind}|${where.file}:${where.line}|${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    (kind === 'gap' ? this.gaps : this.notes).push({ ...where, message });
  }
}

/** Every release of every environment; a release naming no kube context gets `currentContext` (the kubeconfig's current one, as helm would). */
function unitsOf(envs: readonly EngineResult[], currentContext: string | undefined): Unit[] {
  const units: Unit[] = [];
  for (const e of envs) {
    for (const state of e.states) {
      for (const release of state.releases) {
        const spec = release.spec;
        const context = state.overrideKubeContext || spec.kubeContext || state.envKubeContext || currentContext || '';
        const namespace = state.overrideNamespace || spec.namespace || '';
        const status = !release.selected || release.conditionEnabled === false || release.conditionError ? 'absent' : release.installed ? 'enabled' : 'disabled';
        units.push({ env: e.env, state, release, name: spec.name, namespace, context, status, cluster: '' });
      }
    }
  }
  return units;
}

/** One cluster per (environment, kube context); an environment with one context is named after it. */
function assignClusters(units: Unit[], envs: readonly string[], f: Findings, rootWhere: Where): ImportedCluster[] {
  const clusters: ImportedCluster[] = [];
  const byContext = new Map<string, ImportedCluster>();
  for (const env of envs) {
    const mine = units.filter((u) => u.env === env && u.status !== 'absent');
    const contexts = [...new Set(mine.map((u) => u.context))];
    for (const ctx of contexts) {
      const key = ctx || `(current context of ${env})`;
      let c = byContext.get(key);
      if (!c) {
        let name = clusterNameOf(contexts.length > 1 ? `${env}-${ctx || 'default'}` : env);
        for (let i = 2; clusters.some((x) => x.name === name); i++) name = `${clusterNameOf(env)}-${i}`;
        c = { name, context: ctx || env, environment: env, provider: ctx ? guessProvider(ctx) : 'onprem' };
        if (!ctx) f.add('note', rootWhere, `environment "${env}" names no kubeContext (helmfile uses the kubeconfig's current context): cluster "${name}" uses context "${env}"; write the real one in clusters.yaml`);
        byContext.set(key, c);
        clusters.push(c);
      } else if (c.environment !== env) {
        f.add('note', rootWhere, `environments "${c.environment}" and "${env}" both deploy to kube context "${ctx}": one cluster "${c.name}" (rolled out with "${c.environment}")`);
      }
      for (const u of mine.filter((x) => x.context === ctx)) u.cluster = c.name;
    }
  }
  return clusters;
}

function collectRepositories(envs: readonly EngineResult[], f: Findings, locate: Locator): Map<string, EngineRepository> {
  const repos = new Map<string, EngineRepository>();
  for (const e of envs) {
    for (const s of e.states) {
      for (const r of s.repositories) {
        const known = repos.get(r.name);
        const where = locate.topKey(s.file, ['repositories', 'name']);
        if (known && (known.url !== r.url || !!known.oci !== !!r.oci)) f.add('gap', where, `repository "${r.name}" is ${known.url} in one helmfile and ${r.url} in another: helm-cascade has one repository of a name`);
        if (!known) repos.set(r.name, r);
        const extras = repositoryExtras(r);
        if (extras.length) f.add('gap', where, `repository "${r.name}": ${extras.join(', ')} cannot be carried over (helm-cascade repositories have a name and a URL; log in with helm registry login / helm repo add beforehand)`);
      }
    }
  }
  return repos;
}

/** Findings of each state: hooks, helmDefaults, files skipped for the environment. */
function stateFindings(envs: readonly EngineResult[], f: Findings, locate: Locator): void {
  for (const e of envs) {
    for (const s of e.states) {
      if (s.hooks > 0) f.add('gap', locate.topKey(s.file, ['hooks']), `${s.hooks} helmfile hook(s): commands run around helm have no helm-cascade counterpart`);
      for (const k of helmDefaultsFindings(s.helmDefaults)) f.add(k.kind, locate.topKey(s.file, ['helmDefaults', k.key]), `helmDefaults.${k.key}: ${k.reason}`);
      if (s.lockFile) f.add('note', locate.topKey(s.file, ['lockFilePath']), 'lockFilePath: helm-cascade resolves chart versions from the repository (chart.version ranges)');
    }
    for (const sk of e.skipped) f.add('note', locate.topKey(sk.file, ['environments']), `${sk.reason}: its releases are not part of environment "${e.env}"`);
  }
}

/** The root-level notes: what was computed at import time. */
function usageNotes(envs: readonly EngineResult[], f: Findings, root: Where): void {
  const used = new Map<string, Set<string>>();
  for (const e of envs) for (const u of e.usage) if (['exec', 'env', 'secret'].includes(u.kind) || u.detail === 'readFile') used.set(u.kind === 'file' ? 'readFile' : u.kind, (used.get(u.kind === 'file' ? 'readFile' : u.kind) ?? new Set()).add(u.what));
  const list = (k: string) => [...(used.get(k) ?? [])].filter(Boolean).sort();
  if (list('exec').length) f.add('note', root, `templates ran commands at import time; their output is written into the values: ${list('exec').map((c) => `\`${c}\``).join(', ')}`);
  if (list('readFile').length) f.add('note', root, `templates read files at import time (readFile); their content is written into the values: ${list('readFile').join(', ')}`);
  const secretLike = list('env').filter((n) => SECRET_NAME.test(n));
  if (secretLike.length) f.add('gap', root, `templates read environment variables that hold secrets, by their names (${secretLike.join(', ')}): their values would be written into the repository in plain text; refer to them instead (ref+vault://, ref+sops://)`);
  const plain = list('env').filter((n) => !SECRET_NAME.test(n));
  if (plain.length) f.add('note', root, `templates read environment variables at import time (env, requiredEnv); their values are written into the values: ${plain.join(', ')}`);
  if (used.has('secret')) f.add('note', root, 'fetchSecretValue / expandSecretRefs were kept as ref+ references: helm-cascade resolves vault and sops references at render time');
}

/** Everything the release files are built from, shared by every release. */
interface Context {
  input: ImportInput;
  f: Findings;
  repos: Map<string, EngineRepository>;
  dests: Destinations;
  files: Map<string, string>;
  copies: Map<string, string>;
  /** sops file (absolute) -> its copy (repository-relative). */
  sopsCopies: Map<string, string>;
  clusterOrder: string[];
  /** Releases that cannot render as helmfile renders them, with why (gaps already listed). */
  excluded: Set<string>;
}

const whereOf = (u: Unit, locate: Locator, key?: string): Where => (key ? locate.releaseKey(u.release.sourceFile, u.name, key) : locate.release(u.release.sourceFile, u.name));

/** String leaves of a YAML text that hold a ref+sops:// reference with more around it (a template put a secret inside a string). */
function embeddedRefs(text: string): string[] {
  if (!text.includes('ref+sops://')) return [];
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes('ref+sops://') && !/^ref\+sops:\/\/\S+$/.test(v)) found.push(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  try {
    for (const doc of parseAllDocuments(text)) walk(doc.toJS());
  } catch {
    found.push(text);
  }
  return found;
}

/** Releases that cannot be imported at all: bad names, a name in two namespaces, two contents in one cluster. */
function importable(units: Unit[], c: Context): Map<string, Unit[]> {
  const groups = new Map<string, Unit[]>();
  for (const u of units) groups.set(u.name, [...(groups.get(u.name) ?? []), u]);
  const out = new Map<string, Unit[]>();
  for (const [name, all] of groups) {
    const at = whereOf(all[0]!, c.input.locate);
    if (!NAME.test(name) || name.length > 40) {
      c.f.add('gap', at, `release "${name}" not imported: helm-cascade release names are lower-case letters, digits and dashes, at most 40 characters (the helm release keeps its name)`);
      continue;
    }
    const ns = all[0]!.namespace;
    for (const u of all.filter((x) => x.namespace !== ns)) c.f.add('gap', whereOf(u, c.input.locate), `release "${name}" in namespace "${u.namespace}" (environment ${u.env}) not imported: release "${name}" is already imported in namespace "${ns}", and helm-cascade release names are unique`);
    const mine = all.filter((x) => x.namespace === ns);
    const seen = new Map<string, Unit>();
    const kept: Unit[] = [];
    for (const u of mine) {
      if (u.status === 'absent') {
        kept.push(u);
        continue;
      }
      const other = seen.get(u.cluster);
      if (!other) {
        seen.set(u.cluster, u);
        kept.push(u);
      } else if (JSON.stringify([other.release.spec, other.release.values, other.release.set]) !== JSON.stringify([u.release.spec, u.release.values, u.release.set])) {
        c.f.add('gap', whereOf(u, c.input.locate), `release "${name}" of environment ${u.env} goes to cluster "${u.cluster}" like the one of environment ${other.env}, with other settings: helm-cascade makes one release per cluster (this one is not imported)`);
      }
    }
    out.set(name, kept);
  }
  return out;
}

/** The chart of a release, the same in every environment; undefined (with a gap) when it differs or cannot be mapped. */
function chartOf(units: Unit[], c: Context): { ref: string; version?: string } | undefined {
  const present = units.filter((u) => u.status !== 'absent');
  const first = present[0]!;
  const mapping = (u: Unit) => mapChart(u.release.spec.chart, u.release.spec.version || undefined, { basePath: u.state.basePath, rootDir: c.input.rootDir, repositories: c.repos, isDir: c.input.isDir });
  const m = mapping(first);
  for (const u of present.slice(1)) {
    const o = mapping(u);
    if (o.ref !== m.ref || o.version !== m.version || o.copyFrom !== m.copyFrom) {
      c.f.add('gap', whereOf(u, c.input.locate, 'chart'), `release "${u.name}" not imported: its chart is ${m.ref}${m.version ? `@${m.version}` : ''} in environment ${first.env} but ${o.ref}${o.version ? `@${o.version}` : ''} in ${u.env}; a helm-cascade release has one chart and version range`);
      return undefined;
    }
  }
  if (m.gap) {
    c.f.add('gap', whereOf(first, c.input.locate, 'chart'), `release "${first.name}" not imported: ${m.gap}`);
    return undefined;
  }
  if (m.note) c.f.add('note', whereOf(first, c.input.locate, 'version'), `release "${first.name}": ${m.note}`);
  if (m.copyFrom) c.copies.set(c.dests.claim(m.ref.slice(2), `chart:${m.copyFrom}`), m.copyFrom);
  return m.version ? { ref: m.ref, version: m.version } : { ref: m.ref };
}

/** The values files and set of one unit, placed in the repository. */
function layerOf(u: Unit, c: Context): ClusterLayer {
  const dests: string[] = [];
  for (const item of valueItems(u.release.values, u.name, c.input.rootDir)) {
    const dest = c.dests.place(item, u.cluster);
    dests.push(dest);
    if (item.sopsFile && !c.sopsCopies.has(item.sopsFile)) c.sopsCopies.set(item.sopsFile, '');
    if (item.copyFrom) c.copies.set(dest, item.copyFrom);
    else c.files.set(dest, item.content ?? '');
    const text = item.content ?? u.release.values.find((v) => v.path === item.copyFrom)?.content ?? '';
    if (item.content !== undefined && embeddedRefs(item.content).length) {
      c.f.add('gap', whereOf(u, c.input.locate, 'values'), `release "${u.name}" not imported: a secret of the environment (environments.*.secrets) is used inside a larger value; helm-cascade resolves a sops reference that is a whole value only`);
      c.excluded.add(u.name);
    }
    const foreign = refSchemes(text).filter((s) => s !== 'vault' && s !== 'sops');
    if (foreign.length) {
      c.f.add('gap', whereOf(u, c.input.locate, 'values'), `release "${u.name}" not imported: its values use ${foreign.map((s) => `ref+${s}://`).join(', ')} references; helm-cascade resolves ref+vault:// and ref+sops:// only`);
      c.excluded.add(u.name);
    }
  }
  for (const v of u.release.values.filter((x) => x.skipped)) c.f.add('note', whereOf(u, c.input.locate, 'values'), `release "${u.name}" (environment ${u.env}): values file ${v.entry} is missing and was skipped (missingFileHandler), as helmfile skips it today`);
  const { set, indexed } = setMapOf(u.release.set);
  for (const k of indexed) {
    c.f.add('gap', whereOf(u, c.input.locate, 'set'), `release "${u.name}" not imported: set ${k} sets one element of a list, which helm merges into the list the values give; a release's set: replaces lists`);
    c.excluded.add(u.name);
  }
  return { values: dests, set };
}

/** needs: [ctx/][ns/]name of helmfile as helm-cascade needs (same cluster only), checked where the release is enabled. */
function needsOf(u: Unit, groups: Map<string, Unit[]>, c: Context): string[] {
  const out: string[] = [];
  for (const n of u.release.spec.needs ?? []) {
    const parts = n.split('/');
    const name = parts[parts.length - 1]!;
    const ns = parts.length > 1 ? parts[parts.length - 2]! : u.namespace;
    const ctx = parts.length > 2 ? parts.slice(0, -2).join('/') : u.context;
    const at = whereOf(u, c.input.locate, 'needs');
    const target = (groups.get(name) ?? []).find((t) => t.cluster === u.cluster && t.namespace === ns);
    const elsewhere = (groups.get(name) ?? []).find((t) => t.env === u.env && t.namespace === ns && t.state !== u.state);
    const other = target && target.state !== u.state ? target : !target ? elsewhere : undefined;
    if (ctx !== u.context) c.f.add('gap', at, `release "${u.name}" needs "${n}" in another kube context: helm-cascade orders releases within a cluster only`);
    else if (other) c.f.add('gap', at, `release "${u.name}" needs "${n}", a release of another helmfile (${c.input.locate.file(other.state.file).file}): helmfile itself refuses that (needs see the releases of their own helmfile: "depends on an undefined release"), so the need is not kept`);
    else if (!target || target.status === 'absent') c.f.add('gap', at, `release "${u.name}" needs "${n}", which environment ${u.env} does not deploy to cluster "${u.cluster}": the need cannot be kept`);
    else if (target.status === 'disabled') c.f.add('gap', at, `release "${u.name}" needs "${n}", which is installed: false in environment ${u.env}: the need cannot be kept`);
    else out.push(ns === u.namespace ? name : `${ns}/${name}`);
  }
  return out;
}

/** The release health timeout helmfile gave helm (release timeout, else helmDefaults.timeout), in seconds. */
function timeoutOf(u: Unit): number | undefined {
  const t = u.release.spec.timeout ?? u.state.helmDefaults.timeout;
  return typeof t === 'number' && t > 0 ? t : undefined;
}

const nonEmpty = (o: Record<string, unknown>) => Object.keys(o).length > 0;

/** One release file from the units of one helmfile release. */
function mapRelease(name: string, units: Unit[], groups: Map<string, Unit[]>, c: Context): ImportedRelease | undefined {
  const present = units.filter((u) => u.status !== 'absent');
  const first = units[0]!;
  for (const u of units.filter((x) => x.status === 'absent' && !x.release.conditionError)) {
    const why = !u.release.selected ? 'the selectors of the helmfiles: entry that includes it leave it out' : `condition ${String(u.release.spec.condition)} is false`;
    c.f.add('note', whereOf(u, c.input.locate, u.release.selected ? 'condition' : undefined), `release "${name}" is not deployed in environment ${u.env} (${why}): not on that environment's cluster`);
  }
  for (const u of units.filter((x) => x.release.conditionError)) c.f.add('gap', whereOf(u, c.input.locate, 'condition'), `release "${name}": condition: ${u.release.conditionError}`);
  if (!present.length) return undefined;
  const chart = chartOf(units, c);
  if (!chart) return undefined;
  let rendersOtherwise = false;
  for (const u of present) {
    for (const k of releaseFindings(u.release.spec)) {
      c.f.add(k.kind, whereOf(u, c.input.locate, k.key), `release "${name}": ${k.key}: ${k.reason}`);
      rendersOtherwise ||= k.render === true;
    }
    const stateWide = helmDefaultsFindings(u.state.helmDefaults).filter((k) => k.render);
    for (const k of stateWide) c.f.add('gap', whereOf(u, c.input.locate), `release "${name}" not imported: helmDefaults.${k.key} of ${c.input.locate.file(u.state.file).file} changes what helm renders`);
    rendersOtherwise ||= stateWide.length > 0;
  }
  if (rendersOtherwise) return undefined;
  for (const u of present.filter((x) => x.status === 'disabled')) c.f.add('note', whereOf(u, c.input.locate, 'installed'), `release "${name}" is installed: false in environment ${u.env}: enabled: false on cluster "${u.cluster}" (uninstalled there, as helmfile does)`);
  if (!first.namespace) c.f.add('note', whereOf(first, c.input.locate), `release "${name}" names no namespace (helm uses the context's): namespace "default" written`);

  const enabled = present.filter((u) => u.status === 'enabled');
  const perCluster = new Map(enabled.map((u) => [u.cluster, layerOf(u, c)] as const));
  if (c.excluded.has(name)) return undefined;
  const { base, clusters } = foldLayers(perCluster);
  const needs = [...new Set(enabled.flatMap((u) => needsOf(u, groups, c)))];
  const spec: Record<string, unknown> = { name, namespace: first.namespace || 'default', chart };
  if (base.values.length) spec.values = base.values;
  if (nonEmpty(base.set)) spec.set = base.set;
  const labels = sharedLabels(present, c);
  if (nonEmpty(labels)) spec.labels = labels;
  if (needs.length) spec.needs = needs;
  const timeouts = [...new Set(enabled.map(timeoutOf).filter((t): t is number => t !== undefined))];
  if (timeouts.length) spec.health = { timeout: `${Math.max(...timeouts)}s` };
  const everywhere = c.clusterOrder.every((cl) => enabled.some((u) => u.cluster === cl));
  const layered = [...clusters.values()].some((l) => l.values.length || nonEmpty(l.set));
  if (!everywhere || layered || present.some((u) => u.status === 'disabled')) {
    const byCluster: Record<string, unknown> = {};
    for (const cl of c.clusterOrder) {
      const u = present.find((x) => x.cluster === cl);
      if (!u) continue;
      const l = clusters.get(cl);
      byCluster[cl] = u.status === 'disabled' ? { enabled: false } : { ...(l?.values.length ? { values: l.values } : {}), ...(l && nonEmpty(l.set) ? { set: l.set } : {}) };
    }
    spec.clusters = byCluster;
  }
  return { spec, from: whereOf(first, c.input.locate), environments: [...new Set(present.map((u) => u.env))] };
}

/** Labels every environment gives the release the same way (helmfile's selectors read them; helm-cascade keeps them as data). */
function sharedLabels(units: Unit[], c: Context): Record<string, string> {
  const all = units.map((u) => u.release.spec.labels ?? {});
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all[0] ?? {})) {
    if (all.every((l) => l[k] === v)) out[k] = v;
    else c.f.add('note', whereOf(units[0]!, c.input.locate, 'labels'), `release "${units[0]!.name}": label ${k} differs between environments; it is left out`);
  }
  return out;
}

/** Drops the files of releases that were not imported after all (their values were placed before a gap ruled them out). */
function pruneUnused(c: Context, releases: readonly ImportedRelease[]): void {
  const used = new Set<string>();
  for (const r of releases) {
    const layers = [r.spec, ...Object.values((r.spec.clusters ?? {}) as Record<string, { values?: string[] }>)] as { values?: string[] }[];
    for (const l of layers) for (const v of l.values ?? []) used.add(v);
    const ref = (r.spec.chart as { ref: string }).ref;
    if (ref.startsWith('./')) used.add(ref.slice(2));
  }
  for (const p of c.files.keys()) if (!used.has(p)) c.files.delete(p);
  for (const p of c.copies.keys()) if (!used.has(p)) c.copies.delete(p);
}

/** Copies of the sops files the references point at, and the references rewritten to them. */
function placeSopsFiles(c: Context, envs: readonly EngineResult[]): void {
  for (const e of envs) for (const u of e.usage) if (u.kind === 'secret-file' && !c.sopsCopies.get(u.what)) c.sopsCopies.set(u.what, '');
  for (const abs of c.sopsCopies.keys()) {
    const used = [...c.files.values()].some((t) => t.includes(`ref+sops://${abs}#`));
    if (!used) {
      c.sopsCopies.delete(abs);
      continue;
    }
    const dest = c.dests.claim(destFor(abs, c.input.rootDir), `sops:${abs}`);
    c.sopsCopies.set(abs, dest);
    c.copies.set(dest, abs);
  }
  for (const [path, text] of c.files) c.files.set(path, rewriteSopsRefs(text, c.sopsCopies));
}



/** The whole import: clusters, repositories, releases, files, gaps and notes. */
export function mapHelmfile(input: ImportInput): ImportResult {
  const f = new Findings();
  const rootWhere = input.locate.file(input.rootFile);
  const environments = input.envs.map((e) => e.env);
  const units = unitsOf(input.envs, input.currentContext);
  const implicit = input.envs.some((e) => e.states.some((s) => s.releases.some((r) => !s.overrideKubeContext && !r.spec.kubeContext && !s.envKubeContext)));
  if (implicit && input.currentContext) f.add('note', rootWhere, `releases that name no kube context go to "${input.currentContext}" (the kubeconfig's current context, as helmfile would; --current-context to choose another)`);
  const clusters = assignClusters(units, environments, f, rootWhere);
  const repos = collectRepositories(input.envs, f, input.locate);
  stateFindings(input.envs, f, input.locate);
  usageNotes(input.envs, f, rootWhere);
  const defined = [...new Set(input.envs.flatMap((e) => e.states.flatMap((s) => s.environments)))].filter((e) => !environments.includes(e) && e !== 'default');
  if (defined.length) f.add('note', rootWhere, `environments not imported (name them with -e): ${defined.join(', ')}`);
  const c: Context = { input, f, repos, dests: new Destinations(), files: new Map(), copies: new Map(), sopsCopies: new Map(), clusterOrder: clusters.map((x) => x.name), excluded: new Set() };
  const groups = importable(units, c);
  const releases: ImportedRelease[] = [];
  for (const [name, us] of groups) {
    const r = mapRelease(name, us, groups, c);
    if (r) releases.push(r);
  }
  pruneUnused(c, releases);
  placeSopsFiles(c, input.envs);
  const usedRepos = new Set(releases.map((r) => String((r.spec.chart as { ref: string }).ref).split('/')[0]));
  const repositories = [...repos.values()].filter((r) => !r.oci && usedRepos.has(r.name)).map((r) => ({ name: r.name, url: r.url }));
  const usedEnvs = environments.filter((e) => clusters.some((cl) => cl.environment === e));
  return { clusters, environments: usedEnvs, repositories, releases, files: c.files, copies: c.copies, gaps: f.gaps, notes: f.notes };
}
