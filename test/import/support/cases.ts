// The real public helmfiles the import is tried on (test/import/helmfiles/,
// sources in README.md there), and what each must give: the import's exit
// code, the gaps it lists (each a file:line and a reason), the releases it
// imports, and which of them are compared with what `helmfile template` renders.
import { join } from 'node:path';

export const HELMFILES = join(import.meta.dirname, '..', 'helmfiles');

export interface ImportCase {
  name: string;
  /** The vendored tree copied for the run (repository URLs pointed at the local chart server). */
  tree: string;
  /** What is given to `import helmfile` (and to helmfile -f), relative to the tree. */
  source: string;
  envs: string[];
  partial?: boolean;
  currentContext?: string;
  exit: number;
  /** Every gap listed, as `file:line: message` patterns (file relative to the tree), in order. */
  gaps: RegExp[];
  /** Notes that must be among those listed. */
  notes?: RegExp[];
  /** Release names imported (sorted). */
  imported: string[];
  /** Releases whose renders are compared with helmfile's (all imported ones when omitted). */
  compare?: string[];
  /** Edits of the reference's copy only (file, text, replacement), each saying why in the case. */
  referenceEdits?: [string, string, string][];
  /** sops files to encrypt before the run (as helmfile's own CI does): plaintext -> encrypted, relative to the tree. */
  encrypt?: [string, string][];
}

const HF = join(HELMFILES, 'helmfile');
const IT = 'test/integration/test-cases';
const SNAP = 'test/e2e/template/helmfile/testdata/snapshot';

export const CASES: ImportCase[] = [
  {
    name: 'tutorial-helmfile-gotemplates-argo (helmfile.d/, environments, .gotmpl values, needs, conditions), environment dev',
    tree: join(HELMFILES, 'tutorial'),
    source: '.',
    envs: ['dev'],
    currentContext: 'kind-helmfile-tutorial',
    // helmfile itself refuses this need (each helmfile.d/ file is a helmfile of its own): "depends on an undefined release"
    exit: 4,
    gaps: [/^helmfile\.d\/02-services\.yaml:28:\d+: release "app-service" needs "dev\/postgres", a release of another helmfile \(helmfile\.d\/01-infrastructure\.yaml\): helmfile itself refuses that/],
    notes: [/helmfile\.d\/03-ingress\.yaml:20:\d+: release "ingress-nginx" is not deployed in environment dev \(condition ingressNginx\.enabled is false\)/, /helmfile\.d\/02-services\.yaml:27:\d+: release "app-service": timeout: mapped to the release's health timeout/, /environments not imported \(name them with -e\): production, staging/],
    imported: ['app-service', 'postgres'],
    compare: [],
  },
  {
    name: 'tutorial-helmfile-gotemplates-argo, environment dev, --partial: written without the need, and rendered as helmfile renders it',
    tree: join(HELMFILES, 'tutorial'),
    source: '.',
    envs: ['dev'],
    partial: true,
    currentContext: 'kind-helmfile-tutorial',
    exit: 0,
    gaps: [/release "app-service" needs "dev\/postgres", a release of another helmfile/],
    imported: ['app-service', 'postgres'],
    // helmfile template refuses the need too: the reference is rendered without it (it changes no manifest)
    referenceEdits: [['helmfile.d/02-services.yaml', '    needs:\n      - dev/postgres\n', '']],
  },
  {
    name: 'tutorial-helmfile-gotemplates-argo, environments dev and staging on one kube context',
    tree: join(HELMFILES, 'tutorial'),
    source: '.',
    envs: ['dev', 'staging'],
    currentContext: 'kind-helmfile-tutorial',
    exit: 4,
    gaps: [
      /^helmfile\.d\/01-infrastructure\.yaml:29:\d+: release "postgres" of environment staging goes to cluster "dev" like the one of environment dev, with other settings/,
      /^helmfile\.d\/02-services\.yaml:21:\d+: release "app-service" of environment staging goes to cluster "dev" like the one of environment dev, with other settings/,
      /^helmfile\.d\/02-services\.yaml:28:\d+: release "app-service" needs "dev\/postgres", a release of another helmfile/,
    ],
    imported: ['app-service', 'postgres'],
    compare: [],
  },
  {
    name: 'helmfile happypath (hooks, jsonPatches, conditions, templated inline values, set), without --partial',
    tree: HF,
    source: `${IT}/happypath/input/happypath.yaml.gotmpl`,
    envs: [],
    exit: 4,
    gaps: [
      /happypath\.yaml\.gotmpl:20:\d+: release "httpbin": hooks: helmfile hooks .* have no helm-cascade counterpart/,
      /happypath\.yaml\.gotmpl:39:\d+: release "helmx": jsonPatches: .*the release is not imported \(it would render otherwise\)/,
    ],
    notes: [/happypath\.yaml\.gotmpl:53:\d+: release "raw2" is not deployed in environment default \(condition raw2\.enabled is false\)/, /release "release-disabled" is not deployed in environment default/],
    imported: ['httpbin', 'raw'],
    compare: [],
  },
  {
    name: 'helmfile happypath with --partial: the releases that map are written and render as helmfile would',
    tree: HF,
    source: `${IT}/happypath/input/happypath.yaml.gotmpl`,
    envs: [],
    partial: true,
    exit: 0,
    gaps: [/release "httpbin": hooks:/, /release "helmx": jsonPatches:/],
    imported: ['httpbin', 'raw'],
  },
  {
    name: 'helmfile v1-subhelmfile-multi-bases-with-array-values (bases, nested helmfiles with values, selectorsInherited)',
    tree: HF,
    source: `${IT}/v1-subhelmfile-multi-bases-with-array-values/input/helmfile.yaml.gotmpl`,
    envs: ['dev'],
    exit: 0,
    gaps: [],
    notes: [/helmDefaults\.wait: helm-cascade waits with its own health gates/],
    imported: ['helmfile-test'],
  },
  {
    name: 'helmfile release_template_inheritance (templates:, inherit with except, valuesTemplate)',
    tree: HF,
    source: `${SNAP}/release_template_inheritance/input.yaml.gotmpl`,
    envs: [],
    exit: 0,
    gaps: [],
    imported: ['foo1', 'foo2'],
  },
  {
    name: 'helmfile environment_missing_in_subhelmfile (nested helmfiles skipped where the environment is missing)',
    tree: HF,
    source: `${SNAP}/environment_missing_in_subhelmfile/input.yaml.gotmpl`,
    envs: ['test'],
    exit: 0,
    gaps: [],
    notes: [/helmfiles\/prod\.yaml\.gotmpl:1:1: environment "test" is not defined in it \(helmfile skips such a file\)/],
    imported: ['no-envs', 'test'],
  },
  {
    name: 'helmfile secretssops (environment secrets and release secrets, sops)',
    tree: HF,
    source: `${IT}/secretssops/input/secretssops.yaml.gotmpl`,
    envs: ['direct'],
    // its release puts environment secrets inside a larger string (a template); a reference can only stand for a whole value
    exit: 4,
    gaps: [/secretssops\.yaml\.gotmpl:\d+:\d+: release "raw" not imported: a secret of the environment \(environments\.\*\.secrets\) is used inside a larger value/],
    imported: [],
    compare: [],
    encrypt: [
      [`${IT}/secretssops/input/env-1.secrets.yaml`, `${IT}/secretssops/input/tmp/env-1.secrets.sops.yaml`],
      [`${IT}/secretssops/input/env-2.secrets.yaml`, `${IT}/secretssops/input/tmp/env-2.secrets.sops.yaml`],
    ],
  },
];
