// The container image definition, checked without a container engine: there
// is none here, and its base images come from docker.io, which this machine
// cannot reach. deploy/image/build.sh lays out the real build context, and
// BuildKit's own Dockerfile frontend (github.com/moby/buildkit, from the Go
// module proxy; test/ship/containerfile-check) reads the Containerfile as
// `docker build` would: every lint rule of `docker build --check`, the
// conversion to a build graph, the final image config BuildKit computes.
// On that we check the user, the entrypoint, every COPY source, the pins.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { HELM, PKG, ROOT, run, scratch } from './support/ship.ts';

const CHECKER = join(ROOT, 'test', 'ship', 'containerfile-check');

interface Checked {
  error?: string;
  lintError?: string;
  lint: { rule: string; detail: string; line: number }[];
  baseImages: string[];
  image: { config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; Labels?: Record<string, string> } };
  stages: { name: string; base: string; runs: string[]; users: string[] }[];
  copies: { stage: string; command: string; from?: string; sources: string[]; dest: string; line: number }[];
  metaArgs: Record<string, string>;
  stageArgs: Record<string, Record<string, string>>;
}

function check(containerfile: string, ...buildArgs: string[]): Checked {
  const r = run('go', ['run', '.', containerfile, ...buildArgs.flatMap((a) => ['--build-arg', a])], { cwd: CHECKER, timeout: 540_000 });
  assert.equal(r.code, 0, `containerfile-check failed (needs Go and the Go module proxy):\n${r.err}`);
  return JSON.parse(r.out) as Checked;
}

function helmVersion(major: 3 | 4): string {
  return run(HELM[major], ['version', '--template', '{{.Version}}']).out.trim();
}

describe('container image definition (deploy/image)', { timeout: 600_000 }, () => {
  let context = '';
  let c: Checked;
  before(() => {
    context = scratch('image-context');
    const r = run('bash', [join(ROOT, 'deploy', 'image', 'build.sh'), '--context-only', context], { cwd: ROOT, env: { ...process.env, PATH: `${join(ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` } });
    assert.equal(r.code, 0, r.out + r.err);
    c = check(join(context, 'Containerfile'), `HELM_CASCADE_VERSION=${PKG.version}`);
  });

  it('build.sh lays out the context: the Containerfile and the npm tarball, nothing else', () => {
    assert.deepEqual(readdirSync(context).sort(), ['Containerfile', `helm-cascade-${PKG.version}.tgz`]);
    assert.equal(readFileSync(join(context, 'Containerfile'), 'utf8'), readFileSync(join(ROOT, 'deploy', 'image', 'Containerfile'), 'utf8'));
  });

  it('BuildKit parses it, converts it to a build graph, and its linter (docker build --check) finds nothing', () => {
    assert.equal(c.error, undefined);
    assert.equal(c.lintError, undefined);
    assert.deepEqual(c.lint, []);
  });

  it('the checker bites: lint warnings, a --from that is no stage, a bad instruction', () => {
    const bad = join(scratch('bad-containerfile'), 'Containerfile');
    run('sh', ['-c', `printf 'FROM debian:bookworm as base\\nENV API_TOKEN=x\\nCOPY --from=nope /a /b\\nENTRYPOINT helm-cascade\\n' > ${bad}`]);
    const b = check(bad);
    const rules = b.lint.map((l) => l.rule).sort();
    assert.ok(rules.includes('FromAsCasing') && rules.includes('SecretsUsedInArgOrEnv') && rules.includes('JSONArgsRecommended'), rules.join(', '));
    // BuildKit takes an unknown --from for an image to pull: the COPY check below refuses it
    assert.ok(b.baseImages.includes('docker.io/library/nope:latest'), b.baseImages.join(', '));
    const worse = join(scratch('worse-containerfile'), 'Containerfile');
    run('sh', ['-c', `printf 'FROM debian:bookworm\\nFROBNICATE x\\n' > ${worse}`]);
    assert.match(check(worse).lintError ?? '', /unknown instruction: FROBNICATE/i);
  });

  it('runs as uid 65532, a user that exists in /etc/passwd with a home', () => {
    assert.equal(c.image.config.User, '65532:65532');
    const final = c.stages.at(-1);
    assert.ok(final);
    const useradd = final.runs.find((r) => /\buseradd\b/.test(r));
    assert.ok(useradd, 'no useradd in the final stage');
    assert.match(useradd, /groupadd --gid 65532 helm-cascade/);
    assert.match(useradd, /useradd --uid 65532 --gid 65532 --home-dir \/home\/helm-cascade --create-home/);
    assert.match(useradd, /getent passwd 65532/, 'the build proves the entry exists');
    assert.ok(c.image.config.Env?.includes('HOME=/home/helm-cascade'));
    assert.equal(c.image.config.WorkingDir, '/home/helm-cascade');
    // nothing runs as root after the USER switch, and the user is switched last
    assert.deepEqual(final.users, ['65532:65532']);
  });

  it('the entrypoint is helm-cascade under tini (exec form); helm, kubectl and the GKE auth plugin are installed', () => {
    assert.deepEqual(c.image.config.Entrypoint, ['/usr/bin/tini', '--', 'helm-cascade']);
    assert.deepEqual(c.image.config.Cmd, ['--help']);
    assert.ok(c.image.config.Env?.includes('HELM_BIN=/usr/local/bin/helm'));
    const runs = c.stages.flatMap((s) => s.runs).join('\n');
    assert.match(runs, /apt-get install -y --no-install-recommends ca-certificates curl git openssh-client tini/);
    assert.match(runs, /"kubectl=1:\$\{GCLOUD_CLI_VERSION\}" "google-cloud-cli-gke-gcloud-auth-plugin=\$\{GCLOUD_CLI_VERSION\}"/);
    assert.match(runs, /npm install -g --omit=dev --no-audit --no-fund \/tmp\/helm-cascade\.tgz/);
    assert.match(runs, /helm-cascade --version \| grep -qx "\$\{HELM_CASCADE_VERSION\}"/);
    assert.match(runs, /ln -s helm3 \/usr\/local\/bin\/helm/);
  });

  it('every COPY source exists: in the build context, or in the stage it names', () => {
    assert.ok(c.copies.length >= 2);
    const stages = c.stages.map((s) => s.name);
    for (const cp of c.copies) {
      if (cp.from) {
        assert.ok(stages.slice(0, stages.indexOf(cp.stage)).includes(cp.from), `line ${cp.line}: --from=${cp.from} is no earlier stage`);
        const producer = c.stages.find((s) => s.name === cp.from);
        for (const src of cp.sources) assert.ok(producer?.runs.some((r) => r.includes(src)), `line ${cp.line}: stage ${cp.from} makes no ${src}`);
      } else {
        for (const src of cp.sources) assert.ok(existsSync(join(context, src)), `line ${cp.line}: ${src} is not in the build context`);
      }
    }
    assert.ok(c.copies.some((cp) => !cp.from && cp.sources.includes(`helm-cascade-${PKG.version}.tgz`)), 'the npm tarball is not copied');
  });

  it('pins its versions: base images by exact version, Helm as the tests run it, Node 24, the package version', () => {
    assert.deepEqual([...c.baseImages].sort(), [`docker.io/library/golang:${c.metaArgs.GO_VERSION}-bookworm`, `docker.io/library/node:${c.metaArgs.NODE_VERSION}-bookworm-slim`].sort());
    for (const ref of c.baseImages) assert.match(ref, /^docker\.io\/library\/[a-z]+:\d+\.\d+\.\d+-bookworm(-slim)?$/, `${ref} is not pinned to a version`);
    assert.match(c.metaArgs.NODE_VERSION ?? '', /^24\.\d+\.\d+$/);
    const helmArgs = c.stageArgs.helm ?? {};
    assert.equal(helmArgs.HELM3_VERSION, helmVersion(3), 'the image Helm 3 is not the one the tests run');
    assert.equal(helmArgs.HELM4_VERSION, helmVersion(4), 'the image Helm 4 is not the one the tests run');
    const finalArgs = c.stageArgs[c.stages.at(-1)?.name ?? ''] ?? {};
    assert.equal(finalArgs.HELM_CASCADE_VERSION, PKG.version);
    assert.match(finalArgs.GCLOUD_CLI_VERSION ?? '', /^\d+\.\d+\.\d+-\d+$/);
    assert.equal(c.image.config.Labels?.['org.opencontainers.image.version'], PKG.version);
    // the default of the ARG equals package.json too (a plain `docker build` gets it right)
    assert.match(readFileSync(join(ROOT, 'deploy', 'image', 'Containerfile'), 'utf8'), new RegExp(`^ARG HELM_CASCADE_VERSION=${PKG.version.replace(/\./g, '\\.')}$`, 'm'));
  });
});
