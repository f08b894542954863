// clusters.yaml `vault:` (config/vault.ts): the default and each cluster's
// override, merged field by field, defaults explicit, mistakes named with
// their place; and validate's offline checks of secret references.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadDeployRepo } from '../../../src/config/load.ts';
import { vaultBuilder } from '../../../src/config/vault.ts';
import { readYamlFile } from '../../../src/config/yaml-file.ts';
import type { Diagnostic } from '../../../src/errors.ts';
import { formatDiagnostic } from '../../../src/errors.ts';
import { tempDir } from '../../support/tmp.ts';

function load(files: Record<string, string>, links: Record<string, string> = {}) {
  const dir = tempDir('hc-vault-config-');
  mkdirSync(join(dir, 'releases'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  for (const [name, target] of Object.entries(links)) symlinkSync(target, join(dir, name));
  const r = loadDeployRepo({ clustersFile: 'clusters.yaml', cwd: dir });
  return { repo: r.repo, problems: r.diagnostics.map(formatDiagnostic) };
}

describe('vault: in clusters.yaml', () => {
  it('a cluster overrides the default field by field; auth merges within a method and is replaced across methods', () => {
    const { repo, problems } = load({
      'clusters.yaml': `vault:
  address: https://vault.example.com/
  mount: secret
  auth: { method: approle, roleIdEnv: JENKINS_ROLE }
clusters:
  paris: { context: p, vault: { address: https://vault.paris.example.com, namespace: dc-paris, auth: { secretIdEnv: PARIS_SECRET } } }
  ams: { context: a, vault: { mount: kv-ams, kvVersion: 1, auth: { method: kubernetes, role: drift } } }
  us: { context: u }
`,
    });
    assert.deepEqual(problems, []);
    const v = Object.fromEntries(repo!.config.clusters.map((c) => [c.name, c.vault]));
    assert.deepEqual({ ...v.paris, pos: undefined }, { address: 'https://vault.paris.example.com', namespace: 'dc-paris', mount: 'secret', kvVersion: 2, auth: { method: 'approle', mount: 'approle', roleIdEnv: 'JENKINS_ROLE', secretIdEnv: 'PARIS_SECRET' }, pos: undefined });
    assert.deepEqual({ ...v.ams, pos: undefined }, { address: 'https://vault.example.com', mount: 'kv-ams', kvVersion: 1, auth: { method: 'kubernetes', mount: 'kubernetes', role: 'drift', tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' }, pos: undefined });
    assert.deepEqual({ ...v.us, pos: undefined }, { address: 'https://vault.example.com', mount: 'secret', kvVersion: 2, auth: { method: 'approle', mount: 'approle', roleIdEnv: 'JENKINS_ROLE', secretIdEnv: 'VAULT_SECRET_ID' }, pos: undefined });
    assert.equal(v.paris!.pos.line, 6);
  });

  it('without vault: a cluster reads $VAULT_ADDR with the token in $VAULT_TOKEN', () => {
    const { repo } = load({ 'clusters.yaml': 'clusters:\n  a: { context: a }\n' });
    assert.deepEqual({ ...repo!.config.clusters[0]!.vault, pos: undefined }, { kvVersion: 2, auth: { method: 'token', tokenEnv: 'VAULT_TOKEN' }, pos: undefined });
  });

  it('names every mistake at its place', () => {
    const { problems } = load({
      'clusters.yaml': `vault:
  address: vault.example.com
  auth: { method: kubernetes, tokenEnv: X }
  kv: 2
clusters:
  a: { context: a, vault: { address: "https://bob:pw@vault.example.com" } }
  b: { context: b, vault: { auth: { method: tokens } } }
`,
    });
    assert.deepEqual(problems, [
      'clusters.yaml:2:12: vault.address is not a URL (write e.g. https://vault.example.com:8200)',
      'clusters.yaml:3:9: vault.auth: method "kubernetes" needs the Vault role to log in as ("role")',
      'clusters.yaml:3:31: vault.auth.tokenEnv does not apply to method "kubernetes" (its fields: role, tokenFile, mount)',
      'clusters.yaml:4:3: unknown key "kv" in vault (allowed: address, namespace, mount, kvVersion, auth)',
      'clusters.yaml:6:38: vault.address must not hold credentials (give them with vault.auth)',
      'clusters.yaml:7:45: clusters.b.vault.auth.method must be one of token, approle, kubernetes, got "tokens"',
    ]);
  });
});

describe('vault: each field and method, in detail', () => {
  const vaults = (text: string) => {
    const { repo, problems } = load({ 'clusters.yaml': text });
    return { v: Object.fromEntries(repo!.config.clusters.map((c) => [c.name, c.vault])), problems };
  };
  const noPos = <T extends { pos: unknown }>(x: T | undefined) => ({ ...x, pos: undefined });

  it('each method takes its own fields and fills the rest with defaults', () => {
    const { v, problems } = vaults(`clusters:
  tok: { context: t, vault: { auth: { method: token, tokenEnv: CI_TOKEN } } }
  app: { context: a, vault: { auth: { method: approle, mount: ci-approle } } }
  k8s: { context: k, vault: { auth: { method: kubernetes, role: deployer, tokenFile: /tmp/sa-token, mount: k8s-prod } } }
  k8d: { context: d, vault: { auth: { method: kubernetes, role: deployer } } }
`);
    assert.deepEqual(problems, []);
    assert.deepEqual(v.tok!.auth, { method: 'token', tokenEnv: 'CI_TOKEN' });
    assert.deepEqual(v.app!.auth, { method: 'approle', mount: 'ci-approle', roleIdEnv: 'VAULT_ROLE_ID', secretIdEnv: 'VAULT_SECRET_ID' });
    assert.deepEqual(v.k8s!.auth, { method: 'kubernetes', mount: 'k8s-prod', role: 'deployer', tokenFile: '/tmp/sa-token' });
    assert.deepEqual(v.k8d!.auth, { method: 'kubernetes', mount: 'kubernetes', role: 'deployer', tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
  });

  it('a field of another method is named with the fields of the method in force', () => {
    const { problems } = vaults(`clusters:
  a: { context: a, vault: { auth: { method: token, role: r } } }
  b: { context: b, vault: { auth: { method: approle, tokenFile: f } } }
`);
    assert.deepEqual(problems, [
      'clusters.yaml:2:52: vault.auth.role does not apply to method "token" (its fields: tokenEnv)',
      'clusters.yaml:3:54: vault.auth.tokenFile does not apply to method "approle" (its fields: roleIdEnv, secretIdEnv, mount)',
    ]);
  });

  it('kubernetes without a role is reported and leaves the role empty', () => {
    const { v, problems } = vaults('clusters:\n  a: { context: a, vault: { auth: { method: kubernetes } } }\n');
    assert.deepEqual(problems, ['clusters.yaml:2:35: vault.auth: method "kubernetes" needs the Vault role to log in as ("role")']);
    assert.deepEqual(v.a!.auth, { method: 'kubernetes', mount: 'kubernetes', role: '', tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' });
  });

  it('a cluster switching to token, or naming an unknown method, against an approle default', () => {
    const { v, problems } = vaults(`vault:
  auth: { method: approle, roleIdEnv: R }
clusters:
  tok: { context: t, vault: { auth: { method: token, tokenEnv: T } } }
  bad: { context: b, vault: { auth: { method: tokens, tokenEnv: T } } }
`);
    assert.deepEqual(problems, ['clusters.yaml:5:47: clusters.bad.vault.auth.method must be one of token, approle, kubernetes, got "tokens"']);
    assert.deepEqual(v.tok!.auth, { method: 'token', tokenEnv: 'T' });
    // the unknown block is left out: the default's auth stands
    assert.deepEqual(v.bad!.auth, { method: 'approle', mount: 'approle', roleIdEnv: 'R', secretIdEnv: 'VAULT_SECRET_ID' });
  });

  it('addresses: http and https pass, other schemes and credentials (even a lone user) do not; trailing slashes go', () => {
    const { v, problems } = vaults(`clusters:
  h: { context: h, vault: { address: "http://vault.local:8200" } }
  s: { context: s, vault: { address: "https://vault.example.com//" } }
  f: { context: f, vault: { address: "ftp://vault.example.com" } }
  u: { context: u, vault: { address: "https://bob@vault.example.com" } }
`);
    assert.deepEqual(problems, [
      'clusters.yaml:4:38: vault.address must be an http:// or https:// URL',
      'clusters.yaml:5:38: vault.address must not hold credentials (give them with vault.auth)',
    ]);
    assert.equal(v.h!.address, 'http://vault.local:8200');
    assert.equal(v.s!.address, 'https://vault.example.com');
  });

  it('a cluster\'s kvVersion 2 overrides a default of 1', () => {
    const { v } = vaults('vault: { kvVersion: 1 }\nclusters:\n  a: { context: a, vault: { kvVersion: 2 } }\n  b: { context: b }\n');
    assert.equal(v.a!.kvVersion, 2);
    assert.equal(v.b!.kvVersion, 1);
  });

  it('values of the wrong type or empty strings are not taken (the schema names the wrong types)', () => {
    const { v, problems } = vaults(`vault:
  namespace: team
  address: https://vault.example.com
clusters:
  a: { context: a, vault: { namespace: 5, address: "", mount: "", auth: [x] } }
`);
    assert.deepEqual(problems, [
      'clusters.yaml:5:40: clusters.a.vault.namespace must be a string, got a whole number',
      'clusters.yaml:5:52: clusters.a.vault.address must not be empty',
      'clusters.yaml:5:63: clusters.a.vault.mount must not be empty',
      'clusters.yaml:5:63: clusters.a.vault.mount: "" is not a valid name (lower-case letters, digits and \'-\')',
      'clusters.yaml:5:73: clusters.a.vault.auth must be a map, got a list (1 item)',
    ]);
    assert.deepEqual(noPos(v.a), { address: 'https://vault.example.com', namespace: 'team', kvVersion: 2, auth: { method: 'token', tokenEnv: 'VAULT_TOKEN' }, pos: undefined });
  });

  it('pos: the last non-empty vault block, else the top of the file', () => {
    const { v } = vaults(`# fleet
vault: { namespace: ns }
clusters:
  a: { context: a, vault: {} }
`);
    assert.equal(v.a!.pos.line, 2);
    const none = vaults('# fleet\n\nclusters:\n  a: { context: a }\n');
    assert.equal(none.v.a!.pos.line, 3);
    const list = vaults('# fleet\n\nvault: [x]\nclusters:\n  a: { context: a }\n');
    assert.equal(list.v.a!.pos.line, 3);
  });

  it('vaultBuilder reports a mistake of the default once, even before any cluster asks, and once for many clusters', () => {
    const dir = tempDir('hc-vault-builder-');
    writeFileSync(join(dir, 'clusters.yaml'), 'vault:\n  address: nowhere\nclusters: {}\n');
    const file = readYamlFile(join(dir, 'clusters.yaml'), 'clusters.yaml');
    const diags: Diagnostic[] = [];
    const vaultFor = vaultBuilder(file, (file.data as { vault: unknown }).vault, diags);
    assert.deepEqual(diags.map(formatDiagnostic), ['clusters.yaml:2:12: vault.address is not a URL (write e.g. https://vault.example.com:8200)']);
    vaultFor('a', undefined);
    vaultFor('b', { namespace: 'x' });
    assert.equal(diags.length, 1);
  });
});

describe('validate: secret references, offline', () => {
  const clusters = 'clusters:\n  a: { context: a }\n';
  const sops = 'account:\n  apiKey: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:m,iv:i,tag:t,type:str]\n  version: 3.13.3\n';

  it('malformed references, sops files outside, missing, not encrypted, or without the value, each at its place', () => {
    const { problems } = load({
      'clusters.yaml': clusters,
      'releases/app.yaml': `name: app
namespace: app
chart: { ref: charts/app }
values: [values/app.yaml]
set:
  db.password: ref+vault://secret/data/app
  tracks: x
clusters:
  a:
    set: { token: "ref+gcpsecrets://x#y" }
`,
      'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n',
      'values/app.yaml': `ok: ref+sops://values/s.enc.yaml#/account/apiKey
missingKey: ref+sops://values/s.enc.yaml#/account/apikey
outside: ref+sops://../s.enc.yaml#/a
absent: ref+sops://values/none.yaml#/a
plain: ref+sops://values/plain.yaml#/a
list: [ok, "ref+vault://secret/data/app#"]
linked: ref+sops://values/etc/hostname#/a
`,
      'values/s.enc.yaml': sops,
      'values/plain.yaml': 'a: 1\n',
    }, { 'values/etc': '/etc' });
    assert.deepEqual(problems.filter((p) => p.includes('secret reference')), [
      'releases/app.yaml:6:16: secret reference "ref+vault://secret/data/app" names no key: write ref+vault://PATH#KEY (e.g. ref+vault://secret/data/app#password)',
      'releases/app.yaml:10:19: secret reference "ref+gcpsecrets://x#y" uses the scheme "gcpsecrets", which helm-cascade does not resolve (only ref+vault:// and ref+sops://)',
      'values/app.yaml:2:13: secret reference "ref+sops://values/s.enc.yaml#/account/apikey": values/s.enc.yaml has no /account/apikey (keys there: apiKey)',
      'values/app.yaml:3:10: secret reference "ref+sops://../s.enc.yaml#/a" has an empty, "." or ".." segment in its path',
      'values/app.yaml:4:9: secret reference "ref+sops://values/none.yaml#/a": sops file not found: values/none.yaml (paths are relative to the folder holding clusters.yaml)',
      'values/app.yaml:5:8: secret reference "ref+sops://values/plain.yaml#/a": values/plain.yaml is not sops-encrypted (no "sops" metadata): encrypt it with sops --encrypt',
      'values/app.yaml:6:12: secret reference "ref+vault://secret/data/app#" names no key after #',
      'values/app.yaml:7:9: secret reference "ref+sops://values/etc/hostname#/a": sops file "values/etc/hostname" leads outside the deploy repository through a symlink (paths must stay inside the folder holding clusters.yaml); nothing was read',
    ]);
  });
});
