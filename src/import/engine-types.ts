// What the helmfile engine (src/import/engine/result.go) answers for one
// environment: the JSON shape, field for field.

/** One values file helm would receive, in order. */
export interface EngineValue {
  /** file: a file of the helmfile's (rendered when .gotmpl); inline: a map in the helmfile; secrets: a sops file, as references. */
  kind: 'file' | 'inline' | 'secrets';
  /** As written in the helmfile. */
  entry?: string;
  /** Absolute path of the file read. */
  path?: string;
  /** What helm would read (for secrets: each leaf a ref+sops:// reference to `path`). */
  content: string;
  rendered?: boolean;
  /** A missing file the missing-file handler skipped. */
  skipped?: boolean;
}

/** One --set / --set-string / --set-file flag helmfile would pass. */
export interface EngineSet {
  kind: 'set' | 'setString' | 'setFile' | 'env';
  name: string;
  value?: string;
  values?: string[];
  file?: string;
  content?: string;
}

export interface EngineRelease {
  /** The release after templates and inheritance, as YAML keys (empty fields left out). */
  spec: Record<string, unknown> & { name: string; chart: string; namespace?: string; version?: string; kubeContext?: string; labels?: Record<string, string>; needs?: string[] };
  sourceFile: string;
  installed: boolean;
  conditionEnabled?: boolean;
  conditionError?: string;
  /** Matches the selectors a parent helmfile gives this file. */
  selected: boolean;
  values: EngineValue[];
  set: EngineSet[];
}

export interface EngineRepository {
  name: string;
  url: string;
  oci?: boolean;
  [key: string]: unknown;
}

export interface EngineState {
  file: string;
  parent?: string;
  basePath: string;
  envKubeContext?: string;
  /** The environments the state defines. */
  environments: string[];
  overrideKubeContext?: string;
  overrideNamespace?: string;
  helmDefaults: Record<string, unknown>;
  repositories: EngineRepository[];
  hooks: number;
  apiVersions?: string[];
  kubeVersion?: string;
  lockFile?: string;
  releases: EngineRelease[];
}

export interface EngineResult {
  env: string;
  states: EngineState[];
  skipped: { file: string; parent?: string; reason: string }[];
  /** What the engine read or ran: files, exec commands, environment variables, secret references. */
  usage: { kind: string; what: string; detail?: string }[];
}
