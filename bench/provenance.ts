// What a benchmark ran on: the commit (short hash, "dirty" when the work tree
// has changes), so a number quoted in the README can be traced to its code.
import { spawnSync } from 'node:child_process';
import { ROOT } from './repo.ts';

export function commitLine(): string {
  const git = (args: string[]) => spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' });
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head.status !== 0) return 'commit: unknown (not a git checkout)';
  const dirty = git(['status', '--porcelain', '--untracked-files=no']).stdout.trim() !== '';
  return `commit: ${head.stdout.trim()}${dirty ? ' dirty' : ''}`;
}

/** Median and spread (min..max) of a series, for "x s (min..max over n)". */
export function spread(xs: readonly number[]): { median: number; min: number; max: number; n: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)!, n: s.length };
}
