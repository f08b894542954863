// Desired state as plain data, exactly as clusters.yaml and releases/*.yaml say
// it, after defaults are applied explicitly (see config/load.ts).

/** Where a value came from: a file position, for errors and `plan --explain`. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export type OnFailure = 'rollback' | 'halt';

/** Whether the cascade.* values are passed: only where the chart's schema accepts them (auto), always, never. */
export type CascadeValues = 'auto' | 'always' | 'never';

/** Live fields never counted as changed by hand (release `ignoreDifferences`). */
export interface IgnoreRule {
  kind?: string;
  name?: string;
  namespace?: string;
  /** RFC 6901 pointers; a list item by index or by its name. */
  jsonPointers: string[];
}

export interface HttpGateSpec {
  url: string;
  expectStatus: number;
}

export interface PrometheusGateSpec {
  url: string;
  query: string;
  max: number;
}

/** Health gate settings; durations in milliseconds. */
export interface HealthSpec {
  timeoutMs: number;
  soakMs: number;
  minReadyEndpoints: number;
  maxRestarts: number;
  /**
   * drift only (no state between runs): a container counts as restarting when its last
   * restart (lastState.terminated.finishedAt) is within this window. Default 1h.
   */
  restartWindowMs?: number;
  /** drift only: restarts (restartCount) a recently restarted pod may have before it is unhealthy. Default 0. */
  maxRecentRestarts?: number;
  http: HttpGateSpec[];
  prometheus?: PrometheusGateSpec;
}

/** Partial health settings as written in a file (release or wave override). */
export type HealthOverride = Partial<HealthSpec>;

export interface ClusterSpec {
  name: string;
  context: string;
  provider: string;
  region: string;
  labels: Record<string, string>;
  failoverFor?: string;
  pos: SourcePos;
}

/** Cluster selector as written in waves[].clusters. Every given field must match. */
export interface ClusterSelector {
  name?: string; // glob
  provider?: string;
  region?: string;
  labels?: Record<string, string>;
}

export interface WaveSpec {
  name: string;
  tracks: string[];
  clusters?: ClusterSelector;
  soakMs?: number;
  health?: HealthOverride;
  pos: SourcePos;
}

export interface ChartRepositorySpec {
  name: string;
  url: string;
}

/** House rules: a rule fails (`deny`, exit 4, nothing changed) or only warns. */
export type PolicyAction = 'deny' | 'warn';

/** Which objects a rule judges: kinds (`*` for all), optionally only on some providers or clusters (globs). */
export interface PolicyMatch {
  kinds: string[];
  providers?: string[];
  clusters?: string[];
}

/** A named CEL expression a rule's other expressions read as `variables.NAME` (as in ValidatingAdmissionPolicy). */
export interface PolicyVariable {
  name: string;
  expression: string;
}

/**
 * One house rule (clusters.yaml `policies:`), a preset already expanded into
 * its CEL expressions (policy/presets.ts). `expression` is true when the
 * object complies.
 */
export interface PolicyRuleSpec {
  name: string;
  /** The built-in preset it came from, if any. */
  preset?: string;
  match: PolicyMatch;
  variables: PolicyVariable[];
  expression: string;
  message?: string;
  messageExpression?: string;
  /** What the expressions read as `params` (a preset's options). */
  params: Record<string, unknown>;
  action: PolicyAction;
  pos: SourcePos;
}

/** A release's exception to a rule (release `policyExceptions:`): objects it matches are not judged by that rule. */
export interface PolicyException {
  rule: string;
  kinds?: string[];
  /** Object names (globs); for a live pod, the name of its workload counts too. */
  names?: string[];
  /** Cluster names (globs). */
  clusters?: string[];
  reason: string;
  pos: SourcePos;
}

export interface ClustersFileSpec {
  file: string;
  root: string; // folder holding clusters.yaml; every relative path resolves from here
  repoName: string; // `name:`, default the root folder's name: the cascade-repo label of every release made
  kubeconfig?: string;
  clusters: ClusterSpec[];
  tracks: string[];
  waves: WaveSpec[];
  wavesGiven: boolean;
  health: HealthSpec;
  onFailure: OnFailure;
  cascadeValues: CascadeValues;
  repositories: ChartRepositorySpec[];
  /** House rules (the loader always sets it; [] when none). */
  policies?: PolicyRuleSpec[];
  /**
   * The folders every path the repository names must stay in, after symlinks
   * are resolved (realpaths): the root, then the operator's --allow-root folders.
   */
  allowedRoots?: string[];
  /** The operator's limits (environment variables), never the repository's. */
  limits?: Limits;
}

/** What one repository may make the tool do (config/limits.ts: defaults, environment variables). */
export interface Limits {
  /** Bytes of one file the repository names (clusters.yaml, release and values files). */
  maxFileBytes: number;
  /** Release files in the releases folder. */
  maxReleases: number;
  /** Segments of one `set:` path (dotted keys expanded, nested maps counted) or command-line --set key. */
  maxSetDepth: number;
  /** Bytes of one unit's rendered output (helm template). */
  maxRenderBytes: number;
  /** YAML alias expansions in one file (an alias bomb). */
  maxAliasCount: number;
}

/** Values contributed by one layer: files, then `set`. */
export interface ValuesLayer {
  values: string[]; // paths relative to repo root
  set: Record<string, unknown>;
  pos: SourcePos;
}

export interface ReleaseClusterOverride extends ValuesLayer {
  pattern: string; // cluster name or glob
  enabled: boolean;
  tracks: Record<string, ValuesLayer>;
}

export interface ChartSpec {
  ref: string; // oci://..., repo/name, or a local path
  version?: string; // semver range or exact
  pos: SourcePos;
}

/** One entry of a release's `needs:`: another release of the repository, optionally with its namespace. */
export interface NeedSpec {
  release: string;
  /** Given as namespace/name: the needed release must be in this namespace. */
  namespace?: string;
  pos: SourcePos;
}

export interface ReleaseSpec {
  name: string;
  namespace: string;
  file: string;
  chart: ChartSpec;
  base: ValuesLayer; // release values + set
  tracks?: Record<string, ValuesLayer>; // undefined: a single release per cluster
  rideWith?: string; // `track:` for track-less releases
  clusters: ReleaseClusterOverride[];
  health: HealthOverride;
  repositories: ChartRepositorySpec[];
  /** Overrides clusters.yaml's cascadeValues. */
  cascadeValues?: CascadeValues;
  ignoreDifferences: IgnoreRule[];
  /** The loader always sets it; [] when none. */
  policyExceptions?: PolicyException[];
  /** Releases that must pass their gates first (same wave and cluster). The loader always sets it; [] when none. */
  needs?: NeedSpec[];
  /** Free-form labels (`labels:`); the loader always sets it. */
  labels?: Record<string, string>;
  pos: SourcePos;
}

export interface DeployRepo {
  config: ClustersFileSpec;
  releases: ReleaseSpec[];
}
