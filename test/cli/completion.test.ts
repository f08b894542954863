// `helm-cascade completion bash|zsh|fish` in the real shells: the script
// sourced into bash (completion driven through COMP_LINE/COMP_WORDS as
// readline sets them, and once through a real terminal), zsh (compinit in a
// pseudo-terminal, support/zsh-capture.zsh) and fish (`complete -C`), each
// completing commands, flags, fixed values, and wave, cluster, release and
// track names read from a deploy repository. Then `__complete` itself, the
// spec against the commander program, and the plugin's completion.yaml read
// as helm reads it (YAML 1.1).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, describe, it } from 'node:test';
import { Help } from 'commander';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli.ts';
import { completeWords } from '../../src/completion/argv.ts';
import { repoPathsOf } from '../../src/completion/names.ts';
import { completionSpec, walk } from '../../src/completion/spec.ts';
import { tempDir } from '../support/tmp.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const NODE_BIN = join(ROOT, 'node_modules', '.bin');

interface Ran {
  code: number;
  out: string;
  err: string;
}
function run(bin: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Ran {
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}
const lines = (s: string) => s.split('\n').filter((l) => l.trim() !== '');

/** A deploy repository with waves, tracks, clusters and releases of its own (one release file without a top-level `name:` line). */
function deployRepo(): string {
  const dir = tempDir('hc-completion-repo-');
  writeFileSync(
    join(dir, 'clusters.yaml'),
    `clusters:
  eu-paris: { context: paris }
  eu-berlin: { context: berlin }
  us-east: { context: us }
tracks: [canary, stable]
waves:
  - name: first-light
    tracks: [canary]
  - name: everywhere
    tracks: [stable]
`,
  );
  mkdirSync(join(dir, 'releases'));
  writeFileSync(join(dir, 'releases', 'billing.yaml'), 'name: billing\nnamespace: pay\nchart: { ref: ./chart }\n');
  writeFileSync(join(dir, 'releases', 'ledger.yml'), '# a comment first\nname: "ledger"   # quoted\nnamespace: pay\nchart: { ref: ./chart }\n');
  writeFileSync(join(dir, 'releases', 'flow.yaml'), '{ name: search, namespace: find, chart: { ref: ./chart } }\n');
  return dir;
}

/** A PATH whose `helm-cascade` is this checkout's, run by Node 24. */
function userPath(): string {
  const bin = tempDir('hc-completion-bin-');
  symlinkSync(join(ROOT, 'bin', 'helm-cascade.js'), join(bin, 'helm-cascade'));
  return `${bin}:${NODE_BIN}:/usr/bin:/bin`;
}

function script(shell: 'bash' | 'zsh' | 'fish'): string {
  const r = run(join(NODE_BIN, 'node'), [join(ROOT, 'bin', 'helm-cascade.js'), 'completion', shell]);
  assert.equal(r.code, 0, r.err);
  const file = join(tempDir(`hc-completion-${shell}-`), `helm-cascade.${shell}`);
  writeFileSync(file, r.out);
  return file;
}

/** COMP_WORDS as readline splits a line: at blanks, and at = and : (a run of them is a word of its own). */
function compWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/[=:]+|[^\s=:]+/g)) words.push(m[0]);
  if (line === '' || /[\s]$/.test(line)) words.push('');
  return words;
}

const BASH_DRIVER = `source "$1"
COMP_LINE=$2
COMP_POINT=\${#COMP_LINE}
COMP_WORDS=("\${@:3}")
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
COMPREPLY=()
__helm_cascade_complete helm-cascade "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\\n' "\${COMPREPLY[@]}"
`;

/** Each test line -> what every shell must offer (bash: what replaces its word; see the bash cases for `=`). */
const CASES: { line: string; offers: string[]; exact?: boolean }[] = [
  { line: 'helm-cascade ', offers: ['validate', 'plan', 'apply', 'drift', 'status', 'rollback', 'version', 'completion'] },
  { line: 'helm-cascade pl', offers: ['plan'], exact: true },
  { line: 'helm-cascade apply --y', offers: ['--yes'], exact: true },
  { line: 'helm-cascade drift --no', offers: ['--no-color', '--notify', '--notify-always'], exact: true },
  { line: 'helm-cascade apply --wave ', offers: ['first-light', 'everywhere'], exact: true },
  { line: 'helm-cascade rollback --wave e', offers: ['everywhere'], exact: true },
  { line: 'helm-cascade apply --from-wave f', offers: ['first-light'], exact: true },
  { line: 'helm-cascade plan -l name=', offers: ['billing', 'ledger', 'search'] },
  { line: 'helm-cascade status -l cluster=eu-', offers: ['eu-berlin', 'eu-paris'] },
  { line: 'helm-cascade plan -l track=c', offers: ['canary'] },
  { line: 'helm-cascade drift --format text,ju', offers: ['junit'] },
  { line: 'helm-cascade plan -o ', offers: ['text', 'json'], exact: true },
  { line: 'helm-cascade completion ', offers: ['bash', 'zsh', 'fish'], exact: true },
];

describe('shell completion', { timeout: 300_000 }, () => {
  let repo = '';
  let path = '';
  before(() => {
    repo = deployRepo();
    path = userPath();
  });

  describe('bash (COMP_LINE and COMP_WORDS as readline sets them)', () => {
    let file = '';
    const complete = (line: string, cwd = repo) => {
      const r = run('bash', ['--norc', '--noprofile', '-c', BASH_DRIVER, 'driver', file, line, ...compWords(line)], { cwd, env: { PATH: path, HOME: repo } });
      assert.equal(r.code, 0, r.err);
      return lines(r.out);
    };
    before(() => (file = script('bash')));

    for (const c of CASES) {
      it(`${c.line}<TAB>`, () => {
        // bash replaces its own word: after `name=` that is the "=", after `name=b` the "b", in text,ju the whole list
        const got = complete(c.line);
        const want = c.line.endsWith('=') ? c.offers.map((o) => `=${o}`) : c.offers;
        if (c.exact) assert.deepEqual([...got].sort(), [...want].sort());
        else for (const w of want) assert.ok(got.some((g) => g === w || g.endsWith(`,${w}`)), `${w} not offered for "${c.line}": ${got.join(' ')}`);
      });
    }

    it('--wave=<TAB> and --wave=c<TAB>: the reply replaces bash\'s own word (the "=" or what follows it)', () => {
      assert.deepEqual(complete('helm-cascade apply --wave=').sort(), ['=everywhere', '=first-light']);
      assert.deepEqual(complete('helm-cascade apply --wave=f'), ['first-light']);
      assert.deepEqual(complete('helm-cascade plan --clusters=clu'), ['clusters.yaml']);
    });

    it('names come from the repository --clusters names, from any folder', () => {
      const elsewhere = tempDir('hc-completion-cwd-');
      assert.deepEqual(complete(`helm-cascade plan --clusters ${repo}/clusters.yaml --wave `, elsewhere).sort(), ['everywhere', 'first-light']);
      assert.deepEqual(complete(`helm-cascade plan --clusters=${repo}/clusters.yaml -l name=b`, elsewhere), ['billing']);
      assert.deepEqual(complete('helm-cascade plan --wave ', elsewhere), [], 'no clusters.yaml here: nothing offered');
    });

    it('in an interactive bash on a terminal (tmux): --wave=fi<TAB> and -l name=le<TAB> complete in place', async () => {
      const session = `hc-completion-${process.pid}`;
      const tmux = (...a: string[]) => run('tmux', a);
      assert.equal(tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '20', `env -i HOME=${repo} TERM=xterm PATH=${path} bash --norc --noprofile`).code, 0);
      try {
        tmux('send-keys', '-t', session, '-l', '--', `cd ${repo} && source ${file} && clear`);
        tmux('send-keys', '-t', session, 'Enter');
        const screen = async (want: RegExp) => {
          let text = '';
          for (let i = 0; i < 100 && !want.test(text); i++) {
            await sleep(200);
            text = tmux('capture-pane', '-p', '-t', session).out;
          }
          return text;
        };
        await screen(/\$ $/m);
        tmux('send-keys', '-t', session, '-l', '--', 'helm-cascade apply --wave=fi');
        tmux('send-keys', '-t', session, 'Tab');
        assert.match(await screen(/--wave=first-light/), /helm-cascade apply --wave=first-light\s*$/m);
        // (the pane drops trailing blanks: the space bash added shows once more is typed)
        tmux('send-keys', '-t', session, '-l', '--', '-l name=le');
        tmux('send-keys', '-t', session, 'Tab');
        assert.match(await screen(/name=ledger/), /helm-cascade apply --wave=first-light -l name=ledger\s*$/m);
      } finally {
        tmux('kill-session', '-t', session);
      }
    });
  });

  describe('zsh (compinit in a pseudo-terminal)', () => {
    const extra = ['helm-cascade apply --wave=f', 'helm-cascade plan --selector=track=canary,cluster=us'];
    const offered = new Map<string, string[]>();
    before(() => {
      // one zsh for every line (compinit is slow to start)
      const inputs = [...CASES.map((c) => c.line), ...extra];
      const r = run('zsh', ['-f', join(import.meta.dirname, 'support', 'zsh-capture.zsh'), script('zsh'), ...inputs], { cwd: repo, env: { PATH: path, HOME: repo } });
      assert.equal(r.code, 0, r.err);
      const blocks = r.out.split(/^--$/m).map(lines);
      inputs.forEach((line, i) => offered.set(line, blocks[i] ?? []));
    });

    for (const c of CASES) {
      it(`${c.line}<TAB>`, () => {
        const got = offered.get(c.line) ?? [];
        if (c.exact) assert.deepEqual([...got].sort(), [...c.offers].sort());
        else for (const w of c.offers) assert.ok(got.includes(w), `${w} not offered for "${c.line}": ${got.join(' ')}`);
      });
    }

    it('--wave=f<TAB>, --selector=cluster=us<TAB>', () => {
      assert.deepEqual(offered.get(extra[0]!), ['first-light']);
      assert.deepEqual(offered.get(extra[1]!), ['us-east']);
    });
  });

  describe('fish (complete -C)', () => {
    let file = '';
    const complete = (line: string) => {
      const r = run('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', file, line], { cwd: repo, env: { PATH: path, HOME: repo } });
      assert.equal(r.code, 0, r.err);
      return lines(r.out).map((l) => l.split('\t')[0]!);
    };
    before(() => (file = script('fish')));

    for (const c of CASES) {
      it(`${c.line}<TAB>`, () => {
        const got = complete(c.line);
        // fish offers the whole token: name=billing, text,junit
        const token = c.line.split(' ').at(-1) ?? '';
        const head = token.replace(/[^,=]*$/, '');
        const want = c.offers.map((o) => (head && !o.startsWith('-') ? `${head}${o}` : o));
        if (c.exact) assert.deepEqual([...got].sort(), [...want].sort());
        else for (const w of want) assert.ok(got.includes(w), `${w} not offered for "${c.line}": ${got.join(' ')}`);
      });
    }
  });
});

describe('helm-cascade __complete <kind>', () => {
  const repo = deployRepo();
  const names = (args: string[], cwd = repo) => {
    const r = run(join(NODE_BIN, 'node'), [join(ROOT, 'bin', 'helm-cascade.js'), '__complete', ...args], { cwd });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    return lines(r.out);
  };

  it('waves in rollout order, clusters, tracks and releases sorted', () => {
    assert.deepEqual(names(['wave']), ['first-light', 'everywhere']);
    assert.deepEqual(names(['cluster']), ['eu-berlin', 'eu-paris', 'us-east']);
    assert.deepEqual(names(['track']), ['canary', 'stable']);
    assert.deepEqual(names(['release']), ['billing', 'ledger', 'search']);
  });

  it('without waves: one per track; --releases elsewhere; a missing or broken file offers nothing, exit 0', () => {
    const dir = tempDir('hc-completion-nowaves-');
    writeFileSync(join(dir, 'clusters.yaml'), 'clusters: { a: { context: a } }\ntracks: [internal, production]\n');
    assert.deepEqual(names(['wave', '--clusters', join(dir, 'clusters.yaml')], tmpdir()), ['internal', 'production']);
    assert.deepEqual(names(['release', '--clusters', join(dir, 'clusters.yaml'), '--releases', join(repo, 'releases')], tmpdir()), ['billing', 'ledger', 'search']);
    writeFileSync(join(dir, 'broken.yaml'), 'clusters: [unclosed\n');
    assert.deepEqual(names(['cluster', '--clusters', join(dir, 'broken.yaml')]), []);
    assert.deepEqual(names(['wave', '--clusters', join(dir, 'missing.yaml')]), []);
    assert.deepEqual(names(['nonsense']), []);
  });
});

describe('the completion spec and completion.yaml', () => {
  const program = buildProgram();
  const spec = completionSpec(program);

  it('holds every visible command and every flag of the program, and no hidden one', () => {
    const help = new Help();
    const visit = (cmd: Command, path: string[]) => {
      const node = walk(spec).find((n) => n.path.join(' ') === path.join(' '))?.node;
      assert.ok(node, `${path.join(' ')} missing from the spec`);
      const flags = help.visibleOptions(cmd).flatMap((o) => [o.long, o.short].filter(Boolean));
      assert.deepEqual(node.flags.flatMap((f) => [f.long, f.short].filter(Boolean)), flags, path.join(' '));
      for (const c of help.visibleCommands(cmd)) visit(c, [...path, c.name()]);
    };
    visit(program, []);
    assert.ok(!spec.commands.some((c) => c.name === '__complete'));
  });

  it('knows what each value is: waves, selectors, formats, files, choices, repeatable flags', () => {
    const apply = spec.commands.find((c) => c.name === 'apply')!;
    const flag = (n: string) => apply.flags.find((f) => f.long === n)!;
    assert.equal(flag('--wave').value, 'wave');
    assert.equal(flag('--from-wave').value, 'wave');
    assert.equal(flag('--selector').value, 'selector');
    assert.equal(flag('--selector').short, '-l');
    assert.equal(flag('--clusters').value, 'file');
    assert.equal(flag('--releases').value, 'dir');
    assert.equal(flag('--helm').value, 'helm');
    assert.deepEqual([flag('--output').value, flag('--output').choices], ['choices', ['text', 'json']]);
    assert.equal(flag('--yes').value, undefined);
    assert.equal(flag('--set').repeatable, true);
    assert.equal(flag('--values').repeatable, true);
    assert.equal(flag('--wave').repeatable, false);
    const drift = spec.commands.find((c) => c.name === 'drift')!;
    assert.deepEqual(drift.flags.find((f) => f.long === '--format')?.choices, ['text', 'json', 'junit', 'markdown', 'html', 'prometheus']);
    assert.deepEqual(spec.commands.find((c) => c.name === 'completion')?.args[0]?.choices, ['bash', 'zsh', 'fish']);
  });

  it('completion.yaml is what the CLI says, every name a string when read as YAML 1.1 (as helm reads it)', () => {
    const check = run(join(NODE_BIN, 'node'), [join(ROOT, 'scripts', 'completion-yaml.mjs'), '--check']);
    assert.equal(check.code, 0, check.err);
    interface Entry {
      name: unknown;
      flags: unknown[];
      validArgs?: unknown[];
      commands?: Entry[];
    }
    const doc = parse(readFileSync(join(ROOT, 'completion.yaml'), 'utf8'), { version: '1.1' }) as Entry;
    assert.equal(doc.name, 'cascade');
    const apply = doc.commands?.find((c) => c.name === 'apply');
    assert.ok(apply?.flags.includes('yes'), 'apply --yes is not the string "yes"');
    for (const c of doc.commands ?? []) {
      const node = spec.commands.find((n) => n.name === c.name);
      assert.ok(node, `${String(c.name)} is not a command`);
      for (const f of [...c.flags, ...(c.validArgs ?? [])]) assert.equal(typeof f, 'string', `${String(c.name)}: ${String(f)} is read as a ${typeof f}`);
      assert.deepEqual(c.flags, node.flags.flatMap((f) => [f.long, f.short].filter((s): s is string => s !== undefined).map((s) => s.replace(/^--?/, ''))));
    }
    assert.deepEqual(doc.commands?.find((c) => c.name === 'completion')?.validArgs, ['bash', 'zsh', 'fish']);
  });
});

describe('completing a whole line for helm (plugin.complete, cobra protocol)', () => {
  const spec = completionSpec(buildProgram());
  const asked: string[] = [];
  const names = (kind: 'wave' | 'cluster' | 'release' | 'track') => {
    asked.push(kind);
    return { wave: ['first-light', 'everywhere'], cluster: ['eu-berlin', 'eu-paris', 'us-east'], release: ['billing', 'ledger'], track: ['canary', 'stable'] }[kind];
  };
  const c = (...words: string[]) => completeWords(spec, words, names);

  it('flags, flag values, inline values, selectors, lists, choices, with the directive cobra reads', () => {
    assert.deepEqual(c('apply', '--y'), { candidates: ['--yes'], directive: 4 });
    assert.deepEqual(c('apply', '--wave', ''), { candidates: ['first-light', 'everywhere'], directive: 4 });
    assert.deepEqual(c('apply', '--wave=e'), { candidates: ['--wave=everywhere'], directive: 4 });
    assert.deepEqual(c('plan', '-l', ''), { candidates: ['name=', 'track=', 'cluster='], directive: 6 });
    assert.deepEqual(c('plan', '-l', 'track=canary,cluster=eu-p'), { candidates: ['track=canary,cluster=eu-paris'], directive: 4 });
    assert.deepEqual(c('drift', '--format', 'json,h'), { candidates: ['json,html'], directive: 4 });
    assert.deepEqual(c('drift', '--format', 'json='), { candidates: [], directive: 0 }, 'a file after =');
    assert.deepEqual(c('plan', '--clusters', ''), { candidates: [], directive: 0 }, 'files: the shell completes them');
    assert.deepEqual(c('plan', '--releases', ''), { candidates: [], directive: 16 });
    assert.deepEqual(c('plan', '--concurrency', ''), { candidates: [], directive: 4 });
    assert.deepEqual(c('completion', 'z'), { candidates: ['zsh'], directive: 4 });
    assert.deepEqual(c('pl'), { candidates: ['plan'], directive: 4 });
  });

  it('a flag value is skipped when walking, and a flag without a value is not', () => {
    // --wave's value "canary" is no positional; --prune takes no value, so "--wave" after it wants one
    assert.deepEqual(c('plan', '--wave', 'canary', '--prune', '--wave', 'f'), { candidates: ['first-light'], directive: 4 });
    asked.length = 0;
    c('plan', '--yes-not-a-flag', '');
    assert.deepEqual(asked, [], 'names read for a word that is no flag value');
  });

  it('reads --clusters and --releases off the line, either form', () => {
    assert.deepEqual(repoPathsOf(['plan', '--clusters', 'fleet/clusters.yaml', '--releases=fleet/rel', '--wave', '']), { clustersFile: 'fleet/clusters.yaml', releasesDir: 'fleet/rel' });
    assert.deepEqual(repoPathsOf(['plan', '--clusters']), { clustersFile: './clusters.yaml', releasesDir: undefined });
  });
});
