// Values exactly as helm puts them, on the shared fleet with the real helm 3
// and helm 4: `apply` with every command-line value flag over a release
// whose values file gives ingress.hosts[0].paths deploys exactly what
// `helm template` with the same -f and flags renders (integers stay
// integers: 20240101, 1000000, 9007199254740993; the list index merges; a
// null deletes a chart default); `plan --explain` shows those same values;
// a re-plan with the same flags is unchanged; and `apply -l name=<typo>`
// exits 4 naming the typo, touching nothing. The state is read with helm and
// kubectl themselves.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin } from '../../fleet/tools.ts';
import { cascade, CONTEXTS, helmMajors, scratchRepo, sharedFleet } from './support/cascade.ts';
import { fleetState, namespaces } from './support/fleet-state.ts';

const PARIS = CONTEXTS.paris;

const CHART: Record<string, string> = {
  'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n',
  'charts/app/values.yaml': 'image: { tag: latest }\nreplicas: 1\ngone: "a chart default"\nratio: 0\n',
  'charts/app/templates/app.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: {{ .Release.Name }} }
data:
  tag: {{ .Values.image.tag | quote }}
  replicas: {{ .Values.replicas | quote }}
  id: {{ .Values.id | quote }}
  build: {{ .Values.build | quote }}
  ratio: {{ .Values.ratio | quote }}
  hosts: {{ toJson .Values.ingress.hosts | quote }}
  literal: {{ .Values.literal | quote }}
  str: {{ .Values.str | quote }}
  file: {{ .Values.file | quote }}
  json: {{ toJson .Values.json | quote }}
  region: {{ .Values.region | quote }}
  gone: {{ hasKey .Values "gone" | quote }}
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: {{ .Release.Name }} }
spec:
  replicas: 1
  selector: { matchLabels: { app: {{ .Release.Name }} } }
  template:
    metadata: { labels: { app: {{ .Release.Name }} } }
    spec:
      containers:
        - name: app
          image: "example/app:{{ .Values.image.tag }}"
`,
};

const release = (ns: string) => `name: app
namespace: ${ns}
chart: { ref: charts/app }
cascadeValues: never
values: [values/app.yaml]
set: { build: 20240101 }
`;

const VALUES = 'ingress:\n  hosts:\n    - host: a.example.com\n      paths: ["/", "/api"]\nratio: 1000000\nregion: from-the-repo\n';

for (const major of helmMajors()) {
  describe(`values exactly as helm ${major} puts them, on the fleet`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    const state = fleetState(major, () => kubeconfig);
    const nss = namespaces(`exact-${major}`, [PARIS], () => kubeconfig);
    const run = (dir: string, args: string[]) => cascade(dir, args, { kubeconfig, helm: major });

    before(async () => {
      kubeconfig = await sharedFleet();
    });
    after(async () => {
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('apply with every value flag deploys what `helm template` with the same flags renders; --explain agrees; a re-plan is unchanged', async () => {
      const ns = nss.next();
      const dir = scratchRepo({
        'clusters.yaml': `clusters:\n  paris: { context: ${PARIS} }\nhealth: { timeout: 60s, soak: 1s, minReadyEndpoints: 0 }\n`,
        'releases/app.yaml': release(ns),
        'values/app.yaml': VALUES,
        'over.yaml': 'region: from-the-command-line\n',
        'cert.pem': '-----BEGIN X-----\nabc\n',
        ...CHART,
      });
      const flags = ['-f', 'over.yaml', '--set', 'image.tag=20240101,replicas=1000000', '--set', 'ingress.hosts[0].host=x', '--set', 'id=9007199254740993', '--set', 'gone=null', '--set-string', 'str=0123', '--set-file', 'file=cert.pem', '--set-json', 'json={"k":[1,2]}', '--set-literal', 'literal=a,b'];

      const explained = await run(dir, ['plan', '--explain', '-l', 'name=app', ...flags]);
      assert.equal(explained.exitCode, 0, explained.stdout + explained.stderr);
      const line = (path: string) => explained.stdout.split('\n').find((l) => l.trim().startsWith(`${path} `))?.trim().replace(/\s+/g, ' ');
      assert.equal(line('image.tag'), 'image.tag = 20240101 # command line (-f/--set)');
      assert.equal(line('replicas'), 'replicas = 1000000 # command line (-f/--set)');
      assert.equal(line('id'), 'id = 9007199254740993 # command line (-f/--set)');
      assert.equal(line('ingress.hosts'), 'ingress.hosts = [{"host":"x","paths":["/","/api"]}] # command line (-f/--set)');
      assert.equal(line('build'), 'build = 20240101 # releases/app.yaml set');
      assert.match(line('ratio') ?? '', /^ratio = 1000000 \(a float: templates print 1e\+06; .*\) # values\/app\.yaml$/);
      assert.equal(line('region'), 'region = "from-the-command-line" # command line (-f/--set)');
      assert.equal(line('gone'), 'gone = null # command line (-f/--set)');

      const applied = await run(dir, ['apply', '--yes', ...flags]);
      assert.equal(applied.exitCode, 0, applied.stdout + applied.stderr);

      const deployed = await execa(helmBin(major), ['get', 'manifest', 'app', '-n', ns, '--kube-context', PARIS, '--kubeconfig', kubeconfig]);
      const direct = await execa(helmBin(major), ['template', 'app', 'charts/app', '--namespace', ns, '-f', 'values/app.yaml', '--set', 'build=20240101', ...flags], { cwd: dir });
      assert.equal(String(deployed.stdout).trim(), String(direct.stdout).trim());
      for (const want of ['image: "example/app:20240101"', 'replicas: "1000000"', 'id: "9007199254740993"', 'build: "20240101"', 'ratio: "1e+06"', 'hosts: "[{\\"host\\":\\"x\\",\\"paths\\":[\\"/\\",\\"/api\\"]}]"', 'gone: "false"', 'str: "0123"', 'literal: "a,b"']) {
        assert.ok(String(deployed.stdout).includes(want), `deployed manifest lacks ${want}\n${deployed.stdout}`);
      }

      const again = await run(dir, ['plan', '--detailed-exitcode', ...flags]);
      assert.equal(again.exitCode, 0, again.stdout + again.stderr);
      assert.match(again.stdout, /^Plan: 0 to install, 0 to upgrade, 1 unchanged, 0 to uninstall\.$/m);
    });

    it('apply -l name=<typo> --yes exits 4 naming the typo, and changes nothing', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': `clusters:\n  paris: { context: ${PARIS} }\n`, 'releases/app.yaml': release(ns), 'values/app.yaml': VALUES, ...CHART });
      writeFileSync(join(dir, 'releases', 'probe.yaml'), `name: probe\nnamespace: ${ns}\nchart: { ref: charts/app }\ncascadeValues: never\nvalues: [values/app.yaml]\n`);
      const r = await run(dir, ['apply', '--yes', '--verbose', '-l', 'name=prbe']);
      assert.equal(r.exitCode, 4, r.stdout + r.stderr);
      assert.match(r.stderr, /^helm-cascade: -l name=prbe matches no release \(did you mean "probe"\?\)$/m);
      assert.doesNotMatch(r.stderr, /^» (GET|POST|PUT|PATCH|DELETE|WATCH) /m);
      assert.deepEqual(await state.releases(PARIS, ns), []);
      assert.equal(await state.leases(PARIS, ns), '');
    });
  });
}
