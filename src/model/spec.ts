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
  /** The kubeconfig context; IN_CLUSTER_CONTEXT (model/identity.ts) for `inCluster: true`. */
  context: string;
  provider: string;
  region: string;
  labels: Record<string, string>;
  failoverFor?: string;
  /** Where this cluster's ref+vault:// references are read (clusters.yaml `vault:` with the cluster's own merged over it). */
  vault?: VaultSpec;
  /** `inCluster: true`: reached with the pod's own service account instead of a kubeconfig context. */
  inCluster?: boolean;
  /** Limits of requests to this cluster's API server (over the file's `api:`). */
  api?: ApiLimitsSpec;
  pos: SourcePos;
}

/** How helm-cascade logs in to a Vault (clusters.yaml `vault.auth`), defaults made explicit. */
export type VaultAuthSpec =
  /** A token from an environment variable (default VAULT_TOKEN). */
  | { method: 'token'; tokenEnv: string }
  /** AppRole: role and secret ids from environment variables (as Jenkins credentials give them). */
  | { method: 'approle'; mount: string; roleIdEnv: string; secretIdEnv: string }
  /** Kubernetes auth: a service-account token (the pod's, by default) presented for a Vault role. */
  | { method: 'kubernetes'; mount: string; role: string; tokenFile: string };

/** A cluster's Vault (secrets/ resolves ref+vault:// references against it). */
export interface VaultSpec {
  /** Vault's URL; undefined: $VAULT_ADDR when resolving. */
  address?: string;
  /** Sent as X-Vault-Namespace (Vault Enterprise / HCP). */
  namespace?: string;
  /** The KV mount reference paths are relative to; undefined: a path starts with its mount. */
  mount?: string;
  /** The KV version of `mount` (2 inserts data/ into the path). */
  kvVersion: 1 | 2;
  auth: VaultAuthSpec;
  /** Where it is configured (the cluster's `vault:`, else the top-level one). */
  pos: SourcePos;
}

/** clusters.yaml `api:` (top level: every cluster's default; per cluster: its own). Unset fields: kubectl's defaults. */
export interface ApiLimitsSpec {
  /** Requests per second (client-side rate limit; kubectl: 5). */
  qps?: number;
  /** Requests allowed at once above qps (kubectl: 10). */
  burst?: number;
  /** Requests in flight at once, watches aside (default 16). */
  concurrency?: number;
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
  /** Default limits of requests to every cluster's API server (`api:`). */
  api?: ApiLimitsSpec;
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
  /** Bytes one YAML file may expand to once its aliases are written out (one big anchor aliased many times). */
  maxExpandedBytes: number;
  /** Levels of nesting in one YAML file. */
  maxYamlDepth: number;
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

// ---- traffic: canary weights per track (SPEC "Traffic that follows health"; helpers in traffic.ts)

/** An HTTPRoute that already exists; only the weights of its track backendRefs change. */
interface GatewayApiRouter {
  kind: 'gateway-api';
  route: { name: string; namespace: string };
  /** Where `route:` is written (errors of validate --online point there). */
  pos: SourcePos;
}

/** A release of the same repository whose chart renders the weights; upgraded with each weight set at `value`. */
interface HelmValuesRouter {
  kind: 'helm-values';
  /** The router release's name (releases/NAME.yaml `name:`), deployed in the same clusters. */
  release: string;
  /** Dotted values path of one track's weight, with `{track}` (and optionally `{release}`) in it: `backends.{track}.weight`. */
  value: string;
}

export type TrafficRouter = GatewayApiRouter | HelmValuesRouter;

/** One canary track's weights: `steps` rise to `weight`, each held `pauseMs` with the analysis running. */
export interface TrafficTrackSpec {
  /** The final, desired weight (percent of its traffic group), 0-100. */
  weight: number;
  /** The weights walked after the track's gate passed, rising, the last one equal to `weight` (default [weight]). */
  steps: number[];
  /** How long each step is held with the analysis running (default 0: one round of checks). */
  pauseMs: number;
  pos: SourcePos;
}

/** Held during every pause; one failed check fails the step. Queries and URLs may hold {{cluster}}, {{track}}, {{release}}. */
export interface AnalysisSpec {
  prometheus?: PrometheusGateSpec;
  http: HttpGateSpec[];
  /** Each check runs at least this often during a pause (default 10s). */
  intervalMs: number;
}

export interface TrafficSpec {
  router: TrafficRouter;
  /** The track that receives the rest of each traffic group (usually production). */
  stable: string;
  /** The Service a track's backend is named after: `{release}-{track}` (the track's helm release) unless given. */
  service: string;
  /** The canary tracks whose weight moves, in the order the file gives them. */
  tracks: Record<string, TrafficTrackSpec>;
  analysis?: AnalysisSpec;
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
  /** Canary weights moved with the rollout (model/traffic.ts); undefined without `traffic:`. */
  traffic?: TrafficSpec;
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
