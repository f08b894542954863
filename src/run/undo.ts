// THE way a release is put back, whoever asks (a failed wave, `apply
// --recover`, `helm-cascade rollback`): a rollback to a revision, or the
// uninstall of a release that never had a good one. Helm 4 releases applied
// server-side take their fields back from other managers (--force-conflicts);
// helm refuses that flag for client-side ones.
import type { Helm } from '../helm/helm.ts';
import type { KubeTarget } from '../model/identity.ts';
import type { PutBack } from './steps.ts';

export interface UndoTarget {
  target: KubeTarget;
  namespace: string;
  helmName: string;
  /** Helm 4's apply method of the deployed revision ("ssa" or "csa"); undefined for Helm 3. */
  applyMethod?: string | undefined;
  timeoutMs: number;
}

export async function undoRelease(helm: Helm, u: UndoTarget, how: PutBack): Promise<void> {
  const args = { ...u.target, releaseName: u.helmName, namespace: u.namespace, wait: true, timeoutMs: u.timeoutMs };
  if (how.how === 'uninstall') await helm.uninstall(args);
  else await helm.rollback({ ...args, revision: how.revision, forceConflicts: u.applyMethod === 'ssa' });
}
