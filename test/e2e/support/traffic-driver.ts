// A stand-in for the run's traffic steps until they are wired into the step
// model (src/run/): it walks a wave the way the run will, cluster by cluster
// in the order given, with the real CLI for each cluster's upgrade and gate
// and src/traffic/ for everything else:
//   the wave's units (every one changes: the tests roll a new version) -> planWaveTraffic;
//   the drain moves          -> the router (SSA on the HTTPRoute, or a helm upgrade of the router release);
//   `apply --wave W` for the cluster (upgrade + health gate, the real helm);
//   the steps after the gate -> the router, holdAnalysis during each pause;
//   a failed hold            -> the restore move (weight 0), then `rollback --wave W` for the cluster.
// Every move is recorded with its time and the weights the router read back.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDeployRepoOrThrow } from '../../../src/config/load.ts';
import { unitRefOf } from '../../../src/model/identity.ts';
import type { DeployRepo } from '../../../src/model/spec.ts';
import { expandUnits } from '../../../src/model/units.ts';
import { assignWaves } from '../../../src/model/waves.ts';
import { holdAnalysis } from '../../../src/traffic/analysis.ts';
import type { AnalysisResult } from '../../../src/traffic/analysis.ts';
import { planWaveTraffic } from '../../../src/traffic/plan.ts';
import type { TrackTraffic, TrafficMove, TrafficUnit } from '../../../src/traffic/plan.ts';
import type { Router, WeightReading } from '../../../src/traffic/router.ts';
import type { CliRun } from './cascade.ts';

export interface MoveEvent {
  wave: string;
  cluster: string;
  track: string;
  phase: 'drain' | 'step' | 'restore' | 'hold';
  weight: number;
  at: number;
  readBack?: WeightReading[];
}

export interface WaveFailure {
  cluster: string;
  track: string;
  move: Extract<TrafficMove, { kind: 'analysis-pause' }>;
  result: AnalysisResult;
  restoredAt: number;
  rollback: CliRun;
}

export interface DriverOptions {
  dir: string;
  /** --releases, when not releases/. */
  releasesDir?: string;
  /** Only this release's units are applied (its router release is not re-planned mid-rollout). */
  release: string;
  run: (args: string[]) => Promise<CliRun>;
  routerFor: (t: TrackTraffic) => Router;
  /** Called after each weight move (the test measures, or raises an error rate). */
  afterMove?: (e: MoveEvent) => Promise<void>;
}

export interface WaveOutcome {
  events: MoveEvent[];
  /** apply's JSON per cluster: when each unit's gate passed. */
  gatePassedAt: Map<string, number>;
  failure?: WaveFailure;
}

const releasesArgs = (o: DriverOptions) => (o.releasesDir ? ['--releases', o.releasesDir] : []);

/** The release's units in the wave, each taken as changed (the tests always roll a new version). */
function waveUnits(repo: DeployRepo, release: string, wave: string): TrafficUnit[] {
  const { waves } = assignWaves(repo.config, expandUnits(repo));
  return waves.filter((w) => w.name === wave).flatMap((w) => w.steps.flat()).filter((u) => u.release === release).map((u) => ({ ...unitRefOf(u), action: 'upgrade' as const }));
}

async function move(o: DriverOptions, events: MoveEvent[], wave: string, t: TrackTraffic, m: Extract<TrafficMove, { kind: 'set-weight' }>): Promise<void> {
  const readBack = await o.routerFor(t).set({ [t.track]: m.weight });
  const e: MoveEvent = { wave, cluster: t.cluster, track: t.track, phase: m.phase, weight: m.weight, at: Date.now(), readBack };
  events.push(e);
  await o.afterMove?.(e);
}

/** The steps of one track after its gate; the failure when a hold failed (the weight already back at 0). */
async function walk(o: DriverOptions, events: MoveEvent[], wave: string, t: TrackTraffic): Promise<Omit<WaveFailure, 'rollback'> | undefined> {
  for (const m of t.after) {
    if (m.kind === 'set-weight') {
      await move(o, events, wave, t, m);
      continue;
    }
    const result = await holdAnalysis({ analysis: m.analysis, pauseMs: m.pauseMs });
    events.push({ wave, cluster: t.cluster, track: t.track, phase: 'hold', weight: m.weight, at: Date.now() });
    if (!result.passed) {
      await move(o, events, wave, t, t.onFailure);
      return { cluster: t.cluster, track: t.track, move: m, result, restoredAt: Date.now() };
    }
  }
  return undefined;
}

/** One wave, cluster by cluster: drain, upgrade and gate, walk; stops at the first failed step (rolled back). */
export async function rollWave(o: DriverOptions, wave: string, clusters: readonly string[]): Promise<WaveOutcome> {
  const repo = loadDeployRepoOrThrow({ clustersFile: join(o.dir, 'clusters.yaml'), ...(o.releasesDir ? { releasesDir: join(o.dir, o.releasesDir) } : {}) });
  const traffic = new Map(planWaveTraffic({ releases: repo.releases, units: waveUnits(repo, o.release, wave) }).map((c) => [c.cluster, c.tracks]));
  const out: WaveOutcome = { events: [], gatePassedAt: new Map() };
  for (const cluster of clusters) {
    const tracks = traffic.get(cluster) ?? [];
    for (const t of tracks) for (const m of t.before) await move(o, out.events, wave, t, m);
    const selector = ['-l', `name=${o.release},cluster=${cluster}`];
    const applied = await o.run(['apply', '--yes', '-o', 'json', '--wave', wave, ...selector, ...releasesArgs(o)]);
    if (applied.exitCode !== 0) throw new Error(`apply --wave ${wave} on ${cluster}: exit ${applied.exitCode}\n${applied.stdout}${applied.stderr}`);
    for (const u of (JSON.parse(applied.stdout) as { units: { id: string; gatePassedAt?: string }[] }).units) if (u.gatePassedAt) out.gatePassedAt.set(u.id, Date.parse(u.gatePassedAt));
    for (const t of tracks) {
      const failed = await walk(o, out.events, wave, t);
      if (failed) {
        const rollback = await o.run(['rollback', '--wave', wave, ...selector, ...releasesArgs(o)]);
        out.failure = { ...failed, rollback };
        return out;
      }
    }
  }
  return out;
}

/** The image tag a Deployment of the fleet runs (from `kubectl get -o json` text). */
export function imageTag(deploymentJson: string): string {
  const d = JSON.parse(deploymentJson) as { spec: { template: { spec: { containers: { image: string }[] } } } };
  return d.spec.template.spec.containers[0]!.image.split(':').at(-1)!;
}

/** Sets `image.tag` in a release file of the repository (the new version to roll out). */
export function setVersion(dir: string, file: string, tag: string): void {
  const p = join(dir, file);
  writeFileSync(p, readFileSync(p, 'utf8').replace(/image\.tag: "[^"]*"/, `image.tag: "${tag}"`));
}
