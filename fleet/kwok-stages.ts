// The kwok Stages of the local fleet: what fake nodes and pods do. kwok v0.8.0
// ships no default stages, so these are ours (modelled on the module's
// kustomize/stage/node/fast, node/heartbeat-with-lease and pod/fast).
//
// A pod whose template carries the annotation `fleet.helm-cascade.dev/behavior`
// misbehaves as told (see BEHAVIORS). Behaviour stages carry weight 1, so they
// win over the weight-0 stages matching the same pod; the normal pod-ready
// stage also skips pods whose behaviour keeps them from becoming Ready.
//
// Templates are Go text/template with sprig and kwok's functions; each one
// renders a merge patch of the object's status.
import { stringify } from 'yaml';

export const BEHAVIOR_ANNOTATION = 'fleet.helm-cascade.dev/behavior';
export const RESTART_EVERY_ANNOTATION = 'fleet.helm-cascade.dev/restart-every';

export type Behavior = 'crashloop' | 'never-ready' | 'image-pull-error' | 'restart';
export const BEHAVIORS: readonly Behavior[] = ['crashloop', 'never-ready', 'image-pull-error', 'restart'];

/** Annotation kwok uses (with --manage-nodes-with-annotation-selector) to pick the fake nodes it runs. */
export const FAKE_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const FAKE_NODE_SELECTOR = `${FAKE_NODE_ANNOTATION}=fake`;

/** Default period of a `restart` pod's restarts and of a `crashloop` pod's restart count. */
export const DEFAULT_RESTART_EVERY_MS = 20_000;
export const DEFAULT_CRASHLOOP_EVERY_MS = 10_000;

interface Expr {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface Stage {
  apiVersion: 'kwok.x-k8s.io/v1alpha1';
  kind: 'Stage';
  metadata: { name: string };
  spec: {
    resourceRef: { apiGroup: 'v1'; kind: 'Node' | 'Pod' };
    selector: { matchAnnotations?: Record<string, string>; matchExpressions: Expr[] };
    weight?: number;
    delay?: {
      durationMilliseconds: number;
      durationFrom?: { jq: { expression: string } };
      jitterDurationMilliseconds?: number;
    };
    next: {
      event?: { type: 'Normal' | 'Warning'; reason: string; message: string };
      statusTemplate?: string;
      delete?: boolean;
    };
    immediateNextStage?: boolean;
  };
}

const notDeleting: Expr = { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' };
const phase = (...values: string[]): Expr => ({ key: '.status.phase', operator: 'In', values });
const readyIs = (operator: 'In' | 'NotIn'): Expr => ({
  key: '.status.conditions.[] | select( .type == "Ready" ) | .status',
  operator,
  values: ['True'],
});
const firstWaitingReason = (operator: 'In' | 'NotIn', ...values: string[]): Expr => ({
  key: '.status.containerStatuses[0].state.waiting.reason',
  operator,
  values,
});
const everyFromAnnotation = (defaultMs: number): NonNullable<Stage['spec']['delay']> => ({
  durationMilliseconds: defaultMs,
  durationFrom: { jq: { expression: `.metadata.annotations["${RESTART_EVERY_ANNOTATION}"]` } },
});

function stage(name: string, kind: 'Node' | 'Pod', spec: Omit<Stage['spec'], 'resourceRef'>): Stage {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: { resourceRef: { apiGroup: 'v1', kind }, ...spec },
  };
}

// ---- template fragments -------------------------------------------------

const nodeConditions = `
{{ $now := Now }}
{{ $since := or .metadata.creationTimestamp $now }}
conditions:
{{ range NodeConditions }}
- type: {{ .type | Quote }}
  status: {{ .status | Quote }}
  reason: {{ .reason | Quote }}
  message: {{ .message | Quote }}
  lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $since | Quote }}
{{ end }}`;

/** hostIP(s) from the node, podIP(s) from the node's podCIDR. */
const podNetwork = `
{{ $hostIPs := NodeIPsWith .spec.nodeName }}
{{ with $hostIPs }}
hostIP: {{ index . 0 | Quote }}
hostIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
{{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
{{ with $podIPs }}
podIP: {{ index . 0 | Quote }}
podIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}`;

/** Pod conditions; `ready` is a template expression yielding true/false. */
function podConditions(ready: boolean): string {
  const status = ready ? '"True"' : '"False"';
  const why = ready
    ? ''
    : `
  reason: ContainersNotReady
  message: 'containers with unready status: [{{ range $i, $c := .spec.containers }}{{ if $i }} {{ end }}{{ $c.name }}{{ end }}]'`;
  return `
conditions:
- type: PodScheduled
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
- type: PodReadyToStartContainers
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
- type: Initialized
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
- type: ContainersReady
  status: ${status}
  lastTransitionTime: {{ $now | Quote }}${why}
- type: Ready
  status: ${status}
  lastTransitionTime: {{ $now | Quote }}${why}
{{ range .spec.readinessGates }}
- type: {{ .conditionType | Quote }}
  status: "True"
  lastTransitionTime: {{ $now | Quote }}
{{ end }}`;
}

/** Init containers have all completed (sidecars, restartPolicy Always, keep running). */
const initContainersDone = `
initContainerStatuses:
{{ range .spec.initContainers }}
- name: {{ .name | Quote }}
  image: {{ .image | Quote }}
  imageID: {{ printf "fleet.local/%s" .image | Quote }}
  ready: true
  restartCount: 0
{{ if eq ( or .restartPolicy "" ) "Always" }}
  started: true
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ else }}
  started: false
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
{{ end }}`;

/**
 * containerStatuses for every container of the spec. `body` is indented YAML
 * placed under each entry; inside it `$restarts` holds the container's
 * previous restartCount and `$c` the container spec.
 */
function containerStatuses(body: string): string {
  return `
{{ $root := . }}
containerStatuses:
{{ range $c := .spec.containers }}
{{ $restarts := 0 }}
{{ range ( $root.status.containerStatuses | default list ) }}{{ if eq .name $c.name }}{{ $restarts = .restartCount }}{{ end }}{{ end }}
- name: {{ $c.name | Quote }}
  image: {{ $c.image | Quote }}
  imageID: {{ printf "fleet.local/%s" $c.image | Quote }}
  containerID: {{ printf "fleet://%s/%s" $root.metadata.uid $c.name | Quote }}
${body}
{{ end }}`;
}

const runningReady = (ready: boolean, restarts: string) => `  ready: ${ready}
  started: true
  restartCount: ${restarts}
  state:
    running:
      startedAt: {{ $now | Quote }}`;

const lastStateCrashed = `  lastState:
    terminated:
      exitCode: 1
      reason: Error
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}`;

const crashLoopWaiting = (restarts: string) => `  ready: false
  started: false
  restartCount: ${restarts}
  state:
    waiting:
      reason: CrashLoopBackOff
      message: {{ printf "back-off restarting failed container %s in pod %s_%s (fleet behaviour crashloop)" $c.name $root.metadata.name $root.metadata.namespace | Quote }}
${lastStateCrashed}`;

const imageWaiting = (reason: 'ErrImagePull' | 'ImagePullBackOff') => `  ready: false
  started: false
  restartCount: 0
  state:
    waiting:
      reason: ${reason}
      message: {{ printf "${reason === 'ErrImagePull' ? 'failed to pull image \\"%s\\": fleet behaviour image-pull-error' : 'Back-off pulling image \\"%s\\"'}" $c.image | Quote }}`;

const now = '{{ $now := Now }}';

// ---- the stages ---------------------------------------------------------

function nodeStages(): Stage[] {
  return [
    stage('fleet-node-initialize', 'Node', {
      selector: { matchExpressions: [readyIs('NotIn')] },
      next: {
        statusTemplate: `${nodeConditions}
{{ with .status.addresses }}
addresses:
{{ YAML . 1 }}
{{ else }}
addresses:
{{ with NodeIP }}
- type: InternalIP
  address: {{ . | Quote }}
{{ end }}
- type: Hostname
  address: {{ .metadata.name | Quote }}
{{ end }}
allocatable:
{{ with .status.allocatable }}
{{ YAML . 1 }}
{{ else }}
  cpu: "32"
  memory: 128Gi
  pods: "110"
{{ end }}
capacity:
{{ with .status.capacity }}
{{ YAML . 1 }}
{{ else }}
  cpu: "32"
  memory: 128Gi
  pods: "110"
{{ end }}
{{ $kwok := printf "kwok-%s" Version }}
nodeInfo:
  architecture: amd64
  operatingSystem: linux
  osImage: helm-cascade fleet
  kernelVersion: {{ $kwok | Quote }}
  kubeletVersion: {{ $kwok | Quote }}
  kubeProxyVersion: {{ $kwok | Quote }}
  containerRuntimeVersion: {{ $kwok | Quote }}
  machineID: ""
  systemUUID: ""
  bootID: ""
phase: Running`,
      },
    }),
    // kwok renews the node Lease itself (--node-lease-duration-seconds); the
    // status heartbeat can be rare.
    stage('fleet-node-heartbeat', 'Node', {
      selector: { matchExpressions: [phase('Running'), readyIs('In')] },
      delay: { durationMilliseconds: 300_000, jitterDurationMilliseconds: 330_000 },
      next: { statusTemplate: nodeConditions },
      immediateNextStage: true,
    }),
  ];
}

function normalPodStages(): Stage[] {
  return [
    stage('fleet-pod-ready', 'Pod', {
      selector: {
        matchExpressions: [
          notDeleting,
          phase('Pending'),
          readyIs('NotIn'),
          {
            key: `.metadata.annotations["${BEHAVIOR_ANNOTATION}"]`,
            operator: 'NotIn',
            values: ['crashloop', 'never-ready', 'image-pull-error'],
          },
        ],
      },
      next: {
        statusTemplate: `${now}
phase: Running
startTime: {{ $now | Quote }}
${podConditions(true)}
${initContainersDone}
${containerStatuses(runningReady(true, '0'))}
${podNetwork}`,
      },
    }),
    stage('fleet-pod-complete', 'Pod', {
      selector: {
        matchExpressions: [
          notDeleting,
          phase('Running'),
          { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] },
        ],
      },
      next: {
        statusTemplate: `${now}
phase: Succeeded
conditions:
- type: Ready
  status: "False"
  reason: PodCompleted
  lastTransitionTime: {{ $now | Quote }}
- type: ContainersReady
  status: "False"
  reason: PodCompleted
  lastTransitionTime: {{ $now | Quote }}
${containerStatuses(`  ready: false
  started: false
  restartCount: {{ $restarts }}
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}`)}`,
      },
    }),
    stage('fleet-pod-delete', 'Pod', {
      selector: { matchExpressions: [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }] },
      next: { delete: true },
    }),
  ];
}

function behaviorStages(): Stage[] {
  const is = (b: Behavior) => ({ [BEHAVIOR_ANNOTATION]: b });
  return [
    // crashloop: Running, never Ready, waiting in CrashLoopBackOff, restartCount rising.
    stage('fleet-pod-crashloop-start', 'Pod', {
      selector: { matchAnnotations: is('crashloop'), matchExpressions: [notDeleting, phase('Pending')] },
      weight: 1,
      delay: { durationMilliseconds: 1000 },
      next: {
        event: { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container (fleet behaviour crashloop)' },
        statusTemplate: `${now}
phase: Running
startTime: {{ $now | Quote }}
${podConditions(false)}
${initContainersDone}
${containerStatuses(crashLoopWaiting('{{ add $restarts 1 }}'))}
${podNetwork}`,
      },
    }),
    stage('fleet-pod-crashloop-again', 'Pod', {
      selector: { matchAnnotations: is('crashloop'), matchExpressions: [notDeleting, phase('Running')] },
      weight: 1,
      delay: everyFromAnnotation(DEFAULT_CRASHLOOP_EVERY_MS),
      next: {
        event: { type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container (fleet behaviour crashloop)' },
        statusTemplate: `${now}
${containerStatuses(crashLoopWaiting('{{ add $restarts 1 }}'))}`,
      },
    }),

    // never-ready: Running, containers running, never Ready.
    stage('fleet-pod-never-ready', 'Pod', {
      selector: { matchAnnotations: is('never-ready'), matchExpressions: [notDeleting, phase('Pending')] },
      weight: 1,
      next: {
        event: { type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed (fleet behaviour never-ready)' },
        statusTemplate: `${now}
phase: Running
startTime: {{ $now | Quote }}
${podConditions(false)}
${initContainersDone}
${containerStatuses(runningReady(false, '0'))}
${podNetwork}`,
      },
    }),

    // image-pull-error: Pending; ErrImagePull, then ImagePullBackOff, then again, like a kubelet.
    stage('fleet-pod-image-pull-error', 'Pod', {
      selector: {
        matchAnnotations: is('image-pull-error'),
        matchExpressions: [notDeleting, phase('Pending'), firstWaitingReason('NotIn', 'ErrImagePull', 'ImagePullBackOff')],
      },
      weight: 1,
      next: {
        event: { type: 'Warning', reason: 'Failed', message: 'Failed to pull image (fleet behaviour image-pull-error): ErrImagePull' },
        statusTemplate: `${now}
phase: Pending
${podConditions(false)}
${containerStatuses(imageWaiting('ErrImagePull'))}
${podNetwork}`,
      },
    }),
    stage('fleet-pod-image-pull-backoff', 'Pod', {
      selector: {
        matchAnnotations: is('image-pull-error'),
        matchExpressions: [notDeleting, phase('Pending'), firstWaitingReason('In', 'ErrImagePull')],
      },
      weight: 1,
      delay: { durationMilliseconds: 2000 },
      next: {
        event: { type: 'Normal', reason: 'BackOff', message: 'Back-off pulling image (fleet behaviour image-pull-error)' },
        statusTemplate: `${now}
${containerStatuses(imageWaiting('ImagePullBackOff'))}`,
      },
    }),
    stage('fleet-pod-image-pull-retry', 'Pod', {
      selector: {
        matchAnnotations: is('image-pull-error'),
        matchExpressions: [notDeleting, phase('Pending'), firstWaitingReason('In', 'ImagePullBackOff')],
      },
      weight: 1,
      delay: { durationMilliseconds: 20_000 },
      next: {
        event: { type: 'Warning', reason: 'Failed', message: 'Failed to pull image (fleet behaviour image-pull-error): ErrImagePull' },
        statusTemplate: `${now}
${containerStatuses(imageWaiting('ErrImagePull'))}`,
      },
    }),

    // restart: Ready (via fleet-pod-ready), and its containers restart every
    // `restart-every` (default 20s), staying Ready.
    stage('fleet-pod-restart', 'Pod', {
      selector: { matchAnnotations: is('restart'), matchExpressions: [notDeleting, phase('Running'), readyIs('In')] },
      weight: 1,
      delay: everyFromAnnotation(DEFAULT_RESTART_EVERY_MS),
      next: {
        event: { type: 'Normal', reason: 'Started', message: 'Container restarted (fleet behaviour restart)' },
        statusTemplate: `${now}
${containerStatuses(`${runningReady(true, '{{ add $restarts 1 }}')}
${lastStateCrashed}`)}`,
      },
    }),
  ];
}

export function fleetStages(): Stage[] {
  return [...nodeStages(), ...normalPodStages(), ...behaviorStages()];
}

/** The stages as a multi-document YAML file for `kwok --config`. */
export function fleetStagesYaml(): string {
  const header = '# Generated by helm-cascade fleet (fleet/kwok-stages.ts); rewritten by every `fleet up`.\n';
  return header + fleetStages().map((s) => stringify(s, { blockQuote: 'literal', lineWidth: 0 })).join('---\n');
}
