// The commander program: flags -> options -> lazily imported command module.
// The one top-level catch maps every error to SPEC's exit codes.
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, exitCodeOf, formatDiagnostic } from './errors.ts';

type Action = (opts: Record<string, unknown>, cmd: Command) => Promise<number>;

function common(cmd: Command): Command {
  return cmd
    .option('--clusters <file>', 'clusters.yaml of the deploy repository', './clusters.yaml')
    .option('--releases <dir>', 'folder of release files (default: releases/ beside clusters.yaml)')
    .option('-l, --selector <sel>', 'only units matching name=x,track=y,cluster=z (globs allowed)')
    .option('--concurrency <n>', 'helm/kube operations in flight at once (default: 4 x cores)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--no-color', 'no ANSI colours (also when not a TTY or NO_COLOR is set)')
    .option('--helm <path>', 'helm binary (default: $HELM_BIN, then helm on PATH)')
    .option('--kubeconfig <file>', 'kubeconfig (default: clusters.yaml kubeconfig, $KUBECONFIG, ~/.kube/config)')
    .option('--yes', 'no confirmation prompt (implied without a TTY)')
    .option('--verbose', 'log every helm and kubectl call');
}

function lazy(load: () => Promise<{ run: Action }>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const mod = await load();
    process.exitCode = await mod.run(cmd.opts() as Record<string, unknown>, cmd);
  };
}

export function buildProgram(): Command {
  const program = new Command('helm-cascade')
    .description('Multi-cluster Helm release orchestrator: plan, diff and roll out releases cluster by cluster, track by track, in health-gated waves.')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .exitOverride();

  common(program.command('validate'))
    .description('parse and check every file; report every problem as file:line:col')
    .option('--online', 'also check that every context exists in the kubeconfig')
    .action(lazy(() => import('./commands/validate.ts')));

  common(program.command('plan'))
    .description('render every (release, track, cluster), diff against what is deployed, print the waves')
    .option('--out <file>', 'save the plan (with digests) for apply --plan')
    .option('--explain', 'show which file or flag set each value')
    .option('--detailed-exitcode', 'exit 2 when changes are pending, 0 when none')
    .option('--prune', 'plan uninstalls of managed releases the repository no longer lists')
    .option('--wave <name>', 'only this wave')
    .option('--set <key=value...>', 'highest-precedence value overrides')
    .option('--ignore-live-drift', 'do not plan upgrades for releases whose live objects drifted')
    .action(lazy(() => import('./commands/plan.ts')));

  common(program.command('apply'))
    .description('execute the waves in order, gate every wave on health, stop at the first failed gate')
    .option('--dry-run', 'everything up to helm, then helm --dry-run=server')
    .option('--plan <file>', 'apply exactly this saved plan; refuse if the cluster moved since')
    .option('--wave <name>', 'only this wave')
    .option('--from-wave <name>', 'start at this wave')
    .option('--prune', 'uninstall managed releases the repository no longer lists')
    .option('--recover', 'roll releases stuck in pending-* back to their last deployed revision first')
    .option('--ignore-live-drift', 'do not upgrade releases whose live objects were changed by hand')
    .option('--set <key=value...>', 'highest-precedence value overrides')
    .action(lazy(() => import('./commands/apply.ts')));

  common(program.command('drift'))
    .description('report every release that differs from the repository, was changed by hand, or is broken')
    .option('--format <formats>', 'text,json,junit,markdown,html (name=file to write a file)', 'text')
    .option('--notify <url>', 'post a summary to a Slack-compatible webhook when drift is found')
    .option('--notify-always', 'post even when nothing drifted')
    .action(lazy(() => import('./commands/drift.ts')));

  common(program.command('status'))
    .description('cluster x release x track: revision, chart version, status, health')
    .action(lazy(() => import('./commands/status.ts')));

  common(program.command('rollback'))
    .description('roll a wave, a release or everything back to the revisions before the last apply')
    .option('--wave <name>', 'only the releases of this wave')
    .option('--run <id>', 'the apply run to undo (default: the last one)')
    .action(lazy(() => import('./commands/rollback.ts')));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; usage mistakes are bad input (exit 4)
      process.exitCode = err.exitCode === 0 ? 0 : 4;
      return;
    }
    reportError(err);
    process.exitCode = exitCodeOf(err);
  }
}

function reportError(err: unknown): void {
  if (err instanceof ConfigError) {
    for (const d of err.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    const n = err.diagnostics.length;
    process.stderr.write(`\n${n} problem${n === 1 ? '' : 's'} found; nothing was touched.\n`);
    return;
  }
  if (err instanceof Error) {
    const known = err.name !== 'Error' && err.name !== 'TypeError' && err.name !== 'RangeError';
    process.stderr.write(`helm-cascade: ${known ? err.message : (err.stack ?? err.message)}\n`);
    return;
  }
  process.stderr.write(`helm-cascade: ${String(err)}\n`);
}

