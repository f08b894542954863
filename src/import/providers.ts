// A kube context's provider and region, guessed from its name as the tools
// that write kubeconfigs name contexts (gcloud: gke_PROJECT_LOCATION_CLUSTER,
// aws eks: arn:aws:eks:REGION:ACCOUNT:cluster/NAME, kind-NAME, ...). Pure.

export function guessProvider(context: string): string {
  if (context.startsWith('gke_')) return 'gke';
  if (/^arn:aws:eks:|(^|[-_])eks([-_]|$)/i.test(context)) return 'eks';
  if (/(^|[-_])aks([-_]|$)/i.test(context)) return 'aks';
  if (/^(kind|k3d|kwok)-|^(minikube|docker-desktop|rancher-desktop)$/.test(context)) return 'local';
  return 'onprem';
}

export function guessRegion(context: string): string {
  const gke = /^gke_[^_]+_([^_]+)_/.exec(context);
  if (gke) return gke[1]!;
  const eks = /^arn:aws:eks:([^:]+):/.exec(context);
  return eks ? eks[1]! : '';
}

/** A cluster name from a context or environment: lower-case letters, digits and dashes, at most 63 characters. */
export function clusterNameOf(s: string): string {
  const gke = /^gke_[^_]+_([^_]+)_(.+)$/.exec(s);
  const eks = /^arn:aws:eks:([^:]+):[^:]+:cluster\/(.+)$/.exec(s);
  const base = gke ? `gke-${gke[1]}-${gke[2]}` : eks ? `eks-${eks[1]}-${eks[2]}` : s;
  return (
    base
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63)
      .replace(/-+$/, '') || 'cluster'
  );
}
