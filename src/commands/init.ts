// helm-cascade init [--from-kubeconfig] [--context NAME...] [--provider CONTEXT=PROVIDER...] [DIR]:
// a new deploy repository. The contexts come from the kubeconfig (--kubeconfig,
// $KUBECONFIG, ~/.kube/config): --context names them; --from-kubeconfig takes
// them all (on a TTY, asking for each, unless --yes); neither: the current
// context. Providers are guessed from the names (gke_* is gke) or given.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parse } from 'yaml';
import { loadDeployRepo } from '../config/load.ts';
import { ConfigError, UsageError } from '../errors.ts';
import { writeFileAtomically } from '../files.ts';
import { initFiles } from '../import/init-repo.ts';
import type { InitCluster } from '../import/init-repo.ts';
import { guessProvider } from '../import/providers.ts';
import type { CommandResult } from './io.ts';
import type { InitOptions } from './options.ts';

/** Context names and the current context of a KUBECONFIG-style list of files (the first current-context wins). */
function readKubeconfig(path: string): { contexts: string[]; current: string | undefined } {
  const contexts: string[] = [];
  let current: string | undefined;
  for (const file of path.split(delimiter).filter(Boolean)) {
    if (!existsSync(file)) continue;
    let doc: { contexts?: { name?: unknown }[]; 'current-context'?: unknown } | null;
    try {
      doc = parse(readFileSync(file, 'utf8')) as typeof doc;
    } catch {
      throw new UsageError(`kubeconfig ${file} is not valid YAML`);
    }
    for (const c of doc?.contexts ?? []) if (typeof c?.name === 'string' && !contexts.includes(c.name)) contexts.push(c.name);
    if (current === undefined && typeof doc?.['current-context'] === 'string' && doc['current-context']) current = doc['current-context'];
  }
  return { contexts, current };
}

/** On a TTY: which contexts, and their providers. */
async function ask(contexts: string[], providers: Record<string, string>): Promise<InitCluster[]> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const out: InitCluster[] = [];
    for (const context of contexts) {
      const yes = (await rl.question(`make a cluster of context "${context}"? [Y/n] `)).trim().toLowerCase();
      if (yes === 'n' || yes === 'no') continue;
      const guess = providers[context] ?? guessProvider(context);
      const provider = (await rl.question(`  provider of "${context}" [${guess}]: `)).trim() || guess;
      out.push({ context, provider });
    }
    return out;
  } finally {
    rl.close();
  }
}

async function chooseClusters(o: InitOptions): Promise<{ clusters: InitCluster[]; kubeconfig: string }> {
  const kubeconfig = o.kubeconfig ?? process.env.KUBECONFIG ?? join(homedir(), '.kube', 'config');
  const { contexts, current } = readKubeconfig(kubeconfig);
  for (const c of o.contexts) if (!contexts.includes(c)) throw new UsageError(`--context "${c}" is not in the kubeconfig (${kubeconfig}); contexts: ${contexts.join(', ') || 'none'}`);
  for (const c of Object.keys(o.providers)) if (!contexts.includes(c)) throw new UsageError(`--provider "${c}=...": context "${c}" is not in the kubeconfig (${kubeconfig})`);
  const of = (context: string): InitCluster => ({ context, provider: o.providers[context] ?? guessProvider(context) });
  if (o.contexts.length) return { clusters: o.contexts.map(of), kubeconfig };
  if (o.fromKubeconfig) {
    if (!contexts.length) throw new UsageError(`the kubeconfig (${kubeconfig}) has no contexts`);
    if (process.stdin.isTTY && !o.yes) return { clusters: await ask(contexts, o.providers), kubeconfig };
    return { clusters: contexts.map(of), kubeconfig };
  }
  if (!current) throw new UsageError(`the kubeconfig (${kubeconfig}) has no current context: name contexts with --context, or take them all with --from-kubeconfig`);
  return { clusters: [of(current)], kubeconfig };
}

export async function run(o: InitOptions): Promise<CommandResult> {
  const dir = resolve(o.dir);
  if (existsSync(join(dir, 'clusters.yaml'))) throw new UsageError(`${dir} already holds a clusters.yaml`);
  if (existsSync(join(dir, 'releases')) && readdirSync(join(dir, 'releases')).length) throw new UsageError(`${dir}/releases is not empty`);
  const { clusters, kubeconfig } = await chooseClusters(o);
  if (!clusters.length) throw new UsageError('no context chosen: nothing to write');
  const files = initFiles(clusters);
  for (const [path, text] of files) if (!existsSync(join(dir, path)) || path !== '.gitignore') writeFileAtomically(join(dir, path), text);
  const check = loadDeployRepo({ clustersFile: join(dir, 'clusters.yaml'), cwd: dir });
  if (check.diagnostics.length) throw new ConfigError(check.diagnostics, 'the new repository does not validate (a bug of init, please report it)');
  const repo = check.repo!;
  const summary = { dir, kubeconfig, clusters: repo.config.clusters.map((c) => ({ name: c.name, context: c.context, provider: c.provider })), files: [...files.keys()] };
  if (o.output === 'json') return { outcome: 'success', output: `${JSON.stringify(summary, null, 2)}\n` };
  const lines = [
    `Wrote a new deploy repository in ${dir}:`,
    `  clusters.yaml      ${summary.clusters.map((c) => `${c.name} (context ${c.context}, ${c.provider})`).join(', ')}`,
    '  releases/hello.yaml  an example release (charts/hello, values/hello/common.yaml)',
    '  schema/, .vscode/    the JSON Schemas and VS Code wiring: completion and checks in clusters.yaml and releases/',
    '  .gitignore          run logs (.helm-cascade/)',
    '',
    `Next: cd ${o.dir} && helm-cascade validate && helm-cascade plan`,
  ];
  return { outcome: 'success', output: `${lines.join('\n')}\n` };
}
