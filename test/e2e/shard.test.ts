// apply --plan plan.json --wave W --shard i/n on the shared fleet: two
// agents (processes) apply the two shards of one wave at once from one saved
// plan: disjoint, together the whole wave, a failover with its primary, each
// release applied once; a unit's Lease held by another run refuses only the
// shard that holds that unit (exit 5, the holder named), the other shard
// applies; a bad --shard is exit 4. `report` merges the two shards' run logs
// into one HTML timeline (opened in headless Chromium) and one JUnit file
// (valid against Jenkins' junit-10.xsd), every unit of both shards in each.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cascade, CONTEXTS, helmJson, helmMajors, historyOrNone, kubectl, scratchRepo, sharedFleet, suffix } from './support/cascade.ts';
import type { HistoryEntry } from './support/cascade.ts';
import { openInChromium } from '../support/browser.ts';
import { assertValidJunit } from '../ship/support/junit-xsd.ts';

const CLUSTERS = `clusters:
  paris: { context: ${CONTEXTS.paris}, provider: onprem, region: europe }
  europe: { context: ${CONTEXTS.europe}, provider: gke, region: europe, failoverFor: paris }
  us: { context: ${CONTEXTS.us}, provider: gke, region: us }
  amsterdam: { context: ${CONTEXTS.amsterdam}, provider: onprem, region: europe }
waves:
  - { name: prod }
health: { timeout: 90s, soak: 0s, minReadyEndpoints: 1, maxRestarts: 0 }
`;

interface JsonRun {
  units: { id: string; cluster: string; outcome: string }[];
}

for (const major of helmMajors()) {
  describe(`apply --shard on the local fleet (helm ${major})`, { timeout: 900_000 }, () => {
    let kubeconfig = '';
    const ns = `i15-shard-${major}-${suffix()}`;
    let dir = '';
    const run = (args: string[]) => cascade(dir, args, { kubeconfig, helm: major });
    before(async () => {
      kubeconfig = await sharedFleet();
      dir = scratchRepo({ 'clusters.yaml': CLUSTERS, 'releases/web.yaml': `name: web\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\n`, 'releases/api.yaml': `name: api\nnamespace: ${ns}\nchart: { ref: charts/cascade-demo }\n` });
    });
    after(async () => {
      for (const ctx of [CONTEXTS.paris, CONTEXTS.europe, CONTEXTS.us, CONTEXTS.amsterdam]) await kubectl(kubeconfig, ctx, ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).catch(() => undefined);
    });

    it('a bad --shard is refused with exit 4 before anything is read', async () => {
      const r = await run(['apply', '--yes', '--wave', 'prod', '--shard', '3/2']);
      assert.equal(r.exitCode, 4, r.stderr);
      assert.match(r.stderr, /--shard "3\/2": expected i\/n with 1 <= i <= n \(e\.g\. --shard 1\/4\)/);
      const noWave = await run(['apply', '--yes', '--shard', '1/2']);
      assert.equal(noWave.exitCode, 4, noWave.stderr);
      assert.match(noWave.stderr, /--shard 1\/2 needs --wave/);
    });

    it('two shards of one wave, at once: disjoint, the whole wave, each release once', async () => {
      const plan = await run(['plan', '--out', join(dir, 'plan.json')]);
      assert.equal(plan.exitCode, 0, plan.stderr + plan.stdout);
      const shard = (i: number) => run(['apply', '--plan', join(dir, 'plan.json'), '--wave', 'prod', '--shard', `${i}/2`, '--yes', '-o', 'json', '--log', join(dir, `shard-${i}.jsonl`)]);
      const [one, two] = await Promise.all([shard(1), shard(2)]);
      assert.equal(one.exitCode, 0, one.stderr + one.stdout);
      assert.equal(two.exitCode, 0, two.stderr + two.stdout);
      assert.match(one.stderr + one.stdout, /shard 1\/2 of wave prod: /);
      const ids = (r: { stdout: string }) => (JSON.parse(r.stdout) as JsonRun).units.filter((u) => u.outcome === 'applied').map((u) => u.id);
      const a = ids(one);
      const b = ids(two);
      assert.deepEqual(a.filter((x) => b.includes(x)), [], 'disjoint');
      const all = ['paris', 'europe', 'us', 'amsterdam'].flatMap((c) => [`${c}/${ns}/api`, `${c}/${ns}/web`]).sort();
      assert.deepEqual([...a, ...b].sort(), all, 'together the whole wave');
      const withParis = [a, b].find((s) => s.includes(`paris/${ns}/web`))!;
      assert.ok(withParis.includes(`europe/${ns}/web`), 'the failover is in its primary\'s shard');
      for (const c of ['paris', 'europe', 'us', 'amsterdam'] as const) {
        for (const name of ['web', 'api']) {
          const h = await helmJson<HistoryEntry[]>(major, kubeconfig, CONTEXTS[c], ['history', name, '-n', ns]);
          assert.deepEqual(h.map((x) => x.revision), [1], `${c}/${name} applied once`);
        }
      }

      // one report of the wave from the two agents' run logs
      const logs = [join(dir, 'shard-1.jsonl'), join(dir, 'shard-2.jsonl')];
      const headers = logs.map((f) => JSON.parse(readFileSync(f, 'utf8').split('\n')[0]!) as { event: string; shard: { index: number }; clusters: string[] });
      assert.deepEqual(headers.map((h) => [h.event, h.shard.index]), [['run-start', 1], ['run-start', 2]]);
      const html = await run(['report', ...logs, '--format', 'html', '--out', join(dir, 'wave.html')]);
      assert.equal(html.exitCode, 0, html.stderr);
      const page = await openInChromium(join(dir, 'wave.html'), { evaluate: 'JSON.stringify([...document.querySelectorAll("[data-unit]")].map((e) => [e.dataset.unit, e.dataset.outcome]))', screenshot: join(dir, 'wave.png') });
      assert.deepEqual([page.console, page.exceptions], [[], []], 'no console error, no exception');
      assert.deepEqual(page.requests, [`file://${join(dir, 'wave.html')}`], 'no request but the page itself');
      const rows = JSON.parse(String(page.value)) as [string, string][];
      assert.deepEqual(rows.map(([u]) => u).sort(), all, 'every unit of both shards on one timeline');
      assert.ok(rows.every(([, o]) => o === 'applied'), JSON.stringify(rows));
      const junit = await run(['report', ...logs, '--format', 'junit', '--out', join(dir, 'wave.xml')]);
      assert.equal(junit.exitCode, 0, junit.stderr);
      const xml = readFileSync(join(dir, 'wave.xml'), 'utf8');
      assertValidJunit(xml);
      for (const id of all) assert.ok(xml.includes(`<testcase name="${id}" classname="apply.prod"`), id);
      assert.match(xml, /<testsuite name="helm-cascade apply: wave prod" id="0" tests="8" failures="0" errors="0" skipped="0"/);
    });

    it('report merges the drift JSON reports of drift --shard 1/2 and 2/2 into the report of one drift; a run log among them is refused', async () => {
      const shard = (i: number) => run(['drift', '--shard', `${i}/2`, '--format', `json=${join(dir, `drift-${i}.json`)}`]);
      const [one, two] = await Promise.all([shard(1), shard(2)]);
      assert.equal(one.exitCode, 0, one.stderr + one.stdout);
      assert.equal(two.exitCode, 0, two.stderr + two.stdout);
      const whole = await run(['drift', '--format', `json=${join(dir, 'drift-all.json')}`]);
      assert.equal(whole.exitCode, 0, whole.stderr + whole.stdout);
      type Drift = { shard?: { index: number }; clusters: { name: string }[]; units: { id: string; state: string }[]; summary: unknown };
      const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Drift;
      const [d1, d2, all] = [read('drift-1.json'), read('drift-2.json'), read('drift-all.json')];
      assert.ok(d1.units.length > 0 && d2.units.length > 0, 'each shard read some of the releases');
      assert.equal(d1.units.length + d2.units.length, all.units.length, 'the shards split the releases');
      const merged = await run(['report', join(dir, 'drift-1.json'), join(dir, 'drift-2.json'), '--format', 'json']);
      assert.equal(merged.exitCode, 0, merged.stderr);
      const m = JSON.parse(merged.stdout) as Drift;
      assert.equal(m.shard, undefined);
      assert.deepEqual(m.units.map((u) => [u.id, u.state]).sort(), all.units.map((u) => [u.id, u.state]).sort(), 'the units of one drift over every cluster');
      assert.deepEqual(m.clusters.map((c) => c.name).sort(), all.clusters.map((c) => c.name).sort());
      assert.deepEqual(m.summary, all.summary);
      const text = await run(['report', join(dir, 'drift-1.json'), join(dir, 'drift-2.json'), '--format', 'text']);
      assert.equal(text.exitCode, 0, text.stderr);
      for (const c of all.clusters.map((x) => x.name)) assert.ok(text.stdout.includes(c), `${c} in\n${text.stdout}`);
      const half = await run(['report', join(dir, 'drift-2.json'), '--format', 'json']);
      assert.match((JSON.parse(half.stdout) as { notes: string[] }).notes.join('\n'), /shard 1\/2 missing/);
      const mixed = await run(['report', join(dir, 'drift-1.json'), join(dir, 'shard-1.jsonl'), '--format', 'json']);
      assert.equal(mixed.exitCode, 4, mixed.stderr);
      assert.match(mixed.stderr, /shard-1\.jsonl: a run log, but \S*drift-1\.json is a drift report: report merges run logs or drift reports, not both/);
    });

    it('a Lease held by another run refuses the shard holding that unit, and only it', async () => {
      const ns2 = `${ns}-lock`;
      writeFileSync(join(dir, 'releases/web.yaml'), `name: web\nnamespace: ${ns2}\nchart: { ref: charts/cascade-demo }\n`);
      writeFileSync(join(dir, 'releases/api.yaml'), `name: api\nnamespace: ${ns2}\nchart: { ref: charts/cascade-demo }\n`);
      await kubectl(kubeconfig, CONTEXTS.us, ['create', 'namespace', ns2]);
      const now = new Date().toISOString().replace('Z', '000Z');
      const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'helm-cascade.web', namespace: ns2 }, spec: { holderIdentity: 'jenkins-other-7', leaseDurationSeconds: 600, acquireTime: now, renewTime: now } };
      writeFileSync(join(dir, 'lease.json'), JSON.stringify(lease));
      await kubectl(kubeconfig, CONTEXTS.us, ['create', '-f', join(dir, 'lease.json')]);
      try {
        const shard = (i: number) => run(['apply', '--wave', 'prod', '--shard', `${i}/2`, '--yes']);
        const [one, two] = await Promise.all([shard(1), shard(2)]);
        const withUs = /shard \d\/2 of wave prod: [^\n]*\bus\b/.test(one.stdout + one.stderr) ? one : two;
        const other = withUs === one ? two : one;
        assert.equal(withUs.exitCode, 5, withUs.stderr + withUs.stdout);
        assert.match(withUs.stderr + withUs.stdout, /jenkins-other-7/);
        assert.equal(other.exitCode, 0, other.stderr + other.stdout);
        const us = await historyOrNone(major, kubeconfig, CONTEXTS.us, ns2, 'web');
        assert.deepEqual(us, [], 'the locked unit was not touched');
      } finally {
        for (const ctx of [CONTEXTS.paris, CONTEXTS.europe, CONTEXTS.us, CONTEXTS.amsterdam]) await kubectl(kubeconfig, ctx, ['delete', 'namespace', ns2, '--wait=false', '--ignore-not-found']).catch(() => undefined);
      }
    });
  });
}
