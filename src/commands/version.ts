// helm-cascade version: the tool's, node's, helm's and kubectl's versions
// (what a bug report needs). A missing helm or kubectl is shown as such.
import { execa } from 'execa';
import type { CommandResult } from './io.ts';

async function toolVersion(bin: string, args: string[]): Promise<string> {
  const r = await execa(bin, args, { reject: false, timeout: 10_000 });
  if (r.exitCode !== 0) return r.code === 'ENOENT' ? `not found (${bin})` : `unknown (${bin}: exit ${r.exitCode})`;
  return String(r.stdout).trim();
}

export async function run(o: { output: 'text' | 'json'; helmBin: string | undefined; version: string }): Promise<CommandResult> {
  const helmBin = o.helmBin ?? process.env.HELM_BIN ?? 'helm';
  const kubectlBin = process.env.KUBECTL_BIN ?? 'kubectl';
  const [helm, kubectl] = await Promise.all([
    toolVersion(helmBin, ['version', '--template', '{{.Version}}']),
    toolVersion(kubectlBin, ['version', '--client', '-o', 'json']).then((t) => {
      try {
        return (JSON.parse(t) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion ?? t;
      } catch {
        return t;
      }
    }),
  ]);
  const v = { 'helm-cascade': o.version, node: process.version, helm, kubectl };
  const output = o.output === 'json' ? `${JSON.stringify(v, null, 2)}\n` : `${Object.entries(v).map(([k, x]) => `${k.padEnd(13)} ${x}`).join('\n')}\n`;
  return { outcome: 'success', output };
}
