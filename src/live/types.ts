// Live drift as plain data: what differs between a deployed release's
// manifest and its live objects (live/drift.ts finds it, live/confirm.ts has
// the API server confirm it). Plan, apply and drift read it.
/** One field of one object that differs. Values are display strings; for Secrets they are never set. */
export interface FieldDrift {
  /** Readable path: spec.replicas, data.LOG_LEVEL, spec.template.spec.containers[web].image */
  path: string;
  change: 'changed' | 'removed' | 'added';
  /** As the deployed manifest says (undefined for Secret data and for `added`). */
  deployed?: string;
  /** As the cluster says (undefined for Secret data and for `removed`). */
  live?: string;
  /** A person-readable line: "spec.replicas: 3 -> 5", "key DB_PASSWORD changed". */
  message: string;
  /** Unified diff of a multi-line value (never for Secrets). */
  diff?: string;
}

/** One object of a release that differs from its deployed manifest. */
export interface ObjectDrift {
  apiVersion: string;
  kind: string;
  namespace: string | undefined; // undefined: cluster-scoped
  name: string;
  change: 'missing' | 'changed';
  fields: FieldDrift[];
}

export interface LiveDriftResult {
  drifted: boolean;
  objects: ObjectDrift[];
  /** Objects checked (manifest documents with a kind and a name). */
  checked: number;
}
