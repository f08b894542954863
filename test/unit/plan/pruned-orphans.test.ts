// apply --prune executes the orphans the plan lists apart from its waves: each
// orphan to uninstall joins its wave as a last step; kept orphans stay listed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planUnits, withPrunedOrphansInWaves } from '../../../src/plan/assemble.ts';
import type { OrphanUnit, Plan, PlannedUnit } from '../../../src/plan/types.ts';
import { unit } from '../run/fixtures.ts';

const orphan = (cluster: string, helmName: string, wave: string, action: OrphanUnit['action']): OrphanUnit => ({ ...(unit(cluster, helmName, 'uninstall', wave, 0, 1) as OrphanUnit), action, reasons: ['orphaned'] });
const disabled = (cluster: string, helmName: string, wave: string, step: number): PlannedUnit => ({ ...unit(cluster, helmName, 'uninstall', wave, step, 1), reasons: ['disabled'] });

function plan(steps: Record<string, PlannedUnit[][]>, orphans: OrphanUnit[]): Plan {
  return {
    version: 1,
    createdAt: '',
    clustersFile: 'clusters.yaml',
    waves: Object.entries(steps).map(([name, s], index) => ({ name, index, steps: s })),
    orphans,
    summary: { install: 0, upgrade: 0, unchanged: 0, uninstall: 3, errors: 0 },
  };
}

const shape = (p: Plan) => p.waves.map((w) => [w.name, w.steps.map((s) => s.map((u) => `${u.cluster}/${u.helmName}@${u.step}`))]);

describe('withPrunedOrphansInWaves', () => {
  it('puts each orphan to uninstall in its own wave, as a step after the wave\'s units; kept orphans stay apart', () => {
    const p = plan(
      { canary: [[disabled('a', 'x', 'canary', 0)]], production: [[disabled('a', 'y', 'production', 0)], [disabled('b', 'y', 'production', 1)]] },
      [orphan('a', 'old', 'production', 'uninstall'), orphan('b', 'old', 'production', 'uninstall'), orphan('a', 'kept', 'canary', 'unchanged')],
    );
    const out = withPrunedOrphansInWaves(p);
    assert.deepEqual(shape(out), [
      ['canary', [['a/x@0']]],
      ['production', [['a/y@0'], ['b/y@1'], ['a/old@2', 'b/old@2']]],
    ]);
    assert.deepEqual(out.orphans.map((o) => `${o.cluster}/${o.helmName}`), ['a/kept']);
    assert.equal(planUnits(out).length, planUnits(p).length, 'no unit lost or doubled');
    assert.deepEqual(out.summary, p.summary);
  });

  it('leaves the plan as it is without orphans to uninstall, and drops orphans of waves not in the plan (--from-wave)', () => {
    const kept = plan({ production: [] }, [orphan('a', 'kept', 'production', 'unchanged')]);
    assert.equal(withPrunedOrphansInWaves(kept), kept);
    const cut = withPrunedOrphansInWaves(plan({ production: [] }, [orphan('a', 'old', 'canary', 'uninstall')]));
    assert.deepEqual(shape(cut), [['production', []]]);
    assert.deepEqual(cut.orphans, []);
  });
});
