// What becomes of each helmfile key: mapped into the new repository, mapped
// with a difference worth saying (a note), or not expressible in helm-cascade
// (a gap: the import exits 4 unless --partial). Keys of releases and of
// helmDefaults, as helmfile v1.8 names them. Pure.

/**
 * How a key is handled: `undefined` = mapped; a note or a gap with its reason.
 * A gap that changes what helm renders (`render`) keeps the release out of the
 * import: an imported release always renders what helmfile would have.
 */
type Handling = { note: string } | { gap: string; render?: true } | undefined;

const GATES = 'helm-cascade waits with its own health gates (rollout, endpoints, soak) after every release of a wave';
const ROLLBACK = 'helm-cascade rolls a failed wave back itself (clusters.yaml onFailure: rollback, the default)';
const TRACKING = "helmfile's kubedog tracking is replaced by helm-cascade's health gates";
const DIFF_ONLY = 'only changes how helmfile shows a diff; helm-cascade plan shows its own';

/** Keys whose value is a default unless truthy (an explicit false is no change). */
const whenTrue = (reason: string) => (v: unknown): Handling => (v === true ? { gap: reason } : undefined);
const isUnset = (v: unknown) => v === undefined || v === null || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0);
const whenSet = (reason: string) => (v: unknown): Handling => (isUnset(v) ? undefined : { gap: reason });
/** A key that changes the rendered manifest: the release is not imported. */
const rendersOtherwise = (reason: string) => (v: unknown): Handling => (isUnset(v) ? undefined : { gap: `${reason}; the release is not imported (it would render otherwise)`, render: true });
const note = (reason: string) => (v: unknown): Handling => (isUnset(v) ? undefined : { note: reason });

type Rule = (value: unknown) => Handling;

/** Keys of both a release and helmDefaults, with the same meaning. */
const COMMON: Record<string, Rule> = {
  verify: whenTrue('chart signature verification (helm --verify) has no helm-cascade counterpart'),
  keyring: whenSet('a keyring for chart verification has no helm-cascade counterpart'),
  devel: whenTrue('devel (pre-release chart versions) has no counterpart: write the exact pre-release version in chart.version'),
  enableDNS: whenTrue('helm --enable-dns has no helm-cascade counterpart'),
  wait: note(GATES),
  waitRetries: note(GATES),
  waitForJobs: note(GATES),
  timeout: note("mapped to the release's health timeout (helm-cascade's gate waits that long for the rollout)"),
  recreatePods: whenTrue('recreatePods (helm 2 era) has no helm-cascade counterpart'),
  force: whenTrue('helm --force (replace objects) has no helm-cascade counterpart'),
  atomic: note(ROLLBACK),
  rollbackOnFailure: note(ROLLBACK),
  cleanupOnFail: note(ROLLBACK),
  forceConflicts: whenTrue('helm 4 --force-conflicts has no helm-cascade counterpart'),
  historyMax: note('helm keeps its default history (10 revisions); helm-cascade passes no --history-max'),
  createNamespace: (v) => (v === false ? { gap: 'createNamespace: false: helm-cascade always creates the namespace (helm --create-namespace)' } : undefined),
  skipDeps: note('helm-cascade builds chart dependencies as helm dependency build does (from Chart.lock)'),
  skipRefresh: note('helm-cascade refreshes repositories itself'),
  resolveOCIVersions: note('helm-cascade resolves OCI chart versions itself (semver ranges too)'),
  reuseValues: whenTrue('helm --reuse-values: helm-cascade always passes the values the repository gives'),
  postRenderer: rendersOtherwise('post-renderers have no helm-cascade counterpart'),
  postRendererArgs: rendersOtherwise('post-renderers have no helm-cascade counterpart'),
  cascade: whenSet('helm uninstall --cascade has no helm-cascade counterpart'),
  suppressOutputLineRegex: note(DIFF_ONLY),
  disableAutoDetectedKubeVersionForDiff: note(DIFF_ONLY),
  disableValidation: whenTrue('helm --disable-openapi-validation/--dry-run=client rendering: helm-cascade always validates against the cluster'),
  disableOpenAPIValidation: whenTrue('helm --disable-openapi-validation has no helm-cascade counterpart'),
  skipSchemaValidation: whenTrue("helm --skip-schema-validation: helm-cascade always checks the chart's values.schema.json"),
  insecureSkipTLSVerify: whenTrue('an insecure chart download (--insecure-skip-tls-verify) has no helm-cascade counterpart'),
  plainHttp: whenTrue('chart download over plain HTTP (--plain-http) has no helm-cascade counterpart'),
  deleteWait: note('helm-cascade uninstalls with helm defaults'),
  deleteTimeout: note('helm-cascade uninstalls with helm defaults'),
  syncReleaseLabels: note('helm-cascade labels its releases itself (managed-by, cascade-repo)'),
  takeOwnership: whenTrue('helm --take-ownership has no helm-cascade counterpart'),
  serverSide: whenSet("helm 4's --server-side choice has no helm-cascade counterpart"),
  trackMode: note(TRACKING),
  helmStuckGrace: note(TRACKING),
};

/** helmDefaults keys; kubeContext is mapped to clusters. */
const HELM_DEFAULTS: Record<string, Rule> = {
  ...COMMON,
  kubeContext: () => undefined,
  args: rendersOtherwise('extra helm arguments (helmDefaults.args) have no helm-cascade counterpart'),
  diffArgs: note(DIFF_ONLY),
  syncArgs: whenSet('extra helm upgrade arguments (syncArgs) have no helm-cascade counterpart'),
  templateArgs: whenSet('extra helm template arguments (templateArgs, used by helmfile template and diff only) have no helm-cascade counterpart'),
  skipCRDs: whenTrue('helm --skip-crds has no helm-cascade counterpart'),
};

/** Release keys; the ones the import maps itself (name, chart, values, ...) are mapped. */
const RELEASE: Record<string, Rule> = {
  ...COMMON,
  hooks: whenSet('helmfile hooks (commands run around helm) have no helm-cascade counterpart; chart hooks still run'),
  jsonPatches: rendersOtherwise('jsonPatches (chartify) have no helm-cascade counterpart: patch the chart or its values'),
  strategicMergePatches: rendersOtherwise('strategicMergePatches (chartify) have no helm-cascade counterpart: patch the chart or its values'),
  transformers: rendersOtherwise('transformers (chartify) have no helm-cascade counterpart'),
  dependencies: rendersOtherwise('adding chart dependencies at deploy time (chartify) has no helm-cascade counterpart: add them to the chart'),
  adopt: rendersOtherwise('adopting existing objects (chartify) has no helm-cascade counterpart'),
  forceNamespace: rendersOtherwise('forceNamespace (chartify) has no helm-cascade counterpart'),
  forceGoGetter: whenTrue('go-getter chart sources have no helm-cascade counterpart: vendor the chart'),
  directory: rendersOtherwise('a folder of plain manifests or a kustomization (chartify) is not a chart: helm-cascade releases charts'),
  chartPath: () => undefined,
  updateStrategy: whenSet('updateStrategy (reinstall when forbidden) has no helm-cascade counterpart'),
  disableValidationOnInstall: whenTrue('helm --disable-openapi-validation on install has no helm-cascade counterpart'),
  description: note('helm --description is not passed by helm-cascade'),
  unitTests: note('helm unittest suites are not run by helm-cascade'),
  suppressDiff: note(DIFF_ONLY),
  missingFileHandler: note('files are read once, at import: a values file that was missing is listed'),
  missingFileHandlerConfig: note('files are read once, at import'),
  trackTimeout: note(TRACKING),
  trackLogs: note(TRACKING),
  trackFailedLogs: note(TRACKING),
  trackKinds: note(TRACKING),
  skipKinds: note(TRACKING),
  trackResources: note(TRACKING),
  kubedogQPS: note(TRACKING),
  kubedogBurst: note(TRACKING),
  trackFailOnError: note(TRACKING),
  kubeVersion: note("helm-cascade renders with the cluster's real version"),
  apiVersions: note("helm-cascade renders with the cluster's real API versions"),
};

/** Keys the mapping itself handles (read elsewhere): nothing to say about them here. */
const MAPPED_RELEASE = new Set(['name', 'namespace', 'chart', 'version', 'values', 'secrets', 'set', 'setString', 'setTemplate', 'valuesTemplate', 'needs', 'labels', 'kubeContext', 'installed', 'condition', 'env', 'valuesPathPrefix', 'inherit', 'verifyTemplate', 'waitTemplate', 'installedTemplate', 'conditionTemplate']);

/** A key of a release or helmDefaults and what becomes of its value. */
export interface KeyFinding {
  key: string;
  kind: 'note' | 'gap';
  reason: string;
  /** The gap changes the rendered manifest: the release is not imported. */
  render?: true;
}

function judge(rules: Record<string, Rule>, spec: Record<string, unknown>, skip: ReadonlySet<string>): KeyFinding[] {
  const out: KeyFinding[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (skip.has(key)) continue;
    const rule = rules[key];
    const h: Handling = rule ? rule(value) : { gap: `"${key}" is not a key the import knows` };
    if (h && 'gap' in h) out.push({ key, kind: 'gap', reason: h.gap, ...(h.render ? { render: true as const } : {}) });
    else if (h) out.push({ key, kind: 'note', reason: h.note });
  }
  return out;
}

/** What a release's keys (after templates) say beyond what the mapping reads. */
export function releaseFindings(spec: Record<string, unknown>): KeyFinding[] {
  return judge(RELEASE, spec, MAPPED_RELEASE);
}

/** What a state's helmDefaults say (falsy values are helmfile's defaults). */
export function helmDefaultsFindings(helmDefaults: Record<string, unknown>): KeyFinding[] {
  return judge(HELM_DEFAULTS, helmDefaults, new Set());
}
