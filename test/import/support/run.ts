// One run of an import case: copy the vendored tree (repository URLs pointed
// at the local chart server), run `helm-cascade import helmfile` as a user
// would, and render both sides: helm-cascade's plan of the imported
// repository on the fleet, and `helmfile template` of the original.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { helmBin, kubectlBin, repoRoot } from '../../../fleet/tools.ts';
import type { HelmMajor } from '../../../fleet/tools.ts';
import type { ImportCase } from './cases.ts';
import { tempDir } from '../../support/tmp.ts';

/** Public chart repository URLs in the vendored helmfiles -> the local chart server's folders. */
const REPOSITORY_URLS: Record<string, string> = {
  'https://charts.helm.sh/incubator/': 'incubator',
  'https://charts.helm.sh/incubator': 'incubator',
  'https://groundhog2k.github.io/helm-charts/': 'groundhog2k',
  // repositories helmfile adds although no compared release uses them: empty ones
  'http://localhost:18084/': 'myrepo',
  'https://kubernetes.github.io/ingress-nginx': 'ingress-nginx',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

/** The case's tree in a temporary folder; the one change: repository URLs point at `chartServer`. */
export function copyTree(c: ImportCase, chartServer: string): string {
  const dir = tempDir('hc-import-case-');
  cpSync(c.tree, dir, { recursive: true });
  const urls = Object.entries(REPOSITORY_URLS).sort((a, b) => b[0].length - a[0].length);
  for (const f of filesUnder(dir).filter((p) => /\.(ya?ml|gotmpl)$/.test(p) && !p.includes('/charts/'))) {
    const text = readFileSync(f, 'utf8');
    let out = text;
    for (const [url, folder] of urls) out = out.split(url).join(`${chartServer}/${folder}/`);
    if (out !== text) writeFileSync(f, out);
  }
  return dir;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], o: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  const r = await execa(process.execPath, [join(repoRoot, 'bin', 'helm-cascade.js'), ...args], { cwd: o.cwd, reject: false, env: { NO_COLOR: '1', ...o.env } });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The objects of rendered YAML documents by apiVersion/kind/namespace/name. */
export function objectsOf(yamlText: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const doc of parseAllDocuments(yamlText)) {
    const o = doc.toJS() as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } } | null;
    if (!o || typeof o !== 'object' || !o.kind) continue;
    out.set(`${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, o);
  }
  return out;
}

/** The fleet's Kubernetes version (what helm-cascade renders with), for helmfile template --kube-version. */
export async function serverVersion(kubeconfig: string, context: string): Promise<string> {
  const r = await execa(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', context, 'version', '-o', 'json'], { reject: false });
  const v = (JSON.parse(String(r.stdout)) as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion;
  if (!v) throw new Error(`kubectl version --context ${context}: ${String(r.stderr)}`);
  return v.replace(/\+.*$/, '');
}

/**
 * What `helmfile template` renders for each release of one environment
 * (--include-crds --skip-tests, as helm-cascade renders), by release name.
 * helm's repositories and caches are in a folder of the run's own.
 */
export async function helmfileTemplate(o: { helmfile: string; major: HelmMajor; tree: string; source: string; env: string; kubeVersion: string; releases: string[]; extraEnv?: Record<string, string> }): Promise<Map<string, string>> {
  const out = tempDir('hc-helmfile-out-');
  const home = tempDir('hc-helmfile-home-');
  // a folder is where helmfile runs (it finds helmfile.yaml or helmfile.d/ itself); a file is given with -f
  const source = join(o.tree, o.source);
  const dirSource = statSync(source).isDirectory();
  const args = [
    ...(dirSource ? [] : ['-f', source]),
    '--helm-binary',
    helmBin(o.major),
    ...(o.env === 'default' ? [] : ['-e', o.env]),
    ...o.releases.flatMap((r) => ['-l', `name=${r}`]),
    'template',
    '--include-crds',
    '--skip-tests',
    '--kube-version',
    o.kubeVersion,
    '--output-dir',
    out,
    '--output-dir-template',
    '{{ .OutputDir }}/{{ .Release.Name }}',
  ];
  const r = await execa(o.helmfile, args, {
    cwd: dirSource ? source : o.tree,
    reject: false,
    env: { HELM_CONFIG_HOME: join(home, 'config'), HELM_CACHE_HOME: join(home, 'cache'), HELM_DATA_HOME: join(home, 'data'), HELMFILE_CACHE_HOME: join(home, 'helmfile'), ...o.extraEnv },
  });
  if (r.exitCode !== 0) throw new Error(`helmfile ${args.join(' ')} exited ${r.exitCode}:\n${String(r.stderr).slice(-4000)}`);
  const byRelease = new Map<string, string>();
  if (!existsSync(out)) return byRelease;
  for (const release of readdirSync(out)) {
    const docs = filesUnder(join(out, release))
      .sort()
      .map((f) => readFileSync(f, 'utf8'));
    byRelease.set(release, docs.join('\n---\n'));
  }
  return byRelease;
}

/** The sops binary (built from the Go module proxy into the cache, like the fleet's binaries). */
export async function ensureSops(cache: string): Promise<string> {
  const dir = join(cache, 'sops-v3.13.3');
  const bin = join(dir, 'sops');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  await execa('flock', [join(cache, '.sops-build.lock'), 'sh', '-c', `[ -x "${bin}" ] || GOBIN="${dir}" GOFLAGS=-mod=mod go install github.com/getsops/sops/v3/cmd/sops@v3.13.3`]);
  return bin;
}
