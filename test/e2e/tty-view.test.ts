// apply's listr2 view, read off a real terminal: apply runs inside tmux (a
// real pseudo-terminal and a screen emulator, on a private server socket)
// against the shared fleet with the real helm 3 and helm 4, and the test
// reads the screen tmux shows: the wave -> cluster -> release tree with each
// release's outcome, then the summary, once, not overwritten by the tree.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { helmBin, kubectlBin, repoRoot } from '../../fleet/tools.ts';
import type { HelmMajor } from '../../fleet/tools.ts';
import { CONTEXTS, helmMajors, scratchRepo, sharedFleet, suffix, writeRepoFiles } from './support/cascade.ts';
import { fleetState, namespaces } from './support/fleet-state.ts';
import { listenLocal } from './support/prometheus.ts';

const CLUSTERS = `clusters:
  paris: { context: ${CONTEXTS.paris}, provider: onprem, region: europe }
  us: { context: ${CONTEXTS.us}, provider: gke, region: us }
tracks: [internal, production]
waves:
  - { name: internal, tracks: [internal] }
  - { name: production, tracks: [production] }
health: { timeout: 60s, soak: 1s, minReadyEndpoints: 1, maxRestarts: 0 }
`;

const release = (ns: string, extra = '') => `name: web
namespace: ${ns}
chart: { ref: charts/cascade-demo }
tracks: { internal: {}, production: {} }
${extra}`;

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs helm-cascade in a detached tmux session (200x60, UTF-8, no CI variable:
 * a developer's terminal) and returns the screen, scrollback included, once
 * the command has exited, and its exit code.
 */
async function onTerminal(dir: string, args: string[], env: Record<string, string>): Promise<{ screen: string; exitCode: number }> {
  const socket = `hc-17b-${process.pid}-${suffix()}`;
  const tmux = (...a: string[]) => execa('tmux', ['-L', socket, ...a], { reject: false });
  const vars = Object.entries({ ...env, TERM: 'xterm-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }).map(([k, v]) => `${k}=${sh(v)}`);
  const cmd = `cd ${sh(dir)} && env -u CI ${vars.join(' ')} ${sh(process.execPath)} ${sh(join(repoRoot, 'bin', 'helm-cascade.js'))} ${args.map(sh).join(' ')}; echo "EXIT=$?"; sleep 3600`;
  const started = await tmux('-u', 'new-session', '-d', '-x', '200', '-y', '60', '-s', 'apply', cmd);
  assert.equal(started.exitCode, 0, String(started.stderr));
  try {
    await tmux('set-option', '-t', 'apply', 'history-limit', '5000');
    for (let i = 0; i < 1800; i++) {
      const pane = await tmux('capture-pane', '-p', '-J', '-t', 'apply', '-S', '-5000');
      const m = /^EXIT=(\d+)$/m.exec(String(pane.stdout));
      if (m) return { screen: String(pane.stdout).replace(/\s+$/, ''), exitCode: Number(m[1]) };
      await sleep(200);
    }
    throw new Error(`helm-cascade ${args.join(' ')} did not finish on the terminal`);
  } finally {
    await tmux('kill-server');
  }
}

const count = (text: string, line: RegExp) => text.split('\n').filter((l) => line.test(l)).length;

for (const major of helmMajors()) {
  describe(`apply on a terminal: the listr2 view (helm ${major})`, { timeout: 600_000 }, () => {
    let kubeconfig = '';
    const state = fleetState(major, () => kubeconfig);
    const nss = namespaces(`tty-${major}`, [CONTEXTS.paris, CONTEXTS.us], () => kubeconfig);
    const env = () => ({ KUBECONFIG: kubeconfig, HELM_BIN: helmBin(major as HelmMajor), KUBECTL_BIN: kubectlBin() });
    let broken: Awaited<ReturnType<typeof listenLocal>>;

    before(async () => {
      kubeconfig = await sharedFleet();
      broken = await listenLocal((_req, res) => void res.writeHead(503).end());
    });
    after(async () => {
      await new Promise((resolve) => broken?.server.close(resolve));
      assert.deepEqual(await nss.cleanup(), [], 'namespaces deleted');
    });

    it('shows the wave/cluster/release tree with each outcome, then the summary once', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      const { screen, exitCode } = await onTerminal(dir, ['apply', '--yes'], env());
      assert.equal(exitCode, 0, screen);
      const tree = [
        '✔ wave internal',
        '  ✔ paris',
        `    ✔ ${ns}/web-internal: installed revision 1, gate passed`,
        '  ✔ us',
        `    ✔ ${ns}/web-internal: installed revision 1, gate passed`,
        '✔ wave production',
        '  ✔ paris',
        `    ✔ ${ns}/web-production: installed revision 1, gate passed`,
        '  ✔ us',
        `    ✔ ${ns}/web-production: installed revision 1, gate passed`,
      ];
      const lines = screen.split('\n').map((l) => l.trimEnd());
      const at = lines.indexOf(tree[0]!);
      assert.ok(at >= 0, screen);
      assert.deepEqual(lines.slice(at, at + tree.length), tree, screen);
      assert.deepEqual(lines.slice(at + tree.length).filter((l) => l !== ''), [
        'Waves: internal: passed, production: passed',
        'Apply complete: every wave passed its gates. 4 applied, 0 unchanged, 0 rolled back, 0 not started.',
        'EXIT=0',
      ]);
      assert.equal(count(screen, /wave internal/), 1, `the tree is drawn once: ${screen}`);
      assert.equal(count(screen, /^Apply complete:/), 1, screen);
      for (const ctx of [CONTEXTS.paris, CONTEXTS.us]) assert.deepEqual(await state.releases(ctx, ns), [['web-internal', 1, 'deployed'], ['web-production', 1, 'deployed']]);
    });

    it('a failed gate shows as a failed release with its reason, the later wave as not started, then the summary once', async () => {
      const ns = nss.next();
      const dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': release(ns) });
      writeRepoFiles(dir, { 'releases/web.yaml': release(ns, `clusters: { paris: {} }\nhealth: { http: [{ url: "${broken.url}/ready", expectStatus: 200 }] }\n`) });
      const { screen, exitCode } = await onTerminal(dir, ['apply', '--yes'], env());
      assert.equal(exitCode, 3, screen);
      const reason = `http ${broken.url}/ready failed during the soak: answered 503, expected 200`;
      const lines = screen.split('\n').map((l) => l.trimEnd());
      const at = lines.indexOf('⚠ wave internal: failed');
      assert.ok(at >= 0, screen);
      assert.deepEqual(lines.slice(at).filter((l) => l !== ''), [
        '⚠ wave internal: failed',
        '  ⚠ paris',
        `    ✖ ${ns}/web-internal: uninstalled (installed by this run) — ${reason}`,
        '↓ wave production: not started',
        'helm-cascade: health gate failed in wave "internal" (see above)',
        'Waves: internal: failed, production: not-started',
        `FAILED  paris/${ns}/web-internal [internal]: ${reason}`,
        `UNDONE  paris/${ns}/web-internal [internal]: uninstalled (installed by this run)`,
        'Apply halted: wave "internal" failed; later waves were not started. 0 applied, 0 unchanged, 1 rolled back, 1 not started.',
        'EXIT=3',
      ], screen);
      assert.equal(count(screen, /wave internal/), 1, `the tree is drawn once: ${screen}`);
      assert.deepEqual(await state.releases(CONTEXTS.paris, ns), [], 'the install was undone');
    });
  });
}
