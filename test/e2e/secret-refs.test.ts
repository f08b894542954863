// Secret references resolved per cluster and never shown, tried as a new user
// would, on the local fleet with real helm 3 and 4, two real Vaults (`vault
// server -dev`, one per context as Dailymotion runs them) and a sops file
// encrypted by the real sops for a real age key:
// - onprem Paris reads its Vault with AppRole, Amsterdam its own Vault with
//   Kubernetes auth (its API server reviews the service-account token);
// - a release whose database password comes from ref+vault:// (a different
//   value per cluster) and whose API key comes from ref+sops:// installs, and
//   each cluster's Secret holds its own value;
// - no output of validate, plan (text, --explain, -o json), apply (and its
//   JUnit), status, drift (every format, the webhook) or the render cache holds
//   either value, even where the chart copies them into a ConfigMap and an env var;
// - the password rotated in Vault: plan shows an upgrade saying "(secret value
//   changed)" and nothing else, drift reports it as not applied.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { secretToolPaths } from '../../fleet/secret-tools.ts';
import { cascade, CONTEXTS, helmMajors, kubectl, scratchRepo, sharedFleet, suffix } from './support/cascade.ts';
import type { CliRun } from './support/cascade.ts';
import { newAgeKey, sopsEncrypt } from './support/sops.ts';
import type { AgeKey } from './support/sops.ts';
import { DevVault, tempFile } from './support/vault.ts';
import { startWebhook } from './support/webhook.ts';
import { tempDir } from '../support/tmp.ts';

/** A chart that puts the password and the API key in a Secret, and (on request) in a ConfigMap and a container's env. */
export const ACCOUNT_CHART: Record<string, string> = {
  'charts/account/Chart.yaml': 'apiVersion: v2\nname: account\nversion: 1.0.0\n',
  'charts/account/values.yaml': 'db: { user: app, password: "" }\napiKey: ""\nexposeInConfigMap: false\nlogLevel: info\n',
  'charts/account/templates/secret.yaml': `apiVersion: v1
kind: Secret
metadata: { name: {{ .Release.Name }} }
stringData:
  DB_PASSWORD: {{ .Values.db.password | quote }}
  API_KEY: {{ .Values.apiKey | quote }}
`,
  'charts/account/templates/configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: {{ .Release.Name }}-config }
data:
  LOG_LEVEL: {{ .Values.logLevel | quote }}
{{- if .Values.exposeInConfigMap }}
  DSN: "postgres://{{ .Values.db.user }}:{{ .Values.db.password }}@db:5432/accounts"
  API_KEY_COPY: {{ .Values.apiKey | quote }}
{{- end }}
`,
  'charts/account/templates/deployment.yaml': `apiVersion: apps/v1
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
          image: registry.example/account:1.0.0
          env:
            - { name: LOG_LEVEL, value: {{ .Values.logLevel | quote }} }
{{- if .Values.exposeInConfigMap }}
            - { name: DB_PASSWORD, value: {{ .Values.db.password | quote }} }
{{- end }}
`,
};

const random = (prefix: string) => `${prefix}${randomBytes(12).toString('base64url')}`;

/** Every text a run shows (stdout, stderr) and every file under `dirs`: none holds a secret, in clear or base64. */
export function assertNoSecret(what: string, r: CliRun | undefined, secrets: readonly string[], dirs: readonly string[] = []): void {
  const texts: [string, string][] = r ? [['stdout', r.stdout], ['stderr', r.stderr]] : [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else texts.push([p, readFileSync(p, 'utf8')]);
    }
  };
  dirs.forEach(walk);
  for (const s of secrets) {
    for (const [where, t] of texts) {
      assert.ok(!t.includes(s), `${what}: ${where} shows a secret value`);
      assert.ok(!t.includes(Buffer.from(s).toString('base64')), `${what}: ${where} shows a secret value in base64`);
    }
  }
}

/** The lines of a plan's text that belong to one unit (from its header to the next unit or wave). */
function unitBlock(planText: string, helmName: string, cluster: string): string[] {
  const lines = planText.split('\n');
  const clusterAt = lines.findIndex((l) => new RegExp(`^\\s*${cluster}\\b`).test(l) || l.includes(`cluster ${cluster}`));
  const start = lines.findIndex((l, i) => i > clusterAt && new RegExp(`^\\s*[~+=!-] ${helmName} `).test(l));
  assert.ok(start >= 0, `no unit ${helmName} on ${cluster} in:\n${planText}`);
  const indent = /^\s*/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((l, i) => i > start && l.trim() !== '' && /^\s*/.exec(l)![0].length <= indent);
  return lines.slice(start, end < 0 ? undefined : end);
}

for (const major of helmMajors()) {
  describe(`secret references from Vault and sops, per cluster, never shown (helm ${major})`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    let paris: DevVault;
    let amsterdam: DevVault;
    let age: AgeKey;
    let env: Record<string, string> = {};
    const ns = `i23-refs-${major}-${suffix()}`;
    const authNs = `i23-auth-${major}-${suffix()}`;
    const secrets = { paris: random('pa-'), paris2: random('pa2-'), amsterdam: random('am-'), apiKey: random('ak-') };

    before(async () => {
      kubeconfig = await sharedFleet();
      [paris, amsterdam, age] = await Promise.all([DevVault.start(), DevVault.start(), newAgeKey()]);
      // Paris: KV v2 at secret/, a policy that reads only the account service's secret, AppRole for Jenkins
      await paris.putV2('secret', 'account-service', { password: secrets.paris, user: 'app' });
      await paris.putV2('secret', 'billing', { password: random('bi-') });
      await paris.policy('onprem-paris', ['secret/data/account-service']);
      const role = await paris.approle('helm-cascade', ['onprem-paris']);
      // Amsterdam: its own Vault, the secrets under another KV v2 mount, Kubernetes auth for the drift CronJob's service account
      await amsterdam.enableKvV2('kv-ams');
      await amsterdam.putV2('kv-ams', 'account-service', { password: secrets.amsterdam, user: 'app' });
      await amsterdam.policy('onprem-amsterdam', ['kv-ams/data/account-service']);
      const saToken = await amsterdam.kubernetesAuth({ kubeconfig, context: CONTEXTS.amsterdam, namespace: authNs, sa: 'helm-cascade-drift', role: 'helm-cascade', policies: ['onprem-amsterdam'] });
      env = { VAULT_ROLE_ID: role.roleId, VAULT_SECRET_ID: role.secretId, SOPS_BIN: secretToolPaths().sops, SOPS_AGE_KEY_FILE: age.file, SA_TOKEN_FILE: tempFile('token', saToken) };
    });
    after(async () => {
      await Promise.all([paris?.stop(), amsterdam?.stop()]);
      for (const [ctx, n] of [[CONTEXTS.paris, ns], [CONTEXTS.amsterdam, ns], [CONTEXTS.amsterdam, authNs]] as const) {
        await kubectl(kubeconfig, ctx, ['delete', 'namespace', n, '--wait=false', '--ignore-not-found']).catch(() => undefined);
      }
    });

    it('installs each cluster its own Vault value and the sops value, and no output or cache shows either', async () => {
      const dir = scratchRepo({
        ...ACCOUNT_CHART,
        'clusters.yaml': `vault:
  address: ${paris.address}
  mount: secret
  auth: { method: approle }
clusters:
  paris: { context: ${CONTEXTS.paris}, provider: onprem }
  amsterdam:
    context: ${CONTEXTS.amsterdam}
    provider: onprem
    vault:
      address: ${amsterdam.address}
      mount: kv-ams
      auth: { method: kubernetes, role: helm-cascade, tokenFile: ${env.SA_TOKEN_FILE} }
health: { timeout: 90s, soak: 0s, minReadyEndpoints: 0, maxRestarts: 0 }
`,
        'values/account.yaml': 'db:\n  password: ref+vault://account-service#password\napiKey: ref+sops://values/secrets.enc.yaml#/account/apiKey\n',
        'releases/account.yaml': `name: account\nnamespace: ${ns}\nchart: { ref: charts/account }\nvalues: [values/account.yaml]\nset: { exposeInConfigMap: true }\n`,
      });
      await sopsEncrypt(join(dir, 'values/secrets.enc.yaml'), `account:\n  apiKey: ${secrets.apiKey}\nother: unused\n`, age);
      const cacheDir = tempDir('hc-i23-cache-');
      const reports = tempDir('hc-i23-reports-');
      const run = (args: string[]) => cascade(dir, [...args], { kubeconfig, helm: major, env });
      const all = Object.values(secrets);

      for (const args of [['validate'], ['validate', '--online']]) {
        const r = await run(args);
        assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
        assertNoSecret(args.join(' '), r, all);
      }
      for (const args of [['plan'], ['plan', '--explain'], ['plan', '-o', 'json'], ['plan', '-o', 'json', '--explain']]) {
        const r = await run([...args, '--cache-dir', cacheDir]);
        assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
        assertNoSecret(args.join(' '), r, all);
      }
      const explained = await run(['plan', '--explain', '--cache-dir', cacheDir]);
      assert.match(explained.stdout, /ref\+vault:\/\/account-service#password/, 'plan --explain names the reference');

      const applied = await run(['apply', '--yes', '-o', 'json', '--junit', join(reports, 'apply.xml'), '--cache-dir', cacheDir]);
      assert.equal(applied.exitCode, 0, applied.stderr);
      assertNoSecret('apply', applied, all, [reports, cacheDir]);

      // what was installed holds the values: each cluster its own password, both the sops key
      for (const [ctx, password] of [[CONTEXTS.paris, secrets.paris], [CONTEXTS.amsterdam, secrets.amsterdam]] as const) {
        const s = JSON.parse(await kubectl(kubeconfig, ctx, ['get', 'secret', 'account', '-n', ns, '-o', 'json'])) as { data: Record<string, string> };
        assert.equal(Buffer.from(s.data.DB_PASSWORD!, 'base64').toString(), password);
        assert.equal(Buffer.from(s.data.API_KEY!, 'base64').toString(), secrets.apiKey);
        const cm = JSON.parse(await kubectl(kubeconfig, ctx, ['get', 'configmap', 'account-config', '-n', ns, '-o', 'json'])) as { data: Record<string, string> };
        assert.equal(cm.data.DSN, `postgres://app:${password}@db:5432/accounts`);
      }

      const status = await run(['status']);
      assert.equal(status.exitCode, 0, status.stderr);
      assertNoSecret('status', status, all);
      const hook = await startWebhook();
      const driftDir = tempDir('hc-i23-drift-');
      const formats = `text,json=${driftDir}/d.json,junit=${driftDir}/d.xml,markdown=${driftDir}/d.md,html=${driftDir}/d.html,prometheus=${driftDir}/d.prom`;
      try {
        const clean = await run(['drift', '--format', formats, '--notify', hook.url, '--notify-always', '--cache-dir', cacheDir]);
        assert.equal(clean.exitCode, 0, `${clean.stdout}\n${clean.stderr}`);
        assertNoSecret('drift (clean)', clean, all, [driftDir, cacheDir]);

        // rotated in Paris's Vault: plan shows an upgrade of Paris's unit saying only "(secret value changed)"
        await paris.putV2('secret', 'account-service', { password: secrets.paris2, user: 'app' });
        const rotated = await run(['plan', '--detailed-exitcode', '--cache-dir', cacheDir]);
        assert.equal(rotated.exitCode, 2, rotated.stderr);
        assertNoSecret('plan (rotated)', rotated, all);
        assert.match(rotated.stdout, /Plan: 0 to install, 1 to upgrade, 1 unchanged, 0 to uninstall\./);
        const block = unitBlock(rotated.stdout, 'account', 'paris');
        assert.ok(block.some((l) => l.includes('(secret value changed)')), block.join('\n'));
        // every changed line under the unit is the secret's: object headers and "~ values" aside, nothing else changed
        const changes = block.slice(1).filter((l) => /^\s*[-+~]/.test(l) && !/^\s*[-+~] (Secret|ConfigMap|Deployment) \S+$/.test(l) && !/^\s*~ values$/.test(l));
        assert.ok(changes.length >= 3, `the Secret, the ConfigMap and the env var each say so:\n${block.join('\n')}`);
        for (const l of changes) assert.match(l, /\(secret value changed\)/, `a change other than the secret's:\n${block.join('\n')}`);
        for (const args of [['plan', '--explain'], ['plan', '-o', 'json', '--explain']]) assertNoSecret(args.join(' '), await run([...args, '--cache-dir', cacheDir]), all);

        const drifted = await run(['drift', '--format', formats, '--notify', hook.url, '--cache-dir', cacheDir]);
        assert.equal(drifted.exitCode, 2, `${drifted.stdout}\n${drifted.stderr}`);
        // Paris's release is pending (the rotated secret is not applied yet), Amsterdam's is clean
        assert.match(drifted.stdout, /^paris: 0\/1 clean$/m);
        assert.match(drifted.stdout, new RegExp(`✗ pending +${ns}/account`));
        assert.match(drifted.stdout, /^amsterdam: 1\/1 clean$/m);
        assertNoSecret('drift (rotated)', drifted, all, [driftDir, cacheDir]);
        assert.ok(hook.got.length >= 2, 'the webhook got the summaries');
        for (const body of hook.got) assertNoSecret('webhook', { stdout: body, stderr: '', exitCode: 0, ms: 0 }, all);
      } finally {
        hook.close();
      }

      const upgraded = await run(['apply', '--yes', '--junit', join(reports, 'apply2.xml'), '--cache-dir', cacheDir]);
      assert.equal(upgraded.exitCode, 0, upgraded.stderr);
      assertNoSecret('apply (rotated)', upgraded, all, [reports, cacheDir]);
      const s = JSON.parse(await kubectl(kubeconfig, CONTEXTS.paris, ['get', 'secret', 'account', '-n', ns, '-o', 'json'])) as { data: Record<string, string> };
      assert.equal(Buffer.from(s.data.DB_PASSWORD!, 'base64').toString(), secrets.paris2);

      // the run log of both applies (.helm-cascade/runs/*.jsonl), and every report made from it, hold neither value
      const runsDir = join(dir, '.helm-cascade', 'runs');
      const logs = readdirSync(runsDir).filter((f) => f.endsWith('.jsonl')).map((f) => join(runsDir, f));
      assert.equal(logs.length, 2, `one run log per apply: ${logs.join(', ')}`);
      for (const f of logs) assert.match(readFileSync(f, 'utf8'), /"account"/, `${f} logs the unit`);
      assertNoSecret('run log', undefined, all, [runsDir]);
      const runReports = tempDir('hc-i23-run-report-');
      for (const format of ['html', 'json', 'junit', 'markdown']) {
        const toFile = await run(['report', ...logs, '--format', format, '--out', join(runReports, `run.${format}`)]);
        assert.equal(toFile.exitCode, 0, `report --format ${format}: ${toFile.stderr}`);
        assert.match(readFileSync(join(runReports, `run.${format}`), 'utf8'), /account/, `report --format ${format} shows the unit`);
        const toStdout = await run(['report', ...logs, '--format', format]);
        assert.equal(toStdout.exitCode, 0, `report --format ${format} (stdout): ${toStdout.stderr}`);
        assertNoSecret(`report --format ${format}`, toStdout, all);
      }
      assertNoSecret('report files', undefined, all, [runReports]);

      const again = await run(['plan', '--detailed-exitcode', '--cache-dir', cacheDir]);
      assert.equal(again.exitCode, 0, `${again.stdout}\n${again.stderr}`);
    });
  });
}

describe('secret references: token auth, KV v1, overlays and the command line; every failure named, never a value', { timeout: 600_000 }, () => {
  const major = helmMajors()[helmMajors().length - 1]!;
  let kubeconfig = '';
  let vault: DevVault;
  let age: AgeKey;
  let env: Record<string, string> = {};
  const ns = `i23-errs-${major}-${suffix()}`;
  const v = { password: random('pw-'), password2: random('pw2-'), legacy: random('lg-'), region: random('rg-'), forbidden: random('fb-'), sops: random('sp-') };

  before(async () => {
    kubeconfig = await sharedFleet();
    [vault, age] = await Promise.all([DevVault.start(), newAgeKey()]);
    await vault.putV2('secret', 'app', { password: v.password });
    await vault.putV2('secret', 'app', { password: v.password2 }); // version 2; version 1 still holds the first
    await vault.api('POST', 'secret/data/app2', { data: { nested: { region: v.region } } });
    await vault.enableKvV1('kv1');
    await vault.putV1('kv1', 'legacy', { token: v.legacy });
    await vault.enableKvV2('restricted');
    await vault.putV2('restricted', 'db', { password: v.forbidden });
    await vault.policy('ci', ['secret/data/*', 'kv1/*']);
    env = { CI_VAULT_TOKEN: await vault.token(['ci']), SOPS_BIN: secretToolPaths().sops, SOPS_AGE_KEY_FILE: age.file };
  });
  after(async () => {
    await vault?.stop();
    await kubectl(kubeconfig, CONTEXTS.paris, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(() => undefined);
  });

  const files = (valuesYaml: string) => ({
    ...ACCOUNT_CHART,
    'clusters.yaml': `vault:\n  address: ${vault.address}\n  auth: { method: token, tokenEnv: CI_VAULT_TOKEN }\nclusters:\n  paris: { context: ${CONTEXTS.paris} }\nhealth: { timeout: 90s, soak: 0s, minReadyEndpoints: 0, maxRestarts: 0 }\n`,
    'values/legacy.yaml': valuesYaml,
    'releases/legacy.yaml': `name: legacy
namespace: ${ns}
chart: { ref: charts/account }
values: [values/legacy.yaml]
set:
  logLevel: ref+vault://kv1/legacy#token
clusters:
  paris:
    set: { db.user: "ref+vault://secret/data/app2#/nested/region" }
`,
  });
  const GOOD = 'db:\n  password: ref+vault://secret/data/app#password\n';

  it('resolves KV v2 (latest and a pinned version), KV v1, a JSON pointer, overlays and --set, with a token from a named variable', async () => {
    const dir = scratchRepo(files(GOOD));
    const reports = tempDir('hc-i23-tok-');
    const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major, env });
    const set = ['--set', 'apiKey=ref+vault://secret/data/app?version=1#password', '--set', 'exposeInConfigMap=true'];
    const plan = await run(['plan', '--explain', ...set]);
    assert.equal(plan.exitCode, 0, plan.stderr);
    assertNoSecret('plan --explain', plan, Object.values(v));
    const applied = await run(['apply', '--yes', '--junit', join(reports, 'apply.xml'), ...set]);
    assert.equal(applied.exitCode, 0, applied.stderr);
    assertNoSecret('apply', applied, Object.values(v), [reports]);
    const s = JSON.parse(await kubectl(kubeconfig, CONTEXTS.paris, ['get', 'secret', 'legacy', '-n', ns, '-o', 'json'])) as { data: Record<string, string> };
    assert.equal(Buffer.from(s.data.DB_PASSWORD!, 'base64').toString(), v.password2, 'KV v2, latest version');
    assert.equal(Buffer.from(s.data.API_KEY!, 'base64').toString(), v.password, '--set, KV v2 pinned to version 1');
    const cm = JSON.parse(await kubectl(kubeconfig, CONTEXTS.paris, ['get', 'configmap', 'legacy-config', '-n', ns, '-o', 'json'])) as { data: Record<string, string> };
    assert.equal(cm.data.LOG_LEVEL, v.legacy, 'release set:, KV v1');
    assert.equal(cm.data.DSN, `postgres://${v.region}:${v.password2}@db:5432/accounts`, 'cluster overlay, a JSON pointer');
  });

  it('a missing key, an unknown path and a denied policy: exit 4 naming file, line and reference, never a value', async () => {
    const bad = `db:\n  password: ref+vault://secret/data/app#pasword\napiKey: ref+vault://secret/data/nope#password\nother: ref+vault://restricted/data/db#password\n`;
    const dir = scratchRepo(files(bad));
    const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major, env });
    const plan = await run(['plan']);
    assert.equal(plan.exitCode, 4, plan.stderr);
    assert.match(plan.stdout, /values\/legacy\.yaml:2:13: secret reference "ref\+vault:\/\/secret\/data\/app#pasword" \(cluster paris\): the secret has no key pasword in Vault http:\/\/127\.0\.0\.1:\d+ \(its keys: password\)/);
    assertNoSecret('plan (missing key)', plan, Object.values(v));

    const online = await run(['validate', '--online']);
    assert.equal(online.exitCode, 4, online.stderr);
    const lines = online.stderr.split('\n').filter((l) => l.includes('secret reference'));
    assert.equal(lines.length, 3, online.stderr);
    assert.match(lines[0]!, /^values\/legacy\.yaml:2:13: secret reference "ref\+vault:\/\/secret\/data\/app#pasword" \(cluster paris\): the secret has no key pasword/);
    assert.match(lines[1]!, /^values\/legacy\.yaml:3:9: secret reference "ref\+vault:\/\/secret\/data\/nope#password" \(cluster paris\): no secret at secret\/data\/nope in Vault /);
    assert.match(lines[2]!, /^values\/legacy\.yaml:4:8: secret reference "ref\+vault:\/\/restricted\/data\/db#password" \(cluster paris\): permission denied reading restricted\/data\/db in Vault .*policies/);
    assertNoSecret('validate --online', online, Object.values(v));
    const offline = await run(['validate']);
    assert.equal(offline.exitCode, 0, `validate (offline) checks syntax only: ${offline.stderr}`);
  });

  it('no token, no sops binary, a key sops cannot find: exit 4 with what to do', async () => {
    const dir = scratchRepo(files(`${GOOD}apiKey: ref+sops://values/s.enc.yaml#/apiKey\n`));
    await sopsEncrypt(join(dir, 'values/s.enc.yaml'), `apiKey: ${v.sops}\n`, age);
    const run = (args: string[], extra: Record<string, string>) => cascade(dir, args, { kubeconfig, helm: major, env: { ...env, ...extra } });
    const noToken = await run(['plan'], { CI_VAULT_TOKEN: '' });
    assert.equal(noToken.exitCode, 4, noToken.stderr);
    assert.match(noToken.stdout, /the Vault token is read from \$CI_VAULT_TOKEN, which is not set/);
    const noSops = await run(['plan'], { SOPS_BIN: '/nonexistent/sops' });
    assert.equal(noSops.exitCode, 4, noSops.stderr);
    assert.match(noSops.stdout, /sops is needed to decrypt values\/s\.enc\.yaml, and "\/nonexistent\/sops" is not installed/);
    const otherKey = await newAgeKey();
    const noKey = await run(['plan'], { SOPS_AGE_KEY_FILE: otherKey.file });
    assert.equal(noKey.exitCode, 4, noKey.stderr);
    assert.match(noKey.stdout, /sops could not decrypt values\/s\.enc\.yaml/);
    for (const r of [noToken, noSops, noKey]) assertNoSecret('plan (failures)', r, Object.values(v));
  });

  it('Vault stopped: exit 5, nothing changed', async () => {
    const dir = scratchRepo(files(GOOD));
    await vault.stop();
    const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major, env });
    for (const args of [['plan'], ['apply', '--yes'], ['validate', '--online']]) {
      const r = await run(args);
      assert.equal(r.exitCode, 5, `${args.join(' ')}: ${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /Vault http:\/\/127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED/);
    }
  });
});
