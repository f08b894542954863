// The CLI's shape for shell completion, read off the commander program (the
// one CLI definition, cli.ts): every visible command and subcommand, each with
// its flags and positional arguments, and what each value is, so the scripts
// know what to complete after it. Pure: a Command in, plain data out; the
// bash, zsh and fish scripts and the Helm plugin's completion.yaml are all
// written from it, so none of them can drift from the CLI.
//
// What a value is comes from, in order: the argument's choices (`-o text|json`),
// the table below (flags whose values the repository knows: waves, selectors,
// formats, the helm binary), then the placeholder's name (`<file>`, `<dir>`).
import { Help } from 'commander';
import type { Argument, Command, Option } from 'commander';
import { DRIFT_FORMATS } from '../report/drift-formats.ts';

/**
 * - none:      a value nothing can complete (a number, a URL, a duration)
 * - choices:   one of `choices`
 * - list:      comma-separated `choices`, each may be name=file (drift --format)
 * - file, dir: a path
 * - wave, cluster, release, track: a name read from the deploy repository
 * - selector:  name=<release>,track=<track>,cluster=<cluster>
 * - helm:      a helm binary: helm, helm3, helm4 on PATH, or a path
 */
export type ValueKind = 'none' | 'choices' | 'list' | 'file' | 'dir' | 'wave' | 'cluster' | 'release' | 'track' | 'selector' | 'helm';

export interface FlagSpec {
  /** `--wave` (undefined for a short-only flag). */
  long: string | undefined;
  /** `-l` */
  short: string | undefined;
  description: string;
  /** What its value is; undefined: a switch that takes none. */
  value: ValueKind | undefined;
  choices: string[];
  /** Given more than once (its values collect). */
  repeatable: boolean;
}

export interface ArgSpec {
  name: string;
  value: ValueKind;
  choices: string[];
  variadic: boolean;
}

export interface CommandNode {
  name: string;
  description: string;
  flags: FlagSpec[];
  args: ArgSpec[];
  commands: CommandNode[];
}

/** Flags whose values are known by name, beyond what their placeholders say. */
const FLAG_VALUES: Record<string, { value: ValueKind; choices?: readonly string[] }> = {
  '--wave': { value: 'wave' },
  '--from-wave': { value: 'wave' },
  '--selector': { value: 'selector' },
  '--format': { value: 'list', choices: DRIFT_FORMATS },
  '--helm': { value: 'helm' },
};

/** Placeholder names (`--clusters <file>`) -> what the value is. */
const PLACEHOLDER_VALUES: Record<string, ValueKind> = { file: 'file', path: 'file', dir: 'dir', log: 'file', logs: 'file' };

function placeholder(flags: string): string | undefined {
  return /[<[]([^>\]]+?)(?:\.\.\.)?[>\]]/.exec(flags)?.[1];
}

/** Does the flag collect its values (commander calls its parser with the previous value)? */
function collects(o: Option): boolean {
  if (o.variadic) return true;
  try {
    return Array.isArray(o.parseArg?.('b', ['a']));
  } catch {
    return false;
  }
}

function flagSpec(o: Option): FlagSpec {
  const takes = o.required || o.optional;
  const known = o.long ? FLAG_VALUES[o.long] : undefined;
  const name = placeholder(o.flags);
  let value: ValueKind | undefined;
  let choices: string[] = [];
  if (!takes) value = undefined;
  else if (o.argChoices?.length) [value, choices] = ['choices', [...o.argChoices]];
  else if (known) [value, choices] = [known.value, [...(known.choices ?? [])]];
  else value = (name && PLACEHOLDER_VALUES[name]) || 'none';
  return { long: o.long, short: o.short, description: o.description, value, choices, repeatable: collects(o) };
}

function argSpec(a: Argument, siblings: string[]): ArgSpec {
  const name = a.name();
  if (a.argChoices?.length) return { name, value: 'choices', choices: [...a.argChoices], variadic: a.variadic };
  // `help [command]`
  if (name === 'command') return { name, value: 'choices', choices: siblings, variadic: a.variadic };
  return { name, value: PLACEHOLDER_VALUES[name] ?? 'file', choices: [], variadic: a.variadic };
}

function node(cmd: Command, help: Help, siblings: string[]): CommandNode {
  const children = help.visibleCommands(cmd);
  const names = children.map((c) => c.name());
  return {
    name: cmd.name(),
    description: cmd.description(),
    flags: help.visibleOptions(cmd).map(flagSpec),
    args: cmd.registeredArguments.map((a) => argSpec(a, siblings)),
    commands: children.map((c) => node(c, help, names)),
  };
}

/** The program's completion spec (hidden commands, such as `__complete`, left out). */
export function completionSpec(program: Command): CommandNode {
  return node(program, new Help(), []);
}

/** Every node with its path from the root (`[]`, `['plan']`, `['import', 'helmfile']`), depth first. */
export function walk(root: CommandNode): { path: string[]; node: CommandNode }[] {
  const out: { path: string[]; node: CommandNode }[] = [];
  const visit = (n: CommandNode, path: string[]) => {
    out.push({ path, node: n });
    for (const c of n.commands) visit(c, [...path, c.name]);
  };
  visit(root, []);
  return out;
}

/** A flag's spellings: `--selector`, `-l`. */
export function spellings(f: FlagSpec): string[] {
  return [f.long, f.short].filter((s): s is string => s !== undefined);
}
