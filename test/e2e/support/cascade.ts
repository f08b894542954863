// End-to-end helpers: the shared local fleet (the example repository's
// contexts), scratch deploy repositories, and the CLI run as a subprocess with
// real helm and kubectl.
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import type { ResultPromise } from 'execa';
import { ensureFleet } from '../../../fleet/fleet-api.ts';
import type { FleetInfo } from '../../../fleet/fleet-api.ts';
import { helmBin, kubectlBin, repoRoot } from '../../../fleet/tools.ts';
import type { HelmMajor } from '../../../fleet/tools.ts';
import { testHelmMajors } from '../../support/helm-majors.ts';
import { tempDir } from '../../support/tmp.ts';

export const CONTEXTS = { paris: 'dc-paris', amsterdam: 'dc-amsterdam', europe: 'gke_demo_europe-west1_main', us: 'gke_demo_us-east1_main' } as const;

let fleetP: Promise<FleetInfo> | undefined;
/** The shared fleet of the example clusters.yaml: where it is, its clusters' servers, tokens and certificates. */
export function sharedFleetInfo(): Promise<FleetInfo> {
  fleetP ??= ensureFleet({ clustersFile: join(repoRoot, 'clusters.yaml'), log: () => undefined });
  return fleetP;
}

/** The shared fleet of the example clusters.yaml; returns its kubeconfig. */
export async function sharedFleet(): Promise<string> {
  return (await sharedFleetInfo()).kubeconfig;
}

/** Helm majors to run against: both, unless HELM_CASCADE_TEST_HELM narrows them (HELM_BIN does not). */
export function helmMajors(): HelmMajor[] {
  return testHelmMajors();
}

export const suffix = () => Math.random().toString(36).slice(2, 7);

/** A scratch deploy repository: the given files, plus charts/cascade-demo from this checkout. */
export function scratchRepo(files: Record<string, string>): string {
  const dir = tempDir('hc-e2e-');
  cpSync(join(repoRoot, 'charts'), join(dir, 'charts'), { recursive: true });
  mkdirSync(join(dir, 'releases'), { recursive: true });
  writeRepoFiles(dir, files);
  return dir;
}

export function writeRepoFiles(dir: string, files: Record<string, string>): void {
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function cascadeProcess(cwd: string, args: string[], o: { kubeconfig: string; helm: HelmMajor; env?: Record<string, string> }): ResultPromise<{ reject: false }> {
  return execa(process.execPath, [join(repoRoot, 'bin', 'helm-cascade.js'), ...args], {
    cwd,
    reject: false,
    forceKillAfterDelay: false, // a SIGTERM'd apply rolls back before it exits: never SIGKILL it
    env: { KUBECONFIG: o.kubeconfig, HELM_BIN: helmBin(o.helm), KUBECTL_BIN: kubectlBin(), NO_COLOR: '1', CI: 'true', ...o.env },
  }) as unknown as ResultPromise<{ reject: false }>;
}

export async function cascade(cwd: string, args: string[], o: { kubeconfig: string; helm: HelmMajor; env?: Record<string, string> }): Promise<CliRun> {
  const t0 = Date.now();
  const r = await cascadeProcess(cwd, args, o);
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), ms: Date.now() - t0 };
}

export async function helmJson<T>(major: HelmMajor, kubeconfig: string, context: string, args: string[]): Promise<T> {
  const r = await execa(helmBin(major), [...args, '--kube-context', context, '--kubeconfig', kubeconfig, '-o', 'json'], { reject: false });
  if (r.exitCode !== 0) throw new Error(`helm ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(String(r.stdout)) as T;
}

/**
 * Every helm release record of a namespace, whatever its status: Helm 3's plain
 * `helm list` shows only deployed and failed ones (a pending-install or
 * uninstalling release would look "not installed"), so the statuses are named.
 */
export function helmReleases<T = { name: string; status: string }>(major: HelmMajor, kubeconfig: string, context: string, ns: string): Promise<T[]> {
  return helmJson<T[]>(major, kubeconfig, context, ['list', '-n', ns, '--deployed', '--failed', '--pending', '--superseded', '--uninstalling']);
}

/**
 * A release's history, [] only when helm says the release does not exist: any
 * other helm error (unreachable cluster, bad flag) fails the test instead of
 * reading as "not installed".
 */
export async function historyOrNone(major: HelmMajor, kubeconfig: string, context: string, ns: string, name: string): Promise<HistoryEntry[]> {
  const r = await execa(helmBin(major), ['history', name, '-n', ns, '--kube-context', context, '--kubeconfig', kubeconfig, '-o', 'json'], { reject: false });
  if (r.exitCode !== 0 && /release: not found/.test(String(r.stderr))) return [];
  if (r.exitCode !== 0) throw new Error(`helm history ${name} -n ${ns}: ${r.stderr}`);
  return JSON.parse(String(r.stdout)) as HistoryEntry[];
}

export async function kubectl(kubeconfig: string, context: string, args: string[]): Promise<string> {
  const r = await execa(kubectlBin(), ['--kubeconfig', kubeconfig, '--context', context, ...args], { reject: false });
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return String(r.stdout);
}

export interface HistoryEntry {
  revision: number;
  status: string;
  chart: string;
  description: string;
}
