// `helm-cascade completion bash`: the bash script, written from the spec.
// Commands, flags and fixed choices are tables in the script, so TAB on them
// runs nothing; wave, cluster, release and track names run
// `helm-cascade __complete <kind>` (with the line's --clusters/--releases).
// bash splits words at COMP_WORDBREAKS (`=` and `:` among them), so the
// script reads the line itself (COMP_LINE up to COMP_POINT) and replies with
// what follows bash's own word start.
import type { CommandNode } from './spec.ts';
import { spellings, walk } from './spec.ts';

/** A bash single-quoted word. */
const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

function table(name: string, entries: [string, string][]): string {
  const rows = entries.map(([k, v]) => `  [${q(k)}]=${q(v)}`);
  return `declare -gA ${name}=(\n${rows.join('\n')}\n)`;
}

interface Tables {
  commands: [string, string][];
  flags: [string, string][];
  values: [string, string][];
  choices: [string, string][];
  args: [string, string][];
  argChoices: [string, string][];
}

function tables(root: CommandNode): Tables {
  const t: Tables = { commands: [], flags: [], values: [], choices: [], args: [], argChoices: [] };
  for (const { path, node } of walk(root)) {
    const at = ['_', ...path].join(' '); // bash keys cannot be empty: the program is `_`
    if (node.commands.length) t.commands.push([at, node.commands.map((c) => c.name).join(' ')]);
    t.flags.push([at, node.flags.flatMap(spellings).join(' ')]);
    for (const f of node.flags) {
      if (f.value === undefined) continue;
      for (const s of spellings(f)) {
        t.values.push([`${at}|${s}`, f.value]);
        if (f.choices.length) t.choices.push([`${at}|${s}`, f.choices.join(' ')]);
      }
    }
    node.args.forEach((a, i) => {
      const key = `${at}|${a.variadic ? '*' : String(i)}`;
      t.args.push([key, a.value]);
      if (a.choices.length) t.argChoices.push([key, a.choices.join(' ')]);
    });
  }
  return t;
}

const HELPERS = `
# The names of one kind (wave, cluster, release, track) from the deploy
# repository of the line (its --clusters and --releases).
__helm_cascade_names() {
  local -a args=()
  local i w
  for ((i = 1; i < \${#words[@]} - 1; i++)); do
    w=\${words[i]}
    case $w in
      --clusters|--releases) [[ -n \${words[i+1]} ]] && args+=("$w=\${words[i+1]/#\\~/$HOME}") ;;
      --clusters=?*|--releases=?*) args+=("\${w/=\\~/=$HOME}") ;;
    esac
  done
  "\${1/#\\~/$HOME}" __complete "$2" "\${args[@]}" 2>/dev/null
}

# Fills cands with the values of one kind that start with $4.
__helm_cascade_value() {
  local prog=$1 kind=$2 choices=$3 cur=$4 head item key
  case $kind in
    file) compopt -o filenames 2>/dev/null; mapfile -t cands < <(compgen -f -- "$cur") ;;
    dir) compopt -o filenames 2>/dev/null; mapfile -t cands < <(compgen -d -- "$cur") ;;
    helm)
      compopt -o filenames 2>/dev/null
      mapfile -t cands < <([[ $cur == */* ]] || compgen -c -- "$cur" | grep -E '^helm[0-9]*$' | sort -u; compgen -f -- "$cur") ;;
    choices) mapfile -t cands < <(compgen -W "$choices" -- "$cur") ;;
    list)
      head=\${cur%"\${cur##*,}"} item=\${cur##*,}
      if [[ $item == *=* ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t cands < <(compgen -f -P "$head\${item%%=*}=" -- "\${item#*=}")
      else
        compopt -o nospace 2>/dev/null
        mapfile -t cands < <(compgen -P "$head" -W "$choices" -- "$item")
      fi ;;
    wave|cluster|release|track) mapfile -t cands < <(compgen -W "$(__helm_cascade_names "$prog" "$kind")" -- "$cur") ;;
    selector)
      head=\${cur%"\${cur##*,}"} item=\${cur##*,}
      case $item in
        name=*|cluster=*|track=*)
          key=\${item%%=*}
          kind=$key
          [[ $key == name ]] && kind=release
          mapfile -t cands < <(compgen -P "$head$key=" -W "$(__helm_cascade_names "$prog" "$kind")" -- "\${item#*=}") ;;
        *)
          compopt -o nospace 2>/dev/null
          mapfile -t cands < <(compgen -P "$head" -W "name= track= cluster=" -- "$item") ;;
      esac ;;
  esac
}

__helm_cascade_complete() {
  local prog=$1 line=\${COMP_LINE:0:COMP_POINT}
  local -a words=() cands=()
  read -ra words <<< "$line"
  [[ -z $line || $line == *[[:space:]] ]] && words+=("")
  local cur=\${words[\${#words[@]} - 1]} path=_ expect="" w s i n=0 found
  # the command path, the positional arguments after it, and whether the last word wants a value
  for ((i = 1; i < \${#words[@]} - 1; i++)); do
    w=\${words[i]}
    if [[ -n $expect ]]; then expect=""; continue; fi
    case $w in
      --*=*) ;;
      -?*) [[ -n \${__helm_cascade_values["$path|$w"]+set} ]] && expect=$w ;;
      *)
        found=""
        for s in \${__helm_cascade_commands["$path"]}; do [[ $s == "$w" ]] && found=1 && break; done
        if [[ -n $found ]]; then path="$path $w"; n=0; else n=$((n + 1)); fi ;;
    esac
  done
  local flag="" pre="" key
  if [[ -n $expect ]]; then
    flag=$expect
  elif [[ $cur == --*=* ]]; then
    flag=\${cur%%=*} pre=\${cur%%=*}= cur=\${cur#*=}
  fi
  if [[ -n $flag ]]; then
    __helm_cascade_value "$prog" "\${__helm_cascade_values["$path|$flag"]}" "\${__helm_cascade_choices["$path|$flag"]}" "$cur"
  elif [[ $cur == -* ]]; then
    mapfile -t cands < <(compgen -W "\${__helm_cascade_flags["$path"]}" -- "$cur")
  elif [[ -n \${__helm_cascade_commands["$path"]} ]]; then
    mapfile -t cands < <(compgen -W "\${__helm_cascade_commands["$path"]}" -- "$cur")
  else
    key="$path|$n"
    [[ -n \${__helm_cascade_args["$key"]+set} ]] || key="$path|*"
    [[ -n \${__helm_cascade_args["$key"]+set} ]] && __helm_cascade_value "$prog" "\${__helm_cascade_args["$key"]}" "\${__helm_cascade_argchoices["$key"]}" "$cur"
  fi
  # bash replaces its own word, which starts after the last COMP_WORDBREAKS character
  local token=$pre$cur bw=\${COMP_WORDS[COMP_CWORD]}
  local drop=0
  [[ $token == *"$bw" ]] && drop=$((\${#token} - \${#bw}))
  COMPREPLY=()
  for s in "\${cands[@]}"; do
    [[ -n $s ]] || continue
    s=$pre$s
    COMPREPLY+=("\${s:drop}")
  done
}
`;

/** The bash completion script of the program. */
export function bashScript(root: CommandNode, o: { prog: string; version: string }): string {
  const t = tables(root);
  return [
    `# bash completion for ${o.prog} ${o.version}, generated by \`${o.prog} completion bash\``,
    `# from its command-line definition: regenerate it after an upgrade. Load it from`,
    `# ~/.bashrc with \`source <(${o.prog} completion bash)\`, or save it as`,
    `# ~/.local/share/bash-completion/completions/${o.prog}. Commands, flags and fixed`,
    `# values complete without running ${o.prog}; wave, cluster, release and track`,
    `# names run \`${o.prog} __complete <kind>\`, which reads clusters.yaml (the one`,
    `# --clusters names, else ./clusters.yaml) and the release files.`,
    '',
    '# command path (`_` is the program) -> its subcommands',
    table('__helm_cascade_commands', t.commands),
    '# command path -> its flags',
    table('__helm_cascade_flags', t.flags),
    '# "command path|flag" -> what its value is (file, dir, choices, list, wave, cluster, release, track, selector, helm, none)',
    table('__helm_cascade_values', t.values),
    table('__helm_cascade_choices', t.choices),
    '# "command path|position" ("*": every further one) -> what the argument is',
    table('__helm_cascade_args', t.args),
    table('__helm_cascade_argchoices', t.argChoices),
    HELPERS,
    `complete -F __helm_cascade_complete ${o.prog}`,
    '',
  ].join('\n');
}
