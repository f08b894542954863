// Whether a unit is rendered at all (pure). A unit whose input digest
// (plan/inputs.ts) equals the one recorded on its deployed revision (label
// cascade-inputs) renders what that revision rendered: its plan is
// "unchanged" with the deployed manifest, so `helm template` is not run.
// What must render anyway: a release not deployed yet or not in status
// deployed, a revision without a digest, a chart whose templates call lookup
// (its output depends on the cluster), and a unit whose live objects were
// changed by hand (the upgrade that repairs it is validated from a render).

/** What the decision needs to know about the deployed revision. */
export interface DeployedInputs {
  revision: number;
  status: string;
  /** Its cascade-inputs label; undefined when helm-cascade did not record one. */
  inputs: string | undefined;
}

export interface SkipQuestion {
  /** The unit's input digest, computed from the repository and the cluster. */
  inputs: string;
  /** Every form of that digest a revision made from the same inputs may carry (plan/inputs.ts inputDigests); default: `inputs` only. */
  sameInputs?: readonly string[];
  deployed: DeployedInputs | undefined;
  /** The chart's templates call lookup. */
  lookup: boolean;
  /** Live objects of the deployed revision changed by hand (false when not read). */
  liveDrift: boolean;
}

type RenderWhy = 'not-deployed' | 'release-status' | 'no-digest' | 'inputs-changed' | 'lookup' | 'live-drift' | 'render-all';

export type RenderDecision = { render: true; why: RenderWhy; revision: number | undefined } | { render: false; revision: number };

/** Render or skip, and why. */
export function renderDecision(q: SkipQuestion): RenderDecision {
  const d = q.deployed;
  if (!d) return { render: true, why: 'not-deployed', revision: undefined };
  const render = (why: RenderWhy): RenderDecision => ({ render: true, why, revision: d.revision });
  if (d.status !== 'deployed') return render('release-status');
  if (d.inputs === undefined || d.inputs === '') return render('no-digest');
  if (!(q.sameInputs ?? [q.inputs]).includes(d.inputs)) return render('inputs-changed');
  if (q.lookup) return render('lookup');
  if (q.liveDrift) return render('live-drift');
  return { render: false, revision: d.revision };
}

const WHY: Record<RenderWhy, (revision: number | undefined) => string> = {
  'not-deployed': () => 'rendered: not deployed yet',
  'release-status': (r) => `rendered: revision ${r} is not in status deployed`,
  'no-digest': (r) => `rendered: revision ${r} carries no input digest`,
  'inputs-changed': (r) => `rendered: inputs differ from revision ${r}`,
  lookup: () => 'rendered: its templates call lookup (the output depends on the cluster)',
  'live-drift': () => 'rendered: live objects changed by hand, to repair',
  'render-all': () => 'rendered: --render-all',
};

/** The line `plan --verbose` shows for a unit (`cached`: the render came from the render cache). */
export function describeDecision(d: RenderDecision, cached = false): string {
  if (!d.render) return `skipped: inputs unchanged since revision ${d.revision}`;
  return `${WHY[d.why](d.revision)}${cached ? ' (from the render cache)' : ''}`;
}
