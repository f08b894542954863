// The built-in house rules, written in CEL like any rule of clusters.yaml, so
// one evaluator runs them all. Each judges the pod template of a workload
// (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) or a Pod
// itself, through two variables every preset declares:
//   variables.template    the pod template ({metadata, spec}); for a Pod, the Pod
//   variables.containers  its containers (init containers are not included)
import type { PolicyVariable } from '../model/spec.ts';

/** The kinds that carry a pod template, and Pod: what every preset judges. */
const POD_KINDS: readonly string[] = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod'];

const TEMPLATE: PolicyVariable = {
  name: 'template',
  expression: "object.kind == 'Pod' ? object : object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template : object.spec.template",
};
const CONTAINERS: PolicyVariable = { name: 'containers', expression: 'variables.template.spec.?containers.orValue([])' };
/** Every container that runs an image, init containers included (for image rules). */
const ALL_CONTAINERS: PolicyVariable = { name: 'allContainers', expression: 'variables.containers + variables.template.spec.?initContainers.orValue([])' };
/** "pod" for a Pod, "pod template" for a workload: how messages name what they judged. */
const WHAT: PolicyVariable = { name: 'what', expression: "object.kind == 'Pod' ? 'pod' : 'pod template'" };

/** What a preset expands to (name, action and match narrowing come from the clusters.yaml entry). */
export interface PresetRule {
  kinds: readonly string[];
  variables: PolicyVariable[];
  expression: string;
  messageExpression: string;
  params: Record<string, unknown>;
}

/** The resource fields `resources` requires by default. */
const RESOURCE_FIELDS: readonly string[] = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

const RESOURCE_SET = "c.?resources[?p.split('.')[0]][?p.split('.')[1]].hasValue()";

function resources(options: Record<string, unknown>): PresetRule {
  const require = Array.isArray(options.require) ? options.require : RESOURCE_FIELDS;
  return {
    kinds: POD_KINDS,
    variables: [TEMPLATE, CONTAINERS],
    params: { require },
    expression: `variables.containers.all(c, params.require.all(p, ${RESOURCE_SET}))`,
    messageExpression: `variables.containers.filter(c, !params.require.all(p, ${RESOURCE_SET})).map(c, 'container ' + c.name + ' has no ' + params.require.filter(p, !${RESOURCE_SET}).join(', ')).join('; ')`,
  };
}

/** Pods of a Job (or a CronJob's Job) run to completion: probes are not asked of them. */
function probes(): PresetRule {
  const missing = "['readinessProbe', 'livenessProbe'].filter(p, !(p in c))";
  return {
    kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod'],
    variables: [TEMPLATE, CONTAINERS, { name: 'ofJob', expression: "object.metadata.?ownerReferences.orValue([]).exists(o, o.kind == 'Job')" }],
    params: {},
    expression: `variables.ofJob || variables.containers.all(c, size(${missing}) == 0)`,
    messageExpression: `variables.containers.filter(c, size(${missing}) > 0).map(c, 'container ' + c.name + ' has no ' + ${missing}.join(', ')).join('; ')`,
  };
}

function requiredLabels(options: Record<string, unknown>): PresetRule {
  const missing = "params.labels.filter(l, !(l in variables.template.metadata.?labels.orValue({})))";
  return {
    kinds: POD_KINDS,
    variables: [TEMPLATE, WHAT],
    params: { labels: Array.isArray(options.labels) ? options.labels : [] },
    expression: `size(${missing}) == 0`,
    messageExpression: `variables.what + ' has no label ' + ${missing}.join(', ')`,
  };
}

/** An image is pinned by a digest (@sha256:...) or a tag other than latest; `registry:5000/app` has no tag. */
function noLatest(): PresetRule {
  const pinned = "(c.image.contains('@') || (c.image.matches(':[^/:]+$') && !c.image.endsWith(':latest')))";
  return {
    kinds: POD_KINDS,
    variables: [TEMPLATE, CONTAINERS, ALL_CONTAINERS],
    params: {},
    expression: `variables.allContainers.all(c, ${pinned})`,
    messageExpression: `variables.allContainers.filter(c, !${pinned}).map(c, 'container ' + c.name + ' runs ' + c.image + (c.image.endsWith(':latest') ? ' (tag latest)' : ' (no tag)')).join('; ') + ': pin a version tag or a digest'`,
  };
}

/**
 * Per provider, the node labels a pod must select nodes by: in its
 * nodeSelector, or in every term of its required node affinity. An empty list
 * asks for some nodeSelector or node affinity. Providers not listed are free.
 */
function placement(options: Record<string, unknown>): PresetRule {
  const providers = typeof options.providers === 'object' && options.providers !== null ? (options.providers as Record<string, unknown>) : {};
  const nodeLabels = Object.fromEntries(Object.entries(providers).map(([p, v]) => [p, Array.isArray((v as { nodeLabels?: unknown } | null)?.nodeLabels) ? (v as { nodeLabels: unknown[] }).nodeLabels : []]));
  const selects = "(k in variables.template.spec.?nodeSelector.orValue({}) || (size(variables.terms) > 0 && variables.terms.all(t, t.?matchExpressions.orValue([]).exists(e, e.key == k))))";
  const wanted = 'params.nodeLabels[cluster.provider]';
  return {
    kinds: POD_KINDS,
    variables: [
      TEMPLATE,
      WHAT,
      { name: 'terms', expression: 'variables.template.spec.?affinity.?nodeAffinity.?requiredDuringSchedulingIgnoredDuringExecution.?nodeSelectorTerms.orValue([])' },
      { name: 'anyPlacement', expression: 'size(variables.template.spec.?nodeSelector.orValue({})) > 0 || variables.template.spec.?affinity.?nodeAffinity.hasValue()' },
    ],
    params: { nodeLabels },
    expression: `!(cluster.provider in params.nodeLabels) || (size(${wanted}) == 0 ? variables.anyPlacement : ${wanted}.all(k, ${selects}))`,
    messageExpression: `variables.what + (size(${wanted}) == 0 ? ' has neither a nodeSelector nor a node affinity' : ' does not select nodes by ' + ${wanted}.filter(k, !${selects}).join(', ') + ' (nodeSelector or required node affinity)') + ', required on ' + cluster.provider + ' clusters'`,
  };
}

const PRESETS: Record<string, (options: Record<string, unknown>) => PresetRule> = {
  resources,
  probes,
  'required-labels': requiredLabels,
  'no-latest': noLatest,
  placement,
};

/** The rule a preset expands to, with its options (`labels`, `providers`, `require`); undefined for an unknown name. */
export function presetRule(name: string, options: Record<string, unknown>): PresetRule | undefined {
  return Object.hasOwn(PRESETS, name) ? PRESETS[name]!(options) : undefined;
}
