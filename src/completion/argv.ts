// Completion of a whole command line, for helm: `helm cascade ... <TAB>` runs
// the plugin's plugin.complete with the words after `helm cascade` (the last
// one being completed), and reads back cobra's protocol: one candidate per
// line, then `:<directive>`. The same walk as the bash script's (the command
// path, then whether the last word is a flag's value), over the same spec.
// Pure: the repository's names come from a callback.
import type { CommandNode, FlagSpec, ValueKind } from './spec.ts';
import { spellings } from './spec.ts';

/** cobra's ShellCompDirective bits. */
const DIRECTIVE = { default: 0, noSpace: 2, noFileComp: 4, filterDirs: 16 } as const;

export interface Completion {
  candidates: string[];
  directive: number;
}

type Names = (kind: 'wave' | 'cluster' | 'release' | 'track') => string[];

function flagOf(node: CommandNode, word: string): FlagSpec | undefined {
  return node.flags.find((f) => spellings(f).includes(word));
}

/** The command node the words lead to, how many positional arguments it has, and the flag whose value the last word is. */
function walkWords(root: CommandNode, words: string[]): { node: CommandNode; positional: number; flag: FlagSpec | undefined } {
  let node = root;
  let positional = 0;
  let expect: FlagSpec | undefined;
  for (const w of words) {
    if (expect) {
      expect = undefined;
      continue;
    }
    if (w.startsWith('--') && w.includes('=')) continue;
    if (w.startsWith('-') && w.length > 1) {
      const f = flagOf(node, w);
      if (f?.value !== undefined) expect = f;
      continue;
    }
    const child = node.commands.find((c) => c.name === w);
    if (child) [node, positional] = [child, 0];
    else positional++;
  }
  return { node, positional, flag: expect };
}

const startsWith = (prefix: string) => (c: string) => c.startsWith(prefix);

/** The candidates of one value kind for `cur` (full words: a list's head and a selector's key kept). */
function valueCompletion(kind: ValueKind, choices: string[], cur: string, names: Names): Completion {
  switch (kind) {
    case 'file':
    case 'helm':
      return { candidates: [], directive: DIRECTIVE.default };
    case 'dir':
      return { candidates: [], directive: DIRECTIVE.filterDirs };
    case 'none':
      return { candidates: [], directive: DIRECTIVE.noFileComp };
    case 'choices':
      return { candidates: choices.filter(startsWith(cur)), directive: DIRECTIVE.noFileComp };
    case 'list': {
      const head = cur.slice(0, cur.lastIndexOf(',') + 1);
      const item = cur.slice(head.length);
      if (item.includes('=')) return { candidates: [], directive: DIRECTIVE.default };
      return { candidates: choices.map((c) => head + c).filter(startsWith(cur)), directive: DIRECTIVE.noFileComp };
    }
    case 'selector': {
      const head = cur.slice(0, cur.lastIndexOf(',') + 1);
      const item = cur.slice(head.length);
      const key = /^(name|cluster|track)=/.exec(item)?.[1];
      if (!key) return { candidates: ['name=', 'track=', 'cluster='].map((k) => head + k).filter(startsWith(cur)), directive: DIRECTIVE.noFileComp | DIRECTIVE.noSpace };
      const of = key === 'name' ? 'release' : (key as 'cluster' | 'track');
      return { candidates: names(of).map((n) => `${head}${key}=${n}`).filter(startsWith(cur)), directive: DIRECTIVE.noFileComp };
    }
    default:
      return { candidates: names(kind).filter(startsWith(cur)), directive: DIRECTIVE.noFileComp };
  }
}

/** `words`: the command line after the program's name, the last word the one being completed ("" after a space). */
export function completeWords(root: CommandNode, words: readonly string[], names: Names): Completion {
  const cur = words.at(-1) ?? '';
  const { node, positional, flag } = walkWords(root, words.slice(0, -1));
  if (flag?.value !== undefined) return valueCompletion(flag.value, flag.choices, cur, names);
  const inline = /^(--[^=]+)=(.*)$/.exec(cur);
  if (inline) {
    const f = flagOf(node, inline[1]!);
    if (f?.value === undefined) return { candidates: [], directive: DIRECTIVE.noFileComp };
    const c = valueCompletion(f.value, f.choices, inline[2]!, names);
    return { ...c, candidates: c.candidates.map((v) => `${inline[1]}=${v}`) };
  }
  if (cur.startsWith('-')) return { candidates: node.flags.flatMap(spellings).filter(startsWith(cur)), directive: DIRECTIVE.noFileComp };
  if (node.commands.length) return { candidates: node.commands.map((c) => c.name).filter(startsWith(cur)), directive: DIRECTIVE.noFileComp };
  const arg = node.args[positional] ?? (node.args.at(-1)?.variadic ? node.args.at(-1) : undefined);
  return arg ? valueCompletion(arg.value, arg.choices, cur, names) : { candidates: [], directive: DIRECTIVE.noFileComp };
}

/** cobra's output: the candidates, then `:<directive>`. */
export function cobraOutput(c: Completion): string {
  return `${[...c.candidates, `:${c.directive}`].join('\n')}\n`;
}
