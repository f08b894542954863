// `helm-cascade init`: a new deploy repository from a few kube contexts:
// clusters.yaml (one cluster per context, provider and region guessed from
// the name or given), one example release with its own small chart (so that
// `validate` and `plan` work before anything else is written), and the
// scaffolding every new repository gets (schemas, editor wiring, .gitignore).
// The files are computed here (pure); commands/init.ts asks and writes.
import { clustersYaml, releaseYaml } from './repo-files.ts';
import { clusterNameOf, guessRegion } from './providers.ts';
import { scaffoldFiles } from './scaffold.ts';

export interface InitCluster {
  context: string;
  provider: string;
}

/** The start of each object of the example chart: its kind, named after the release, with the chart's labels, up to its spec. */
const objectHead = (apiVersion: string, kind: string): string => `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: {{ .Release.Name }}
  labels:
    app.kubernetes.io/name: hello
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
`;

const CHART = {
  'charts/hello/Chart.yaml': `apiVersion: v2
name: hello
description: An example chart written by helm-cascade init (an unprivileged nginx behind a Service).
type: application
version: 0.1.0
appVersion: "1.27"
`,
  'charts/hello/values.yaml': `# Defaults of the example chart; releases/hello.yaml and values/hello/ override them.
replicaCount: 1
image:
  repository: nginxinc/nginx-unprivileged
  tag: "1.27-alpine"
service:
  port: 80
resources:
  requests: { cpu: 10m, memory: 16Mi }
  limits: { cpu: 100m, memory: 64Mi }
`,
  'charts/hello/templates/deployment.yaml': `${objectHead('apps/v1', 'Deployment')}  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app.kubernetes.io/instance: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: hello
        app.kubernetes.io/instance: {{ .Release.Name }}
    spec:
      containers:
        - name: nginx
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - name: http
              containerPort: 8080
          readinessProbe:
            httpGet: { path: /, port: http }
          livenessProbe:
            httpGet: { path: /, port: http }
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
`,
  'charts/hello/templates/service.yaml': `${objectHead('v1', 'Service')}  selector:
    app.kubernetes.io/instance: {{ .Release.Name }}
  ports:
    - name: http
      port: {{ .Values.service.port }}
      targetPort: http
`,
};

const HEALTH = `# health gates every release passes after each wave (releases may override)
health:
  timeout: 5m
  soak: 30s
  minReadyEndpoints: 1
  maxRestarts: 0
onFailure: rollback
`;

/** The files of a new repository (repository-relative path -> content). */
export function initFiles(clusters: readonly InitCluster[]): Map<string, string> {
  const files = scaffoldFiles();
  const used = new Set<string>();
  const entries = clusters.map((c) => {
    let name = clusterNameOf(c.context);
    for (let i = 2; used.has(name); i++) name = `${clusterNameOf(c.context)}-${i}`;
    used.add(name);
    const region = guessRegion(c.context);
    return { name, context: c.context, provider: c.provider, ...(region ? { region } : {}) };
  });
  files.set(
    'clusters.yaml',
    clustersYaml({
      header: ['Written by helm-cascade init: one cluster per kube context.', 'Add tracks: and waves: to roll out in stages (see the documentation of clusters.yaml).'],
      clusters: entries,
      extra: HEALTH,
    }),
  );
  files.set(
    'releases/hello.yaml',
    releaseYaml(
      { name: 'hello', namespace: 'hello', chart: { ref: './charts/hello' }, values: ['values/hello/common.yaml'], set: { replicaCount: 1 } },
      ['An example release: the chart in charts/hello on every cluster. Replace it with your own releases.'],
    ),
  );
  files.set('values/hello/common.yaml', '# values of the example release, for every cluster\nservice:\n  port: 80\n');
  for (const [path, text] of Object.entries(CHART)) files.set(path, text);
  return files;
}
