// helm-cascade completion bash|zsh|fish: the shell's completion script, written
// from the commander program itself (the names it offers come from
// commands/complete.ts, a module of its own so that a TAB loads little).
import type { Command } from 'commander';
import { bashScript } from '../completion/bash.ts';
import { fishScript } from '../completion/fish.ts';
import { completionSpec } from '../completion/spec.ts';
import { zshScript } from '../completion/zsh.ts';
import type { CommandResult } from './io.ts';

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

export function run(o: { shell: string; program: Command; version: string }): CommandResult {
  const write = SCRIPTS[o.shell as keyof typeof SCRIPTS];
  return { outcome: 'success', output: write(completionSpec(o.program), { prog: o.program.name(), version: o.version }) };
}
