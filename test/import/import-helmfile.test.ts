// `helm-cascade import helmfile` tried as a new user would, on real public
// helmfiles nobody here wrote (test/import/helmfiles/README.md): for each, the
// import's exit code and the gaps it lists with file:line, `validate` on the
// result, and for every release imported, the manifest helm-cascade renders on
// the fleet equals what `helmfile template` (helmfile v1.8.0, built from the Go
// module proxy) renders from the original helmfile.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { cacheDir } from '../../fleet/binaries.ts';
import { helmBin } from '../../fleet/tools.ts';
import { loadDeployRepoOrThrow } from '../../src/config/load.ts';
import { createHelm } from '../../src/helm/helm.ts';
import { CONTEXTS, helmMajors, sharedFleet } from '../e2e/support/cascade.ts';
import { planOnce, renderedUnits } from '../e2e/support/deploy.ts';
import { serveChartRepo, sh } from '../e2e/plan-support/chart-servers.ts';
import type { ChartRepoServer } from '../e2e/plan-support/chart-servers.ts';
import { CASES } from './support/cases.ts';
import type { ImportCase } from './support/cases.ts';
import { ensureHelmfile } from './support/helmfile-binary.ts';
import { cli, copyTree, ensureSops, helmfileTemplate, objectsOf, serverVersion } from './support/run.ts';
import { tempDir } from '../support/tmp.ts';

const FLEET_CONTEXTS = [CONTEXTS.paris, CONTEXTS.amsterdam, CONTEXTS.europe];
const CHART_REPOS = join(import.meta.dirname, 'chart-repos');

interface ImportJson {
  written: string | null;
  environments: string[];
  clusters: { name: string; context: string; environment: string }[];
  releases: { name: string; environments: string[] }[];
  gaps: { file: string; line: number; col: number; message: string }[];
  notes: { file: string; line: number; col: number; message: string }[];
}

/** Packages the vendored remote charts into one folder per repository and serves them. */
async function startChartServer(): Promise<ChartRepoServer> {
  const dir = tempDir('hc-import-charts-');
  for (const [repo, charts] of [['incubator', ['raw-0.1.0', 'raw-0.2.3']], ['groundhog2k', ['postgres-1.5.14']]] as const) {
    for (const c of charts) sh(helmBin(3), ['package', join(CHART_REPOS, repo, c), '--destination', join(dir, repo)]);
  }
  const server = await serveChartRepo(dir);
  for (const empty of ['myrepo', 'ingress-nginx']) mkdirSync(join(dir, empty), { recursive: true });
  for (const repo of ['incubator', 'groundhog2k', 'myrepo', 'ingress-nginx']) sh(helmBin(3), ['repo', 'index', join(dir, repo), '--url', `${server.url}/${repo}`]);
  return server;
}

/** Encrypts the case's sops files with the test key helmfile's own tests use (test/integration/.gnupg). */
async function encrypt(c: ImportCase, tree: string): Promise<void> {
  if (!c.encrypt) return;
  const sops = await ensureSops(cacheDir());
  const gnupg = tempDir('hc-gnupg-');
  cpSync(join(tree, 'test/integration/.gnupg'), gnupg, { recursive: true });
  for (const [plain, enc] of c.encrypt) {
    mkdirSync(dirname(join(tree, enc)), { recursive: true });
    const out = sh(sops, ['--encrypt', '--pgp', 'B2D6D7BBEC03B2E66571C8C00AD18E16CFDEF700', join(tree, plain)], { env: { GNUPGHOME: gnupg } });
    writeFileSync(join(tree, enc), out);
  }
}

const shown = (f: { file: string; line: number; col: number; message: string }) => `${f.file}:${f.line}:${f.col}: ${f.message}`;

describe('import helmfile: real public helmfiles', { timeout: 30 * 60_000 }, () => {
  let charts: ChartRepoServer;
  let helmfile: string;
  let kubeconfig: string;
  let kubeVersion: string;

  before(async () => {
    [helmfile, kubeconfig, charts] = await Promise.all([ensureHelmfile((l) => process.stderr.write(`${l}\n`)), sharedFleet(), startChartServer()]);
    kubeVersion = await serverVersion(kubeconfig, FLEET_CONTEXTS[0]!);
  });
  after(async () => {
    await charts?.close();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const tree = copyTree(c, charts.url);
      await encrypt(c, tree);
      const out = join(tempDir('hc-import-out-'), 'deploy');
      const args = ['import', 'helmfile', c.source, ...c.envs.flatMap((e) => ['-e', e]), '--out', out, '-o', 'json', ...(c.partial ? ['--partial'] : []), ...(c.currentContext ? ['--current-context', c.currentContext] : [])];
      const r = await cli(args, { cwd: tree, env: { KUBECONFIG: join(tree, 'no-kubeconfig') } });
      assert.equal(r.exitCode, c.exit, `import exit code\n${r.stdout}\n${r.stderr}`);
      const res = JSON.parse(r.stdout) as ImportJson;

      // every gap listed, each with the file and line it comes from
      const gaps = res.gaps.map(shown);
      assert.equal(gaps.length, c.gaps.length, `gaps:\n${gaps.join('\n')}`);
      c.gaps.forEach((re, i) => assert.match(gaps[i]!, re));
      for (const re of c.notes ?? []) assert.ok(res.notes.map(shown).some((n) => re.test(n)), `no note matches ${re}:\n${res.notes.map(shown).join('\n')}`);
      assert.deepEqual(res.releases.map((x) => x.name).sort(), c.imported);

      if (c.exit !== 0) {
        assert.equal(res.written, null, 'nothing is written when something does not map (without --partial)');
        return;
      }
      const v = await cli(['validate'], { cwd: out });
      assert.equal(v.exitCode, 0, `validate on the imported repository:\n${v.stdout}${v.stderr}`);
      await compareRenders(c, { tree, out, res });
    });
  }

  /** For each imported release and environment: helm-cascade's render on the fleet equals helmfile template's. */
  async function compareRenders(c: ImportCase, o: { tree: string; out: string; res: ImportJson }): Promise<void> {
    const names = c.compare ?? c.imported;
    if (!names.length) return;
    // the clusters point at the fleet's contexts (helmfile's own contexts do not exist here)
    const clusters = join(o.out, 'clusters.yaml');
    const doc = parseDocument(readFileSync(clusters, 'utf8'));
    o.res.clusters.forEach((cl, i) => doc.setIn(['clusters', cl.name, 'context'], FLEET_CONTEXTS[i]));
    writeFileSync(clusters, doc.toString());
    const repo = loadDeployRepoOrThrow({ clustersFile: clusters });
    for (const [file, from, to] of c.referenceEdits ?? []) {
      const text = readFileSync(join(o.tree, file), 'utf8');
      assert.ok(text.includes(from), `${file} holds ${JSON.stringify(from)}`);
      writeFileSync(join(o.tree, file), text.replace(from, to));
    }
    for (const major of helmMajors()) {
      const plan = await planOnce(repo, { kubeconfig, liveDrift: false }, createHelm({ bin: helmBin(major) }));
      const units = renderedUnits(plan);
      for (const cl of o.res.clusters) {
        const theirs = await helmfileTemplate({ helmfile, major, tree: o.tree, source: c.source, env: cl.environment, kubeVersion, releases: names });
        for (const name of names) {
          const ours = units.find((u) => u.cluster === cl.name && u.helmName === name);
          assert.ok(ours, `helm-cascade renders ${name} on ${cl.name} (helm ${major}); failed units: ${JSON.stringify(plan.waves.flatMap((w) => w.steps.flat()).filter((u) => u.kind === 'failed'))}`);
          const reference = theirs.get(name);
          assert.ok(reference !== undefined, `helmfile template renders ${name} for ${cl.environment}`);
          const a = objectsOf(`${ours.manifest}\n---\n${ours.extra}`);
          const b = objectsOf(reference);
          assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${name} (${cl.environment}, helm ${major}): the same objects`);
          for (const [k, obj] of b) assert.deepEqual(a.get(k), obj, `${name} (${cl.environment}, helm ${major}): ${k}`);
        }
      }
    }
  }
});

