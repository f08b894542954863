// Cross-file checks: names that must exist, patterns that must match, files
// that must be there, waves that must cover every (track, cluster) exactly
// once. Each problem carries the file:line:col of the offending text.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { closest, distance } from 'fastest-levenshtein';
import semver from 'semver';
import type { Diagnostic } from '../errors.ts';
import { unitId } from '../model/identity.ts';
import { matchesGlob, matchesSelector } from '../model/selectors.ts';
import type { DeployRepo, ReleaseSpec, SourcePos, ValuesLayer } from '../model/spec.ts';
import { chartRefKind } from '../model/chart-ref.ts';
import { expandUnits } from '../model/units.ts';
import { effectiveWaves, waveHolds } from '../model/waves.ts';
import type { YamlFile, YamlPath } from './yaml-file.ts';

function didYouMean(name: string, known: string[]): string {
  if (!known.length) return '';
  const prefixed = known.find((k) => k.startsWith(name) || name.startsWith(k));
  if (prefixed) return ` (did you mean "${prefixed}"?)`;
  const guess = closest(name, known);
  return distance(name, guess) <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${guess}"?)` : ` (known: ${known.join(', ')})`;
}

export function crossFileDiagnostics(repo: DeployRepo, files: Map<string, YamlFile>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { config } = repo;
  const root = config.root;
  const cf = files.get(config.file);
  const at = (pos: SourcePos, message: string) => out.push({ file: pos.file, line: pos.line, col: pos.col, message });
  const cpos = (path: YamlPath): SourcePos => cf?.posOf(path) ?? { file: config.file, line: 1, col: 1 };
  const clusterNames = config.clusters.map((c) => c.name);
  const trackNames = config.tracks;

  // clusters
  const contexts = new Map<string, string>();
  for (const c of config.clusters) {
    if (c.failoverFor !== undefined) {
      if (c.failoverFor === c.name) at(cpos(['clusters', c.name, 'failoverFor']), `cluster "${c.name}" cannot be its own failover`);
      else if (!clusterNames.includes(c.failoverFor)) {
        at(cpos(['clusters', c.name, 'failoverFor']), `failoverFor: unknown cluster "${c.failoverFor}"${didYouMean(c.failoverFor, clusterNames)}`);
      }
    }
    if (c.context) {
      const other = contexts.get(c.context);
      if (other) at(cpos(['clusters', c.name, 'context']), `context "${c.context}" is already used by cluster "${other}"`);
      else contexts.set(c.context, c.name);
    }
  }

  // waves
  const waves = effectiveWaves(config);
  if (config.wavesGiven) {
    const names = new Map<string, number>();
    config.waves.forEach((w, i) => {
      if (names.has(w.name)) at(cpos(['waves', i, 'name']), `duplicate wave name "${w.name}" (also wave ${names.get(w.name)! + 1})`);
      else names.set(w.name, i);
      w.tracks.forEach((t, j) => {
        if (!trackNames.includes(t)) {
          at(cpos(['waves', i, 'tracks', j]), trackNames.length ? `unknown track "${t}"${didYouMean(t, trackNames)}` : `unknown track "${t}": clusters.yaml declares no tracks`);
        }
      });
      if (w.clusters && !config.clusters.some((c) => matchesSelector(c, w.clusters))) {
        at(cpos(['waves', i, 'clusters']), `cluster selector of wave "${w.name}" matches no cluster`);
      }
    });
    // every (track, cluster) in exactly one wave
    const pairsTracks: (string | undefined)[] = trackNames.length ? trackNames : [undefined];
    for (const t of pairsTracks) {
      for (const c of config.clusters) {
        const holding = waves.filter((w) => waveHolds(w, t, c));
        const pair = t === undefined ? `cluster "${c.name}"` : `track "${t}" on cluster "${c.name}"`;
        if (holding.length === 0) at(cf?.keyPosOf([], 'waves') ?? cpos([]), `${pair} falls in no wave`);
        else if (holding.length > 1) {
          const i = config.waves.indexOf(holding[1]!);
          at(cpos(['waves', i]), `${pair} falls in ${holding.length} waves: ${holding.map((w) => `"${w.name}"`).join(', ')}`);
        }
      }
    }
  }

  // releases
  const byName = new Map<string, ReleaseSpec>();
  for (const rel of repo.releases) {
    const rf = files.get(rel.file);
    const rpos = (path: YamlPath): SourcePos => rf?.posOf(path) ?? { file: rel.file, line: 1, col: 1 };
    const kpos = (path: YamlPath, key: string): SourcePos => rf?.keyPosOf(path, key) ?? { file: rel.file, line: 1, col: 1 };
    const first = byName.get(rel.name);
    if (first) at(rel.pos, `duplicate release name "${rel.name}" (first defined in ${first.file}:${first.pos.line})`);
    else byName.set(rel.name, rel);

    if (rel.tracks) {
      if (rel.rideWith !== undefined) at(rpos(['track']), '"track" is for releases without "tracks"; remove one of them');
      for (const t of Object.keys(rel.tracks)) {
        if (!trackNames.includes(t)) at(kpos(['tracks'], t), trackNames.length ? `unknown track "${t}"${didYouMean(t, trackNames)}` : `unknown track "${t}": clusters.yaml declares no tracks`);
      }
    } else if (rel.rideWith !== undefined && !trackNames.includes(rel.rideWith)) {
      at(rpos(['track']), `unknown track "${rel.rideWith}"${didYouMean(rel.rideWith, trackNames)}`);
    }

    for (const o of rel.clusters) {
      if (!clusterNames.some((c) => matchesGlob(c, o.pattern))) {
        at(o.pos, `cluster pattern "${o.pattern}" matches no cluster${/[*?]/.test(o.pattern) ? '' : didYouMean(o.pattern, clusterNames)}`);
      }
      for (const t of Object.keys(o.tracks)) {
        if (!rel.tracks) at(kpos(['clusters', o.pattern, 'tracks'], t), `clusters.${o.pattern}.tracks.${t}: release "${rel.name}" has no tracks`);
        else if (!(t in rel.tracks)) at(kpos(['clusters', o.pattern, 'tracks'], t), `unknown track "${t}" for release "${rel.name}"${didYouMean(t, Object.keys(rel.tracks))}`);
      }
    }

    // values files
    const checkFiles = (layer: ValuesLayer, path: YamlPath) => {
      layer.values.forEach((v, i) => {
        const abs = isAbsolute(v) ? v : join(root, v);
        if (!existsSync(abs)) at(rpos([...path, 'values', i]), `values file not found: ${v} (paths are relative to the folder holding clusters.yaml)`);
      });
    };
    checkFiles(rel.base, []);
    for (const [t, layer] of Object.entries(rel.tracks ?? {})) checkFiles(layer, ['tracks', t]);
    for (const o of rel.clusters) {
      checkFiles(o, ['clusters', o.pattern]);
      for (const [t, layer] of Object.entries(o.tracks)) checkFiles(layer, ['clusters', o.pattern, 'tracks', t]);
    }

    // chart
    if (rel.chart.ref) {
      const kind = chartRefKind(rel.chart.ref, root);
      if (kind === 'local') {
        const abs = isAbsolute(rel.chart.ref) ? rel.chart.ref : join(root, rel.chart.ref);
        if (!existsSync(abs) || !statSync(abs).isDirectory()) at(rpos(['chart', 'ref']), `chart folder not found: ${rel.chart.ref}`);
        else if (!existsSync(join(abs, 'Chart.yaml'))) at(rpos(['chart', 'ref']), `${rel.chart.ref} is not a chart (no Chart.yaml)`);
      } else if (kind === 'repo') {
        const parts = rel.chart.ref.split('/');
        const repos = [...rel.repositories, ...config.repositories].map((r) => r.name);
        if (parts.length !== 2) at(rpos(['chart', 'ref']), `chart ref "${rel.chart.ref}": not a local folder, oci:// URL, or repo/name`);
        else if (!repos.includes(parts[0]!)) {
          at(rpos(['chart', 'ref']), `chart ref "${rel.chart.ref}": no local folder of that name and no repository "${parts[0]}" in repositories${didYouMean(parts[0]!, repos)}`);
        }
      }
      if (kind !== 'local' && rel.chart.version === undefined) {
        at(rpos(['chart']), `chart "${rel.chart.ref}" needs a version (an exact version or a semver range such as "~1.4.0")`);
      }
    }
    if (rel.chart.version !== undefined && semver.validRange(rel.chart.version) === null) {
      at(rpos(['chart', 'version']), `invalid semver range "${rel.chart.version}" (e.g. "1.4.2", "~1.4.0", "^2", ">=1.2 <2")`);
    }
  }

  // duplicate helm release names in one cluster + namespace
  const owners = new Map<string, ReleaseSpec>();
  for (const u of expandUnits(repo)) {
    const id = unitId(u);
    const other = owners.get(id);
    if (other && other !== u.releaseSpec && other.name !== u.releaseSpec.name) {
      at(u.releaseSpec.pos, `helm release "${u.helmName}" in namespace "${u.namespace}" on cluster "${u.cluster}" is also made by release "${other.name}" (${other.file})`);
    } else owners.set(id, u.releaseSpec);
  }
  return out;
}
