// `helm-cascade completion fish`: `complete` lines written from the spec, one
// per command and flag, each guarded by the command path of the line (which
// __helm_cascade_path works out from the tables below). Names from the deploy
// repository run `helm-cascade __complete <kind>`.
import type { CommandNode, FlagSpec, ValueKind } from './spec.ts';
import { spellings, walk } from './spec.ts';

/** A fish single-quoted word. */
const q = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const oneLine = (s: string) => s.replace(/\s+/g, ' ');

/** The `complete` options that say what a value is. */
function valueOptions(kind: ValueKind, choices: string[]): string {
  switch (kind) {
    case 'file':
      return '-r -F';
    case 'dir':
      return `-x -a ${q('(__fish_complete_directories (commandline -ct))')}`;
    case 'choices':
      return `-x -a ${q(choices.join(' '))}`;
    case 'list':
      return `-x -a ${q(`(__helm_cascade_list ${choices.join(' ')})`)}`;
    case 'selector':
      return `-x -a ${q('(__helm_cascade_selector)')}`;
    case 'helm':
      return `-x -a ${q('(__helm_cascade_helm)')}`;
    case 'none':
      return '-x';
    default:
      return `-x -a ${q(`(__helm_cascade_names ${kind})`)}`;
  }
}

function flagLine(prog: string, at: string, f: FlagSpec): string {
  const names = [f.short ? `-s ${f.short.slice(1)}` : '', f.long ? `-l ${f.long.slice(2)}` : ''].filter(Boolean).join(' ');
  const value = f.value === undefined ? '' : ` ${valueOptions(f.value, f.choices)}`;
  return `complete -c ${prog} -n ${q(`__helm_cascade_at ${q(at)}`)} ${names}${value} -d ${q(oneLine(f.description))}`;
}

function nodeLines(prog: string, path: string[], n: CommandNode): string[] {
  const at = path.join(' ');
  const guard = `-n ${q(`__helm_cascade_at ${q(at)}`)}`;
  const lines = n.flags.map((f) => flagLine(prog, at, f));
  for (const c of n.commands) lines.push(`complete -c ${prog} ${guard} -a ${q(c.name)} -d ${q(oneLine(c.description))}`);
  for (const a of n.commands.length ? [] : n.args) {
    lines.push(a.value === 'file' ? `complete -c ${prog} ${guard} -F` : `complete -c ${prog} ${guard} ${valueOptions(a.value, a.choices)}`);
  }
  return lines;
}

function caseFunction(name: string, doc: string, on: string, cases: [string, string][], otherwise: string): string {
  return [`function ${name} --description ${q(doc)}`, `    switch ${on}`, ...cases.flatMap(([k, body]) => [`        case ${k}`, `            ${body}`]), '    end', `    ${otherwise}`, 'end'].join('\n');
}

function tables(root: CommandNode): string {
  const nodes = walk(root);
  const commands = nodes.filter(({ node }) => node.commands.length).map(({ path, node }): [string, string] => [q(path.join(' ')), `printf '%s\\n' ${node.commands.map((c) => q(c.name)).join(' ')}`]);
  const valued = nodes.flatMap(({ path, node }) => node.flags.filter((f) => f.value !== undefined).flatMap((f) => spellings(f).map((s) => q(`${path.join(' ')}|${s}`))));
  return [
    caseFunction('__helm_cascade_commands', 'the subcommands of a command path', '"$argv[1]"', commands, 'return 0'),
    caseFunction('__helm_cascade_valued', 'does this flag of this command path take a value', '"$argv[1]|$argv[2]"', valued.length ? [[valued.join(' '), 'return 0']] : [], 'return 1'),
  ].join('\n');
}

const HELPERS = `
function __helm_cascade_path --description 'the command path of the line, e.g. "plan"'
    set -l path
    set -l skip 0
    for t in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case '--*=*'
            case '-?*'
                __helm_cascade_valued "$path" $t; and set skip 1
            case '*'
                contains -- $t (__helm_cascade_commands "$path"); and set path (string trim -- "$path $t")
        end
    end
    echo $path
end

function __helm_cascade_at --description 'is the line at this command path'
    set -l p (__helm_cascade_path)
    test "$p" = "$argv[1]"
end

function __helm_cascade_names --description 'wave, cluster, release or track names of the deploy repository'
    set -l tokens (commandline -opc)
    set -l args
    for i in (seq 2 (count $tokens))
        switch $tokens[$i]
            case --clusters --releases
                if test $i -lt (count $tokens)
                    set -a args $tokens[$i]=(string replace -r '^~' $HOME -- $tokens[(math $i + 1)])
                end
            case '--clusters=?*' '--releases=?*'
                set -a args (string replace -r '=~' =$HOME -- $tokens[$i])
        end
    end
    set -l prog (string replace -r '^~' $HOME -- $tokens[1])
    $prog __complete $argv[1] $args 2>/dev/null
end

function __helm_cascade_selector --description 'name=<release>,track=<track>,cluster=<cluster>'
    set -l tok (string replace -r -- '^--[^=]*=' '' (commandline -ct))
    set -l head (string replace -r -- '[^,]*$' '' $tok)
    set -l item (string replace -r -- '^.*,' '' $tok)
    switch $item
        case 'name=*'
            for n in (__helm_cascade_names release)
                echo $head"name=$n"
            end
        case 'cluster=*' 'track=*'
            set -l key (string replace -r -- '=.*' '' $item)
            for n in (__helm_cascade_names $key)
                echo $head"$key=$n"
            end
        case '*'
            printf '%s\\n' $head'name=' $head'track=' $head'cluster='
    end
end

function __helm_cascade_list --description 'comma-separated choices, each may be name=file'
    set -l tok (string replace -r -- '^--[^=]*=' '' (commandline -ct))
    set -l head (string replace -r -- '[^,]*$' '' $tok)
    set -l item (string replace -r -- '^.*,' '' $tok)
    if string match -q -- '*=*' $item
        set -l key (string replace -r -- '=.*' '' $item)
        for f in (__fish_complete_path (string replace -r -- '^[^=]*=' '' $item))
            echo $head"$key=$f"
        end
    else
        for c in $argv
            echo $head$c
        end
    end
end

function __helm_cascade_helm --description 'a helm binary'
    for c in helm helm3 helm4
        command -q $c; and echo $c
    end
    __fish_complete_path (commandline -ct)
end
`;

/** The fish completion script of the program. */
export function fishScript(root: CommandNode, o: { prog: string; version: string }): string {
  return [
    `# fish completion for ${o.prog} ${o.version}, generated by \`${o.prog} completion fish\``,
    `# from its command-line definition: regenerate it after an upgrade. Save it as`,
    `# ~/.config/fish/completions/${o.prog}.fish, or load it with`,
    `# \`${o.prog} completion fish | source\`. Wave, cluster, release and track names run`,
    `# \`${o.prog} __complete <kind>\`, which reads clusters.yaml (the one --clusters`,
    `# names, else ./clusters.yaml) and the release files.`,
    tables(root),
    HELPERS,
    `complete -c ${o.prog} -f`,
    ...walk(root).flatMap(({ path, node }) => nodeLines(o.prog, path, node)),
    '',
  ].join('\n');
}
