// The text of the files of a new deploy repository: clusters.yaml and one
// releases/NAME.yaml per release, each with its schema modeline and a line
// saying where it came from. Pure.
import { stringify } from 'yaml';
import { MODELINE } from './scaffold.ts';

interface ClusterEntry {
  name: string;
  context: string;
  provider: string;
  region?: string;
  labels?: Record<string, string>;
  /** A comment above the cluster (e.g. where it came from). */
  comment?: string;
}

export interface ClustersFile {
  header: string[];
  clusters: ClusterEntry[];
  repositories?: { name: string; url: string }[];
  /** One wave per entry, selecting clusters by the label environment=NAME. */
  waves?: { name: string; environment: string }[];
  /** Lines appended as they are (e.g. health defaults). */
  extra?: string;
}

const yaml = (v: unknown) => stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });
const comments = (lines: readonly string[]) => lines.map((l) => `# ${l}`.trimEnd()).join('\n');

/** clusters.yaml */
export function clustersYaml(f: ClustersFile): string {
  const parts = [MODELINE.clusters, comments(f.header), 'clusters:'];
  for (const c of f.clusters) {
    if (c.comment) parts.push(`  # ${c.comment}`);
    const body: Record<string, unknown> = { context: c.context, provider: c.provider, ...(c.region ? { region: c.region } : {}) };
    if (c.labels && Object.keys(c.labels).length) body.labels = c.labels;
    parts.push(
      yaml({ [c.name]: body })
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
  if (f.repositories?.length) parts.push(yaml({ repositories: f.repositories }).trimEnd());
  if (f.waves?.length) parts.push('# the rollout, in order: one wave per environment', yaml({ waves: f.waves.map((w) => ({ name: w.name, clusters: { labels: { environment: w.environment } } })) }).trimEnd());
  if (f.extra) parts.push(f.extra.trimEnd());
  return `${parts.filter(Boolean).join('\n')}\n`;
}

/** releases/NAME.yaml */
export function releaseYaml(spec: Record<string, unknown>, header: readonly string[]): string {
  return `${MODELINE.release}\n${header.length ? `${comments(header)}\n` : ''}${yaml(spec)}`;
}
