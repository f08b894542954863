// The commander program, built from one table of commands: each names the
// flags it takes (and only those), parses them once into its typed options,
// and lazily imports its handler, so `--help` loads no command code. The one
// top-level catch maps every error to its exit code through errors.ts.
import { Argument, Command, CommanderError, Option } from 'commander';
import * as options from './commands/options.ts';
import type { RawFlags } from './commands/options.ts';
import type { CommandResult } from './commands/io.ts';
import { printOutput } from './commands/io.ts';
import { CascadeError, ConfigError, EXIT_CODES, exitCodeOf, formatDiagnostic } from './errors.ts';
import type { Outcome } from './errors.ts';
import { shown } from './redact.ts';

export const VERSION = '0.1.0';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Every flag any command takes; each command lists the ones it uses. */
const FLAGS = {
  clusters: () => new Option('--clusters <file>', 'clusters.yaml of the deploy repository').default('./clusters.yaml'),
  releases: () => new Option('--releases <dir>', 'folder of release files (default: releases/ beside clusters.yaml)'),
  allowRoot: () => new Option('--allow-root <dir>', 'also allow values files and local charts from this folder outside the repository (repeatable)').argParser(collect),
  selector: () => new Option('-l, --selector <sel>', 'only units matching name=x,track=y,cluster=z (globs allowed)'),
  concurrency: () => new Option('--concurrency <n>', 'operations in flight at once (default: renders one per core, helm and kube calls 4 x cores)'),
  output: () => new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'),
  junit: () => new Option('--junit <file>', 'write a JUnit XML report'),
  color: () => new Option('--no-color', 'no ANSI colours (also when not a TTY or NO_COLOR is set)'),
  helm: () => new Option('--helm <path>', 'helm binary (default: $HELM_BIN, then helm on PATH)'),
  kubeconfig: () => new Option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, then clusters.yaml kubeconfig:, then ~/.kube/config)'),
  yes: () => new Option('--yes', 'apply without asking (CI set counts as yes; without a TTY and without either, apply refuses)'),
  verbose: () => new Option('--verbose', 'log every helm call and API request'),
  values: () => new Option('-f, --values <file>', 'a values file, highest precedence (repeatable; as helm reads it)').argParser(collect),
  set: () => new Option('--set <key=value>', 'highest-precedence values, as helm parses them (a=1,b=2, lists a[0]=x, escapes; repeatable)').argParser(collect),
  setString: () => new Option('--set-string <key=value>', 'like --set, values kept as strings (repeatable)').argParser(collect),
  setFile: () => new Option('--set-file <key=path>', 'like --set, the value read from a file (repeatable)').argParser(collect),
  setJson: () => new Option('--set-json <key=json>', 'like --set, the value a JSON document (repeatable)').argParser(collect),
  setLiteral: () => new Option('--set-literal <key=value>', 'like --set, the value taken literally, commas and all (repeatable)').argParser(collect),
  wave: () => new Option('--wave <name>', 'only this wave'),
  prune: () => new Option('--prune', 'uninstall managed releases the repository no longer lists'),
  ignoreLiveDrift: () => new Option('--ignore-live-drift', 'do not upgrade releases whose live objects were changed by hand'),
  cacheDir: () => new Option('--cache-dir <dir>', 'cache folder for charts and renders (default: $XDG_CACHE_HOME/helm-cascade or ~/.cache/helm-cascade)'),
  renderAll: () => new Option('--render-all', 'render every unit, even those whose inputs are those of the deployed revision (no render cache)'),
  forceNondeterministic: () => new Option('--force-nondeterministic', 'upgrade nondeterministic units (two renders of the same inputs differ) even when their inputs are those of the deployed revision'),
  lockTimeout: () => new Option('--lock-timeout <duration>', 'wait this long for another run\'s lock (e.g. 10m) instead of refusing'),
  log: () => new Option('--log <file>', 'write the run log (JSON Lines) here (default: .helm-cascade/runs/RUN_ID.jsonl beside clusters.yaml)'),
} as const;
type FlagName = keyof typeof FLAGS;

const REPO: FlagName[] = ['clusters', 'releases', 'allowRoot', 'output', 'color', 'verbose'];
const CLUSTER: FlagName[] = [...REPO, 'selector', 'kubeconfig', 'helm', 'concurrency'];
const RENDER: FlagName[] = [...CLUSTER, 'values', 'set', 'setString', 'setFile', 'setJson', 'setLiteral', 'wave', 'prune', 'ignoreLiveDrift', 'cacheDir', 'renderAll', 'forceNondeterministic'];

interface CommandSpec {
  name: string;
  /** Left out of --help and of completion (`__complete`). */
  hidden?: boolean;
  description: string;
  examples: string[];
  flags: FlagName[];
  extra?: (cmd: Command) => Command;
  /** Parses the flags and runs the handler (lazily imported). */
  run: (raw: RawFlags, cmd: Command) => Promise<CommandResult>;
}

const COMMANDS: CommandSpec[] = [
  {
    name: 'validate',
    description: 'parse and check every file; report every problem as file:line:col',
    examples: ['helm-cascade validate', 'helm-cascade validate --strict', 'helm-cascade validate --online --kubeconfig ~/.kube/config'],
    flags: [...REPO, 'kubeconfig', 'helm'],
    extra: (c) =>
      c
        .option('--online', 'also check that every context exists in the kubeconfig, and render every release against its cluster to check the house rules')
        .option('--strict', 'warnings fail too (exit 4): a repository that deploys nothing, a house rule that only warns'),
    run: async (raw) => (await import('./commands/validate.ts')).run(options.validateOptions(raw)),
  },
  {
    name: 'plan',
    description: 'render every (release, track, cluster), diff against what is deployed, print the waves',
    examples: ['helm-cascade plan', 'helm-cascade plan -l name=account-service,cluster=gke-* --explain', 'helm-cascade plan --out plan.json --detailed-exitcode'],
    flags: RENDER,
    extra: (c) =>
      c
        .option('--out <file>', 'save the plan (with digests) for apply --plan')
        .option('--explain', 'show which file or flag set each value')
        .option('--detailed-exitcode', 'exit 2 when changes are pending, 0 when none'),
    run: async (raw) => (await import('./commands/plan.ts')).run(await options.planOptions(raw)),
  },
  {
    name: 'apply',
    description: 'execute the waves in order, gate every wave on health, stop at the first failed gate',
    examples: ['helm-cascade apply --yes --junit apply.xml', 'helm-cascade apply --dry-run', 'helm-cascade apply --plan plan.json --yes', 'helm-cascade apply --wave canary --lock-timeout 10m'],
    flags: [...RENDER, 'yes', 'junit', 'lockTimeout', 'log'],
    extra: (c) =>
      c
        .option('--dry-run', 'everything up to helm, then helm --dry-run=server')
        .option('--plan <file>', 'apply exactly this saved plan; refuse if the cluster moved since')
        .option('--from-wave <name>', 'start at this wave')
        .option('--shard <i/n>', 'with --wave: apply share i of n of the wave (whole clusters, failover chains together), one agent per share')
        .option('--recover', 'roll releases stuck in pending-* back to their last deployed revision first'),
    run: async (raw) => (await import('./commands/apply.ts')).run(await options.applyOptions(raw)),
  },
  {
    name: 'drift',
    description: 'report every release that differs from the repository, was changed by hand, is broken or unhealthy',
    examples: ['helm-cascade drift', 'helm-cascade drift --format text,junit=drift.xml,html=drift.html --notify "$SLACK_WEBHOOK"', 'helm-cascade drift --format text,prometheus=/var/lib/node-exporter/helm-cascade.prom --pushgateway http://pushgateway:9091', 'helm-cascade drift --shard 2/4 --format json=shard-2.json'],
    flags: [...CLUSTER, 'junit', 'cacheDir', 'renderAll'],
    extra: (c) =>
      c
        .option('--format <formats>', 'text,json,junit,markdown,html,prometheus (name=file to write a file)', 'text')
        .option('--pushgateway <url>', 'push the metrics (as --format prometheus) to a Prometheus Pushgateway')
        .option('--shard <i/n>', 'check share i of n of the clusters (whole clusters, failover chains together), one job per share; the report says which (helm-cascade report merges them) and the pushed metrics are grouped by shard')
        .option('--notify <url>', 'post a summary to a Slack-compatible webhook when drift is found')
        .option('--notify-always', 'post even when nothing drifted'),
    run: async (raw, cmd) => (await import('./commands/drift.ts')).run(options.driftOptions(raw, cmd.getOptionValueSource('format') === 'cli')),
  },
  {
    name: 'status',
    description: 'cluster x release x track: revision, chart version, status, health',
    examples: ['helm-cascade status', 'helm-cascade status -l name=account-service -o json'],
    flags: CLUSTER.filter((f) => f !== 'helm' && f !== 'concurrency'),
    run: async (raw) => (await import('./commands/status.ts')).run(options.statusOptions(raw)),
  },
  {
    name: 'rollback',
    description: 'roll a wave, a release or everything back to the revisions before the last apply',
    examples: ['helm-cascade rollback', 'helm-cascade rollback --wave canary', 'helm-cascade rollback -l name=account-service --run 20261122T020241Z'],
    flags: [...CLUSTER.filter((f) => f !== 'output'), 'wave', 'lockTimeout', 'log'],
    extra: (c) => c.option('--run <id>', 'the apply run to undo (default: the last one)'),
    run: async (raw) => (await import('./commands/rollback.ts')).run(options.rollbackOptions(raw)),
  },
  {
    name: 'report',
    description: 'render one or more run logs (the shards of a wave merged), or merge drift JSON reports (drift --shard i/n), as html, json, junit, markdown or text',
    examples: ['helm-cascade report .helm-cascade/runs/20261122T020241Z-1a2b3c.jsonl --format html --out run.html', 'helm-cascade report shard-1.jsonl shard-2.jsonl --format junit --out apply.xml', 'helm-cascade report drift-1.json drift-2.json --format text'],
    flags: [],
    extra: (c) =>
      c
        .argument('<logs...>', 'run logs written by apply or rollback (--log, or .helm-cascade/runs/), or drift JSON reports (drift -o json, --format json=FILE)')
        .addOption(new Option('--format <format>', 'report format').choices(['html', 'json', 'junit', 'markdown', 'text']).default('html'))
        .option('--out <file>', 'write the report to this file (default: standard output)'),
    run: async (raw, cmd) => (await import('./commands/report.ts')).run(options.reportOptions(cmd.args, raw)),
  },
  {
    name: 'import',
    description: 'turn a helmfile (helmfile.yaml, .gotmpl, helmfile.d/) into a new deploy repository: clusters.yaml, releases/, values',
    examples: ['helm-cascade import helmfile ./helmfile.yaml -e staging -e production --out ../deploy', 'helm-cascade import helmfile helmfile.d/ -e prod --out deploy --partial'],
    flags: ['output'],
    extra: (c) =>
      c
        .argument('<kind>', 'what to import: helmfile')
        .argument('[path]', 'helmfile.yaml, helmfile.yaml.gotmpl, helmfile.d/ or the folder holding one (default: .)')
        .option('-e, --environment <env>', 'a helmfile environment to import, one cluster each; repeat in rollout order (default: helmfile\'s "default")', collect)
        .option('--out <dir>', 'the new repository\'s folder, not the helmfile\'s own (must hold no clusters.yaml or releases/ yet)', 'deploy')
        .option('--partial', 'write what maps even when something does not (listed; exit 0)')
        .option('--current-context <name>', 'the kube context of releases that name none (default: the kubeconfig\'s current context, as helmfile uses)'),
    run: async (raw, cmd) => (await import('./commands/import.ts')).run(options.importOptions(raw, cmd.args)),
  },
  {
    name: 'init',
    description: 'scaffold a new deploy repository: clusters.yaml from the kubeconfig\'s contexts, an example release, editor schemas',
    examples: ['helm-cascade init --from-kubeconfig deploy', 'helm-cascade init --from-kubeconfig --context gke_shop_europe-west1_prod --provider gke_shop_europe-west1_prod=gke --yes deploy'],
    flags: ['output', 'kubeconfig', 'yes'],
    extra: (c) =>
      c
        .argument('[dir]', 'the new repository\'s folder (default: .)')
        .option('--from-kubeconfig', 'one cluster per context of the kubeconfig (asked on a TTY which ones, unless --yes or --context)')
        .option('--context <name>', 'a kubeconfig context to make a cluster of (repeatable; implies --from-kubeconfig)', collect)
        .option('--provider <context=provider>', 'the provider of a context\'s cluster (repeatable; default: guessed from the name, gke_* is gke)', collect),
    run: async (raw, cmd) => (await import('./commands/init.ts')).run(options.initOptions(raw, cmd.args)),
  },
  {
    name: 'version',
    description: "the tool's, node's, helm's and kubectl's versions",
    examples: ['helm-cascade version', 'helm-cascade version -o json'],
    flags: ['output', 'helm'],
    run: async (raw) => (await import('./commands/version.ts')).run({ output: raw.output === 'json' ? 'json' : 'text', helmBin: typeof raw.helm === 'string' ? raw.helm : undefined, version: VERSION }),
  },
  {
    name: 'completion',
    description: 'print the shell completion script (commands, flags, and wave, cluster, release and track names)',
    examples: ['source <(helm-cascade completion bash)', 'helm-cascade completion zsh > "${fpath[1]}/_helm-cascade"', 'helm-cascade completion fish > ~/.config/fish/completions/helm-cascade.fish'],
    flags: [],
    extra: (c) => c.addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish'])),
    run: async (_raw, cmd) => (await import('./commands/completion.ts')).run({ shell: String(cmd.processedArgs[0]), program: cmd.parent ?? cmd, version: VERSION }),
  },
  {
    name: '__complete',
    hidden: true,
    description: "the names completion offers: wave, cluster, release or track, from the line's deploy repository",
    examples: ['helm-cascade __complete wave --clusters fleet/clusters.yaml', 'helm-cascade __complete words -- apply --wave ""'],
    flags: ['clusters', 'releases'],
    extra: (c) => c.argument('<kind>', 'wave, cluster, release or track; or words: complete the line given after -- (for helm)').argument('[words...]'),
    run: async (raw, cmd) =>
      (await import('./commands/complete.ts')).run({
        kind: String(cmd.processedArgs[0]),
        words: (cmd.processedArgs[1] as string[] | undefined) ?? [],
        clustersFile: String(raw.clusters),
        releasesDir: typeof raw.releases === 'string' ? raw.releases : undefined,
        program: cmd.parent ?? cmd,
      }),
  },
];

function register(program: Command, spec: CommandSpec): void {
  const cmd = program.command(spec.name, { hidden: spec.hidden === true }).description(spec.description);
  for (const f of spec.flags) cmd.addOption(FLAGS[f]());
  spec.extra?.(cmd);
  cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  cmd.action(async (...args: unknown[]) => {
    const c = args[args.length - 1] as Command;
    const result = await spec.run(c.opts() as RawFlags, c);
    if (result.output) printOutput(result.output);
    process.exitCode = EXIT_CODES[result.outcome];
  });
}

export function buildProgram(): Command {
  const program = new Command('helm-cascade')
    .description('Multi-cluster Helm release orchestrator: plan, diff and roll out releases cluster by cluster, track by track, in health-gated waves.')
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const spec of COMMANDS) register(program, spec);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage mistakes are bad input
      process.exitCode = err.exitCode === 0 ? EXIT_CODES.success : EXIT_CODES['bad-input'];
      return;
    }
    reportError(err);
    process.exitCode = exitCodeOf(err);
  }
}

function reportError(err: unknown): void {
  if (err instanceof ConfigError) {
    for (const d of err.diagnostics) process.stderr.write(`${shown(formatDiagnostic(d))}\n`);
    const n = err.diagnostics.length;
    process.stderr.write(`\n${n} problem${n === 1 ? '' : 's'} found; nothing was touched.\n`);
    return;
  }
  if (err instanceof Error) {
    const known = err instanceof CascadeError;
    process.stderr.write(`helm-cascade: ${shown(known ? err.message : (err.stack ?? err.message))}\n`);
    if (err instanceof CascadeError && err.hint) process.stderr.write(`hint: ${shown(err.hint)}\n`);
    return;
  }
  process.stderr.write(`helm-cascade: ${shown(String(err))}\n`);
}

export type { Outcome };
