// `helm-cascade completion zsh`: a zsh completion function written from the
// spec, one `_arguments` call per command (flags with their descriptions, what
// each value is, repeatable flags marked), `_describe` for the subcommands.
// Names from the deploy repository run `helm-cascade __complete <kind>`.
import type { ArgSpec, CommandNode, FlagSpec, ValueKind } from './spec.ts';
import { walk } from './spec.ts';

/** A zsh single-quoted word. */
const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
/** Text inside an _arguments `[explanation]` or a `_describe` entry. */
const explain = (s: string) => s.replace(/\s+/g, ' ').replace(/([\\[\]:])/g, '\\$1');

/** The _arguments action; our functions in braces, so _arguments passes them no options of its own. */
function action(kind: ValueKind, choices: string[]): string {
  switch (kind) {
    case 'file':
      return '_files';
    case 'dir':
      return '_files -/';
    case 'choices':
      return `(${choices.join(' ')})`;
    case 'list':
      return `{__helm_cascade_list ${choices.join(' ')}}`;
    case 'selector':
      return '{__helm_cascade_selector}';
    case 'helm':
      return '{__helm_cascade_helm}';
    case 'none':
      return ' ';
    default:
      return `{__helm_cascade_name ${kind}}`;
  }
}

function flagSpec(f: FlagSpec): string {
  const names = [f.short, f.long].filter((s): s is string => s !== undefined);
  // -l+ and --wave=: the value in the same word or the next one
  const forms = names.map((n) => (f.value === undefined ? n : n.startsWith('--') ? `${n}=` : `${n}+`));
  const message = f.value === undefined ? '' : `:${f.value === 'none' ? 'value' : f.value}:${action(f.value, f.choices)}`;
  const tail = q(`[${explain(f.description)}]${message}`);
  const stop = f.long === '--help' || f.long === '--version';
  const exclusive = stop ? q('(- *)') : f.repeatable ? q('*') : names.length > 1 ? q(`(${names.join(' ')})`) : '';
  const spelled = forms.length > 1 ? `{${forms.join(',')}}` : forms[0]!;
  return `${exclusive}${spelled}${tail}`;
}

function argSpec(a: ArgSpec, i: number): string {
  return q(`${a.variadic ? '*' : String(i + 1)}:${a.name}:${action(a.value, a.choices)}`);
}

const fnName = (path: string[]) => `__helm_cascade_cmd${path.map((p) => `_${p.replace(/[^A-Za-z0-9]/g, '_')}`).join('')}`;

function nodeFunction(path: string[], n: CommandNode): string {
  const specs = [...n.flags.map(flagSpec), ...(n.commands.length ? [q(': :->command'), q('*:: :->arg')] : n.args.map(argSpec))];
  const lines = [`${fnName(path)}() {`, '  local curcontext=$curcontext state state_descr line ret=1', `  _arguments -C -s -S \\\n    ${specs.join(' \\\n    ')} && ret=0`];
  if (n.commands.length) {
    const entries = n.commands.map((c) => q(`${c.name.replaceAll(':', '\\:')}:${explain(c.description)}`));
    lines.push(
      '  case $state in',
      `    command) local -a cmds; cmds=(${entries.join(' ')}); _describe -t commands ${q(`${path.length ? path.join(' ') : n.name} command`)} cmds && ret=0 ;;`,
      '    arg)',
      '      curcontext=${curcontext%:*:*}:helm-cascade-$words[1]:',
      '      case $words[1] in',
      ...n.commands.map((c) => `        (${c.name}) ${fnName([...path, c.name])} && ret=0 ;;`),
      '      esac ;;',
      '  esac',
    );
  }
  lines.push('  return ret', '}');
  return lines.join('\n');
}

const HELPERS = `
# The names of one kind (wave, cluster, release, track) from the deploy
# repository of the line (its --clusters and --releases), in reply.
__helm_cascade_names() {
  local -a args
  local i w
  for ((i = 2; i < $#hc_words; i++)); do
    w=$hc_words[i]
    case $w in
      (--clusters|--releases) [[ -n $hc_words[i+1] ]] && args+=("$w=\${hc_words[i+1]/#\\~/$HOME}") ;;
      (--clusters=?*|--releases=?*) args+=("\${w/=\\~/=$HOME}") ;;
    esac
  done
  reply=(\${(f)"$("\${hc_prog/#\\~/$HOME}" __complete $1 "\${args[@]}" 2>/dev/null)"})
}

__helm_cascade_name() {
  local -a reply expl
  __helm_cascade_names $1
  _wanted $1 expl $1 compadd -a reply
}

# name=<release>,track=<track>,cluster=<cluster>
__helm_cascade_selector() {
  local -a reply expl
  compset -P '*,'
  if compset -P 'name='; then
    __helm_cascade_names release; _wanted releases expl release compadd -a reply
  elif compset -P 'cluster='; then
    __helm_cascade_names cluster; _wanted clusters expl cluster compadd -a reply
  elif compset -P 'track='; then
    __helm_cascade_names track; _wanted tracks expl track compadd -a reply
  else
    _wanted keys expl 'selector key' compadd -S '' name= track= cluster=
  fi
}

# comma-separated choices ($@), each may be name=file
__helm_cascade_list() {
  local expl
  compset -P '*,'
  if compset -P '*='; then
    _files
  else
    _wanted values expl value compadd -q -S , -- "$@"
  fi
}

__helm_cascade_helm() {
  local -a helms
  helms=(\${(k)commands[(I)helm(|[0-9])]})
  _alternative 'helms:helm binary:compadd -a helms' 'files:file:_files'
}
`;

/** The zsh completion script of the program: autoloadable from $fpath as _helm-cascade, or sourced. */
export function zshScript(root: CommandNode, o: { prog: string; version: string }): string {
  const fn = `_${o.prog}`;
  return [
    `#compdef ${o.prog}`,
    `# zsh completion for ${o.prog} ${o.version}, generated by \`${o.prog} completion zsh\``,
    `# from its command-line definition: regenerate it after an upgrade. Save it as`,
    `# ${fn} in a folder of $fpath (before compinit runs), or load it from ~/.zshrc`,
    `# after compinit with \`source <(${o.prog} completion zsh)\`. Wave, cluster,`,
    `# release and track names run \`${o.prog} __complete <kind>\`, which reads`,
    `# clusters.yaml (the one --clusters names, else ./clusters.yaml) and the release files.`,
    HELPERS,
    ...walk(root).map(({ path, node }) => nodeFunction(path, node)),
    '',
    `${fn}() {`,
    '  local hc_prog=$words[1]',
    '  local -a hc_words',
    '  hc_words=("${words[@]}")',
    `  ${fnName([])}`,
    '}',
    '',
    `if [[ $funcstack[1] == ${fn} ]]; then`,
    `  ${fn} "$@"`,
    'else',
    `  compdef ${fn} ${o.prog}`,
    'fi',
    '',
  ].join('\n');
}
