// Bad command-line input and broken repositories, through the CLI as Jenkins
// runs it, against a tripwire: the kubeconfig's API server is a local port
// that records every connection. Each case must exit 4, name the flag and
// its value (or file:line), print no secret and no stack trace, and leave
// the tripwire untouched: no API call, so no Lease and no release either.
// Real helm (it checks the --set flags), no fleet.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin, kubectlBin, repoRoot } from '../../fleet/tools.ts';
import { testHelmMajors } from '../support/helm-majors.ts';
import { tempDir } from '../support/tmp.ts';

const bin = join(repoRoot, 'bin', 'helm-cascade.js');
const SECRET = `Hunter2-${process.pid}-s3cret`;

let tripwire: Server;
let connections = 0;
let port = 0;

before(async () => {
  tripwire = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((r) => tripwire.listen(0, '127.0.0.1', () => r()));
  port = (tripwire.address() as AddressInfo).port;
});
after(() => tripwire.close());

const CHART = { 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n', 'charts/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { tag: {{ .Values.image.tag | quote }} }\n' };

/** A deploy repository whose only cluster is the tripwire; `files` add to or replace the good ones. */
function repo(files: Record<string, string | Buffer> = {}): string {
  const dir = tempDir('hc-inputs-');
  const all: Record<string, string | Buffer> = {
    kubeconfig: `apiVersion: v1\nkind: Config\nclusters:\n  - { name: t, cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true } }\nusers:\n  - { name: u, user: { token: ${SECRET} } }\ncontexts:\n  - { name: ctx-a, context: { cluster: t, user: u } }\ncurrent-context: ctx-a\n`,
    'clusters.yaml': 'kubeconfig: kubeconfig\nclusters:\n  paris: { context: ctx-a }\ntracks: [canary, production]\n',
    'releases/web.yaml': 'name: web\nnamespace: web\nchart: { ref: charts/web }\nvalues: [values/web.yaml]\ntracks: { canary: {}, production: {} }\n',
    'values/web.yaml': 'image: { tag: "1.0" }\ningress:\n  hosts:\n    - host: a.example.com\n      paths: ["/"]\n',
    ...CHART,
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

interface Case {
  what: string;
  files?: Record<string, string | Buffer>;
  args: string[];
  /** A line stderr must hold (a RegExp for what varies, such as temporary paths). */
  expect: string | RegExp;
  commands?: string[];
}

async function refused(c: Case, helm: 3 | 4): Promise<void> {
  const dir = repo(c.files);
  for (const command of c.commands ?? ['plan', 'apply']) {
    const before = connections;
    const args = [command, ...(command === 'apply' ? ['--yes'] : []), '--verbose', ...c.args];
    const r = await execa(process.execPath, [bin, ...args], { cwd: dir, reject: false, env: { NO_COLOR: '1', CI: 'true', HELM_BIN: helmBin(helm), KUBECTL_BIN: kubectlBin(), KUBECONFIG: '' } });
    const out = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.exitCode, 4, `${c.what} (${command}): exit ${r.exitCode}\n${r.stderr}`);
    const lines = r.stderr.split('\n');
    assert.ok(typeof c.expect === 'string' ? lines.includes(c.expect) : lines.some((l) => (c.expect as RegExp).test(l)), `${c.what} (${command}): expected ${String(c.expect)}\ngot:\n${r.stderr.slice(0, 3000)}`);
    assert.ok(!out.includes(SECRET), `${c.what} (${command}): printed the secret`);
    assert.ok(!/^\s+at .+\(.+:\d+:\d+\)$/m.test(out), `${c.what} (${command}): a stack trace\n${out.slice(0, 3000)}`);
    assert.doesNotMatch(r.stderr, /^» (GET|POST|PUT|PATCH|DELETE|WATCH) /m, `${c.what} (${command}): an API call`);
    assert.equal(connections, before, `${c.what} (${command}): the API server was called`);
  }
}

/** Flags helm itself checks: run with each helm major. */
const VALUE_FLAGS: Case[] = [
  { what: '-f of a file that is not there', args: ['-f', 'nope.yaml'], expect: 'helm-cascade: -f nope.yaml: file not found' },
  { what: '-f of a file that does not parse', files: { 'over.yaml': 'a: 1\nb: [1, 2\n' }, args: ['-f', 'over.yaml'], expect: /^over\.yaml:3:1: YAML syntax: / },
  { what: '-f of a file that is not UTF-8', files: { 'over.yaml': Buffer.concat([Buffer.from('a: caf'), Buffer.from([0xe9, 0x0a])]) }, args: ['-f', 'over.yaml'], expect: 'over.yaml:1:7: not UTF-8 text: byte 0xE9 here does not start a UTF-8 character (save the file as UTF-8)' },
  { what: '-f of a file with .inf', files: { 'over.yaml': 'replicas: .inf\n' }, args: ['-f', 'over.yaml'], expect: 'over.yaml:1:11: replicas: .inf is not a value helm-cascade or helm can use (JSON has no infinity or NaN)' },
  { what: '-f from standard input', args: ['-f', '-'], expect: /^helm-cascade: -f -: values from standard input are not supported/ },
  { what: '-f of a URL', args: ['-f', `https://user:${SECRET}@example.com/v.yaml`], expect: /^helm-cascade: -f https:\/\/.*: a URL; download the file/ },
  { what: '--set with an unclosed index', args: ['--set', 'image.tag=2', '--set', 'ingress.hosts[0'], expect: /^helm-cascade: --set "ingress\.hosts\[0": (error parsing index: EOF|sets no value)/ },
  { what: '--set without a value', args: ['--set', `novalue`], expect: /^helm-cascade: --set "novalue": / },
  { what: '--set-json that is not JSON, with a secret in it', args: ['--set-json', `db={"password":"${SECRET}"`], expect: /^helm-cascade: --set-json "db=\(hidden\)": / },
  // helm applies --set before --set-string: the --set-string is the one that breaks
  { what: '--set-string that breaks what --set made', args: ['--set-string', `password.x=${SECRET}`, '--set', 'password=1'], expect: /^helm-cascade: --set-string "password\.x=\(hidden\)": / },
  { what: '--set-file of a file that is not there', args: ['--set-file', 'cert=missing.pem'], expect: 'helm-cascade: --set-file cert=missing.pem: file not found' },
  { what: '--set-literal without a key', args: ['--set-literal', '=x'], expect: /^helm-cascade: --set-literal "=\(hidden\)": / },
  { what: '--set deeper than the limit', args: ['--set', `${Array.from({ length: 40 }, (_, i) => `k${i}`).join('.')}=${SECRET}`], expect: 'helm-cascade: --set: a key path 40 keys deep, over the limit of 30 (HELM_CASCADE_MAX_SET_DEPTH)' },
];

/** Flags helm-cascade checks alone: run once (apply, and plan where it takes them). */
const FLAGS: Case[] = [
  { what: '-l with a typo', args: ['-l', 'name=wbe'], expect: 'helm-cascade: -l name=wbe matches no release (did you mean "web"?)' },
  { what: '-l with a glob that matches no cluster', args: ['-l', 'cluster=gke-*'], expect: 'helm-cascade: -l cluster=gke-* matches no cluster (there are: paris)' },
  { what: '-l name that is a prefix only', files: { 'releases/webhook.yaml': 'name: webhook\nnamespace: web\nchart: { ref: charts/web }\n' }, args: ['-l', 'name=webh'], expect: 'helm-cascade: -l name=webh matches no release (did you mean "web" or "webhook"?)' },
  { what: '--wave that does not exist', args: ['--wave', 'canery'], expect: 'helm-cascade: --wave canery: no such wave (did you mean "canary"?)' },
  { what: '--wave and -l that share nothing', files: { 'releases/api.yaml': 'name: api\nnamespace: web\nchart: { ref: charts/web }\n' }, args: ['--wave', 'canary', '-l', 'name=api'], expect: 'helm-cascade: --wave canary holds no unit matching -l name=api (they are in waves: production)' },
  { what: '-l with a bad key', args: ['-l', 'app=web'], expect: 'helm-cascade: bad selector "app=web": expected name=, track=, cluster= or namespace= (e.g. -l name=api,cluster=gke-*)' },
  { what: '--concurrency that is not a number', args: ['--concurrency', 'lots'], expect: 'helm-cascade: --concurrency must be a positive whole number, got "lots"' },
  { what: '--out in a folder that does not exist', args: ['--out', 'no/such/plan.json'], expect: 'helm-cascade: --out "no/such/plan.json": the folder "no/such" does not exist', commands: ['plan'] },
];

const APPLY_FLAGS: Case[] = [
  { what: '--plan of a file that is not there', args: ['--plan', 'plan.json'], expect: 'helm-cascade: --plan plan.json: file not found' },
  { what: '--plan of a file that is not JSON (a kubeconfig by mistake)', args: ['--plan', 'kubeconfig'], expect: 'helm-cascade: --plan kubeconfig: not JSON; make one with `helm-cascade plan --out FILE`' },
  { what: '--plan of JSON that is no plan', files: { 'plan.json': '{"version":1,"waves":[{"name":"w","steps":[[{"cluster":"paris"}]]}]}' }, args: ['--plan', 'plan.json'], expect: 'helm-cascade: --plan plan.json: waves[0].steps[0][0].namespace is missing; make one with `helm-cascade plan --out FILE`' },
  { what: '--wave with --from-wave', args: ['--wave', 'canary', '--from-wave', 'production'], expect: /^helm-cascade: --wave "canary" and --from-wave "production" cannot be combined/ },
  { what: '--shard past the wave\'s clusters', args: ['--wave', 'canary', '--shard', '2/2'], expect: "helm-cascade: --shard 2/2 of wave canary gets no cluster: the wave's selected units are on 1 cluster(s) and failover chains (paris); use fewer shards" },
  { what: '--shard without --wave', args: ['--shard', '1/2'], expect: 'helm-cascade: --shard 1/2 needs --wave: a shard is a share of one wave (run one stage per wave, one agent per shard)' },
  { what: '--lock-timeout that is no duration', args: ['--lock-timeout', 'forever'], expect: 'helm-cascade: --lock-timeout "forever": not a duration (write e.g. 30s, 5m, 1h30m)' },
  { what: '--junit in a folder that does not exist', args: ['--junit', 'no/such/apply.xml'], expect: 'helm-cascade: --junit "no/such/apply.xml": the folder "no/such" does not exist' },
];

const DEEP = `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
const BOMB = `base: &big "${'x'.repeat(100_000)}"\n${Array.from({ length: 400 }, (_, i) => `k${i}: *big`).join('\n')}\n`;

const REPOS: Case[] = [
  { what: 'a failoverFor cycle', files: { 'clusters.yaml': 'kubeconfig: kubeconfig\nclusters:\n  paris: { context: ctx-a, failoverFor: berlin }\n  berlin: { context: ctx-b, failoverFor: paris }\n' }, args: [], expect: /^clusters\.yaml:3:\d+: failoverFor cycle: paris -> berlin -> paris / },
  { what: 'maxRestarts: .inf', files: { 'clusters.yaml': 'kubeconfig: kubeconfig\nclusters:\n  paris: { context: ctx-a }\ntracks: [canary, production]\nhealth: { maxRestarts: .inf }\n' }, args: [], expect: 'clusters.yaml:5:24: health.maxRestarts: .inf is not a value helm-cascade or helm can use (JSON has no infinity or NaN)' },
  { what: 'an OCI ref with a space', files: { 'releases/web.yaml': 'name: web\nnamespace: web\nchart: { ref: "oci://host//my chart:1.0", version: 1.0.0 }\n' }, args: [], expect: 'releases/web.yaml:3:15: chart ref "oci://host//my chart:1.0": not a valid OCI reference: a space in it' },
  { what: 'a release file that is not UTF-8', files: { 'releases/web.yaml': Buffer.concat([Buffer.from('name: web\nnamespace: w'), Buffer.from([0xff]), Buffer.from('\nchart: { ref: charts/web }\n')]) }, args: [], expect: 'releases/web.yaml:2:13: not UTF-8 text: byte 0xFF here does not start a UTF-8 character (save the file as UTF-8)' },
  { what: 'a values file nested 100 000 levels', files: { 'values/web.yaml': DEEP }, args: [], expect: 'values/web.yaml:1:1028: YAML: nested more than 256 levels deep (HELM_CASCADE_MAX_YAML_DEPTH); refused' },
  { what: 'one big anchor aliased 400 times', files: { 'values/web.yaml': BOMB }, args: [], expect: 'values/web.yaml:2:5: YAML: its aliases expand the file to 38.2 MiB, over the limit of 32 MiB (HELM_CASCADE_MAX_YAML_EXPANDED_BYTES); refused' },
  { what: 'an unknown 100 KB key', files: { 'releases/web.yaml': `name: web\nnamespace: web\nchart: { ref: charts/web }\n? ${'k'.repeat(100_000)}\n: 1\n` }, args: [], expect: /^releases\/web\.yaml:4:3: unknown key "k{59}\.\.\." \(100002 characters\) in the file/ },
  { what: 'an integer past int64 in set:', files: { 'releases/web.yaml': 'name: web\nnamespace: web\nchart: { ref: charts/web }\nset: { build: 99999999999999999999 }\n' }, args: [], expect: 'releases/web.yaml:4:15: set.build: 99999999999999999999 is outside the 64-bit integers helm keeps (-9223372036854775808 to 9223372036854775807); quote it to pass a string' },
];

const majors = testHelmMajors();

for (const helm of majors) {
  describe(`value flags are checked by helm ${helm} before any cluster call`, { timeout: 600_000 }, () => {
    for (const c of VALUE_FLAGS) it(c.what, () => refused({ commands: ['apply'], ...c }, helm));
    // plan takes the same flags through the same options: one case proves it there too
    it('plan: a --set helm refuses', () => refused({ what: 'plan --set', args: ['--set', 'novalue'], expect: /^helm-cascade: --set "novalue": /, commands: ['plan'] }, helm));
  });
}

describe('bad input is refused before any cluster call', { timeout: 600_000 }, () => {
  const helm = majors[majors.length - 1]!;
  for (const c of FLAGS) it(c.what, () => refused({ commands: ['apply'], ...c }, helm));
  for (const c of APPLY_FLAGS) it(`apply: ${c.what}`, () => refused({ ...c, commands: ['apply'] }, helm));
  // validate reports these as every other mistake of a file (test/unit/config/gaps.test.ts); apply must refuse them before any cluster call
  for (const c of REPOS) it(`repository: ${c.what}`, () => refused({ ...c, commands: ['apply'] }, helm));

    it('drift: a password in the --pushgateway URL is never printed', async () => {
      const dir = repo();
      for (const url of [`ops:${SECRET}@pushgateway:9091`, `ftp://ops:${SECRET}@pushgateway:9091`]) {
        const r = await execa(process.execPath, [bin, 'drift', '--pushgateway', url], { cwd: dir, reject: false, env: { NO_COLOR: '1', HELM_BIN: helmBin(helm), KUBECTL_BIN: kubectlBin() } });
        assert.equal(r.exitCode, 4, r.stderr);
        assert.match(r.stderr, /--pushgateway expects the http\(s\) URL of a Prometheus Pushgateway .*\(credentials hidden\)@pushgateway:9091/);
        assert.ok(!`${r.stdout}${r.stderr}`.includes(SECRET));
      }
    });
});
