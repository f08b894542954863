// The published goals of the benchmarks: docs/benchmarks.md quotes these
// figures, and each benchmark prints its goal from here, with whether the run
// met it (a missed goal is printed as MISSED and the benchmark exits 1).

/** Ratio goals (helm-cascade / baseline of the same run, medians): at most this. */
export const GOALS = {
  /** no-op plan against the helm floor (helm template + helm get manifest per release, one process per core); issue 27 asks 0.15x. */
  plan: 0.15,
  /** drift, nothing drifted, against the helm floor plus drift's live reads. */
  drift: 0.4,
  /** apply of all-new releases with gates against raw `helm upgrade --install --wait`. */
  apply: 0.9,
} as const;

/** `(goal <= 0.3x: met)` or `(goal <= 0.3x: MISSED)`. */
export function goalText(ratio: number, goal: number): string {
  return `(goal <= ${goal}x: ${ratio <= goal ? 'met' : 'MISSED'})`;
}
