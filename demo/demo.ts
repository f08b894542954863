// The demo: the main job on a built-in local setup. Brings the local fleet up
// for the example repository (real kube-apiservers, kwok nodes), then runs
// helm-cascade as a user would: validate, plan, a full rollout through every
// wave, status, a second apply that changes nothing, and finally a canary
// that crashes being stopped (and rolled back) before production.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureFleet } from '../fleet/fleet-api.ts';
import { helmBin, kubectlBin, repoRoot } from '../fleet/tools.ts';

const bin = join(repoRoot, 'bin', 'helm-cascade.js');
const bold = process.stdout.isTTY ? (s: string) => `\x1b[1m${s}\x1b[0m` : (s: string) => s;
const say = (s: string) => process.stdout.write(`\n${bold(`== ${s}`)}\n`);

const fleet = await ensureFleet({ clustersFile: join(repoRoot, 'clusters.yaml') });
const env = { KUBECONFIG: fleet.kubeconfig, HELM_BIN: process.env.HELM_BIN ?? helmBin(3), KUBECTL_BIN: kubectlBin(), CI: process.env.CI ?? '' };

async function cascade(cwd: string, args: string[], expect: number[]): Promise<number> {
  process.stdout.write(`\n$ helm-cascade ${args.join(' ')}\n`);
  const r = await execa(process.execPath, [bin, ...args], { cwd, env, reject: false, stdio: 'inherit' });
  const code = r.exitCode ?? 1;
  if (!expect.includes(code)) {
    process.stderr.write(`demo: helm-cascade ${args.join(' ')} exited ${code}, expected ${expect.join(' or ')}\n`);
    process.exit(1);
  }
  return code;
}

// a scratch copy of the example repository, so the demo can edit it
const work = mkdtempSync(join(tmpdir(), 'helm-cascade-demo-'));
for (const p of ['clusters.yaml', 'releases', 'values', 'charts', 'schema']) cpSync(join(repoRoot, p), join(work, p), { recursive: true });
// HELM_CASCADE_DEMO_NAMESPACE_SUFFIX=x puts the releases in namespaces of their own (accounts-x,
// edge-x), so the demo's test never shares a namespace with another run on the same fleet
const nsSuffix = process.env.HELM_CASCADE_DEMO_NAMESPACE_SUFFIX;
if (nsSuffix) {
  for (const f of readdirSync(join(work, 'releases'))) {
    const file = join(work, 'releases', f);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^namespace: (\S+)$/m, `namespace: $1-${nsSuffix}`));
  }
}

say('1. validate the example deploy repository');
await cascade(work, ['validate'], [0]);

say('2. plan: what would change, wave by wave');
await cascade(work, ['plan', '--detailed-exitcode'], [0, 2]);

say('3. apply: a full rollout through every wave, gated on health');
await cascade(work, ['apply', '--yes'], [0]);

say('4. status: every release, its revision and health');
await cascade(work, ['status'], [0]);

say('5. apply again: nothing to change, no helm write call');
await cascade(work, ['apply', '--yes'], [0]);

say('6. a bad canary: account-service 1.5.0 crashes on start (the free track is hit first)');
const rel = join(work, 'releases', 'account-service.yaml');
writeFileSync(
  rel,
  readFileSync(rel, 'utf8')
    .replace('set: { image.tag: "1.4.2" }', 'set: { image.tag: "1.5.0" }')
    .replace('free:       { set: { replicaCount: 2 } }', 'free:       { values: [values/account-service/crash.yaml], set: { replicaCount: 2 } }'),
);
// the local fleet's kwok nodes make pods with this annotation crash-loop (see the README)
writeFileSync(join(work, 'values', 'account-service', 'crash.yaml'), 'podAnnotations:\n  fleet.helm-cascade.dev/behavior: crashloop\n');
await cascade(work, ['plan', '-l', 'name=account-service'], [0]);
const code = await cascade(work, ['apply', '--yes', '--junit', join(work, 'apply.xml')], [3]);
say(`apply exited ${code}: the canary wave was rolled back, production never saw 1.5.0`);
await cascade(work, ['status', '-l', 'name=account-service'], [0]);

rmSync(work, { recursive: true, force: true });
say(`demo done. The fleet keeps running: eval "$(npm run -s fleet -- env)" to use helm/kubectl/helm-cascade on it; npm run fleet -- down to stop it.`);
