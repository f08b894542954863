// Every object of every unit to install or upgrade, validated by its own
// cluster's API server before anything changes (kube/server-validate.ts). The
// refused ones become unit errors (plan and apply show them; apply stops);
// units whose every object was validated may skip helm's own OpenAPI check.
import pLimit from 'p-limit';
import type { KubeClient } from '../kube/client.ts';
import { validateManifest } from '../kube/server-validate.ts';
import { unitId } from '../model/identity.ts';
import { planUnits, withRefusedObjects } from './assemble.ts';
import type { Plan, RenderedUnit } from './types.ts';

export interface ServerValidation {
  /** unit id -> one line per invalid object. */
  invalid: Map<string, string[]>;
  /** Units helm may apply without its own OpenAPI validation. */
  validated: Set<string>;
  /** unit id -> why some of its objects were left to helm's own validation (for --verbose). */
  unchecked: Map<string, string[]>;
}

async function validateOnServer(units: readonly RenderedUnit[], clientOf: (cluster: string) => KubeClient): Promise<ServerValidation> {
  const out: ServerValidation = { invalid: new Map(), validated: new Set(), unchecked: new Map() };
  const limit = pLimit(8); // units at a time (each sends up to 4 objects at once)
  await Promise.all(
    units.map((u) =>
      limit(async () => {
        const id = unitId(u);
        const v = await validateManifest(clientOf(u.cluster), `${u.extra}${u.manifest}`, u.namespace).catch((err: unknown) => ({ invalid: [], unchecked: [`cannot ask the API server: ${(err as Error).message}`] }));
        if (v.invalid.length) out.invalid.set(id, v.invalid);
        if (v.unchecked.length) out.unchecked.set(id, v.unchecked);
        else if (v.invalid.length === 0) out.validated.add(id);
      }),
    ),
  );
  return out;
}

/** The plan with the refused objects as unit errors (plan and apply), and what helm may skip (apply). */
export async function validatePlan(plan: Plan, clientOf: (cluster: string) => KubeClient): Promise<{ plan: Plan; validation: ServerValidation }> {
  const todo = planUnits(plan).filter((u): u is RenderedUnit => u.kind === 'rendered' && (u.action === 'install' || u.action === 'upgrade'));
  const validation = await validateOnServer(todo, clientOf);
  return { plan: withRefusedObjects(plan, validation.invalid), validation };
}
