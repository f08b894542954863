// The input digest of a unit: everything that changes what helm renders for
// it, so two renders with the same digest are the same render unless the
// chart is nondeterministic or reads the cluster (lookup). helm-cascade
// records it on every release it makes (release-record label cascade-inputs)
// and compares it with the next plan's. Pure.
import { typedJson } from '../model/json.ts';
import type { Values } from '../model/json.ts';
import { digestForms, secretSafeDigest } from '../secrets/digest.ts';

/** Bumped whenever helm-cascade changes what it gives helm for the same repository (flags, values it adds). */
const RENDER_VERSION = 2;

export interface RenderInputs {
  /** The chart's content digest, dependencies included (.helmignore honoured). */
  chart: string;
  values: Values;
  releaseName: string;
  namespace: string;
  kubeVersion: string | undefined;
  apiVersions: readonly string[];
  /** What the chart's templates ask of the API versions (ChartFeatures.apiQueries): only those answers count. */
  apiQueries: readonly string[] | 'all';
  helmMajor: number;
}

/** The part of the cluster's API versions a chart's render depends on. */
function apiAnswers(i: RenderInputs): string[] {
  if (i.apiQueries === 'all') return [...i.apiVersions].sort();
  const served = new Set(i.apiVersions);
  return i.apiQueries.map((q) => `${q}=${served.has(q)}`);
}

function inputText(i: RenderInputs): string {
  const doc = { v: RENDER_VERSION, chart: i.chart, values: i.values, name: i.releaseName, namespace: i.namespace, kube: i.kubeVersion ?? '', apis: apiAnswers(i), helm: i.helmMajor };
  // typedJson: an int64 and a float64 of one value render differently (20240101 vs 2.0240101e+07)
  return typedJson(doc);
}

/** 40 hex digits (160 bits of sha256): fits a label value (at most 63 characters). */
export function inputDigest(i: RenderInputs): string {
  return inputDigests(i).digest;
}

/**
 * The digest to record, keyed when the values hold a secret (secrets/digest.ts:
 * the label must not let anyone test guesses of it), and every digest a
 * deployed revision made from these same inputs may carry: the plain and the
 * keyed form. A revision labelled before its values were known as secrets (a
 * first install: they become known when rendered into a Secret) carries the
 * plain one, while a later run, which read them from the deployed Secret,
 * computes the keyed one; both mean "these inputs". The text is made once.
 */
export function inputDigests(i: RenderInputs): { digest: string; forms: string[] } {
  const text = inputText(i);
  return { digest: secretSafeDigest(text).slice(0, 40), forms: digestForms(text).map((d) => d.slice(0, 40)) };
}
