// Fixtures: a cascade-demo-like release as helm records it (manifest) and as
// the API server returns it (live objects with defaults, status, managedFields).
import type { ClusterRead, ListedUnit } from '../../../src/drift/assess.ts';
import type { KubeObject } from '../../../src/model/objects.ts';
import type { DeployedRelease } from '../../../src/model/release.ts';

export const SECRET_VALUE = 'hunter2-super-secret';
export const SECRET_VALUE_EDITED = 'edited-by-hand-0xDEADBEEF';

export function manifest(name: string, ns: string, opts: { replicas?: number; logLevel?: string; secret?: string } = {}): string {
  const replicas = opts.replicas ?? 2;
  return `---
# Source: cascade-demo/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: cascade-demo
    app.kubernetes.io/instance: ${name}
type: Opaque
stringData:
  DB_PASSWORD: "${opts.secret ?? SECRET_VALUE}"
---
# Source: cascade-demo/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: cascade-demo
    app.kubernetes.io/instance: ${name}
data:
  LOG_LEVEL: "${opts.logLevel ?? 'info'}"
  FEATURE_FLAGS: "signup-v2"
---
# Source: cascade-demo/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: cascade-demo
    app.kubernetes.io/instance: ${name}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: cascade-demo
    app.kubernetes.io/instance: ${name}
  ports:
    - name: http
      port: 80
      targetPort: http
---
# Source: cascade-demo/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app.kubernetes.io/name: cascade-demo
    app.kubernetes.io/instance: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app.kubernetes.io/name: cascade-demo
      app.kubernetes.io/instance: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: cascade-demo
        app.kubernetes.io/instance: ${name}
      annotations:
        checksum/config: abc123
    spec:
      containers:
        - name: web
          image: "ghcr.io/helm-cascade/demo-web:1.4.2"
          ports:
            - name: http
              containerPort: 8080
          envFrom:
            - configMapRef:
                name: ${name}
          resources:
            requests:
              cpu: 10m
              memory: 16Mi
            limits:
              cpu: "0.5"
              memory: 1Gi
`;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

const serverMeta = (name: string, ns: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: ns,
  uid: `uid-${name}`,
  resourceVersion: '12345',
  creationTimestamp: '2026-11-20T10:00:00Z',
  managedFields: [{ manager: 'helm', operation: 'Update' }],
  labels: { 'app.kubernetes.io/name': 'cascade-demo', 'app.kubernetes.io/instance': name, 'app.kubernetes.io/managed-by': 'Helm' },
  annotations: { 'meta.helm.sh/release-name': name, 'meta.helm.sh/release-namespace': ns },
  ...extra,
});

/** What the API server returns for the manifest above (with defaults and status). */
export function liveObjects(name: string, ns: string, opts: { replicas?: number; logLevel?: string; secret?: string } = {}): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: serverMeta(name, ns), type: 'Opaque', data: { DB_PASSWORD: b64(opts.secret ?? SECRET_VALUE) } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: serverMeta(name, ns), data: { LOG_LEVEL: opts.logLevel ?? 'info', FEATURE_FLAGS: 'signup-v2' } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: serverMeta(name, ns),
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.17',
        clusterIPs: ['10.96.0.17'],
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        selector: { 'app.kubernetes.io/name': 'cascade-demo', 'app.kubernetes.io/instance': name },
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }],
      },
      status: { loadBalancer: {} },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: serverMeta(name, ns, { generation: 3, annotations: { 'deployment.kubernetes.io/revision': '3', 'meta.helm.sh/release-name': name } }),
      spec: {
        replicas: opts.replicas ?? 2,
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        selector: { matchLabels: { 'app.kubernetes.io/name': 'cascade-demo', 'app.kubernetes.io/instance': name } },
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'cascade-demo', 'app.kubernetes.io/instance': name }, annotations: { 'checksum/config': 'abc123' } },
          spec: {
            restartPolicy: 'Always',
            dnsPolicy: 'ClusterFirst',
            terminationGracePeriodSeconds: 30,
            containers: [
              {
                name: 'web',
                image: 'ghcr.io/helm-cascade/demo-web:1.4.2',
                imagePullPolicy: 'IfNotPresent',
                terminationMessagePath: '/dev/termination-log',
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
                envFrom: [{ configMapRef: { name } }],
                resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
              },
            ],
          },
        },
      },
      status: { replicas: 2, readyReplicas: 2, observedGeneration: 3 },
    },
  ];
}

export function deployed(cluster: string, name: string, ns: string, opts: { version?: string; status?: string; managed?: boolean; revision?: number; replicas?: number } = {}): DeployedRelease {
  const managed = opts.managed ?? true;
  return {
    cluster,
    namespace: ns,
    name,
    revision: opts.revision ?? 3,
    status: opts.status ?? 'deployed',
    chartName: 'cascade-demo',
    chartVersion: opts.version ?? '1.2.0',
    appVersion: '1.2.0',
    manifest: manifest(name, ns, { replicas: opts.replicas ?? 2 }),
    config: { secrets: { DB_PASSWORD: SECRET_VALUE } },
    labels: managed ? { 'managed-by': 'helm-cascade', 'cascade-repo': 'deploy' } : {},
    managed,
    updated: '2026-11-20T10:00:00Z',
  };
}

export const CLUSTERS = ['onprem-paris', 'gke-europe-west1'];

/** account-service with tracks internal and production on both clusters. */
export function desiredUnits(): ListedUnit[] {
  const out: ListedUnit[] = [];
  for (const cluster of CLUSTERS) {
    for (const track of ['internal', 'production']) {
      out.push({ release: 'account-service', track, cluster, namespace: 'accounts', helmName: `account-service-${track}`, enabled: true });
    }
  }
  return out;
}

/** Every desired unit deployed and live exactly as recorded. */
export function cleanReads(): ClusterRead[] {
  return CLUSTERS.map((cluster) => ({
    cluster,
    releases: ['internal', 'production'].map((t) => deployed(cluster, `account-service-${t}`, 'accounts')),
    live: ['internal', 'production'].flatMap((t) => liveObjects(`account-service-${t}`, 'accounts')),
  }));
}
